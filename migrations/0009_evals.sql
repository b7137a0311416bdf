-- The evaluation engine: runs and one row per sample × epoch result, written as each finishes.

CREATE TABLE eval_runs (
  id text PRIMARY KEY,
  -- What `earlywatch eval run` was given: a registered task name or a bundle path.
  task_ref text NOT NULL,
  task_name text NOT NULL,
  task_version integer NOT NULL DEFAULT 1,
  model text NOT NULL,
  base_url text,
  -- Envelope-encrypted provider credential, so any worker can call the model; null when none.
  credential jsonb,
  -- Epochs, limits, caps, budgets, seed and the like, as the run was configured.
  config jsonb NOT NULL,
  -- The selected sample ids in order (after shuffle / limit / id selection).
  sample_ids jsonb NOT NULL,
  epochs integer NOT NULL CHECK (epochs >= 1),
  total_units integer NOT NULL CHECK (total_units >= 0),
  status text NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'stopped')),
  status_reason text,
  label text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX eval_runs_created ON eval_runs (created_at DESC);
CREATE INDEX eval_runs_task ON eval_runs (task_name, created_at DESC);

CREATE TABLE eval_samples (
  run_id text NOT NULL REFERENCES eval_runs (id) ON DELETE CASCADE,
  sample_id text NOT NULL,
  epoch integer NOT NULL CHECK (epoch >= 1),
  -- Scorer name → {value, answer, explanation}.
  scores jsonb NOT NULL DEFAULT '{}',
  -- The first scorer's value, for sorting and filtering; null when the sample errored.
  score double precision,
  category text,
  grp text,
  difficulty text,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  cost double precision NOT NULL DEFAULT 0,
  tool_calls integer NOT NULL DEFAULT 0,
  messages integer NOT NULL DEFAULT 0,
  limit_kind text,
  error text,
  started_at timestamptz NOT NULL,
  completed_at timestamptz NOT NULL,
  total_ms integer NOT NULL,
  working_ms integer NOT NULL,
  -- The full transcript, compressed (and, when a hook is set, sealed); `transcript_scheme` says how.
  transcript bytea NOT NULL,
  transcript_scheme text NOT NULL,
  worker text,
  -- Exactly one result per sample and epoch, however many workers try (delivery is at least once).
  PRIMARY KEY (run_id, sample_id, epoch)
);
CREATE INDEX eval_samples_run_completed ON eval_samples (run_id, completed_at);

-- Determination runs of the controlled benchmark and the determinations they produce.
-- A determination is never overwritten: a new run makes a new one.

CREATE TABLE benchmark_run (
  id text PRIMARY KEY,
  submission_id text NOT NULL REFERENCES submission (id),
  lab_org_id text NOT NULL REFERENCES organisation (id),
  -- The policy version in force when the run started decides its determination.
  policy_id text NOT NULL REFERENCES benchmark_policy (id),
  bundle_id text NOT NULL REFERENCES benchmark_bundle (id),
  model text NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'determined', 'failed')),
  state_reason text,
  plan jsonb NOT NULL,
  started_by text NOT NULL REFERENCES person (id),
  started_org_id text NOT NULL REFERENCES organisation (id),
  started_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE INDEX benchmark_run_submission ON benchmark_run (submission_id, started_at);

-- One evaluation run per task of the bundle.
CREATE TABLE benchmark_run_task (
  run_id text NOT NULL REFERENCES benchmark_run (id),
  task_id text NOT NULL REFERENCES benchmark_task (id),
  eval_run_id text NOT NULL UNIQUE,
  PRIMARY KEY (run_id, task_id)
);

CREATE TABLE benchmark_determination (
  id text PRIMARY KEY,
  run_id text NOT NULL UNIQUE REFERENCES benchmark_run (id),
  submission_id text NOT NULL REFERENCES submission (id),
  lab_org_id text NOT NULL REFERENCES organisation (id),
  policy_id text NOT NULL REFERENCES benchmark_policy (id),
  policy_version integer NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('covered', 'not_covered', 'inconclusive')),
  -- Per category and the composite: estimate, threshold, position (aggregates only).
  measures jsonb NOT NULL,
  reasons jsonb NOT NULL,
  refusals jsonb NOT NULL,
  contamination jsonb NOT NULL,
  run_summary jsonb NOT NULL,
  -- Salted SHA-256 of the per-item results (the log entry carries it; the salt stays here,
  -- encrypted with the results, so the results can later be proven without being published).
  results_commitment text NOT NULL,
  results jsonb NOT NULL,
  log_index bigint NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX benchmark_determination_submission ON benchmark_determination (submission_id, created_at);

-- Determinations are decisions: never updated or deleted.
CREATE TRIGGER benchmark_determination_append_only BEFORE UPDATE OR DELETE ON benchmark_determination
  FOR EACH ROW EXECUTE FUNCTION translog_refuse_change();

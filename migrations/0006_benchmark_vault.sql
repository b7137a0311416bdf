-- The controlled item vault: imported bundles, their tasks (public configuration: names,
-- categories, solver and scorer) and their items (inputs, targets, files, reference solutions),
-- each item encrypted under its own data key. The exposure ledger records which items each
-- lab's models were shown, and when.

CREATE TABLE benchmark_bundle (
  id text PRIMARY KEY,
  name text NOT NULL,
  version text NOT NULL,
  -- Canary strings, encrypted: known to the custodian only, so they stay meaningful as probes.
  canaries jsonb NOT NULL,
  imported_by text NOT NULL REFERENCES person (id),
  imported_at timestamptz NOT NULL,
  UNIQUE (name, version)
);

CREATE TABLE benchmark_task (
  id text PRIMARY KEY,
  bundle_id text NOT NULL REFERENCES benchmark_bundle (id),
  key text NOT NULL,
  name text NOT NULL,
  -- Category → weight.
  categories jsonb NOT NULL,
  -- Solver, scorer, epochs, limits, sandbox: configuration, not content.
  config jsonb NOT NULL,
  UNIQUE (bundle_id, key)
);

CREATE TABLE benchmark_item (
  id text PRIMARY KEY,
  task_id text NOT NULL REFERENCES benchmark_task (id),
  key text NOT NULL,
  ordinal integer NOT NULL,
  content jsonb NOT NULL,
  -- SHA-256 of the canonical plaintext: lets an auditor later check a disclosed item.
  content_sha256 bytea NOT NULL,
  retired_at timestamptz,
  retired_by text REFERENCES person (id),
  retire_reason text,
  UNIQUE (task_id, key)
);

CREATE TABLE benchmark_exposure (
  item_id text NOT NULL REFERENCES benchmark_item (id),
  lab_org_id text NOT NULL REFERENCES organisation (id),
  submission_id text NOT NULL,
  run_id text NOT NULL,
  shown_at timestamptz NOT NULL,
  PRIMARY KEY (item_id, run_id)
);
CREATE INDEX benchmark_exposure_lab ON benchmark_exposure (lab_org_id, shown_at);

-- The controlled benchmark: threshold policy versions and their approvals.

-- A policy version: the document is immutable once written; only its state moves
-- (draft → active → superseded). Earlier versions stay readable for ever.
CREATE TABLE benchmark_policy (
  id text PRIMARY KEY,
  version integer NOT NULL UNIQUE CHECK (version >= 1),
  document jsonb NOT NULL,
  state text NOT NULL CHECK (state IN ('draft', 'active', 'superseded')),
  created_by text NOT NULL REFERENCES person (id),
  created_at timestamptz NOT NULL,
  activated_at timestamptz,
  superseded_at timestamptz,
  activation_log_index bigint
);
-- At most one version is in force.
CREATE UNIQUE INDEX benchmark_policy_one_active ON benchmark_policy (state) WHERE state = 'active';

-- One approval per person per version: the same person approving twice (in any role) is one.
CREATE TABLE benchmark_policy_approval (
  policy_id text NOT NULL REFERENCES benchmark_policy (id),
  person_id text NOT NULL REFERENCES person (id),
  org_id text NOT NULL REFERENCES organisation (id),
  role text NOT NULL CHECK (role IN ('benchmark_custodian', 'agency_signatory')),
  approved_at timestamptz NOT NULL,
  log_index bigint NOT NULL,
  PRIMARY KEY (policy_id, person_id)
);

-- Trusted partners: the registry (profile, vetting, evidence, contacts, conflict-of-interest
-- declarations), joint selection per submission (two keys, refusals, one appeal), and grants.

-- One row per partner organisation (organisation.kind = 'partner'; the service checks the kind).
CREATE TABLE partner (
  org_id text PRIMARY KEY REFERENCES organisation (id),
  sector text NOT NULL CHECK (sector IN ('hospital', 'bank', 'utility', 'water', 'energy', 'security_research', 'government', 'other')),
  description text NOT NULL DEFAULT '',
  website text,
  vetting_status text NOT NULL DEFAULT 'pending' CHECK (vetting_status IN ('pending', 'vetted', 'rejected', 'suspended')),
  vetted_by text REFERENCES person (id),
  vetted_at timestamptz,
  vetting_notes text NOT NULL DEFAULT '',
  created_by text NOT NULL REFERENCES person (id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revision integer NOT NULL DEFAULT 1,
  CHECK (vetting_status = 'pending' OR (vetted_by IS NOT NULL AND vetted_at IS NOT NULL))
);
CREATE INDEX partner_sector ON partner (sector);

-- Vetting evidence: the document itself is envelope-encrypted; type and size are checked on upload.
CREATE TABLE partner_evidence (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES partner (org_id),
  filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
  content_type text NOT NULL,
  size integer NOT NULL CHECK (size > 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content jsonb NOT NULL,
  uploaded_by text NOT NULL REFERENCES person (id),
  uploaded_at timestamptz NOT NULL
);
CREATE INDEX partner_evidence_org ON partner_evidence (org_id, uploaded_at);

CREATE TABLE partner_contact (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES partner (org_id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email text NOT NULL,
  phone text,
  title text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  removed_at timestamptz
);
CREATE INDEX partner_contact_org ON partner_contact (org_id);

-- Declarations are never edited: a changed situation is a new declaration.
CREATE TABLE partner_coi (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES partner (org_id),
  -- The organisation the interest concerns (often a lab), when there is one.
  related_org_id text REFERENCES organisation (id),
  description text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
  declared_by text NOT NULL REFERENCES person (id),
  declared_at timestamptz NOT NULL
);
CREATE INDEX partner_coi_org ON partner_coi (org_id, declared_at);

-- One partner proposed for one submission. Each side holds one key; the selection takes effect
-- when both are 'approved'. A refusal may be appealed once, to a program officer other than
-- the one who refused.
CREATE TABLE partner_selection (
  id text PRIMARY KEY,
  submission_id text NOT NULL REFERENCES submission (id),
  partner_org_id text NOT NULL REFERENCES partner (org_id),
  proposed_by_party text NOT NULL CHECK (proposed_by_party IN ('lab', 'program')),
  proposed_by text NOT NULL REFERENCES person (id),
  proposed_at timestamptz NOT NULL,
  rationale text NOT NULL DEFAULT '',
  lab_key text NOT NULL DEFAULT 'pending' CHECK (lab_key IN ('pending', 'approved', 'refused')),
  lab_key_by text REFERENCES person (id),
  lab_key_at timestamptz,
  program_key text NOT NULL DEFAULT 'pending' CHECK (program_key IN ('pending', 'approved', 'refused')),
  program_key_by text REFERENCES person (id),
  program_key_at timestamptz,
  -- The latest refusal (the one an appeal is against).
  refused_by_party text CHECK (refused_by_party IN ('lab', 'program')),
  refused_by text REFERENCES person (id),
  refused_at timestamptz,
  refusal_category text,
  refusal_reason text,
  appeal_statement text,
  appealed_by text REFERENCES person (id),
  appealed_at timestamptz,
  appeal_reviewer text REFERENCES person (id),
  appeal_outcome text CHECK (appeal_outcome IN ('upheld', 'dismissed')),
  appeal_decided_by text REFERENCES person (id),
  appeal_decided_at timestamptz,
  appeal_decision_category text,
  appeal_decision_reason text,
  effective_at timestamptz,
  updated_at timestamptz NOT NULL,
  revision integer NOT NULL DEFAULT 1,
  UNIQUE (submission_id, partner_org_id),
  -- The rule the whole feature rests on, held by the database as well as the code.
  CHECK (effective_at IS NULL OR (lab_key = 'approved' AND program_key = 'approved')),
  CHECK (appeal_decided_by IS NULL OR appeal_decided_by IS DISTINCT FROM refused_by)
);
CREATE INDEX partner_selection_partner ON partner_selection (partner_org_id);

-- Named in the plural because GRANT is an SQL keyword. A grant gives one partner access to one
-- submission's model through the gateway, under one virtual key.
CREATE TABLE grants (
  id text PRIMARY KEY,
  selection_id text NOT NULL REFERENCES partner_selection (id),
  submission_id text NOT NULL REFERENCES submission (id),
  partner_org_id text NOT NULL REFERENCES partner (org_id),
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  endpoints text[] NOT NULL CHECK (cardinality(endpoints) >= 1 AND endpoints <@ ARRAY['chat.completions', 'messages', 'models']),
  requests_per_minute integer NOT NULL CHECK (requests_per_minute > 0),
  tokens_per_minute integer NOT NULL CHECK (tokens_per_minute > 0),
  token_budget bigint NOT NULL CHECK (token_budget > 0),
  keep_content boolean NOT NULL DEFAULT false,
  -- SHA-256 (hex) of the virtual key; the key itself is shown once and never stored.
  key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  key_hint text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'revoked')),
  paused_by_party text CHECK (paused_by_party IN ('lab', 'program')),
  revoked_by text REFERENCES person (id),
  revoked_at timestamptz,
  revoke_reason text,
  issued_by text NOT NULL REFERENCES person (id),
  issued_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- Bumped on every change: gateway processes poll (id, status, version) to drop stale caches.
  version integer NOT NULL DEFAULT 1,
  CHECK (window_end > window_start),
  CHECK ((status = 'paused') = (paused_by_party IS NOT NULL)),
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
CREATE INDEX grants_submission ON grants (submission_id);
CREATE INDEX grants_partner ON grants (partner_org_id);
-- At most one live grant per selection; a revoked one may be followed by a new one.
CREATE UNIQUE INDEX grants_one_live ON grants (selection_id) WHERE status <> 'revoked';

CREATE TABLE grant_event (
  id bigserial PRIMARY KEY,
  grant_id text NOT NULL REFERENCES grants (id),
  at timestamptz NOT NULL,
  kind text NOT NULL,
  actor_person_id text REFERENCES person (id),
  actor_org_id text REFERENCES organisation (id),
  reason text,
  data jsonb NOT NULL DEFAULT '{}',
  log_index bigint
);
CREATE INDEX grant_event_grant ON grant_event (grant_id, id);

CREATE TABLE selection_event (
  id bigserial PRIMARY KEY,
  selection_id text NOT NULL REFERENCES partner_selection (id),
  at timestamptz NOT NULL,
  kind text NOT NULL,
  party text,
  actor_person_id text REFERENCES person (id),
  actor_org_id text REFERENCES organisation (id),
  reason_category text,
  reason text,
  log_index bigint
);
CREATE INDEX selection_event_selection ON selection_event (selection_id, id);

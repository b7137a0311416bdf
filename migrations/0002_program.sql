-- The model-submission registry of the early-access program, its timeline, and in-app notifications.

CREATE TABLE submission (
  id text PRIMARY KEY,
  lab_org_id text NOT NULL REFERENCES organisation (id),
  model_name text NOT NULL,
  model_version text NOT NULL,
  description text NOT NULL DEFAULT '',
  intended_capabilities jsonb NOT NULL DEFAULT '[]',
  endpoint_base_url text NOT NULL,
  endpoint_protocol text NOT NULL CHECK (endpoint_protocol IN ('openai', 'anthropic')),
  endpoint_model_id text NOT NULL,
  -- Envelope-encrypted credential; set to null (destroyed, not hidden) on withdrawal.
  endpoint_credential jsonb,
  credential_destroyed_at timestamptz,
  offered_days integer NOT NULL CHECK (offered_days BETWEEN 1 AND 30),
  partner_release_at timestamptz,
  public_release_at timestamptz,
  accepted_at timestamptz,
  state text NOT NULL CHECK (state IN ('submitted', 'in_review', 'determined', 'partner_access', 'released', 'withdrawn')),
  created_by text NOT NULL REFERENCES person (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Optimistic concurrency: each change bumps it; a stale write is refused.
  revision integer NOT NULL DEFAULT 1,
  CHECK (partner_release_at IS NOT NULL OR public_release_at IS NOT NULL),
  -- Trusted partners get the model before or with the public, never after.
  CHECK (partner_release_at IS NULL OR public_release_at IS NULL OR partner_release_at <= public_release_at),
  CHECK (credential_destroyed_at IS NULL OR endpoint_credential IS NULL)
);
CREATE INDEX submission_lab ON submission (lab_org_id, created_at DESC);
CREATE INDEX submission_state ON submission (state);

CREATE TABLE submission_event (
  id bigserial PRIMARY KEY,
  submission_id text NOT NULL REFERENCES submission (id),
  at timestamptz NOT NULL,
  kind text NOT NULL,
  actor_person_id text REFERENCES person (id),
  actor_org_id text REFERENCES organisation (id),
  from_state text,
  to_state text,
  reason text,
  data jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX submission_event_submission ON submission_event (submission_id, id);

CREATE TABLE notification (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES organisation (id),
  kind text NOT NULL,
  subject_type text NOT NULL,
  subject_id text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  -- Where in the web app the subject lives (a path such as /submissions/sub_…), chosen by the sender.
  link text CHECK (link LIKE '/%'),
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz,
  -- Deadline jobs are delivered at least once; this key makes a repeated delivery a no-op.
  dedupe_key text NOT NULL UNIQUE
);
CREATE INDEX notification_org ON notification (org_id, created_at DESC);

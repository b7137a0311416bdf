-- The clearinghouse: vulnerability reports (from forms, the API and SARIF), triage, and
-- coordinated-disclosure cases with vendors, VEX statuses, embargoes, threads and TLP labels.

CREATE TABLE ch_case (
  id text PRIMARY KEY,
  title text NOT NULL,
  tlp text NOT NULL CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
  state text NOT NULL CHECK (state IN ('open', 'closed')),
  -- First vendor invitation: the embargo policy counts from here.
  vendor_contact_at timestamptz,
  embargo_ends_at timestamptz,
  exploited boolean NOT NULL DEFAULT false,
  created_by text NOT NULL REFERENCES person (id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revision integer NOT NULL DEFAULT 1
);
CREATE INDEX ch_case_created ON ch_case (created_at DESC);

CREATE TABLE ch_report (
  id text PRIMARY KEY,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  reproduction text NOT NULL DEFAULT '',
  -- { purl?, cpe?, vendor?, product?, versions? } as given, and the key de-duplication uses.
  product jsonb NOT NULL,
  product_key text NOT NULL,
  cwe text,
  cve_ids jsonb NOT NULL DEFAULT '[]',
  cvss31_vector text,
  cvss31_score double precision,
  cvss40_vector text,
  cvss40_score double precision,
  -- { method: model|tool|manual, submissionId?, grantId?, tool? }
  found_with jsonb NOT NULL,
  -- SARIF result data when the report came from a SARIF log: rule, message, location, fingerprints.
  finding jsonb,
  -- AI-finding properties (SARIF AI profile): origin, exploitability, attackerPosition, evidence, rank.
  ai jsonb,
  exploitability_rank integer NOT NULL DEFAULT 3,
  fingerprint text NOT NULL,
  reporter_person_id text NOT NULL REFERENCES person (id),
  reporter_org_id text NOT NULL REFERENCES organisation (id),
  credit_wanted boolean NOT NULL DEFAULT true,
  credit_name text,
  state text NOT NULL CHECK (state IN ('new', 'triaging', 'validated', 'not_reproducible', 'duplicate', 'out_of_scope')),
  duplicate_of text REFERENCES ch_report (id),
  assignee_person_id text REFERENCES person (id),
  ssvc jsonb,
  case_id text REFERENCES ch_case (id),
  received_at timestamptz NOT NULL,
  triaged_at timestamptz,
  validated_at timestamptz,
  updated_at timestamptz NOT NULL,
  revision integer NOT NULL DEFAULT 1,
  CHECK (state <> 'duplicate' OR duplicate_of IS NOT NULL)
);
-- The same finding from the same organisation is one report: a re-imported SARIF log adds nothing.
CREATE UNIQUE INDEX ch_report_org_fingerprint ON ch_report (reporter_org_id, fingerprint);
CREATE INDEX ch_report_fingerprint ON ch_report (fingerprint);
CREATE INDEX ch_report_product ON ch_report (product_key, cwe);
CREATE INDEX ch_report_queue ON ch_report (state, exploitability_rank, received_at);
CREATE INDEX ch_report_case ON ch_report (case_id);

CREATE TABLE ch_report_event (
  id bigserial PRIMARY KEY,
  report_id text NOT NULL REFERENCES ch_report (id),
  at timestamptz NOT NULL,
  kind text NOT NULL,
  actor_person_id text REFERENCES person (id),
  actor_org_id text REFERENCES organisation (id),
  from_state text,
  to_state text,
  reason text,
  data jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX ch_report_event_report ON ch_report_event (report_id, id);

CREATE TABLE ch_participant (
  id text PRIMARY KEY,
  case_id text NOT NULL REFERENCES ch_case (id),
  org_id text NOT NULL REFERENCES organisation (id),
  -- A named person; TLP:RED reaches named participants only.
  person_id text REFERENCES person (id),
  role text NOT NULL CHECK (role IN ('coordinator', 'reporter', 'vendor', 'client')),
  -- For a client: the participating organisation whose client it is (TLP:AMBER sharing).
  sponsor_org_id text REFERENCES organisation (id),
  publish_consent_at timestamptz,
  added_by text REFERENCES person (id),
  added_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX ch_participant_unique ON ch_participant (case_id, org_id, coalesce(person_id, ''), role);
CREATE INDEX ch_participant_org ON ch_participant (org_id);

CREATE TABLE ch_vex (
  case_id text NOT NULL REFERENCES ch_case (id),
  vendor_org_id text NOT NULL REFERENCES organisation (id),
  product text NOT NULL,
  version_range text NOT NULL,
  status text NOT NULL CHECK (status IN ('known_affected', 'known_not_affected', 'fixed', 'under_investigation')),
  justification text,
  fixed_version text,
  statement text NOT NULL DEFAULT '',
  updated_by text NOT NULL REFERENCES person (id),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (case_id, vendor_org_id, product, version_range),
  CHECK (status <> 'known_not_affected' OR justification IS NOT NULL),
  CHECK (status <> 'fixed' OR fixed_version IS NOT NULL)
);

CREATE TABLE ch_embargo_event (
  id bigserial PRIMARY KEY,
  case_id text NOT NULL REFERENCES ch_case (id),
  at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('set', 'changed', 'extension_requested', 'extension_granted', 'extension_refused')),
  from_date timestamptz,
  to_date timestamptz,
  reason text NOT NULL,
  actor_person_id text REFERENCES person (id),
  actor_org_id text REFERENCES organisation (id),
  request_id bigint
);
CREATE INDEX ch_embargo_event_case ON ch_embargo_event (case_id, id);

CREATE TABLE ch_message (
  id text PRIMARY KEY,
  case_id text NOT NULL REFERENCES ch_case (id),
  author_person_id text NOT NULL REFERENCES person (id),
  author_org_id text NOT NULL REFERENCES organisation (id),
  author_role text NOT NULL,
  tlp text NOT NULL CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
  body text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX ch_message_case ON ch_message (case_id, created_at);

CREATE TABLE ch_attachment (
  id text PRIMARY KEY,
  report_id text REFERENCES ch_report (id),
  case_id text REFERENCES ch_case (id),
  message_id text REFERENCES ch_message (id),
  filename text NOT NULL,
  media_type text NOT NULL,
  size integer NOT NULL,
  sha256 text NOT NULL,
  tlp text NOT NULL CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
  -- Envelope-encrypted bytes.
  content jsonb NOT NULL,
  uploaded_by text NOT NULL REFERENCES person (id),
  uploaded_org_id text NOT NULL REFERENCES organisation (id),
  created_at timestamptz NOT NULL,
  CHECK (report_id IS NOT NULL OR case_id IS NOT NULL)
);
CREATE INDEX ch_attachment_report ON ch_attachment (report_id);
CREATE INDEX ch_attachment_case ON ch_attachment (case_id);

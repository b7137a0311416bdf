-- Critical-infrastructure inventories: operators, systems, SBOM versions and their components,
-- findings with their remediation history, VEX and suppression rules, notification channels.

CREATE TABLE inv_operator (
  org_id text PRIMARY KEY REFERENCES organisation (id),
  sector text NOT NULL CHECK (sector IN ('healthcare', 'financial', 'electricity', 'water',
    'communications', 'government', 'other')),
  size text NOT NULL CHECK (size IN ('small', 'medium', 'large')),
  region text NOT NULL CHECK (length(region) BETWEEN 1 AND 100),
  created_at timestamptz NOT NULL
);

CREATE TABLE inv_system (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES inv_operator (org_id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  criticality text NOT NULL CHECK (criticality IN ('low', 'medium', 'high', 'critical')),
  internet_exposed boolean NOT NULL,
  current_sbom_id text,
  -- The SBOM the last match ran on: a new one is matched only where its packages changed.
  matched_sbom_id text,
  last_matched_at timestamptz,
  created_at timestamptz NOT NULL,
  UNIQUE (org_id, name)
);

-- Every upload is kept: the system's current SBOM is inv_system.current_sbom_id.
CREATE TABLE inv_sbom (
  id text PRIMARY KEY,
  system_id text NOT NULL REFERENCES inv_system (id),
  version integer NOT NULL,
  format text NOT NULL,
  spec_version text,
  sha256 text NOT NULL,
  component_count integer NOT NULL,
  unmatched_count integer NOT NULL,
  no_version_count integer NOT NULL,
  uploaded_by text REFERENCES person (id),
  uploaded_at timestamptz NOT NULL,
  UNIQUE (system_id, version)
);

CREATE TABLE inv_component (
  id text PRIMARY KEY,
  sbom_id text NOT NULL REFERENCES inv_sbom (id),
  system_id text NOT NULL REFERENCES inv_system (id),
  org_id text NOT NULL,
  ref text NOT NULL,
  parent_ref text,
  name text NOT NULL,
  version text,
  purl text,
  ecosystem text,
  package_name text,
  -- String-sortable approximation of the version: SQL pre-filters on it, the comparator decides.
  coarse text,
  match_status text NOT NULL CHECK (match_status IN ('matchable', 'no_version', 'unmatched')),
  unmatched_reason text,
  -- In its system's current SBOM; flipped off, in the same transaction, when a new one arrives.
  current boolean NOT NULL
);
CREATE INDEX inv_component_sbom ON inv_component (sbom_id);
CREATE INDEX inv_component_package ON inv_component (ecosystem, package_name, coarse) WHERE current;

CREATE TABLE inv_dependency (
  sbom_id text NOT NULL REFERENCES inv_sbom (id),
  ref text NOT NULL,
  depends_on text NOT NULL,
  PRIMARY KEY (sbom_id, ref, depends_on)
);

-- One finding per package in a system per advisory: it outlives SBOM versions, so an operator's
-- analysis decision carries over, and a new SBOM without the vulnerable version closes it.
CREATE TABLE inv_finding (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES inv_operator (org_id),
  system_id text NOT NULL REFERENCES inv_system (id),
  advisory_id text NOT NULL,
  ecosystem text NOT NULL,
  package_name text NOT NULL,
  purl text,
  versions jsonb NOT NULL,
  sbom_id text NOT NULL REFERENCES inv_sbom (id),
  match_kind text NOT NULL CHECK (match_kind IN ('affected', 'possibly_affected')),
  matched_range text,
  fixed_version text,
  severity text NOT NULL,
  kev boolean NOT NULL,
  summary text,
  tlp text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'in_progress', 'patched', 'mitigated',
    'not_affected', 'risk_accepted')),
  justification text,
  approver text,
  accepted_until timestamptz,
  suppressed_by text,
  suppression_justification text,
  due_at timestamptz,
  first_seen_at timestamptz NOT NULL,
  closed_at timestamptz,
  -- The advisory no longer names this package and version (withdrawn or corrected).
  retracted_at timestamptz,
  escalated_at timestamptz,
  notified_at timestamptz,
  updated_at timestamptz NOT NULL,
  UNIQUE (system_id, ecosystem, package_name, advisory_id),
  CHECK (status <> 'not_affected' OR justification IS NOT NULL),
  CHECK (status <> 'risk_accepted' OR (approver IS NOT NULL AND accepted_until IS NOT NULL))
);
CREATE INDEX inv_finding_org ON inv_finding (org_id, status);
CREATE INDEX inv_finding_advisory ON inv_finding (advisory_id);
CREATE INDEX inv_finding_due ON inv_finding (due_at) WHERE closed_at IS NULL;

CREATE TABLE inv_finding_event (
  id text PRIMARY KEY,
  finding_id text NOT NULL REFERENCES inv_finding (id),
  at timestamptz NOT NULL,
  kind text NOT NULL,
  from_status text,
  to_status text,
  actor text,
  note text
);
CREATE INDEX inv_finding_event_finding ON inv_finding_event (finding_id, at);

-- VEX statements and program-wide suppression rules. org_id null: for every operator.
CREATE TABLE inv_vex (
  id text PRIMARY KEY,
  org_id text REFERENCES inv_operator (org_id),
  source text NOT NULL CHECK (source IN ('operator', 'program')),
  document_format text NOT NULL,
  vulnerability text NOT NULL,
  ecosystem text,
  package_name text,
  version text,
  status text NOT NULL CHECK (status IN ('not_affected', 'fixed', 'affected', 'under_investigation')),
  justification text,
  created_by text,
  created_at timestamptz NOT NULL
);
CREATE INDEX inv_vex_vuln ON inv_vex (vulnerability);

CREATE TABLE inv_channel (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES inv_operator (org_id),
  kind text NOT NULL CHECK (kind IN ('email', 'webhook')),
  target text NOT NULL,
  -- Webhook signing secret, envelope-encrypted.
  secret jsonb,
  created_at timestamptz NOT NULL,
  disabled_at timestamptz
);
CREATE INDEX inv_channel_org ON inv_channel (org_id);

CREATE TABLE inv_delivery (
  id text PRIMARY KEY,
  channel_id text NOT NULL REFERENCES inv_channel (id),
  org_id text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('immediate', 'digest', 'escalation')),
  finding_ids jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL,
  delivered_at timestamptz
);
CREATE INDEX inv_delivery_org ON inv_delivery (org_id, created_at);

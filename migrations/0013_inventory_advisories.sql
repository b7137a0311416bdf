-- Advisories for inventory matching: OSV records (imported or published by the clearinghouse)
-- with their modified history, the (ecosystem, package) index with coarse version bounds that
-- the matcher pre-filters on, and the CISA Known Exploited Vulnerabilities catalog.

CREATE TABLE inv_advisories (
  id text PRIMARY KEY,
  aliases text[] NOT NULL DEFAULT '{}',
  modified timestamptz NOT NULL,
  published timestamptz,
  -- A withdrawn record stays for the record but has no rows in inv_advisory_packages.
  withdrawn timestamptz,
  -- Where the current version came from: a file name, 'clearinghouse', …
  source text NOT NULL,
  tlp text NOT NULL DEFAULT 'CLEAR' CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
  raw jsonb NOT NULL,
  -- SHA-256 of the record's canonical JSON (RFC 8785): a re-import of the same text is a no-op.
  digest text NOT NULL,
  first_seen_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX inv_advisories_aliases ON inv_advisories USING gin (aliases);
CREATE INDEX inv_advisories_modified ON inv_advisories (modified DESC);

-- Every distinct version of every record, including versions older than the current one.
CREATE TABLE inv_advisory_history (
  advisory_id text NOT NULL REFERENCES inv_advisories (id),
  digest text NOT NULL,
  modified timestamptz NOT NULL,
  withdrawn timestamptz,
  source text NOT NULL,
  raw jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (advisory_id, digest)
);
CREATE INDEX inv_advisory_history_modified ON inv_advisory_history (advisory_id, modified DESC);

-- One row per range (range_index >= 0) or explicit version list (range_index = -1) of each
-- affected package. lower_key/upper_key are coarse keys (src/inventory/versions/coarse.ts): a
-- component version inside the range always has lower_key <= key <= upper_key.
CREATE TABLE inv_advisory_packages (
  advisory_id text NOT NULL REFERENCES inv_advisories (id) ON DELETE CASCADE,
  affected_index integer NOT NULL,
  range_index integer NOT NULL,
  ecosystem text NOT NULL,
  ecosystem_release text,
  package_name text NOT NULL,
  lower_key text NOT NULL,
  upper_key text NOT NULL,
  PRIMARY KEY (advisory_id, affected_index, range_index)
);
CREATE INDEX inv_advisory_packages_lookup
  ON inv_advisory_packages (ecosystem, package_name, lower_key, upper_key);

CREATE TABLE inv_kev (
  cve_id text PRIMARY KEY,
  vendor_project text NOT NULL,
  product text NOT NULL,
  vulnerability_name text NOT NULL,
  date_added date NOT NULL,
  short_description text NOT NULL,
  required_action text NOT NULL,
  due_date date,
  -- 'Known' or 'Unknown', as the catalog says.
  known_ransomware_campaign_use text NOT NULL,
  notes text NOT NULL DEFAULT '',
  cwes text[] NOT NULL DEFAULT '{}',
  catalog_version text NOT NULL,
  imported_at timestamptz NOT NULL
);

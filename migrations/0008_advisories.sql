-- Clearinghouse advisories: drafts, published revisions (full history), CVE ids from the
-- configured block, and the documents imported from other publishers.

CREATE TABLE advisory (
  id text PRIMARY KEY,
  source text NOT NULL CHECK (source IN ('case', 'analyst', 'csaf', 'cve')),
  -- The disclosure case it was drafted from; no foreign key, the case lives in the intake half.
  case_id text,
  cve_id text UNIQUE,
  tlp text NOT NULL CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
  state text NOT NULL CHECK (state IN ('draft', 'published', 'withdrawn')),
  content jsonb NOT NULL,
  publish_at timestamptz,
  published_at timestamptz,
  -- An imported document exactly as it arrived.
  original jsonb,
  created_by text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revision integer NOT NULL DEFAULT 1,
  CHECK ((state = 'draft') = (published_at IS NULL))
);
-- One advisory per case: drafting again returns the existing one.
CREATE UNIQUE INDEX advisory_case ON advisory (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX advisory_due ON advisory (publish_at) WHERE state = 'draft';
CREATE INDEX advisory_public ON advisory (published_at DESC) WHERE state = 'published' AND tlp = 'CLEAR';

-- Every published revision, with the content as it was: CSAF revision_history, OSV modified.
CREATE TABLE advisory_revision (
  advisory_id text NOT NULL REFERENCES advisory (id),
  number integer NOT NULL CHECK (number >= 1),
  at timestamptz NOT NULL,
  summary text NOT NULL,
  by_person_id text,
  content jsonb NOT NULL,
  PRIMARY KEY (advisory_id, number)
);

-- Package index for the OSV query API: one row per (published, TLP:CLEAR) affected package.
CREATE TABLE advisory_package (
  advisory_id text NOT NULL REFERENCES advisory (id),
  ecosystem text NOT NULL,
  name text NOT NULL,
  PRIMARY KEY (advisory_id, ecosystem, name)
);
CREATE INDEX advisory_package_name ON advisory_package (ecosystem, name);

-- Our own advisory ids, EW-<year>-<n>, numbered per year.
CREATE TABLE advisory_sequence (
  year integer PRIMARY KEY,
  last integer NOT NULL
);

-- Organisations, people, per-organisation roles, API tokens, browser sessions, one-time sign-in links.

CREATE TABLE organisation (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('program', 'agency', 'lab', 'partner', 'vendor', 'operator')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE person (
  id text PRIMARY KEY,
  email text NOT NULL UNIQUE CHECK (email = lower(email)),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- scrypt hash (salt and parameters inside); null for people who sign in only through OIDC or links.
  password_hash text,
  oidc_issuer text,
  oidc_subject text,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (oidc_issuer, oidc_subject)
);

CREATE TABLE membership (
  org_id text NOT NULL REFERENCES organisation (id),
  person_id text NOT NULL REFERENCES person (id),
  role text NOT NULL,
  granted_by text REFERENCES person (id),
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, person_id, role)
);
CREATE INDEX membership_person ON membership (person_id);

CREATE TABLE api_token (
  id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (id),
  org_id text NOT NULL REFERENCES organisation (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- The first characters of the token, shown in lists so people can tell tokens apart.
  hint text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz
);
CREATE INDEX api_token_person ON api_token (person_id);

CREATE TABLE session (
  id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (id),
  -- The organisation the person currently acts for (the organisation switcher changes it).
  org_id text NOT NULL REFERENCES organisation (id),
  secret_hash text NOT NULL UNIQUE,
  csrf_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  user_agent text
);
CREATE INDEX session_person ON session (person_id);

CREATE TABLE signin_link (
  token_hash text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- OIDC login attempts in flight: state, nonce and PKCE verifier, kept server-side for a few minutes.
CREATE TABLE oidc_login (
  state text PRIMARY KEY,
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  return_to text NOT NULL DEFAULT '/',
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- The model gateway's request log: one row per request that reached the gateway, admitted or not.
-- Written in batches off the hot path; usage charts and token budgets are read from it.

CREATE TABLE gateway_request (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  -- Null when no grant could be named (no key, an unknown key); no foreign key, so the log
  -- outlives nothing and costs no lookup on insert.
  grant_id text,
  partner_org_id text,
  submission_id text,
  endpoint text NOT NULL,
  model text,
  streamed boolean NOT NULL DEFAULT false,
  status integer NOT NULL,
  -- The refusal or failure code (grant_revoked, rate_limited, upstream_timeout…); null on success.
  error_code text,
  input_tokens integer NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens integer NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  -- True when the upstream gave no usage and the gateway estimated the tokens.
  tokens_estimated boolean NOT NULL DEFAULT false,
  latency_ms integer NOT NULL,
  ttfb_ms integer,
  request_id text NOT NULL,
  -- Prompt and completion, only when the grant allows keeping content; null otherwise.
  prompt jsonb,
  completion jsonb
);
CREATE INDEX gateway_request_grant ON gateway_request (grant_id, at) WHERE grant_id IS NOT NULL;

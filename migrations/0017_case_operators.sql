-- The operator organisations a disclosure case allows to receive its embargoed (TLP:AMBER or
-- stricter) advisory through their inventories, and the history of who set the list and why.

CREATE TABLE ch_case_operator (
  case_id text NOT NULL REFERENCES ch_case (id),
  org_id text NOT NULL REFERENCES organisation (id),
  added_by text NOT NULL REFERENCES person (id),
  added_at timestamptz NOT NULL,
  PRIMARY KEY (case_id, org_id)
);

CREATE TABLE ch_case_operator_event (
  id bigserial PRIMARY KEY,
  case_id text NOT NULL REFERENCES ch_case (id),
  at timestamptz NOT NULL,
  org_ids text[] NOT NULL,
  reason text NOT NULL,
  actor_person_id text NOT NULL REFERENCES person (id),
  actor_org_id text NOT NULL REFERENCES organisation (id)
);
CREATE INDEX ch_case_operator_event_case ON ch_case_operator_event (case_id, id);

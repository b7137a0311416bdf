-- The transparency log: entries, the Merkle tree's stored nodes, signed checkpoints, the private
-- salts of commitments, and the checkpoint signing key. Entries, nodes and checkpoints are
-- append-only here in the database, not just in the code: a trigger refuses to change them.

-- One row: how many entries the tree holds. Appenders lock it (SELECT … FOR UPDATE) to take the
-- next index, which serialises them across processes and keeps indexes gap-free.
CREATE TABLE translog_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  size bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
  -- Set when an append enqueues the checkpoint job and cleared when that job signs, so at most
  -- one checkpoint job waits at a time, whatever the number of appenders.
  checkpoint_requested_at timestamptz
);
INSERT INTO translog_state (id, size) VALUES (true, 0);

CREATE TABLE translog_entry (
  idx bigint PRIMARY KEY CHECK (idx >= 0),
  -- SHA-256(0x00 ‖ body), RFC 6962 §2.1.
  leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
  -- The entry as RFC 8785 canonical JSON: the exact bytes that were hashed.
  body bytea NOT NULL,
  type text NOT NULL,
  -- Ids of the entry's subjects (submission, organisation…), to find a subject's entries.
  subject_ids text[] NOT NULL DEFAULT '{}',
  at timestamptz NOT NULL
);
CREATE INDEX translog_entry_type ON translog_entry (type, idx);
CREATE INDEX translog_entry_at ON translog_entry (at, idx);
CREATE INDEX translog_entry_leaf ON translog_entry (leaf_hash);
CREATE INDEX translog_entry_subjects ON translog_entry USING gin (subject_ids);

-- Every complete subtree's hash: node (level, idx) covers leaves [idx·2^level, (idx+1)·2^level).
-- Level 0 holds the leaf hashes. Roots and proofs of any size read O(log n) of these rows.
CREATE TABLE translog_node (
  level smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
  idx bigint NOT NULL CHECK (idx >= 0),
  hash bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
);

-- Every signed checkpoint is kept: a verifier may hold any of them and ask for consistency.
CREATE TABLE translog_checkpoint (
  id bigserial PRIMARY KEY,
  size bigint NOT NULL CHECK (size >= 0),
  root bytea NOT NULL CHECK (length(root) = 32),
  -- The C2SP signed note, exactly as served at /log/checkpoint.
  note text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX translog_checkpoint_size ON translog_checkpoint (size);

-- The salts of an entry's commitments, by field. Private: with a salt and the value, an auditor
-- can recompute a commitment; without the salt, a guessable value (a model id) stays hidden.
-- The committed values themselves live in their capability's own tables.
CREATE TABLE translog_secret (
  idx bigint PRIMARY KEY REFERENCES translog_entry (idx),
  salts jsonb NOT NULL
);

-- The checkpoint signing key (Ed25519), envelope-encrypted, and its public note verifier key.
CREATE TABLE translog_key (
  name text PRIMARY KEY,
  signer jsonb NOT NULL,
  verifier_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION translog_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'The transparency log is append-only: % on % is refused.', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'History is never rewritten; record a correction as a new entry instead.';
END
$$;

CREATE TRIGGER translog_entry_append_only BEFORE UPDATE OR DELETE ON translog_entry
  FOR EACH ROW EXECUTE FUNCTION translog_refuse_change();
CREATE TRIGGER translog_entry_no_truncate BEFORE TRUNCATE ON translog_entry
  FOR EACH STATEMENT EXECUTE FUNCTION translog_refuse_change();
CREATE TRIGGER translog_node_append_only BEFORE UPDATE OR DELETE ON translog_node
  FOR EACH ROW EXECUTE FUNCTION translog_refuse_change();
CREATE TRIGGER translog_node_no_truncate BEFORE TRUNCATE ON translog_node
  FOR EACH STATEMENT EXECUTE FUNCTION translog_refuse_change();
CREATE TRIGGER translog_checkpoint_append_only BEFORE UPDATE OR DELETE ON translog_checkpoint
  FOR EACH ROW EXECUTE FUNCTION translog_refuse_change();
CREATE TRIGGER translog_checkpoint_no_truncate BEFORE TRUNCATE ON translog_checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION translog_refuse_change();

-- Each timeline event of the program points at the log entry that records it.
ALTER TABLE submission_event ADD COLUMN log_index bigint REFERENCES translog_entry (idx);

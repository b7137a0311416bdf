-- Witnesses' cosignatures of the log's checkpoints (C2SP tlog-witness / tlog-cosignature), and
-- what each witness last cosigned, which the next add-checkpoint request names as its old size.

-- One witness's cosignature of the checkpoint of a size: the signature line exactly as the
-- witness returned it. Appended to that checkpoint's note, it makes the cosigned checkpoint.
CREATE TABLE translog_cosignature (
  size bigint NOT NULL CHECK (size >= 0),
  -- The witness's key name (the first field of its verifier key).
  witness text NOT NULL,
  -- "— <name> base64(key id ‖ timestamp ‖ signature)", without the final newline.
  signature text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (size, witness)
);

CREATE TRIGGER translog_cosignature_append_only BEFORE UPDATE OR DELETE ON translog_cosignature
  FOR EACH ROW EXECUTE FUNCTION translog_refuse_change();
CREATE TRIGGER translog_cosignature_no_truncate BEFORE TRUNCATE ON translog_cosignature
  FOR EACH STATEMENT EXECUTE FUNCTION translog_refuse_change();

-- The size of the latest checkpoint each witness cosigned for this log: the `old` line of the
-- next request. Working state, not evidence: it moves forward with every cosignature.
CREATE TABLE translog_witness_state (
  witness text PRIMARY KEY,
  size bigint NOT NULL CHECK (size >= 0),
  updated_at timestamptz NOT NULL
);

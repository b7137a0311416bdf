-- A run's progress kept on its row, updated with each new result in the same transaction, so
-- checking a run after every result reads one row instead of counting all of its samples.
ALTER TABLE eval_runs
  ADD COLUMN done_units integer NOT NULL DEFAULT 0,
  ADD COLUMN error_units integer NOT NULL DEFAULT 0,
  ADD COLUMN input_tokens bigint NOT NULL DEFAULT 0,
  ADD COLUMN output_tokens bigint NOT NULL DEFAULT 0,
  ADD COLUMN cost double precision NOT NULL DEFAULT 0,
  ADD COLUMN first_started_at timestamptz,
  ADD COLUMN last_completed_at timestamptz;

UPDATE eval_runs r SET
  done_units = s.done, error_units = s.errors, input_tokens = s.inp, output_tokens = s.outp,
  cost = s.cost, first_started_at = s.first_at, last_completed_at = s.last_at
FROM (
  SELECT run_id, count(*) AS done, count(*) FILTER (WHERE error IS NOT NULL) AS errors,
    sum(input_tokens) AS inp, sum(output_tokens) AS outp, sum(cost) AS cost,
    min(started_at) AS first_at, max(completed_at) AS last_at
  FROM eval_samples GROUP BY run_id
) s
WHERE s.run_id = r.id;

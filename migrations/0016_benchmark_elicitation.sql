-- Elicitation evidence of the controlled benchmark: a determination run may also run a reference
-- model on the same items (the sandbagging signal and the baseline of the report), and a
-- determination keeps what showed the model was really tried.
ALTER TABLE benchmark_run_task ADD COLUMN role text NOT NULL DEFAULT 'subject'
  CHECK (role IN ('subject', 'reference'));
ALTER TABLE benchmark_run_task DROP CONSTRAINT benchmark_run_task_pkey;
ALTER TABLE benchmark_run_task ADD PRIMARY KEY (run_id, task_id, role);

-- The solvability check, the reference model's scores and the paired comparison with it.
ALTER TABLE benchmark_determination ADD COLUMN elicitation jsonb NOT NULL DEFAULT '{}'::jsonb;

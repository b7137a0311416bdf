/** SQL for evaluation runs and their sample results. */
import type { Envelope } from '../platform/crypto/envelope.ts'
import type { Queryable } from '../platform/db/db.ts'

export const RUN_STATUSES = ['running', 'completed', 'failed', 'stopped'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export interface RunConfig {
  epochs: number
  reducer: string
  k?: number
  limit?: number
  ids?: string[]
  shuffleSeed?: string
  maxConnections: number
  maxSamples: number
  maxSandboxes: number
  timeoutMs?: number
  tokenBudget?: number
  costBudget?: number
  pricing?: { inputPerMTok: number; outputPerMTok: number }
  maxErrorRate: number
  grader?: string
}

export interface RunRow {
  id: string
  taskRef: string
  taskName: string
  taskVersion: number
  model: string
  baseUrl: string | null
  config: RunConfig
  sampleIds: string[]
  epochs: number
  totalUnits: number
  status: RunStatus
  statusReason: string | null
  label: string | null
  createdBy: string | null
  createdAt: Date
  finishedAt: Date | null
}

const RUN_COLS = `id, task_ref, task_name, task_version, model, base_url, config, sample_ids, epochs,
  total_units, status, status_reason, label, created_by, created_at, finished_at`

const toRun = (r: Record<string, unknown>): RunRow => ({
  id: r.id as string,
  taskRef: r.task_ref as string,
  taskName: r.task_name as string,
  taskVersion: r.task_version as number,
  model: r.model as string,
  baseUrl: (r.base_url as string | null) ?? null,
  config: r.config as RunConfig,
  sampleIds: r.sample_ids as string[],
  epochs: r.epochs as number,
  totalUnits: r.total_units as number,
  status: r.status as RunStatus,
  statusReason: (r.status_reason as string | null) ?? null,
  label: (r.label as string | null) ?? null,
  createdBy: (r.created_by as string | null) ?? null,
  createdAt: r.created_at as Date,
  finishedAt: (r.finished_at as Date | null) ?? null,
})

export interface SampleRow {
  runId: string
  sampleId: string
  epoch: number
  scores: Record<string, { value: number; answer?: string; explanation: string }>
  score: number | null
  category: string | null
  group: string | null
  difficulty: string | null
  inputTokens: number
  outputTokens: number
  cost: number
  toolCalls: number
  messages: number
  limitKind: string | null
  error: string | null
  startedAt: Date
  completedAt: Date
  totalMs: number
  workingMs: number
  worker: string | null
}

const SAMPLE_COLS = `run_id, sample_id, epoch, scores, score, category, grp, difficulty, input_tokens,
  output_tokens, cost, tool_calls, messages, limit_kind, error, started_at, completed_at, total_ms,
  working_ms, worker`

const toSample = (r: Record<string, unknown>): SampleRow => ({
  runId: r.run_id as string,
  sampleId: r.sample_id as string,
  epoch: r.epoch as number,
  scores: r.scores as SampleRow['scores'],
  score: r.score === null ? null : Number(r.score),
  category: (r.category as string | null) ?? null,
  group: (r.grp as string | null) ?? null,
  difficulty: (r.difficulty as string | null) ?? null,
  inputTokens: r.input_tokens as number,
  outputTokens: r.output_tokens as number,
  cost: Number(r.cost),
  toolCalls: r.tool_calls as number,
  messages: r.messages as number,
  limitKind: (r.limit_kind as string | null) ?? null,
  error: (r.error as string | null) ?? null,
  startedAt: r.started_at as Date,
  completedAt: r.completed_at as Date,
  totalMs: r.total_ms as number,
  workingMs: r.working_ms as number,
  worker: (r.worker as string | null) ?? null,
})

export interface NewSample extends Omit<SampleRow, 'runId'> {
  transcript: Buffer
  transcriptScheme: string
}

export interface Progress {
  done: number
  errors: number
  inputTokens: number
  outputTokens: number
  cost: number
  firstAt: Date | null
  lastAt: Date | null
}

export interface SampleFilter {
  category?: string
  /** `correct` (score 1), `incorrect` (score < 1), `error`, `limit`. */
  outcome?: 'correct' | 'incorrect' | 'error' | 'limit'
  epoch?: number
  q?: string
  limit: number
  offset: number
}

export const evalStore = {
  async insertRun(
    db: Queryable,
    r: Omit<RunRow, 'createdAt' | 'finishedAt' | 'statusReason'> & { credential: Envelope | null },
  ): Promise<void> {
    await db.query(
      `INSERT INTO eval_runs (id, task_ref, task_name, task_version, model, base_url, credential, config,
         sample_ids, epochs, total_units, status, label, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        r.id,
        r.taskRef,
        r.taskName,
        r.taskVersion,
        r.model,
        r.baseUrl,
        r.credential ? JSON.stringify(r.credential) : null,
        JSON.stringify(r.config),
        JSON.stringify(r.sampleIds),
        r.epochs,
        r.totalUnits,
        r.status,
        r.label,
        r.createdBy,
      ],
    )
  },

  async getRun(db: Queryable, id: string): Promise<RunRow | null> {
    const { rows } = await db.query(`SELECT ${RUN_COLS} FROM eval_runs WHERE id = $1`, [id])
    return rows[0] ? toRun(rows[0]) : null
  },

  /** The one place the credential is read. */
  async credential(db: Queryable, id: string): Promise<Envelope | null> {
    const { rows } = await db.query<{ credential: Envelope | null }>(
      'SELECT credential FROM eval_runs WHERE id = $1',
      [id],
    )
    return rows[0]?.credential ?? null
  },

  async listRuns(
    db: Queryable,
    q: { task?: string; limit: number; offset: number },
  ): Promise<{ items: RunRow[]; total: number }> {
    const where = q.task ? 'WHERE task_name = $3' : ''
    const values: unknown[] = [q.limit, q.offset, ...(q.task ? [q.task] : [])]
    const { rows } = await db.query(
      `SELECT ${RUN_COLS}, count(*) OVER () AS total FROM eval_runs ${where}
       ORDER BY created_at DESC, id LIMIT $1 OFFSET $2`,
      values,
    )
    return { items: rows.map(toRun), total: Number(rows[0]?.total ?? 0) }
  },

  /** Inserts once: a repeated delivery of the same sample × epoch changes nothing. Returns whether it was new. */
  async insertSample(db: Queryable, runId: string, s: NewSample): Promise<boolean> {
    const r = await db.query(
      `INSERT INTO eval_samples (run_id, sample_id, epoch, scores, score, category, grp, difficulty,
         input_tokens, output_tokens, cost, tool_calls, messages, limit_kind, error, started_at,
         completed_at, total_ms, working_ms, transcript, transcript_scheme, worker)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)
       ON CONFLICT (run_id, sample_id, epoch) DO NOTHING`,
      [
        runId,
        s.sampleId,
        s.epoch,
        JSON.stringify(s.scores),
        s.score,
        s.category,
        s.group,
        s.difficulty,
        s.inputTokens,
        s.outputTokens,
        s.cost,
        s.toolCalls,
        s.messages,
        s.limitKind,
        s.error,
        s.startedAt,
        s.completedAt,
        Math.round(s.totalMs),
        Math.round(s.workingMs),
        s.transcript,
        s.transcriptScheme,
        s.worker,
      ],
    )
    return r.rowCount === 1
  },

  async doneUnits(db: Queryable, runId: string): Promise<Set<string>> {
    const { rows } = await db.query<{ sample_id: string; epoch: number }>(
      'SELECT sample_id, epoch FROM eval_samples WHERE run_id = $1',
      [runId],
    )
    return new Set(rows.map((r) => `${r.sample_id}:${r.epoch}`))
  },

  async progress(db: Queryable, runId: string): Promise<Progress> {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT count(*) AS done, count(*) FILTER (WHERE error IS NOT NULL) AS errors,
         coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
         coalesce(sum(cost), 0) AS cost, min(started_at) AS first_at, max(completed_at) AS last_at
       FROM eval_samples WHERE run_id = $1`,
      [runId],
    )
    const r = rows[0]!
    return {
      done: Number(r.done),
      errors: Number(r.errors),
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      cost: Number(r.cost),
      firstAt: (r.first_at as Date | null) ?? null,
      lastAt: (r.last_at as Date | null) ?? null,
    }
  },

  /** Ends a running run; a run already ended keeps its first ending. Returns whether this call ended it. */
  async finish(
    db: Queryable,
    runId: string,
    status: Exclude<RunStatus, 'running'>,
    reason: string | null,
    onlyIfComplete = false,
  ): Promise<boolean> {
    const r = await db.query(
      `UPDATE eval_runs SET status = $2, status_reason = $3, finished_at = now()
       WHERE id = $1 AND status = 'running'
         ${onlyIfComplete ? 'AND (SELECT count(*) FROM eval_samples WHERE run_id = $1) >= total_units' : ''}`,
      [runId, status, reason],
    )
    return r.rowCount === 1
  },

  async status(db: Queryable, runId: string): Promise<RunStatus | null> {
    const { rows } = await db.query<{ status: RunStatus }>(
      'SELECT status FROM eval_runs WHERE id = $1',
      [runId],
    )
    return rows[0]?.status ?? null
  },

  /** Score rows for statistics (no transcripts). */
  async scored(db: Queryable, runId: string): Promise<SampleRow[]> {
    const { rows } = await db.query(
      `SELECT ${SAMPLE_COLS} FROM eval_samples WHERE run_id = $1 ORDER BY sample_id, epoch`,
      [runId],
    )
    return rows.map(toSample)
  },

  async samples(
    db: Queryable,
    runId: string,
    f: SampleFilter,
  ): Promise<{ items: SampleRow[]; total: number }> {
    const cond = ['run_id = $1']
    const values: unknown[] = [runId]
    const add = (sql: string, v: unknown) => {
      values.push(v)
      cond.push(sql.replace('?', `$${values.length}`))
    }
    if (f.category) add('category = ?', f.category)
    if (f.epoch) add('epoch = ?', f.epoch)
    if (f.q) add("sample_id ILIKE '%' || ? || '%'", f.q)
    if (f.outcome === 'correct') cond.push('error IS NULL AND score >= 1')
    if (f.outcome === 'incorrect') cond.push('error IS NULL AND score < 1')
    if (f.outcome === 'error') cond.push('error IS NOT NULL')
    if (f.outcome === 'limit') cond.push('limit_kind IS NOT NULL')
    values.push(f.limit, f.offset)
    const { rows } = await db.query(
      `SELECT ${SAMPLE_COLS}, count(*) OVER () AS total FROM eval_samples WHERE ${cond.join(' AND ')}
       ORDER BY sample_id, epoch LIMIT $${values.length - 1} OFFSET $${values.length}`,
      values,
    )
    return { items: rows.map(toSample), total: Number(rows[0]?.total ?? 0) }
  },

  async transcript(
    db: Queryable,
    runId: string,
    sampleId: string,
    epoch: number,
  ): Promise<{ bytes: Uint8Array; scheme: string } | null> {
    const { rows } = await db.query<{ transcript: Uint8Array; transcript_scheme: string }>(
      'SELECT transcript, transcript_scheme FROM eval_samples WHERE run_id = $1 AND sample_id = $2 AND epoch = $3',
      [runId, sampleId, epoch],
    )
    return rows[0] ? { bytes: rows[0].transcript, scheme: rows[0].transcript_scheme } : null
  },

  async categories(db: Queryable, runId: string): Promise<string[]> {
    const { rows } = await db.query<{ category: string }>(
      'SELECT DISTINCT category FROM eval_samples WHERE run_id = $1 AND category IS NOT NULL ORDER BY category',
      [runId],
    )
    return rows.map((r) => r.category)
  },
}

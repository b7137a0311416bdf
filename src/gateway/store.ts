/** SQL for the gateway's request log: batched inserts, budget totals and usage series. */
import type { Queryable, Sql } from '../platform/db/db.ts'

/** One request as the gateway logs it. */
export interface RequestRecord {
  at: Date
  grantId: string | null
  partnerOrgId: string | null
  submissionId: string | null
  endpoint: string
  model: string | null
  streamed: boolean
  status: number
  errorCode: string | null
  inputTokens: number
  outputTokens: number
  tokensEstimated: boolean
  latencyMs: number
  ttfbMs: number | null
  requestId: string
  prompt: unknown
  completion: unknown
}

/** Each column with the array type its values travel as. */
const COLUMNS = [
  ['at', 'timestamptz'],
  ['grant_id', 'text'],
  ['partner_org_id', 'text'],
  ['submission_id', 'text'],
  ['endpoint', 'text'],
  ['model', 'text'],
  ['streamed', 'boolean'],
  ['status', 'integer'],
  ['error_code', 'text'],
  ['input_tokens', 'integer'],
  ['output_tokens', 'integer'],
  ['tokens_estimated', 'boolean'],
  ['latency_ms', 'integer'],
  ['ttfb_ms', 'integer'],
  ['request_id', 'text'],
  ['prompt', 'jsonb'],
  ['completion', 'jsonb'],
] as const

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v))

/**
 * One INSERT for a batch, one array parameter per column unnested into rows: binding a few
 * hundred rows as separate parameters costs far more (on PGlite a 500-row batch took over
 * 100 ms that way, blocking the event loop the gateway serves from).
 */
export function insertRequests(rows: readonly RequestRecord[]): Sql {
  const values: unknown[] = [
    rows.map((r) => r.at.toISOString()),
    rows.map((r) => r.grantId),
    rows.map((r) => r.partnerOrgId),
    rows.map((r) => r.submissionId),
    rows.map((r) => r.endpoint),
    rows.map((r) => r.model),
    rows.map((r) => r.streamed),
    rows.map((r) => r.status),
    rows.map((r) => r.errorCode),
    rows.map((r) => r.inputTokens),
    rows.map((r) => r.outputTokens),
    rows.map((r) => r.tokensEstimated),
    rows.map((r) => r.latencyMs),
    rows.map((r) => r.ttfbMs),
    rows.map((r) => r.requestId),
    rows.map((r) => json(r.prompt)),
    rows.map((r) => json(r.completion)),
  ]
  return {
    text: `INSERT INTO gateway_request (${COLUMNS.map(([c]) => c).join(', ')})
      SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`,
    values,
  }
}

export async function insert(db: Queryable, rows: readonly RequestRecord[]): Promise<void> {
  if (rows.length === 0) return
  const sql = insertRequests(rows)
  await db.query(sql.text, sql.values)
}

/** Tokens a grant has used over its life: where a restarted process starts its budget count. */
export async function tokensUsed(db: Queryable, grantId: string): Promise<number> {
  const r = await db.query<{ used: string | number | null }>(
    'SELECT coalesce(sum(input_tokens + output_tokens), 0) AS used FROM gateway_request WHERE grant_id = $1',
    [grantId],
  )
  return Number(r.rows[0]?.used ?? 0)
}

export const BUCKETS = ['minute', 'hour', 'day'] as const
export type Bucket = (typeof BUCKETS)[number]

export interface UsagePoint {
  /** The bucket's start. */
  start: Date
  requests: number
  errors: number
  inputTokens: number
  outputTokens: number
}

export interface UsageTotals {
  requests: number
  errors: number
  inputTokens: number
  outputTokens: number
  lastRequestAt: Date | null
}

interface PointRow {
  at: Date
  requests: string | number
  errors: string | number
  input_tokens: string | number
  output_tokens: string | number
}

/** Requests and tokens per bucket in [from, to]; `bucket` is one of BUCKETS, never free text. */
export async function series(
  db: Queryable,
  grantId: string,
  from: Date,
  to: Date,
  bucket: Bucket,
): Promise<UsagePoint[]> {
  const r = await db.query<PointRow>(
    `SELECT date_trunc('${bucket}', at) AS at, count(*) AS requests,
            count(*) FILTER (WHERE status >= 400) AS errors,
            coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens
       FROM gateway_request
      WHERE grant_id = $1 AND at >= $2 AND at <= $3
      GROUP BY 1 ORDER BY 1`,
    [grantId, from, to],
  )
  return r.rows.map((p) => ({
    start: new Date(p.at),
    requests: Number(p.requests),
    errors: Number(p.errors),
    inputTokens: Number(p.input_tokens),
    outputTokens: Number(p.output_tokens),
  }))
}

export async function totals(db: Queryable, grantId: string): Promise<UsageTotals> {
  const r = await db.query<Omit<PointRow, 'at'> & { last_at: Date | null }>(
    `SELECT count(*) AS requests, count(*) FILTER (WHERE status >= 400) AS errors,
            coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
            max(at) AS last_at
       FROM gateway_request WHERE grant_id = $1`,
    [grantId],
  )
  const t = r.rows[0]!
  return {
    requests: Number(t.requests),
    errors: Number(t.errors),
    inputTokens: Number(t.input_tokens),
    outputTokens: Number(t.output_tokens),
    lastRequestAt: t.last_at ? new Date(t.last_at) : null,
  }
}

export interface LoggedRequest {
  at: Date
  endpoint: string
  model: string | null
  streamed: boolean
  status: number
  errorCode: string | null
  inputTokens: number
  outputTokens: number
  tokensEstimated: boolean
  latencyMs: number
  ttfbMs: number | null
  requestId: string
}

/** The latest requests of a grant, metadata only. */
export async function recent(
  db: Queryable,
  grantId: string,
  limit: number,
): Promise<LoggedRequest[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT at, endpoint, model, streamed, status, error_code, input_tokens, output_tokens,
            tokens_estimated, latency_ms, ttfb_ms, request_id
       FROM gateway_request WHERE grant_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
    [grantId, limit],
  )
  return r.rows.map((x) => ({
    at: new Date(x.at as Date),
    endpoint: x.endpoint as string,
    model: (x.model as string | null) ?? null,
    streamed: x.streamed as boolean,
    status: x.status as number,
    errorCode: (x.error_code as string | null) ?? null,
    inputTokens: x.input_tokens as number,
    outputTokens: x.output_tokens as number,
    tokensEstimated: x.tokens_estimated as boolean,
    latencyMs: x.latency_ms as number,
    ttfbMs: (x.ttfb_ms as number | null) ?? null,
    requestId: x.request_id as string,
  }))
}

/** SQL of the transparency log: the sequencing row, entries, tree nodes, checkpoints, commitment salts and the signing key. */
import type { Envelope } from '../platform/crypto/envelope.ts'
import type { Queryable, Sql } from '../platform/db/db.ts'
import type { NodeId } from './merkle.ts'
import type { EntryType } from './model.ts'

/** bytea arrives as a Buffer from pg and as a plain Uint8Array from PGlite; callers get Buffers. */
const buf = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)

export interface NodeRow extends NodeId {
  hash: Buffer
}

export interface EntryRow {
  index: number
  leafHash: Buffer
  body: Buffer
  type: EntryType
  subjectIds: string[]
  at: Date
}

export interface CheckpointRow {
  id: number
  size: number
  root: Buffer
  note: string
  createdAt: Date
}

export interface LogState {
  size: number
  checkpointRequestedAt: Date | null
}

/**
 * Locks the one state row until the caller's transaction ends. Every appender takes this lock
 * first, in every process, so exactly one transaction at a time holds "the next index"; one
 * that rolls back releases the lock with the size unchanged, and its indexes are reused.
 */
export async function lockState(q: Queryable): Promise<LogState> {
  const r = await q.query<{ size: number; checkpoint_requested_at: Date | null }>(
    'SELECT size, checkpoint_requested_at FROM translog_state WHERE id FOR UPDATE',
  )
  const row = r.rows[0]
  if (!row) throw new Error('translog_state has no row; migration 0003_translog did not run whole')
  return { size: row.size, checkpointRequestedAt: row.checkpoint_requested_at }
}

/** The committed size, without locking: readers never wait for appenders. */
export async function size(q: Queryable): Promise<number> {
  const r = await q.query<{ size: number }>('SELECT size FROM translog_state WHERE id')
  return r.rows[0]?.size ?? 0
}

export async function setState(q: Queryable, s: LogState): Promise<void> {
  await q.query('UPDATE translog_state SET size = $1, checkpoint_requested_at = $2 WHERE id', [
    s.size,
    s.checkpointRequestedAt,
  ])
}

/**
 * Inserts many entries in one statement. Rows travel as one JSON parameter (bytes as hex), which
 * both drivers pass the same way, so a batch costs one round trip whatever its length.
 */
export async function insertEntries(q: Queryable, rows: EntryRow[]): Promise<void> {
  if (rows.length === 0) return
  await q.query(
    `INSERT INTO translog_entry (idx, leaf_hash, body, type, subject_ids, at)
     SELECT r.idx, decode(r.leaf, 'hex'), decode(r.body, 'hex'), r.type,
            ARRAY(SELECT jsonb_array_elements_text(r.subjects)), r.at
       FROM jsonb_to_recordset($1::jsonb)
         AS r(idx bigint, leaf text, body text, type text, subjects jsonb, at timestamptz)`,
    [
      JSON.stringify(
        rows.map((e) => ({
          idx: e.index,
          leaf: e.leafHash.toString('hex'),
          body: e.body.toString('hex'),
          type: e.type,
          subjects: e.subjectIds,
          at: e.at.toISOString(),
        })),
      ),
    ],
  )
}

export async function insertNodes(q: Queryable, nodes: NodeRow[]): Promise<void> {
  if (nodes.length === 0) return
  await q.query(
    `INSERT INTO translog_node (level, idx, hash)
     SELECT r.level, r.idx, decode(r.hash, 'hex')
       FROM jsonb_to_recordset($1::jsonb) AS r(level smallint, idx bigint, hash text)`,
    [
      JSON.stringify(
        nodes.map((n) => ({ level: n.level, idx: n.index, hash: n.hash.toString('hex') })),
      ),
    ],
  )
}

/** The stored hashes of these nodes, in one query; absent nodes are simply missing from the map. */
export async function nodes(q: Queryable, ids: readonly NodeId[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  if (ids.length === 0) return out
  // Two parallel arrays rather than a JSON document: this is every proof's one query, and
  // unnest plans and runs measurably faster on both drivers.
  const r = await q.query<{ level: number; idx: number; hash: Uint8Array }>(
    `SELECT n.level, n.idx, n.hash
       FROM unnest($1::smallint[], $2::bigint[]) AS w(level, idx)
       JOIN translog_node n ON n.level = w.level AND n.idx = w.idx`,
    [ids.map((i) => i.level), ids.map((i) => i.index)],
  )
  for (const row of r.rows) out.set(nodeKey(row.level, row.idx), buf(row.hash))
  return out
}

export const nodeKey = (level: number, index: number) => `${level}/${index}`

/** Up to `limit` stored nodes of levels `fromLevel` and up, in (level, idx) order after `after`. */
export async function nodesAfter(
  q: Queryable,
  fromLevel: number,
  after: { level: number; index: number },
  limit: number,
): Promise<Array<{ level: number; index: number; hash: Buffer }>> {
  const r = await q.query<{ level: number; idx: number; hash: Uint8Array }>(
    `SELECT level, idx, hash FROM translog_node
      WHERE level >= $1 AND (level, idx) > ($2, $3)
      ORDER BY level, idx LIMIT $4`,
    [fromLevel, after.level, after.index, limit],
  )
  return r.rows.map((x) => ({ level: x.level, index: x.idx, hash: buf(x.hash) }))
}

/** `count` consecutive nodes of one level from `from`: a hash tile's contents. */
export async function nodeRange(
  q: Queryable,
  level: number,
  from: number,
  count: number,
): Promise<Buffer[]> {
  const r = await q.query<{ hash: Uint8Array }>(
    `SELECT hash FROM translog_node WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`,
    [level, from, from + count],
  )
  return r.rows.map((x) => buf(x.hash))
}

export async function insertSecret(
  q: Queryable,
  index: number,
  salts: Record<string, string>,
): Promise<void> {
  await q.query('INSERT INTO translog_secret (idx, salts) VALUES ($1, $2)', [
    index,
    JSON.stringify(salts),
  ])
}

export async function secret(q: Queryable, index: number): Promise<Record<string, string> | null> {
  const r = await q.query<{ salts: Record<string, string> }>(
    'SELECT salts FROM translog_secret WHERE idx = $1',
    [index],
  )
  return r.rows[0]?.salts ?? null
}

interface EntryDbRow {
  idx: number
  leaf_hash: Uint8Array
  body: Uint8Array
  type: EntryType
  subject_ids: string[]
  at: Date
}

const toEntry = (r: EntryDbRow): EntryRow => ({
  index: r.idx,
  leafHash: buf(r.leaf_hash),
  body: buf(r.body),
  type: r.type,
  subjectIds: r.subject_ids,
  at: r.at,
})

const ENTRY_COLUMNS = 'idx, leaf_hash, body, type, subject_ids, at'

export async function entry(q: Queryable, index: number): Promise<EntryRow | null> {
  const r = await q.query<EntryDbRow>(
    `SELECT ${ENTRY_COLUMNS} FROM translog_entry WHERE idx = $1`,
    [index],
  )
  return r.rows[0] ? toEntry(r.rows[0]) : null
}

/** The first entry with this leaf hash (identical entries have identical hashes). */
export async function entryByLeafHash(q: Queryable, leafHash: Buffer): Promise<EntryRow | null> {
  const r = await q.query<EntryDbRow>(
    `SELECT ${ENTRY_COLUMNS} FROM translog_entry WHERE leaf_hash = $1 ORDER BY idx LIMIT 1`,
    [leafHash],
  )
  return r.rows[0] ? toEntry(r.rows[0]) : null
}

/** `count` consecutive entries from `from`, in index order: an entry bundle's contents. */
export async function entryRange(q: Queryable, from: number, count: number): Promise<EntryRow[]> {
  const r = await q.query<EntryDbRow>(
    `SELECT ${ENTRY_COLUMNS} FROM translog_entry WHERE idx >= $1 AND idx < $2 ORDER BY idx`,
    [from, from + count],
  )
  return r.rows.map(toEntry)
}

export interface EntryQuery {
  type?: EntryType | undefined
  subjectId?: string | undefined
  from?: Date | undefined
  to?: Date | undefined
  limit: number
  offset: number
}

/** A filtered page of entries, oldest first (index order), and the count of all that match. */
export function entryListSql(query: EntryQuery): { page: Sql; count: Sql } {
  const where: string[] = []
  const values: unknown[] = []
  const param = (v: unknown) => {
    values.push(v)
    return `$${values.length}`
  }
  if (query.type) where.push(`type = ${param(query.type)}`)
  if (query.subjectId) where.push(`subject_ids @> ARRAY[${param(query.subjectId)}]::text[]`)
  if (query.from) where.push(`at >= ${param(query.from)}`)
  if (query.to) where.push(`at < ${param(query.to)}`)
  const filter = where.length ? ` WHERE ${where.join(' AND ')}` : ''
  const count = {
    text: `SELECT count(*)::int AS total FROM translog_entry${filter}`,
    values: [...values],
  }
  const text = `SELECT ${ENTRY_COLUMNS} FROM translog_entry${filter} ORDER BY idx
    LIMIT ${param(query.limit)} OFFSET ${param(query.offset)}`
  return { page: { text, values }, count }
}

export async function entries(
  q: Queryable,
  query: EntryQuery,
): Promise<{ items: EntryRow[]; total: number }> {
  const { page, count } = entryListSql(query)
  const rows = await q.query<EntryDbRow>(page.text, page.values)
  const c = await q.query<{ total: number }>(count.text, count.values)
  return { items: rows.rows.map(toEntry), total: c.rows[0]?.total ?? 0 }
}

interface CheckpointDbRow {
  id: number
  size: number
  root: Uint8Array
  note: string
  created_at: Date
}

const toCheckpoint = (r: CheckpointDbRow): CheckpointRow => ({
  id: r.id,
  size: r.size,
  root: buf(r.root),
  note: r.note,
  createdAt: r.created_at,
})

export async function insertCheckpoint(
  q: Queryable,
  c: Omit<CheckpointRow, 'id'>,
): Promise<CheckpointRow> {
  const r = await q.query<CheckpointDbRow>(
    `INSERT INTO translog_checkpoint (size, root, note, created_at) VALUES ($1, $2, $3, $4)
     RETURNING id, size, root, note, created_at`,
    [c.size, c.root, c.note, c.createdAt],
  )
  return toCheckpoint(r.rows[0]!)
}

export async function latestCheckpoint(q: Queryable): Promise<CheckpointRow | null> {
  const r = await q.query<CheckpointDbRow>(
    'SELECT id, size, root, note, created_at FROM translog_checkpoint ORDER BY id DESC LIMIT 1',
  )
  return r.rows[0] ? toCheckpoint(r.rows[0]) : null
}

/** Checkpoints, newest first. */
export async function checkpoints(
  q: Queryable,
  page: { limit: number; offset: number },
): Promise<{ items: CheckpointRow[]; total: number }> {
  const r = await q.query<CheckpointDbRow>(
    `SELECT id, size, root, note, created_at FROM translog_checkpoint ORDER BY id DESC
      LIMIT $1 OFFSET $2`,
    [page.limit, page.offset],
  )
  const c = await q.query<{ total: number }>(
    'SELECT count(*)::int AS total FROM translog_checkpoint',
  )
  return { items: r.rows.map(toCheckpoint), total: c.rows[0]?.total ?? 0 }
}

export interface KeyRow {
  name: string
  signer: Envelope
  verifierKey: string
}

export async function key(q: Queryable, name: string): Promise<KeyRow | null> {
  const r = await q.query<{ name: string; signer: Envelope; verifier_key: string }>(
    'SELECT name, signer, verifier_key FROM translog_key WHERE name = $1',
    [name],
  )
  const row = r.rows[0]
  return row ? { name: row.name, signer: row.signer, verifierKey: row.verifier_key } : null
}

/** The names of the signing keys this database holds (one, once a log exists). */
export async function keyNames(q: Queryable): Promise<string[]> {
  const r = await q.query<{ name: string }>('SELECT name FROM translog_key ORDER BY name')
  return r.rows.map((row) => row.name)
}

/** Inserts the key unless another process got there first; the caller reads back the winner. */
export async function insertKeyIfAbsent(q: Queryable, k: KeyRow): Promise<void> {
  await q.query(
    `INSERT INTO translog_key (name, signer, verifier_key) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO NOTHING`,
    [k.name, JSON.stringify(k.signer), k.verifierKey],
  )
}

/**
 * The entry data field that splits a type's counts in the public report: a determination by its
 * outcome, a partner refusal by its reason category. Services appending these types put the
 * value under these names in the entry's public `data`.
 */
export const REPORT_BREAKDOWNS = {
  'determination.made': 'outcome',
  'partner.refused': 'reasonCategory',
} as const satisfies Partial<Record<EntryType, string>>

export interface ReportCountRow {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string
  type: EntryType
  /** The breakdown field's value, for the types in REPORT_BREAKDOWNS; null otherwise or when absent. */
  detail: string | null
  count: number
}

/**
 * Counts of the entries with index in [from, to) by UTC day, type and breakdown value, in one
 * grouped scan. Entries never change, so a caller counts each range once and adds the next one
 * as the log grows. Only entries of a broken-down type have their body parsed.
 */
export async function reportCounts(
  q: Queryable,
  from: number,
  to: number,
): Promise<ReportCountRow[]> {
  const r = await q.query<ReportCountRow>(
    `SELECT to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
            s.type,
            CASE WHEN $3::jsonb ? s.type
                 THEN convert_from(s.body, 'UTF8')::jsonb -> 'data' ->> ($3::jsonb ->> s.type)
            END AS detail,
            count(*)::int AS count
       FROM translog_entry s
      WHERE s.idx >= $1 AND s.idx < $2
      GROUP BY day, s.type, detail`,
    [from, to, JSON.stringify(REPORT_BREAKDOWNS)],
  )
  return r.rows
}

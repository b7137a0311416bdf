/** SQL for advisories, their published revisions, the OSV package index and id sequences. */
import type { Queryable } from '../../platform/db/db.ts'
import type { Tlp } from '../tlp.ts'
import type {
  Advisory,
  AdvisoryContent,
  AdvisoryRevision,
  AdvisorySource,
  AdvisoryState,
} from './model.ts'

interface AdvisoryRow {
  id: string
  source: AdvisorySource
  case_id: string | null
  cve_id: string | null
  tlp: Tlp
  state: AdvisoryState
  content: AdvisoryContent
  publish_at: Date | null
  published_at: Date | null
  original: unknown | null
  created_by: string | null
  created_at: Date
  updated_at: Date
  revision: number
}

interface RevisionRow {
  advisory_id: string
  number: number
  at: Date
  summary: string
  by_person_id: string | null
  content: AdvisoryContent
}

const toRevision = (r: RevisionRow): AdvisoryRevision => ({
  number: r.number,
  at: r.at,
  summary: r.summary,
  byPersonId: r.by_person_id,
  content: r.content,
})

const toAdvisory = (r: AdvisoryRow, history: AdvisoryRevision[]): Advisory => ({
  id: r.id,
  source: r.source,
  caseId: r.case_id,
  cveId: r.cve_id,
  tlp: r.tlp,
  state: r.state,
  content: r.content,
  publishAt: r.publish_at,
  publishedAt: r.published_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  revision: r.revision,
  history,
  original: r.original,
})

/** Loads the revisions of many advisories in one query. */
async function withHistory(q: Queryable, rows: AdvisoryRow[]): Promise<Advisory[]> {
  if (rows.length === 0) return []
  const { rows: revs } = await q.query<RevisionRow>(
    'SELECT * FROM advisory_revision WHERE advisory_id = ANY($1) ORDER BY advisory_id, number',
    [rows.map((r) => r.id)],
  )
  const by = new Map<string, AdvisoryRevision[]>()
  for (const r of revs) by.set(r.advisory_id, [...(by.get(r.advisory_id) ?? []), toRevision(r)])
  return rows.map((r) => toAdvisory(r, by.get(r.id) ?? []))
}

export async function insert(
  q: Queryable,
  a: Omit<Advisory, 'history' | 'revision' | 'publishedAt' | 'state'>,
): Promise<void> {
  await q.query(
    `INSERT INTO advisory (id, source, case_id, cve_id, tlp, state, content, publish_at, original,
       created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $10)`,
    [
      a.id,
      a.source,
      a.caseId,
      a.cveId,
      a.tlp,
      JSON.stringify(a.content),
      a.publishAt,
      a.original === null ? null : JSON.stringify(a.original),
      a.createdBy,
      a.createdAt,
    ],
  )
}

export async function find(
  q: Queryable,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Advisory | null> {
  const { rows } = await q.query<AdvisoryRow>(
    `SELECT * FROM advisory WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  )
  return (await withHistory(q, rows))[0] ?? null
}

export async function findByCase(q: Queryable, caseId: string): Promise<Advisory | null> {
  const { rows } = await q.query<AdvisoryRow>('SELECT * FROM advisory WHERE case_id = $1', [caseId])
  return (await withHistory(q, rows))[0] ?? null
}

export async function findByCve(q: Queryable, cveId: string): Promise<Advisory | null> {
  const { rows } = await q.query<AdvisoryRow>('SELECT * FROM advisory WHERE cve_id = $1', [cveId])
  return (await withHistory(q, rows))[0] ?? null
}

export interface ListQuery {
  state?: AdvisoryState | undefined
  /** Only published TLP:CLEAR advisories: the public feeds' view. */
  publicOnly?: boolean
  /** Only these ids. */
  ids?: string[] | undefined
  limit: number
  offset: number
}

export async function list(
  q: Queryable,
  query: ListQuery,
): Promise<{ items: Advisory[]; total: number }> {
  const where: string[] = []
  const values: unknown[] = []
  if (query.publicOnly) where.push(`state = 'published' AND tlp = 'CLEAR'`)
  if (query.state) {
    values.push(query.state)
    where.push(`state = $${values.length}`)
  }
  if (query.ids) {
    values.push(query.ids)
    where.push(`id = ANY($${values.length})`)
  }
  const w = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
  const { rows: count } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM advisory ${w}`,
    values,
  )
  const order = query.publicOnly ? 'published_at DESC, id' : 'updated_at DESC, id'
  const { rows } = await q.query<AdvisoryRow>(
    `SELECT * FROM advisory ${w} ORDER BY ${order} LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
    [...values, query.limit, query.offset],
  )
  return { items: await withHistory(q, rows), total: count[0]?.n ?? 0 }
}

export async function update(
  q: Queryable,
  id: string,
  revision: number,
  set: {
    content?: AdvisoryContent
    tlp?: Tlp
    publishAt?: Date | null
    state?: AdvisoryState
    publishedAt?: Date
    cveId?: string
  },
  now: Date,
): Promise<boolean> {
  const cols: string[] = []
  const values: unknown[] = [id, revision, now]
  const put = (col: string, v: unknown) => {
    values.push(v)
    cols.push(`${col} = $${values.length}`)
  }
  if (set.content) put('content', JSON.stringify(set.content))
  if (set.tlp) put('tlp', set.tlp)
  if (set.publishAt !== undefined) put('publish_at', set.publishAt)
  if (set.state) put('state', set.state)
  if (set.publishedAt) put('published_at', set.publishedAt)
  if (set.cveId) put('cve_id', set.cveId)
  const r = await q.query(
    `UPDATE advisory SET ${[...cols, 'updated_at = $3', 'revision = revision + 1'].join(', ')}
     WHERE id = $1 AND revision = $2`,
    values,
  )
  return r.rowCount === 1
}

export async function insertRevision(
  q: Queryable,
  advisoryId: string,
  r: AdvisoryRevision,
): Promise<void> {
  await q.query(
    `INSERT INTO advisory_revision (advisory_id, number, at, summary, by_person_id, content)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [advisoryId, r.number, r.at, r.summary, r.byPersonId, JSON.stringify(r.content)],
  )
}

/** Drafts whose disclosure date has come. */
export async function dueDrafts(q: Queryable, now: Date): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT id FROM advisory WHERE state = 'draft' AND publish_at <= $1 ORDER BY publish_at`,
    [now],
  )
  return rows.map((r) => r.id)
}

/** The next number of our own advisory ids for a year; the row lock serialises concurrent drafts. */
export async function nextSequence(q: Queryable, year: number): Promise<number> {
  const { rows } = await q.query<{ last: number }>(
    `INSERT INTO advisory_sequence (year, last) VALUES ($1, 1)
     ON CONFLICT (year) DO UPDATE SET last = advisory_sequence.last + 1
     RETURNING last`,
    [year],
  )
  return rows[0]!.last
}

/** The CVE ids already taken with this prefix (e.g. `CVE-2026-`), as numbers. */
export async function usedCveNumbers(q: Queryable, prefix: string): Promise<number[]> {
  // Serialises assignment from the block across processes for the rest of the transaction.
  await q.query(`SELECT pg_advisory_xact_lock(hashtext('earlywatch.cve-block'))`)
  const { rows } = await q.query<{ cve_id: string }>(
    'SELECT cve_id FROM advisory WHERE cve_id LIKE $1',
    [`${prefix}%`],
  )
  return rows.map((r) => Number(r.cve_id.slice(prefix.length)))
}

export async function setPackages(
  q: Queryable,
  advisoryId: string,
  packages: Array<{ ecosystem: string; name: string }>,
): Promise<void> {
  await q.query('DELETE FROM advisory_package WHERE advisory_id = $1', [advisoryId])
  const unique = new Map(packages.map((p) => [`${p.ecosystem}\u0000${p.name}`, p]))
  for (const p of unique.values())
    await q.query(
      'INSERT INTO advisory_package (advisory_id, ecosystem, name) VALUES ($1, $2, $3)',
      [advisoryId, p.ecosystem, p.name],
    )
}

/** Public advisories that name this package (name only, when ecosystem is null). */
export async function publicByPackage(
  q: Queryable,
  ecosystem: string | null,
  name: string,
): Promise<Advisory[]> {
  const { rows } = await q.query<AdvisoryRow>(
    `SELECT a.* FROM advisory a
     WHERE a.state = 'published' AND a.tlp = 'CLEAR'
       AND EXISTS (SELECT 1 FROM advisory_package p
                   WHERE p.advisory_id = a.id AND p.name = $2 AND ($1::text IS NULL OR p.ecosystem = $1))
     ORDER BY a.published_at DESC, a.id`,
    [ecosystem, name],
  )
  return withHistory(q, rows)
}

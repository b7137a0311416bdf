/** SQL for model submissions and their timeline. The credential column is read in one place only. */
import type { Envelope } from '../platform/crypto/envelope.ts'
import type { Queryable, Sql } from '../platform/db/db.ts'
import type {
  EventKind,
  ListQuery,
  Protocol,
  SortKey,
  Submission,
  SubmissionEvent,
  SubmissionState,
} from './model.ts'

interface SubmissionRow {
  id: string
  lab_org_id: string
  lab_name: string
  model_name: string
  model_version: string
  description: string
  intended_capabilities: string[]
  endpoint_base_url: string
  endpoint_protocol: Protocol
  endpoint_model_id: string
  has_credential: boolean
  offered_days: number
  partner_release_at: Date | null
  public_release_at: Date | null
  accepted_at: Date | null
  state: SubmissionState
  credential_destroyed_at: Date | null
  created_by: string
  created_at: Date
  updated_at: Date
  revision: number
}

const toSubmission = (r: SubmissionRow): Submission => ({
  id: r.id,
  labOrgId: r.lab_org_id,
  labName: r.lab_name,
  modelName: r.model_name,
  modelVersion: r.model_version,
  description: r.description,
  intendedCapabilities: r.intended_capabilities,
  endpoint: {
    baseUrl: r.endpoint_base_url,
    protocol: r.endpoint_protocol,
    modelId: r.endpoint_model_id,
    hasCredential: r.has_credential,
  },
  offeredDays: r.offered_days,
  partnerReleaseAt: r.partner_release_at,
  publicReleaseAt: r.public_release_at,
  acceptedAt: r.accepted_at,
  state: r.state,
  credentialDestroyedAt: r.credential_destroyed_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  revision: r.revision,
})

// Everything but the credential itself: only whether one is held. `s` is the submission,
// `o` its lab organisation.
const COLUMNS = `s.id, s.lab_org_id, o.name AS lab_name, s.model_name, s.model_version, s.description,
  s.intended_capabilities, s.endpoint_base_url, s.endpoint_protocol, s.endpoint_model_id,
  s.endpoint_credential IS NOT NULL AS has_credential, s.offered_days, s.partner_release_at,
  s.public_release_at, s.accepted_at, s.state, s.credential_destroyed_at, s.created_by,
  s.created_at, s.updated_at, s.revision`

export interface NewSubmission {
  id: string
  labOrgId: string
  modelName: string
  modelVersion: string
  description: string
  intendedCapabilities: string[]
  endpoint: { baseUrl: string; protocol: Protocol; modelId: string }
  credential: Envelope
  offeredDays: number
  partnerReleaseAt: Date | null
  publicReleaseAt: Date | null
  createdBy: string
  createdAt: Date
}

export async function insert(q: Queryable, s: NewSubmission): Promise<void> {
  await q.query(
    `INSERT INTO submission (id, lab_org_id, model_name, model_version, description,
       intended_capabilities, endpoint_base_url, endpoint_protocol, endpoint_model_id,
       endpoint_credential, offered_days, partner_release_at, public_release_at, state,
       created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'submitted', $14, $15, $15)`,
    [
      s.id,
      s.labOrgId,
      s.modelName,
      s.modelVersion,
      s.description,
      JSON.stringify(s.intendedCapabilities),
      s.endpoint.baseUrl,
      s.endpoint.protocol,
      s.endpoint.modelId,
      JSON.stringify(s.credential),
      s.offeredDays,
      s.partnerReleaseAt,
      s.publicReleaseAt,
      s.createdBy,
      s.createdAt,
    ],
  )
}

/**
 * One submission. `forUpdate` locks its row until the transaction ends, so two changes to the
 * same submission run one after the other and the second sees the first.
 */
export async function find(
  q: Queryable,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Submission | null> {
  const r = await q.query<SubmissionRow>(
    `SELECT ${COLUMNS} FROM submission s JOIN organisation o ON o.id = s.lab_org_id
      WHERE s.id = $1${opts.forUpdate ? ' FOR UPDATE OF s' : ''}`,
    [id],
  )
  return r.rows[0] ? toSubmission(r.rows[0]) : null
}

const ORDER_BY: Record<SortKey, string> = {
  createdAt: 's.created_at',
  updatedAt: 's.updated_at',
  modelName: 'lower(s.model_name)',
  labName: 'lower(o.name)',
  state: 's.state',
  closesAt: 'COALESCE(s.partner_release_at, s.public_release_at)',
}

/** `%`, `_` and `\` typed by a person are literal characters, not patterns. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/**
 * The page and the count of a filtered list. `labOrgId` scopes it to one lab: the caller's own
 * for lab members, or a filter program staff chose.
 */
export function listSql(query: ListQuery): { page: Sql; count: Sql } {
  const where: string[] = []
  const values: unknown[] = []
  const param = (v: unknown) => {
    values.push(v)
    return `$${values.length}`
  }
  if (query.labOrgId) where.push(`s.lab_org_id = ${param(query.labOrgId)}`)
  if (query.state) where.push(`s.state = ${param(query.state)}`)
  if (query.q) {
    const p = param(likePattern(query.q))
    where.push(
      `(s.model_name ILIKE ${p} OR s.model_version ILIKE ${p} OR s.description ILIKE ${p} OR o.name ILIKE ${p})`,
    )
  }
  const from = `FROM submission s JOIN organisation o ON o.id = s.lab_org_id${
    where.length ? ` WHERE ${where.join(' AND ')}` : ''
  }`
  const count = { text: `SELECT count(*)::int AS total ${from}`, values: [...values] }
  const dir = query.order === 'asc' ? 'ASC' : 'DESC'
  // The id breaks ties, so paging through equal sort keys neither repeats nor skips rows.
  const text = `SELECT ${COLUMNS} ${from} ORDER BY ${ORDER_BY[query.sort]} ${dir} NULLS LAST, s.id ${dir}
    LIMIT ${param(query.limit)} OFFSET ${param(query.offset)}`
  return { page: { text, values }, count }
}

export async function list(
  q: Queryable,
  query: ListQuery,
): Promise<{ items: Submission[]; total: number }> {
  const { page, count } = listSql(query)
  const rows = await q.query<SubmissionRow>(page.text, page.values)
  const c = await q.query<{ total: number }>(count.text, count.values)
  return { items: rows.rows.map(toSubmission), total: c.rows[0]?.total ?? 0 }
}

/** The columns a change may set; everything else about a submission is fixed at registration. */
export interface SubmissionChange {
  state?: SubmissionState
  acceptedAt?: Date
  partnerReleaseAt?: Date | null
  publicReleaseAt?: Date | null
  /** Withdrawal: the credential is overwritten with NULL, not flagged. */
  destroyCredentialAt?: Date
}

/**
 * Applies `change` if the submission is still at `revision`, bumping it; null when it is not
 * (someone else changed it first).
 */
export async function update(
  q: Queryable,
  id: string,
  revision: number,
  change: SubmissionChange,
  at: Date,
): Promise<Submission | null> {
  const set: string[] = []
  const values: unknown[] = [id, revision, at]
  const assign = (column: string, value: unknown) => {
    values.push(value)
    set.push(`${column} = $${values.length}`)
  }
  if (change.state !== undefined) assign('state', change.state)
  if (change.acceptedAt !== undefined) assign('accepted_at', change.acceptedAt)
  if (change.partnerReleaseAt !== undefined) assign('partner_release_at', change.partnerReleaseAt)
  if (change.publicReleaseAt !== undefined) assign('public_release_at', change.publicReleaseAt)
  if (change.destroyCredentialAt !== undefined) {
    set.push('endpoint_credential = NULL')
    assign('credential_destroyed_at', change.destroyCredentialAt)
  }
  const r = await q.query<SubmissionRow>(
    `WITH s AS (
       UPDATE submission SET ${[...set, 'updated_at = $3', 'revision = revision + 1'].join(', ')}
        WHERE id = $1 AND revision = $2
        RETURNING *
     )
     SELECT ${COLUMNS} FROM s JOIN organisation o ON o.id = s.lab_org_id`,
    values,
  )
  return r.rows[0] ? toSubmission(r.rows[0]) : null
}

/** The stored credential envelope, or null once destroyed. Only the service's getCredential calls this. */
export async function credential(q: Queryable, id: string): Promise<Envelope | null> {
  const r = await q.query<{ endpoint_credential: Envelope | null }>(
    'SELECT endpoint_credential FROM submission WHERE id = $1',
    [id],
  )
  return r.rows[0]?.endpoint_credential ?? null
}

export interface NewEvent {
  submissionId: string
  at: Date
  kind: EventKind
  actorPersonId: string | null
  actorOrgId: string | null
  fromState: SubmissionState | null
  toState: SubmissionState | null
  reason: string | null
  data: Record<string, unknown>
  /** The transparency-log entry recording this change. */
  logIndex: number | null
}

export async function insertEvent(q: Queryable, e: NewEvent): Promise<void> {
  await q.query(
    `INSERT INTO submission_event (submission_id, at, kind, actor_person_id, actor_org_id,
       from_state, to_state, reason, data, log_index)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      e.submissionId,
      e.at,
      e.kind,
      e.actorPersonId,
      e.actorOrgId,
      e.fromState,
      e.toState,
      e.reason,
      JSON.stringify(e.data),
      e.logIndex,
    ],
  )
}

interface EventRow {
  id: number
  at: Date
  kind: EventKind
  actor_person_id: string | null
  actor_name: string | null
  actor_org_id: string | null
  actor_org_name: string | null
  from_state: SubmissionState | null
  to_state: SubmissionState | null
  reason: string | null
  data: Record<string, unknown>
  log_index: number | null
}

/** The timeline, oldest first, with the names of who acted. */
export async function events(q: Queryable, submissionId: string): Promise<SubmissionEvent[]> {
  const r = await q.query<EventRow>(
    `SELECT e.id, e.at, e.kind, e.actor_person_id, p.name AS actor_name, e.actor_org_id,
            o.name AS actor_org_name, e.from_state, e.to_state, e.reason, e.data, e.log_index
       FROM submission_event e
       LEFT JOIN person p ON p.id = e.actor_person_id
       LEFT JOIN organisation o ON o.id = e.actor_org_id
      WHERE e.submission_id = $1
      ORDER BY e.id`,
    [submissionId],
  )
  return r.rows.map((e) => ({
    id: e.id,
    at: e.at,
    kind: e.kind,
    actor:
      e.actor_person_id && e.actor_org_id
        ? {
            personId: e.actor_person_id,
            personName: e.actor_name ?? '',
            orgId: e.actor_org_id,
            orgName: e.actor_org_name ?? '',
          }
        : null,
    fromState: e.from_state,
    toState: e.to_state,
    reason: e.reason,
    data: e.data,
    logIndex: e.log_index,
  }))
}

/** Organisations of kind `program`: they hear about every submission's deadlines. */
export async function programOrgIds(q: Queryable): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    `SELECT id FROM organisation WHERE kind = 'program' ORDER BY id`,
  )
  return r.rows.map((x) => x.id)
}

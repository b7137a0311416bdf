/** SQL for the clearinghouse: reports, their events, cases, participants, VEX, embargo, messages, attachments. */
import type { Envelope } from '../platform/crypto/envelope.ts'
import type { Queryable } from '../platform/db/db.ts'
import type {
  AttachmentInfo,
  Case,
  Credit,
  EmbargoEvent,
  Finding,
  FoundWith,
  Message,
  Participant,
  ParticipantRole,
  Product,
  Report,
  ReportEvent,
  ReportState,
  SsvcRecord,
  VexInput,
  VexStatement,
} from './model.ts'
import type { AiFinding } from './sarif.ts'
import type { Tlp } from './tlp.ts'

// ---------------------------------------------------------------------------------------------
// Reports

interface ReportRow {
  id: string
  title: string
  description: string
  reproduction: string
  product: Product
  product_key: string
  cwe: string | null
  cve_ids: string[]
  cvss31_vector: string | null
  cvss31_score: number | null
  cvss40_vector: string | null
  cvss40_score: number | null
  found_with: FoundWith
  finding: Finding | null
  ai: AiFinding | null
  fingerprint: string
  reporter_person_id: string
  reporter_name: string
  reporter_org_id: string
  reporter_org_name: string
  credit_wanted: boolean
  credit_name: string | null
  state: ReportState
  duplicate_of: string | null
  assignee_person_id: string | null
  assignee_name: string | null
  ssvc: SsvcRecord | null
  case_id: string | null
  received_at: Date
  triaged_at: Date | null
  validated_at: Date | null
  updated_at: Date
  revision: number
}

const toReport = (r: ReportRow): Report => ({
  id: r.id,
  title: r.title,
  description: r.description,
  reproduction: r.reproduction,
  product: r.product,
  productKey: r.product_key,
  cwe: r.cwe,
  cveIds: r.cve_ids,
  cvss31: r.cvss31_vector ? { vector: r.cvss31_vector, score: Number(r.cvss31_score) } : null,
  cvss40: r.cvss40_vector ? { vector: r.cvss40_vector, score: Number(r.cvss40_score) } : null,
  foundWith: r.found_with,
  finding: r.finding,
  ai: r.ai,
  fingerprint: r.fingerprint,
  reporterPersonId: r.reporter_person_id,
  reporterName: r.reporter_name,
  reporterOrgId: r.reporter_org_id,
  reporterOrgName: r.reporter_org_name,
  creditWanted: r.credit_wanted,
  creditName: r.credit_name,
  state: r.state,
  duplicateOf: r.duplicate_of,
  assigneePersonId: r.assignee_person_id,
  assigneeName: r.assignee_name,
  ssvc: r.ssvc,
  caseId: r.case_id,
  receivedAt: r.received_at,
  triagedAt: r.triaged_at,
  validatedAt: r.validated_at,
  updatedAt: r.updated_at,
  revision: r.revision,
})

const REPORT_COLUMNS = `r.id, r.title, r.description, r.reproduction, r.product, r.product_key, r.cwe,
  r.cve_ids, r.cvss31_vector, r.cvss31_score, r.cvss40_vector, r.cvss40_score, r.found_with,
  r.finding, r.ai, r.fingerprint, r.reporter_person_id, rp.name AS reporter_name,
  r.reporter_org_id, ro.name AS reporter_org_name, r.credit_wanted, r.credit_name, r.state,
  r.duplicate_of, r.assignee_person_id, ap.name AS assignee_name, r.ssvc, r.case_id,
  r.received_at, r.triaged_at, r.validated_at, r.updated_at, r.revision`

const REPORT_FROM = `FROM ch_report r
  JOIN person rp ON rp.id = r.reporter_person_id
  JOIN organisation ro ON ro.id = r.reporter_org_id
  LEFT JOIN person ap ON ap.id = r.assignee_person_id`

export interface NewReport {
  id: string
  title: string
  description: string
  reproduction: string
  product: Product
  productKey: string
  cwe: string | null
  cveIds: string[]
  cvss31: { vector: string; score: number } | null
  cvss40: { vector: string; score: number } | null
  foundWith: FoundWith
  finding: Finding | null
  ai: AiFinding | null
  exploitabilityRank: number
  fingerprint: string
  reporterPersonId: string
  reporterOrgId: string
  creditWanted: boolean
  creditName: string | null
  receivedAt: Date
}

/** Inserts unless this organisation already reported the same fingerprint; false then. */
export async function insertReport(q: Queryable, r: NewReport): Promise<boolean> {
  const res = await q.query(
    `INSERT INTO ch_report (id, title, description, reproduction, product, product_key, cwe,
       cve_ids, cvss31_vector, cvss31_score, cvss40_vector, cvss40_score, found_with, finding, ai,
       exploitability_rank, fingerprint, reporter_person_id, reporter_org_id, credit_wanted,
       credit_name, state, received_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
       $20, $21, 'new', $22, $22)
     ON CONFLICT (reporter_org_id, fingerprint) DO NOTHING`,
    [
      r.id,
      r.title,
      r.description,
      r.reproduction,
      JSON.stringify(r.product),
      r.productKey,
      r.cwe,
      JSON.stringify(r.cveIds),
      r.cvss31?.vector ?? null,
      r.cvss31?.score ?? null,
      r.cvss40?.vector ?? null,
      r.cvss40?.score ?? null,
      JSON.stringify(r.foundWith),
      r.finding ? JSON.stringify(r.finding) : null,
      r.ai ? JSON.stringify(r.ai) : null,
      r.exploitabilityRank,
      r.fingerprint,
      r.reporterPersonId,
      r.reporterOrgId,
      r.creditWanted,
      r.creditName,
      r.receivedAt,
    ],
  )
  return res.rowCount === 1
}

export async function findReport(
  q: Queryable,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Report | null> {
  const r = await q.query<ReportRow>(
    `SELECT ${REPORT_COLUMNS} ${REPORT_FROM} WHERE r.id = $1${opts.forUpdate ? ' FOR UPDATE OF r' : ''}`,
    [id],
  )
  return r.rows[0] ? toReport(r.rows[0]) : null
}

export async function findByOrgFingerprint(
  q: Queryable,
  orgId: string,
  fingerprint: string,
): Promise<Report | null> {
  const r = await q.query<ReportRow>(
    `SELECT ${REPORT_COLUMNS} ${REPORT_FROM} WHERE r.reporter_org_id = $1 AND r.fingerprint = $2`,
    [orgId, fingerprint],
  )
  return r.rows[0] ? toReport(r.rows[0]) : null
}

/** Other reports with the same fingerprint, or the same product and weakness; closed ones last. */
export async function likelyDuplicates(
  q: Queryable,
  r: Pick<Report, 'id' | 'fingerprint' | 'productKey' | 'cwe'>,
): Promise<Array<{ id: string; title: string; state: ReportState; exact: boolean }>> {
  const res = await q.query<{ id: string; title: string; state: ReportState; exact: boolean }>(
    `SELECT id, title, state, fingerprint = $2 AS exact FROM ch_report
      WHERE id <> $1 AND (fingerprint = $2 OR (product_key = $3 AND cwe IS NOT DISTINCT FROM $4 AND cwe IS NOT NULL))
      ORDER BY (fingerprint = $2) DESC, (state = 'duplicate'), received_at
      LIMIT 20`,
    [r.id, r.fingerprint, r.productKey, r.cwe],
  )
  return res.rows
}

export interface QueueQuery {
  state?: ReportState | undefined
  assignee?: string | undefined
  cwe?: string | undefined
  exploitability?: string | undefined
  q?: string | undefined
  reporterOrgId?: string | undefined
  limit: number
  offset: number
}

/**
 * The triage queue: demonstrated exploits first, then by SSVC decision (act before track),
 * then oldest first, so the report waiting longest within a priority is next.
 */
export async function listReports(
  q: Queryable,
  query: QueueQuery,
): Promise<{ items: Report[]; total: number }> {
  const where: string[] = []
  const values: unknown[] = []
  const param = (v: unknown) => {
    values.push(v)
    return `$${values.length}`
  }
  if (query.state) where.push(`r.state = ${param(query.state)}`)
  if (query.assignee) where.push(`r.assignee_person_id = ${param(query.assignee)}`)
  if (query.cwe) where.push(`r.cwe = ${param(query.cwe)}`)
  if (query.exploitability) where.push(`r.ai->>'exploitability' = ${param(query.exploitability)}`)
  if (query.reporterOrgId) where.push(`r.reporter_org_id = ${param(query.reporterOrgId)}`)
  if (query.q) {
    const p = param(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    where.push(`(r.title ILIKE ${p} OR r.product_key ILIKE ${p} OR r.id = ${param(query.q)})`)
  }
  const filter = where.length ? ` WHERE ${where.join(' AND ')}` : ''
  const count = await q.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM ch_report r${filter}`,
    values,
  )
  const rows = await q.query<ReportRow>(
    `SELECT ${REPORT_COLUMNS} ${REPORT_FROM}${filter}
      ORDER BY r.exploitability_rank,
        CASE r.ssvc->>'decision' WHEN 'act' THEN 0 WHEN 'attend' THEN 1 WHEN 'track*' THEN 2 WHEN 'track' THEN 3 ELSE 4 END,
        r.received_at, r.id
      LIMIT ${param(query.limit)} OFFSET ${param(query.offset)}`,
    values,
  )
  return { items: rows.rows.map(toReport), total: count.rows[0]?.total ?? 0 }
}

export interface ReportChange {
  state?: ReportState
  duplicateOf?: string | null
  assigneePersonId?: string | null
  ssvc?: SsvcRecord
  caseId?: string
  triagedAt?: Date
  validatedAt?: Date
}

const REPORT_SET: Record<keyof ReportChange, string> = {
  state: 'state',
  duplicateOf: 'duplicate_of',
  assigneePersonId: 'assignee_person_id',
  ssvc: 'ssvc',
  caseId: 'case_id',
  triagedAt: 'triaged_at',
  validatedAt: 'validated_at',
}

export async function updateReport(
  q: Queryable,
  id: string,
  change: ReportChange,
  now: Date,
): Promise<void> {
  const sets: string[] = []
  const values: unknown[] = [id, now]
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) continue
    values.push(k === 'ssvc' ? JSON.stringify(v) : v)
    sets.push(`${REPORT_SET[k as keyof ReportChange]} = $${values.length}`)
  }
  await q.query(
    `UPDATE ch_report SET ${[...sets, 'updated_at = $2', 'revision = revision + 1'].join(', ')} WHERE id = $1`,
    values,
  )
}

export async function insertReportEvent(
  q: Queryable,
  e: {
    reportId: string
    at: Date
    kind: string
    actorPersonId: string | null
    actorOrgId: string | null
    fromState?: ReportState | null
    toState?: ReportState | null
    reason?: string | null
    data?: Record<string, unknown>
  },
): Promise<void> {
  await q.query(
    `INSERT INTO ch_report_event (report_id, at, kind, actor_person_id, actor_org_id, from_state, to_state, reason, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      e.reportId,
      e.at,
      e.kind,
      e.actorPersonId,
      e.actorOrgId,
      e.fromState ?? null,
      e.toState ?? null,
      e.reason ?? null,
      JSON.stringify(e.data ?? {}),
    ],
  )
}

export async function reportEvents(q: Queryable, reportId: string): Promise<ReportEvent[]> {
  const r = await q.query<{
    id: string
    at: Date
    kind: string
    actor_person_id: string | null
    person_name: string | null
    actor_org_id: string | null
    org_name: string | null
    from_state: ReportState | null
    to_state: ReportState | null
    reason: string | null
    data: Record<string, unknown>
  }>(
    `SELECT e.id, e.at, e.kind, e.actor_person_id, p.name AS person_name, e.actor_org_id,
            o.name AS org_name, e.from_state, e.to_state, e.reason, e.data
       FROM ch_report_event e
       LEFT JOIN person p ON p.id = e.actor_person_id
       LEFT JOIN organisation o ON o.id = e.actor_org_id
      WHERE e.report_id = $1 ORDER BY e.id`,
    [reportId],
  )
  return r.rows.map((e) => ({
    id: Number(e.id),
    at: e.at,
    kind: e.kind,
    actor:
      e.actor_person_id && e.actor_org_id
        ? {
            personId: e.actor_person_id,
            personName: e.person_name ?? '',
            orgId: e.actor_org_id,
            orgName: e.org_name ?? '',
          }
        : null,
    fromState: e.from_state,
    toState: e.to_state,
    reason: e.reason,
    data: e.data,
  }))
}

/** The reporters of a report and of every report merged into it as a duplicate. */
export async function credits(q: Queryable, reportIds: readonly string[]): Promise<Credit[]> {
  if (reportIds.length === 0) return []
  const r = await q.query<{ id: string; name: string; org_name: string; wanted: boolean }>(
    `SELECT r.id, coalesce(r.credit_name, p.name) AS name, o.name AS org_name, r.credit_wanted AS wanted
       FROM ch_report r JOIN person p ON p.id = r.reporter_person_id
       JOIN organisation o ON o.id = r.reporter_org_id
      WHERE r.id = ANY($1::text[]) OR r.duplicate_of = ANY($1::text[])
      ORDER BY r.received_at, r.id`,
    [reportIds],
  )
  return r.rows.map((c) => ({
    reportId: c.id,
    name: c.name,
    orgName: c.org_name,
    wanted: c.wanted,
  }))
}

// ---------------------------------------------------------------------------------------------
// Cases

interface CaseRow {
  id: string
  title: string
  tlp: Tlp
  state: Case['state']
  vendor_contact_at: Date | null
  embargo_ends_at: Date | null
  exploited: boolean
  created_by: string
  created_at: Date
  updated_at: Date
  revision: number
}

const toCase = (c: CaseRow): Case => ({
  id: c.id,
  title: c.title,
  tlp: c.tlp,
  state: c.state,
  vendorContactAt: c.vendor_contact_at,
  embargoEndsAt: c.embargo_ends_at,
  exploited: c.exploited,
  createdBy: c.created_by,
  createdAt: c.created_at,
  updatedAt: c.updated_at,
  revision: c.revision,
})

export async function insertCase(
  q: Queryable,
  c: { id: string; title: string; tlp: Tlp; exploited: boolean; createdBy: string; at: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO ch_case (id, title, tlp, state, exploited, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, 'open', $4, $5, $6, $6)`,
    [c.id, c.title, c.tlp, c.exploited, c.createdBy, c.at],
  )
}

export async function findCase(
  q: Queryable,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Case | null> {
  const r = await q.query<CaseRow>(
    `SELECT * FROM ch_case WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  )
  return r.rows[0] ? toCase(r.rows[0]) : null
}

export async function listCases(q: Queryable): Promise<Case[]> {
  const r = await q.query<CaseRow>('SELECT * FROM ch_case ORDER BY created_at DESC, id LIMIT 500')
  return r.rows.map(toCase)
}

/** Cases due to publish: open, with an embargo ending at or before `now`. */
export async function casesEmbargoEnded(q: Queryable, now: Date): Promise<Case[]> {
  const r = await q.query<CaseRow>(
    `SELECT * FROM ch_case WHERE state = 'open' AND embargo_ends_at <= $1 ORDER BY embargo_ends_at`,
    [now],
  )
  return r.rows.map(toCase)
}

export async function updateCase(
  q: Queryable,
  id: string,
  change: {
    tlp?: Tlp
    state?: Case['state']
    vendorContactAt?: Date
    embargoEndsAt?: Date | null
    exploited?: boolean
  },
  now: Date,
): Promise<void> {
  const cols: Record<string, string> = {
    tlp: 'tlp',
    state: 'state',
    vendorContactAt: 'vendor_contact_at',
    embargoEndsAt: 'embargo_ends_at',
    exploited: 'exploited',
  }
  const sets: string[] = []
  const values: unknown[] = [id, now]
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) continue
    values.push(v)
    sets.push(`${cols[k]} = $${values.length}`)
  }
  await q.query(
    `UPDATE ch_case SET ${[...sets, 'updated_at = $2', 'revision = revision + 1'].join(', ')} WHERE id = $1`,
    values,
  )
}

export async function caseReports(q: Queryable, caseId: string): Promise<Report[]> {
  const r = await q.query<ReportRow>(
    `SELECT ${REPORT_COLUMNS} ${REPORT_FROM} WHERE r.case_id = $1 ORDER BY r.received_at, r.id`,
    [caseId],
  )
  return r.rows.map(toReport)
}

// Participants

interface ParticipantRow {
  id: string
  org_id: string
  org_name: string
  org_kind: string
  person_id: string | null
  person_name: string | null
  role: ParticipantRole
  sponsor_org_id: string | null
  publish_consent_at: Date | null
  added_at: Date
}

export async function participants(q: Queryable, caseId: string): Promise<Participant[]> {
  const r = await q.query<ParticipantRow>(
    `SELECT p.id, p.org_id, o.name AS org_name, o.kind AS org_kind, p.person_id, pe.name AS person_name,
            p.role, p.sponsor_org_id, p.publish_consent_at, p.added_at
       FROM ch_participant p JOIN organisation o ON o.id = p.org_id
       LEFT JOIN person pe ON pe.id = p.person_id
      WHERE p.case_id = $1 ORDER BY p.added_at, p.id`,
    [caseId],
  )
  return r.rows.map((p) => ({
    id: p.id,
    orgId: p.org_id,
    orgName: p.org_name,
    orgKind: p.org_kind,
    personId: p.person_id,
    personName: p.person_name,
    role: p.role,
    sponsorOrgId: p.sponsor_org_id,
    publishConsentAt: p.publish_consent_at,
    addedAt: p.added_at,
  }))
}

/** Adds a participant unless the same one is already there; true if added. */
export async function addParticipant(
  q: Queryable,
  p: {
    id: string
    caseId: string
    orgId: string
    personId: string | null
    role: ParticipantRole
    sponsorOrgId?: string | null
    addedBy: string | null
    at: Date
  },
): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO ch_participant (id, case_id, org_id, person_id, role, sponsor_org_id, added_by, added_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (case_id, org_id, coalesce(person_id, ''), role) DO NOTHING`,
    [p.id, p.caseId, p.orgId, p.personId, p.role, p.sponsorOrgId ?? null, p.addedBy, p.at],
  )
  return r.rowCount === 1
}

export async function setPublishConsent(
  q: Queryable,
  caseId: string,
  orgId: string,
  at: Date | null,
): Promise<number> {
  const r = await q.query(
    `UPDATE ch_participant SET publish_consent_at = $3 WHERE case_id = $1 AND org_id = $2 AND role = 'vendor'`,
    [caseId, orgId, at],
  )
  return r.rowCount
}

/** Case ids an organisation takes part in (any role): for listing. */
export async function caseIdsOfOrg(q: Queryable, orgId: string): Promise<string[]> {
  const r = await q.query<{ case_id: string }>(
    'SELECT DISTINCT case_id FROM ch_participant WHERE org_id = $1',
    [orgId],
  )
  return r.rows.map((x) => x.case_id)
}

// VEX

export async function upsertVex(
  q: Queryable,
  caseId: string,
  vendorOrgId: string,
  v: VexInput,
  by: string,
  at: Date,
): Promise<void> {
  await q.query(
    `INSERT INTO ch_vex (case_id, vendor_org_id, product, version_range, status, justification, fixed_version, statement, updated_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (case_id, vendor_org_id, product, version_range) DO UPDATE SET
       status = EXCLUDED.status, justification = EXCLUDED.justification,
       fixed_version = EXCLUDED.fixed_version, statement = EXCLUDED.statement,
       updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
    [
      caseId,
      vendorOrgId,
      v.product,
      v.versionRange,
      v.status,
      v.justification ?? null,
      v.fixedVersion ?? null,
      v.statement ?? '',
      by,
      at,
    ],
  )
}

export async function vex(q: Queryable, caseId: string): Promise<VexStatement[]> {
  const r = await q.query<{
    vendor_org_id: string
    vendor_name: string
    product: string
    version_range: string
    status: VexStatement['status']
    justification: VexStatement['justification']
    fixed_version: string | null
    statement: string
    updated_by: string
    updated_at: Date
  }>(
    `SELECT v.*, o.name AS vendor_name FROM ch_vex v JOIN organisation o ON o.id = v.vendor_org_id
      WHERE v.case_id = $1 ORDER BY o.name, v.product, v.version_range`,
    [caseId],
  )
  return r.rows.map((v) => ({
    vendorOrgId: v.vendor_org_id,
    vendorName: v.vendor_name,
    product: v.product,
    versionRange: v.version_range,
    status: v.status,
    justification: v.justification,
    fixedVersion: v.fixed_version,
    statement: v.statement,
    updatedBy: v.updated_by,
    updatedAt: v.updated_at,
  }))
}

// Embargo

export async function insertEmbargoEvent(
  q: Queryable,
  e: Omit<EmbargoEvent, 'id'> & { caseId: string },
): Promise<number> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO ch_embargo_event (case_id, at, kind, from_date, to_date, reason, actor_person_id, actor_org_id, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      e.caseId,
      e.at,
      e.kind,
      e.fromDate,
      e.toDate,
      e.reason,
      e.actorPersonId,
      e.actorOrgId,
      e.requestId,
    ],
  )
  return Number(r.rows[0]!.id)
}

export async function embargoEvents(q: Queryable, caseId: string): Promise<EmbargoEvent[]> {
  const r = await q.query<{
    id: string
    at: Date
    kind: EmbargoEvent['kind']
    from_date: Date | null
    to_date: Date | null
    reason: string
    actor_person_id: string | null
    actor_org_id: string | null
    request_id: string | null
  }>('SELECT * FROM ch_embargo_event WHERE case_id = $1 ORDER BY id', [caseId])
  return r.rows.map((e) => ({
    id: Number(e.id),
    at: e.at,
    kind: e.kind,
    fromDate: e.from_date,
    toDate: e.to_date,
    reason: e.reason,
    actorPersonId: e.actor_person_id,
    actorOrgId: e.actor_org_id,
    requestId: e.request_id === null ? null : Number(e.request_id),
  }))
}

// Messages

export async function insertMessage(
  q: Queryable,
  m: Omit<Message, 'authorName' | 'authorOrgName'>,
): Promise<void> {
  await q.query(
    `INSERT INTO ch_message (id, case_id, author_person_id, author_org_id, author_role, tlp, body, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [m.id, m.caseId, m.authorPersonId, m.authorOrgId, m.authorRole, m.tlp, m.body, m.createdAt],
  )
}

export async function messages(q: Queryable, caseId: string): Promise<Message[]> {
  const r = await q.query<{
    id: string
    case_id: string
    author_person_id: string
    author_name: string
    author_org_id: string
    author_org_name: string
    author_role: string
    tlp: Tlp
    body: string
    created_at: Date
  }>(
    `SELECT m.*, p.name AS author_name, o.name AS author_org_name FROM ch_message m
       JOIN person p ON p.id = m.author_person_id JOIN organisation o ON o.id = m.author_org_id
      WHERE m.case_id = $1 ORDER BY m.created_at, m.id`,
    [caseId],
  )
  return r.rows.map((m) => ({
    id: m.id,
    caseId: m.case_id,
    authorPersonId: m.author_person_id,
    authorName: m.author_name,
    authorOrgId: m.author_org_id,
    authorOrgName: m.author_org_name,
    authorRole: m.author_role,
    tlp: m.tlp,
    body: m.body,
    createdAt: m.created_at,
  }))
}

// Attachments

interface AttachmentRow {
  id: string
  report_id: string | null
  case_id: string | null
  message_id: string | null
  filename: string
  media_type: string
  size: number
  sha256: string
  tlp: Tlp
  uploaded_by: string
  uploaded_org_id: string
  created_at: Date
}

const toAttachment = (a: AttachmentRow): AttachmentInfo => ({
  id: a.id,
  reportId: a.report_id,
  caseId: a.case_id,
  messageId: a.message_id,
  filename: a.filename,
  mediaType: a.media_type,
  size: a.size,
  sha256: a.sha256,
  tlp: a.tlp,
  uploadedBy: a.uploaded_by,
  uploadedOrgId: a.uploaded_org_id,
  createdAt: a.created_at,
})

const ATTACHMENT_COLUMNS = `id, report_id, case_id, message_id, filename, media_type, size, sha256, tlp,
  uploaded_by, uploaded_org_id, created_at`

export async function insertAttachment(
  q: Queryable,
  a: AttachmentInfo & { content: Envelope },
): Promise<void> {
  await q.query(
    `INSERT INTO ch_attachment (id, report_id, case_id, message_id, filename, media_type, size, sha256, tlp, content, uploaded_by, uploaded_org_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      a.id,
      a.reportId,
      a.caseId,
      a.messageId,
      a.filename,
      a.mediaType,
      a.size,
      a.sha256,
      a.tlp,
      JSON.stringify(a.content),
      a.uploadedBy,
      a.uploadedOrgId,
      a.createdAt,
    ],
  )
}

export async function findAttachment(
  q: Queryable,
  id: string,
): Promise<(AttachmentInfo & { content: Envelope }) | null> {
  const r = await q.query<AttachmentRow & { content: Envelope }>(
    `SELECT ${ATTACHMENT_COLUMNS}, content FROM ch_attachment WHERE id = $1`,
    [id],
  )
  const a = r.rows[0]
  return a ? { ...toAttachment(a), content: a.content } : null
}

/** Attachments of these reports (and of reports merged into them) and of this case. */
export async function attachments(
  q: Queryable,
  opts: { reportIds?: readonly string[]; caseId?: string },
): Promise<AttachmentInfo[]> {
  const r = await q.query<AttachmentRow>(
    `SELECT ${ATTACHMENT_COLUMNS} FROM ch_attachment
      WHERE report_id IN (SELECT id FROM ch_report WHERE id = ANY($1::text[]) OR duplicate_of = ANY($1::text[]))
         OR case_id = $2
      ORDER BY created_at, id`,
    [opts.reportIds ?? [], opts.caseId ?? null],
  )
  return r.rows.map(toAttachment)
}

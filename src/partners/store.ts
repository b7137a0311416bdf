/** SQL for the partner registry, selections and grants. Evidence content is read in one place only. */
import type { Envelope } from '../platform/crypto/envelope.ts'
import type { Queryable } from '../platform/db/db.ts'
import type { Protocol } from '../program/model.ts'
import {
  type ConflictDeclaration,
  type Contact,
  type EvidenceInfo,
  type GatewayEndpoint,
  type Grant,
  type GrantEvent,
  type GrantStatus,
  type KeyState,
  type Partner,
  type Party,
  type RefusalCategory,
  type Sector,
  type Selection,
  type SelectionEvent,
  selectionState,
  type VettingStatus,
} from './model.ts'

// ---------------------------------------------------------------------------------------------
// Partners

interface PartnerRow {
  org_id: string
  name: string
  slug: string
  sector: Sector
  description: string
  website: string | null
  vetting_status: VettingStatus
  vetted_by: string | null
  vetted_by_name: string | null
  vetted_at: Date | null
  vetting_notes: string
  created_at: Date
  updated_at: Date
  revision: number
}

const PARTNER_COLUMNS = `p.org_id, o.name, o.slug, p.sector, p.description, p.website,
  p.vetting_status, p.vetted_by, v.name AS vetted_by_name, p.vetted_at, p.vetting_notes,
  p.created_at, p.updated_at, p.revision`
const PARTNER_FROM = `partner p JOIN organisation o ON o.id = p.org_id
  LEFT JOIN person v ON v.id = p.vetted_by`

const toPartner = (r: PartnerRow): Partner => ({
  orgId: r.org_id,
  name: r.name,
  slug: r.slug,
  sector: r.sector,
  description: r.description,
  website: r.website,
  vetting: {
    status: r.vetting_status,
    reviewer: r.vetted_by ? { personId: r.vetted_by, name: r.vetted_by_name ?? '' } : null,
    at: r.vetted_at,
    notes: r.vetting_notes,
  },
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  revision: r.revision,
})

export async function insertPartner(
  q: Queryable,
  p: {
    orgId: string
    sector: Sector
    description: string
    website: string | null
    createdBy: string
    at: Date
  },
): Promise<void> {
  await q.query(
    `INSERT INTO partner (org_id, sector, description, website, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)`,
    [p.orgId, p.sector, p.description, p.website, p.createdBy, p.at],
  )
}

export async function findPartner(
  q: Queryable,
  orgId: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Partner | null> {
  const r = await q.query<PartnerRow>(
    `SELECT ${PARTNER_COLUMNS} FROM ${PARTNER_FROM} WHERE p.org_id = $1${opts.forUpdate ? ' FOR UPDATE OF p' : ''}`,
    [orgId],
  )
  return r.rows[0] ? toPartner(r.rows[0]) : null
}

export async function listPartners(
  q: Queryable,
  f: { sector?: Sector | undefined; vetting?: VettingStatus | undefined; orgId?: string },
): Promise<Partner[]> {
  const where: string[] = []
  const values: unknown[] = []
  if (f.sector) {
    values.push(f.sector)
    where.push(`p.sector = $${values.length}`)
  }
  if (f.vetting) {
    values.push(f.vetting)
    where.push(`p.vetting_status = $${values.length}`)
  }
  if (f.orgId) {
    values.push(f.orgId)
    where.push(`p.org_id = $${values.length}`)
  }
  const r = await q.query<PartnerRow>(
    `SELECT ${PARTNER_COLUMNS} FROM ${PARTNER_FROM}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY lower(o.name), p.org_id`,
    values,
  )
  return r.rows.map(toPartner)
}

export async function updatePartner(
  q: Queryable,
  orgId: string,
  set: {
    sector?: Sector | undefined
    description?: string | undefined
    website?: string | null | undefined
    vetting?: { status: VettingStatus; by: string; at: Date; notes: string }
  },
  at: Date,
): Promise<void> {
  const cols: string[] = []
  const values: unknown[] = [orgId, at]
  const assign = (c: string, v: unknown) => {
    values.push(v)
    cols.push(`${c} = $${values.length}`)
  }
  if (set.sector !== undefined) assign('sector', set.sector)
  if (set.description !== undefined) assign('description', set.description)
  if (set.website !== undefined) assign('website', set.website)
  if (set.vetting) {
    assign('vetting_status', set.vetting.status)
    assign('vetted_by', set.vetting.by)
    assign('vetted_at', set.vetting.at)
    assign('vetting_notes', set.vetting.notes)
  }
  await q.query(
    `UPDATE partner SET ${[...cols, 'updated_at = $2', 'revision = revision + 1'].join(', ')} WHERE org_id = $1`,
    values,
  )
}

export async function insertContact(
  q: Queryable,
  c: Contact & { orgId: string; at: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO partner_contact (id, org_id, name, email, phone, title, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [c.id, c.orgId, c.name, c.email, c.phone, c.title, c.at],
  )
}

export async function removeContact(
  q: Queryable,
  orgId: string,
  id: string,
  at: Date,
): Promise<boolean> {
  const r = await q.query(
    'UPDATE partner_contact SET removed_at = $3 WHERE org_id = $1 AND id = $2 AND removed_at IS NULL',
    [orgId, id, at],
  )
  return r.rowCount > 0
}

export async function contacts(q: Queryable, orgId: string): Promise<Contact[]> {
  const r = await q.query<Contact>(
    `SELECT id, name, email, phone, title FROM partner_contact
      WHERE org_id = $1 AND removed_at IS NULL ORDER BY created_at, id`,
    [orgId],
  )
  return r.rows
}

export async function insertConflict(
  q: Queryable,
  c: {
    id: string
    orgId: string
    relatedOrgId: string | null
    description: string
    declaredBy: string
    at: Date
  },
): Promise<void> {
  await q.query(
    `INSERT INTO partner_coi (id, org_id, related_org_id, description, declared_by, declared_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [c.id, c.orgId, c.relatedOrgId, c.description, c.declaredBy, c.at],
  )
}

export async function conflicts(q: Queryable, orgId: string): Promise<ConflictDeclaration[]> {
  const r = await q.query<{
    id: string
    related_org_id: string | null
    related_org_name: string | null
    description: string
    declared_by_name: string
    declared_at: Date
  }>(
    `SELECT c.id, c.related_org_id, o.name AS related_org_name, c.description,
            p.name AS declared_by_name, c.declared_at
       FROM partner_coi c
       JOIN person p ON p.id = c.declared_by
       LEFT JOIN organisation o ON o.id = c.related_org_id
      WHERE c.org_id = $1 ORDER BY c.declared_at, c.id`,
    [orgId],
  )
  return r.rows.map((c) => ({
    id: c.id,
    relatedOrgId: c.related_org_id,
    relatedOrgName: c.related_org_name,
    description: c.description,
    declaredBy: c.declared_by_name,
    declaredAt: c.declared_at,
  }))
}

/** Organisations a partner declared an interest in: a lab among them calls for a second look. */
export async function conflictedOrgIds(q: Queryable, orgId: string): Promise<string[]> {
  const r = await q.query<{ related_org_id: string }>(
    'SELECT DISTINCT related_org_id FROM partner_coi WHERE org_id = $1 AND related_org_id IS NOT NULL',
    [orgId],
  )
  return r.rows.map((x) => x.related_org_id)
}

export async function insertEvidence(
  q: Queryable,
  e: EvidenceInfo & { orgId: string; content: Envelope; uploadedById: string },
): Promise<void> {
  await q.query(
    `INSERT INTO partner_evidence (id, org_id, filename, content_type, size, sha256, content, uploaded_by, uploaded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      e.id,
      e.orgId,
      e.filename,
      e.contentType,
      e.size,
      e.sha256,
      JSON.stringify(e.content),
      e.uploadedById,
      e.uploadedAt,
    ],
  )
}

export async function evidence(q: Queryable, orgId: string): Promise<EvidenceInfo[]> {
  const r = await q.query<{
    id: string
    filename: string
    content_type: string
    size: number
    sha256: string
    uploaded_by_name: string
    uploaded_at: Date
  }>(
    `SELECT e.id, e.filename, e.content_type, e.size, e.sha256, p.name AS uploaded_by_name, e.uploaded_at
       FROM partner_evidence e JOIN person p ON p.id = e.uploaded_by
      WHERE e.org_id = $1 ORDER BY e.uploaded_at, e.id`,
    [orgId],
  )
  return r.rows.map((e) => ({
    id: e.id,
    filename: e.filename,
    contentType: e.content_type,
    size: e.size,
    sha256: e.sha256,
    uploadedBy: e.uploaded_by_name,
    uploadedAt: e.uploaded_at,
  }))
}

/** The encrypted document; only the service's evidence download calls this. */
export async function evidenceContent(
  q: Queryable,
  orgId: string,
  id: string,
): Promise<{ filename: string; contentType: string; content: Envelope } | null> {
  const r = await q.query<{ filename: string; content_type: string; content: Envelope }>(
    'SELECT filename, content_type, content FROM partner_evidence WHERE org_id = $1 AND id = $2',
    [orgId, id],
  )
  const row = r.rows[0]
  return row
    ? { filename: row.filename, contentType: row.content_type, content: row.content }
    : null
}

// ---------------------------------------------------------------------------------------------
// Selections

interface SelectionRow {
  id: string
  submission_id: string
  lab_org_id: string
  lab_name: string
  model_name: string
  model_version: string
  partner_org_id: string
  partner_name: string
  partner_sector: Sector
  proposed_by_party: Party
  proposed_by: string
  proposed_by_name: string
  proposed_at: Date
  rationale: string
  lab_key: KeyState
  lab_key_by: string | null
  lab_key_by_name: string | null
  lab_key_at: Date | null
  program_key: KeyState
  program_key_by: string | null
  program_key_by_name: string | null
  program_key_at: Date | null
  refused_by_party: Party | null
  refused_by: string | null
  refused_by_name: string | null
  refused_at: Date | null
  refusal_category: RefusalCategory | null
  refusal_reason: string | null
  appeal_statement: string | null
  appealed_by: string | null
  appealed_by_name: string | null
  appealed_at: Date | null
  appeal_reviewer: string | null
  appeal_reviewer_name: string | null
  appeal_outcome: 'upheld' | 'dismissed' | null
  appeal_decided_by: string | null
  appeal_decided_by_name: string | null
  appeal_decided_at: Date | null
  appeal_decision_category: RefusalCategory | null
  appeal_decision_reason: string | null
  effective_at: Date | null
  updated_at: Date
  revision: number
}

const SELECTION_SELECT = `SELECT x.*, s.lab_org_id, lo.name AS lab_name, s.model_name, s.model_version,
    po.name AS partner_name, pt.sector AS partner_sector,
    pp.name AS proposed_by_name, lk.name AS lab_key_by_name, pk.name AS program_key_by_name,
    rf.name AS refused_by_name, ap.name AS appealed_by_name, ar.name AS appeal_reviewer_name,
    ad.name AS appeal_decided_by_name
  FROM partner_selection x
  JOIN submission s ON s.id = x.submission_id
  JOIN organisation lo ON lo.id = s.lab_org_id
  JOIN organisation po ON po.id = x.partner_org_id
  JOIN partner pt ON pt.org_id = x.partner_org_id
  JOIN person pp ON pp.id = x.proposed_by
  LEFT JOIN person lk ON lk.id = x.lab_key_by
  LEFT JOIN person pk ON pk.id = x.program_key_by
  LEFT JOIN person rf ON rf.id = x.refused_by
  LEFT JOIN person ap ON ap.id = x.appealed_by
  LEFT JOIN person ar ON ar.id = x.appeal_reviewer
  LEFT JOIN person ad ON ad.id = x.appeal_decided_by`

const who = (id: string | null, name: string | null) =>
  id ? { personId: id, name: name ?? '' } : null

const toSelection = (r: SelectionRow): Selection => ({
  id: r.id,
  submissionId: r.submission_id,
  labOrgId: r.lab_org_id,
  labName: r.lab_name,
  modelName: r.model_name,
  modelVersion: r.model_version,
  partnerOrgId: r.partner_org_id,
  partnerName: r.partner_name,
  partnerSector: r.partner_sector,
  proposedBy: { party: r.proposed_by_party, personId: r.proposed_by, name: r.proposed_by_name },
  proposedAt: r.proposed_at,
  rationale: r.rationale,
  keys: {
    lab: { state: r.lab_key, by: who(r.lab_key_by, r.lab_key_by_name), at: r.lab_key_at },
    program: {
      state: r.program_key,
      by: who(r.program_key_by, r.program_key_by_name),
      at: r.program_key_at,
    },
  },
  refusal:
    r.refused_by_party && r.refused_by && r.refused_at && r.refusal_category
      ? {
          party: r.refused_by_party,
          by: { personId: r.refused_by, name: r.refused_by_name ?? '' },
          at: r.refused_at,
          category: r.refusal_category,
          reason: r.refusal_reason,
        }
      : null,
  appeal:
    r.appealed_at && r.appealed_by
      ? {
          statement: r.appeal_statement ?? '',
          by: { personId: r.appealed_by, name: r.appealed_by_name ?? '' },
          at: r.appealed_at,
          reviewer: who(r.appeal_reviewer, r.appeal_reviewer_name),
          outcome: r.appeal_outcome,
          decidedBy: who(r.appeal_decided_by, r.appeal_decided_by_name),
          decidedAt: r.appeal_decided_at,
          decisionCategory: r.appeal_decision_category,
          decisionReason: r.appeal_decision_reason,
        }
      : null,
  effectiveAt: r.effective_at,
  state: selectionState({
    labKey: r.lab_key,
    programKey: r.program_key,
    appealedAt: r.appealed_at,
    appealOutcome: r.appeal_outcome,
  }),
  updatedAt: r.updated_at,
  revision: r.revision,
})

export async function insertSelection(
  q: Queryable,
  s: {
    id: string
    submissionId: string
    partnerOrgId: string
    party: Party
    by: string
    at: Date
    rationale: string
  },
): Promise<void> {
  await q.query(
    `INSERT INTO partner_selection (id, submission_id, partner_org_id, proposed_by_party, proposed_by,
       proposed_at, rationale, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $6)`,
    [s.id, s.submissionId, s.partnerOrgId, s.party, s.by, s.at, s.rationale],
  )
}

export async function findSelection(
  q: Queryable,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Selection | null> {
  const r = await q.query<SelectionRow>(
    `${SELECTION_SELECT} WHERE x.id = $1${opts.forUpdate ? ' FOR UPDATE OF x' : ''}`,
    [id],
  )
  return r.rows[0] ? toSelection(r.rows[0]) : null
}

export async function findSelectionFor(
  q: Queryable,
  submissionId: string,
  partnerOrgId: string,
): Promise<Selection | null> {
  const r = await q.query<SelectionRow>(
    `${SELECTION_SELECT} WHERE x.submission_id = $1 AND x.partner_org_id = $2`,
    [submissionId, partnerOrgId],
  )
  return r.rows[0] ? toSelection(r.rows[0]) : null
}

export async function listSelections(
  q: Queryable,
  f: { submissionId?: string | undefined; partnerOrgId?: string; labOrgId?: string },
): Promise<Selection[]> {
  const where: string[] = []
  const values: unknown[] = []
  const add = (sql: string, v: unknown) => {
    values.push(v)
    where.push(sql.replace('?', `$${values.length}`))
  }
  if (f.submissionId) add('x.submission_id = ?', f.submissionId)
  if (f.partnerOrgId) add('x.partner_org_id = ?', f.partnerOrgId)
  if (f.labOrgId) add('s.lab_org_id = ?', f.labOrgId)
  const r = await q.query<SelectionRow>(
    `${SELECTION_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY x.proposed_at, x.id`,
    values,
  )
  return r.rows.map(toSelection)
}

/** The columns a selection change may set. */
export interface SelectionChange {
  labKey?: { state: KeyState; by: string | null; at: Date | null }
  programKey?: { state: KeyState; by: string | null; at: Date | null }
  refusal?: { party: Party; by: string; at: Date; category: RefusalCategory; reason: string }
  appeal?: { statement: string; by: string; at: Date; reviewer: string | null }
  appealDecision?: {
    outcome: 'upheld' | 'dismissed'
    by: string
    at: Date
    category: RefusalCategory | null
    reason: string
  }
  effectiveAt?: Date
}

export async function updateSelection(
  q: Queryable,
  id: string,
  c: SelectionChange,
  at: Date,
): Promise<void> {
  const cols: string[] = []
  const values: unknown[] = [id, at]
  const assign = (col: string, v: unknown) => {
    values.push(v)
    cols.push(`${col} = $${values.length}`)
  }
  for (const side of ['lab', 'program'] as const) {
    const k = side === 'lab' ? c.labKey : c.programKey
    if (!k) continue
    assign(`${side}_key`, k.state)
    assign(`${side}_key_by`, k.by)
    assign(`${side}_key_at`, k.at)
  }
  if (c.refusal) {
    assign('refused_by_party', c.refusal.party)
    assign('refused_by', c.refusal.by)
    assign('refused_at', c.refusal.at)
    assign('refusal_category', c.refusal.category)
    assign('refusal_reason', c.refusal.reason)
  }
  if (c.appeal) {
    assign('appeal_statement', c.appeal.statement)
    assign('appealed_by', c.appeal.by)
    assign('appealed_at', c.appeal.at)
    assign('appeal_reviewer', c.appeal.reviewer)
  }
  if (c.appealDecision) {
    assign('appeal_outcome', c.appealDecision.outcome)
    assign('appeal_decided_by', c.appealDecision.by)
    assign('appeal_decided_at', c.appealDecision.at)
    assign('appeal_decision_category', c.appealDecision.category)
    assign('appeal_decision_reason', c.appealDecision.reason)
  }
  if (c.effectiveAt) assign('effective_at', c.effectiveAt)
  await q.query(
    `UPDATE partner_selection SET ${[...cols, 'updated_at = $2', 'revision = revision + 1'].join(', ')} WHERE id = $1`,
    values,
  )
}

/** The program officers, each with the number of appeals open with them. */
export async function programOfficers(
  q: Queryable,
): Promise<Array<{ personId: string; openAppeals: number }>> {
  const r = await q.query<{ person_id: string; open_appeals: number }>(
    `SELECT m.person_id,
            (SELECT count(*)::int FROM partner_selection x
              WHERE x.appeal_reviewer = m.person_id AND x.appealed_at IS NOT NULL
                AND x.appeal_outcome IS NULL) AS open_appeals
       FROM membership m
       JOIN organisation o ON o.id = m.org_id AND o.kind = 'program'
       JOIN person p ON p.id = m.person_id AND p.disabled_at IS NULL
      WHERE m.role = 'program_officer'
      GROUP BY m.person_id`,
  )
  return r.rows.map((x) => ({ personId: x.person_id, openAppeals: x.open_appeals }))
}

export async function programOrgIds(q: Queryable): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    `SELECT id FROM organisation WHERE kind = 'program' ORDER BY id`,
  )
  return r.rows.map((x) => x.id)
}

export async function insertSelectionEvent(
  q: Queryable,
  e: {
    selectionId: string
    at: Date
    kind: SelectionEvent['kind']
    party: Party | null
    actorPersonId: string
    actorOrgId: string
    reasonCategory: RefusalCategory | null
    reason: string | null
    logIndex: number
  },
): Promise<void> {
  await q.query(
    `INSERT INTO selection_event (selection_id, at, kind, party, actor_person_id, actor_org_id,
       reason_category, reason, log_index)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      e.selectionId,
      e.at,
      e.kind,
      e.party,
      e.actorPersonId,
      e.actorOrgId,
      e.reasonCategory,
      e.reason,
      e.logIndex,
    ],
  )
}

export async function selectionEvents(
  q: Queryable,
  selectionId: string,
): Promise<SelectionEvent[]> {
  const r = await q.query<{
    id: number
    at: Date
    kind: SelectionEvent['kind']
    party: Party | null
    actor_person_id: string | null
    actor_name: string | null
    actor_org_id: string | null
    actor_org_name: string | null
    reason_category: RefusalCategory | null
    reason: string | null
    log_index: number | null
  }>(
    `SELECT e.id, e.at, e.kind, e.party, e.actor_person_id, p.name AS actor_name, e.actor_org_id,
            o.name AS actor_org_name, e.reason_category, e.reason, e.log_index
       FROM selection_event e
       LEFT JOIN person p ON p.id = e.actor_person_id
       LEFT JOIN organisation o ON o.id = e.actor_org_id
      WHERE e.selection_id = $1 ORDER BY e.id`,
    [selectionId],
  )
  return r.rows.map((e) => ({
    id: Number(e.id),
    at: e.at,
    kind: e.kind,
    party: e.party,
    actor:
      e.actor_person_id && e.actor_org_id
        ? {
            personId: e.actor_person_id,
            name: e.actor_name ?? '',
            orgId: e.actor_org_id,
            orgName: e.actor_org_name ?? '',
          }
        : null,
    reasonCategory: e.reason_category,
    reason: e.reason,
    logIndex: e.log_index === null ? null : Number(e.log_index),
  }))
}

// ---------------------------------------------------------------------------------------------
// Grants

interface GrantRow {
  id: string
  selection_id: string
  submission_id: string
  lab_org_id: string
  lab_name: string
  model_name: string
  model_version: string
  partner_org_id: string
  partner_name: string
  window_start: Date
  window_end: Date
  endpoints: GatewayEndpoint[]
  requests_per_minute: number
  tokens_per_minute: number
  token_budget: string | number
  keep_content: boolean
  key_hint: string
  status: GrantStatus
  paused_by_party: Party | null
  revoked_by_name: string | null
  revoked_at: Date | null
  revoke_reason: string | null
  issued_by_name: string
  issued_at: Date
  updated_at: Date
  version: number
}

const GRANT_SELECT = `SELECT g.id, g.selection_id, g.submission_id, s.lab_org_id, lo.name AS lab_name,
    s.model_name, s.model_version, g.partner_org_id, po.name AS partner_name, g.window_start,
    g.window_end, g.endpoints, g.requests_per_minute, g.tokens_per_minute, g.token_budget,
    g.keep_content, g.key_hint, g.status, g.paused_by_party, rv.name AS revoked_by_name,
    g.revoked_at, g.revoke_reason, ib.name AS issued_by_name, g.issued_at, g.updated_at, g.version
  FROM grants g
  JOIN submission s ON s.id = g.submission_id
  JOIN organisation lo ON lo.id = s.lab_org_id
  JOIN organisation po ON po.id = g.partner_org_id
  JOIN person ib ON ib.id = g.issued_by
  LEFT JOIN person rv ON rv.id = g.revoked_by`

const toGrant = (r: GrantRow): Grant => ({
  id: r.id,
  selectionId: r.selection_id,
  submissionId: r.submission_id,
  labOrgId: r.lab_org_id,
  labName: r.lab_name,
  modelName: r.model_name,
  modelVersion: r.model_version,
  partnerOrgId: r.partner_org_id,
  partnerName: r.partner_name,
  windowStart: r.window_start,
  windowEnd: r.window_end,
  endpoints: r.endpoints,
  limits: {
    requestsPerMinute: r.requests_per_minute,
    tokensPerMinute: r.tokens_per_minute,
    tokenBudget: Number(r.token_budget),
  },
  keepContent: r.keep_content,
  keyHint: r.key_hint,
  status: r.status,
  pausedBy: r.paused_by_party,
  revoked: r.revoked_at
    ? { by: r.revoked_by_name ?? '', at: r.revoked_at, reason: r.revoke_reason ?? '' }
    : null,
  issuedBy: r.issued_by_name,
  issuedAt: r.issued_at,
  updatedAt: r.updated_at,
  version: r.version,
})

export async function insertGrant(
  q: Queryable,
  g: {
    id: string
    selectionId: string
    submissionId: string
    partnerOrgId: string
    windowStart: Date
    windowEnd: Date
    endpoints: GatewayEndpoint[]
    requestsPerMinute: number
    tokensPerMinute: number
    tokenBudget: number
    keepContent: boolean
    keyHash: string
    keyHint: string
    issuedBy: string
    at: Date
  },
): Promise<void> {
  await q.query(
    `INSERT INTO grants (id, selection_id, submission_id, partner_org_id, window_start, window_end,
       endpoints, requests_per_minute, tokens_per_minute, token_budget, keep_content, key_hash,
       key_hint, issued_by, issued_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
    [
      g.id,
      g.selectionId,
      g.submissionId,
      g.partnerOrgId,
      g.windowStart,
      g.windowEnd,
      g.endpoints,
      g.requestsPerMinute,
      g.tokensPerMinute,
      g.tokenBudget,
      g.keepContent,
      g.keyHash,
      g.keyHint,
      g.issuedBy,
      g.at,
    ],
  )
}

export async function findGrant(
  q: Queryable,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Grant | null> {
  const r = await q.query<GrantRow>(
    `${GRANT_SELECT} WHERE g.id = $1${opts.forUpdate ? ' FOR UPDATE OF g' : ''}`,
    [id],
  )
  return r.rows[0] ? toGrant(r.rows[0]) : null
}

export async function listGrants(
  q: Queryable,
  f: {
    submissionId?: string | undefined
    partnerOrgId?: string | undefined
    labOrgId?: string | undefined
    status?: GrantStatus | undefined
  },
): Promise<Grant[]> {
  const where: string[] = []
  const values: unknown[] = []
  const add = (sql: string, v: unknown) => {
    values.push(v)
    where.push(sql.replace('?', `$${values.length}`))
  }
  if (f.submissionId) add('g.submission_id = ?', f.submissionId)
  if (f.partnerOrgId) add('g.partner_org_id = ?', f.partnerOrgId)
  if (f.labOrgId) add('s.lab_org_id = ?', f.labOrgId)
  if (f.status) add('g.status = ?', f.status)
  const r = await q.query<GrantRow>(
    `${GRANT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY g.issued_at DESC, g.id`,
    values,
  )
  return r.rows.map(toGrant)
}

/** The columns a grant change may set; every change bumps `version`. */
export interface GrantChange {
  status?: GrantStatus
  pausedBy?: Party | null
  revoked?: { by: string; at: Date; reason: string }
  windowStart?: Date
  windowEnd?: Date
  endpoints?: GatewayEndpoint[]
  requestsPerMinute?: number
  tokensPerMinute?: number
  tokenBudget?: number
  keepContent?: boolean
}

export async function updateGrant(
  q: Queryable,
  id: string,
  c: GrantChange,
  at: Date,
): Promise<void> {
  const cols: string[] = []
  const values: unknown[] = [id, at]
  const assign = (col: string, v: unknown) => {
    values.push(v)
    cols.push(`${col} = $${values.length}`)
  }
  if (c.status !== undefined) assign('status', c.status)
  if (c.pausedBy !== undefined) assign('paused_by_party', c.pausedBy)
  if (c.revoked) {
    assign('revoked_by', c.revoked.by)
    assign('revoked_at', c.revoked.at)
    assign('revoke_reason', c.revoked.reason)
  }
  if (c.windowStart !== undefined) assign('window_start', c.windowStart)
  if (c.windowEnd !== undefined) assign('window_end', c.windowEnd)
  if (c.endpoints !== undefined) assign('endpoints', c.endpoints)
  if (c.requestsPerMinute !== undefined) assign('requests_per_minute', c.requestsPerMinute)
  if (c.tokensPerMinute !== undefined) assign('tokens_per_minute', c.tokensPerMinute)
  if (c.tokenBudget !== undefined) assign('token_budget', c.tokenBudget)
  if (c.keepContent !== undefined) assign('keep_content', c.keepContent)
  await q.query(
    `UPDATE grants SET ${[...cols, 'updated_at = $2', 'version = version + 1'].join(', ')} WHERE id = $1`,
    values,
  )
}

export async function insertGrantEvent(
  q: Queryable,
  e: {
    grantId: string
    at: Date
    kind: GrantEvent['kind']
    actorPersonId: string
    actorOrgId: string
    reason: string | null
    data: Record<string, unknown>
    logIndex: number
  },
): Promise<void> {
  await q.query(
    `INSERT INTO grant_event (grant_id, at, kind, actor_person_id, actor_org_id, reason, data, log_index)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      e.grantId,
      e.at,
      e.kind,
      e.actorPersonId,
      e.actorOrgId,
      e.reason,
      JSON.stringify(e.data),
      e.logIndex,
    ],
  )
}

export async function grantEvents(q: Queryable, grantId: string): Promise<GrantEvent[]> {
  const r = await q.query<{
    id: number
    at: Date
    kind: GrantEvent['kind']
    actor_person_id: string | null
    actor_name: string | null
    actor_org_id: string | null
    actor_org_name: string | null
    reason: string | null
    data: Record<string, unknown>
    log_index: number | null
  }>(
    `SELECT e.id, e.at, e.kind, e.actor_person_id, p.name AS actor_name, e.actor_org_id,
            o.name AS actor_org_name, e.reason, e.data, e.log_index
       FROM grant_event e
       LEFT JOIN person p ON p.id = e.actor_person_id
       LEFT JOIN organisation o ON o.id = e.actor_org_id
      WHERE e.grant_id = $1 ORDER BY e.id`,
    [grantId],
  )
  return r.rows.map((e) => ({
    id: Number(e.id),
    at: e.at,
    kind: e.kind,
    actor:
      e.actor_person_id && e.actor_org_id
        ? {
            personId: e.actor_person_id,
            name: e.actor_name ?? '',
            orgId: e.actor_org_id,
            orgName: e.actor_org_name ?? '',
          }
        : null,
    reason: e.reason,
    data: e.data,
    logIndex: e.log_index === null ? null : Number(e.log_index),
  }))
}

export interface GatewayGrantRow {
  id: string
  version: number
  partner_org_id: string
  partner_name: string
  submission_id: string
  status: GrantStatus
  window_start: Date
  window_end: Date
  endpoints: GatewayEndpoint[]
  requests_per_minute: number
  tokens_per_minute: number
  token_budget: string | number
  keep_content: boolean
  submission_state: string
  public_release_at: Date | null
  endpoint_protocol: Protocol
  endpoint_base_url: string
  endpoint_model_id: string
}

/**
 * The gateway's lookup, one indexed query per key. It reads the submission's row directly (not
 * through the program service) because it runs on the gateway's path, and it needs only the
 * submission's state, public date and endpoint address — never the credential.
 */
export async function gatewayGrantByKeyHash(
  q: Queryable,
  keyHash: string,
): Promise<GatewayGrantRow | null> {
  const r = await q.query<GatewayGrantRow>(
    `SELECT g.id, g.version, g.partner_org_id, po.name AS partner_name, g.submission_id, g.status,
            g.window_start, g.window_end, g.endpoints, g.requests_per_minute, g.tokens_per_minute,
            g.token_budget, g.keep_content, s.state AS submission_state, s.public_release_at,
            s.endpoint_protocol, s.endpoint_base_url, s.endpoint_model_id
       FROM grants g
       JOIN submission s ON s.id = g.submission_id
       JOIN organisation po ON po.id = g.partner_org_id
      WHERE g.key_hash = $1`,
    [keyHash],
  )
  return r.rows[0] ?? null
}

export async function grantStatuses(
  q: Queryable,
  ids: readonly string[],
): Promise<
  Array<{
    id: string
    status: GrantStatus
    version: number
    window_end: Date
    submission_state: string
  }>
> {
  const r = await q.query<{
    id: string
    status: GrantStatus
    version: number
    window_end: Date
    submission_state: string
  }>(
    `SELECT g.id, g.status, g.version, g.window_end, s.state AS submission_state
       FROM grants g JOIN submission s ON s.id = g.submission_id
      WHERE g.id = ANY($1::text[])`,
    [ids],
  )
  return r.rows
}

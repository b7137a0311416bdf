/** SQL for inventories: operators, systems, SBOM versions, components, findings, VEX, channels, deliveries. */
import type { Envelope } from '../platform/crypto/envelope.ts'
import type { Queryable } from '../platform/db/db.ts'
import type {
  Criticality,
  Finding,
  FindingStatus,
  OperatorProfile,
  SbomVersion,
  Sector,
  Severity,
  System,
  Tlp,
} from './model.ts'
import type { SbomComponent } from './sbom.ts'

// --- operators and systems -------------------------------------------------------------------

export async function upsertOperator(
  q: Queryable,
  o: { orgId: string; sector: Sector; size: string; region: string; at: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO inv_operator (org_id, sector, size, region, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (org_id) DO UPDATE SET sector = $2, size = $3, region = $4`,
    [o.orgId, o.sector, o.size, o.region, o.at],
  )
}

interface OperatorRow {
  org_id: string
  org_name: string
  sector: Sector
  size: OperatorProfile['size']
  region: string
  created_at: Date
}
const toOperator = (r: OperatorRow): OperatorProfile => ({
  orgId: r.org_id,
  orgName: r.org_name,
  sector: r.sector,
  size: r.size,
  region: r.region,
  createdAt: r.created_at,
})

export async function findOperator(q: Queryable, orgId: string): Promise<OperatorProfile | null> {
  const r = await q.query<OperatorRow>(
    `SELECT p.*, o.name AS org_name FROM inv_operator p JOIN organisation o ON o.id = p.org_id
     WHERE p.org_id = $1`,
    [orgId],
  )
  return r.rows[0] ? toOperator(r.rows[0]) : null
}

export async function listOperators(q: Queryable): Promise<OperatorProfile[]> {
  const r = await q.query<OperatorRow>(
    `SELECT p.*, o.name AS org_name FROM inv_operator p JOIN organisation o ON o.id = p.org_id
     ORDER BY o.name`,
  )
  return r.rows.map(toOperator)
}

interface SystemRow {
  id: string
  org_id: string
  name: string
  criticality: Criticality
  internet_exposed: boolean
  current_sbom_id: string | null
  current_sbom_version: number | null
  component_count: number | null
  last_matched_at: Date | null
  created_at: Date
}
const toSystem = (r: SystemRow): System => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  criticality: r.criticality,
  internetExposed: r.internet_exposed,
  currentSbomId: r.current_sbom_id,
  currentSbomVersion: r.current_sbom_version,
  componentCount: r.component_count ?? 0,
  lastMatchedAt: r.last_matched_at,
  createdAt: r.created_at,
})
const SYSTEM_COLUMNS = `s.id, s.org_id, s.name, s.criticality, s.internet_exposed, s.current_sbom_id,
  b.version AS current_sbom_version, b.component_count, s.last_matched_at, s.created_at`

export async function insertSystem(
  q: Queryable,
  s: {
    id: string
    orgId: string
    name: string
    criticality: Criticality
    internetExposed: boolean
    at: Date
  },
): Promise<void> {
  await q.query(
    `INSERT INTO inv_system (id, org_id, name, criticality, internet_exposed, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [s.id, s.orgId, s.name, s.criticality, s.internetExposed, s.at],
  )
}

export async function updateSystem(
  q: Queryable,
  id: string,
  s: { criticality?: Criticality | undefined; internetExposed?: boolean | undefined },
): Promise<void> {
  await q.query(
    `UPDATE inv_system SET criticality = coalesce($2, criticality),
       internet_exposed = coalesce($3, internet_exposed) WHERE id = $1`,
    [id, s.criticality ?? null, s.internetExposed ?? null],
  )
}

export async function findSystem(
  q: Queryable,
  by: { id: string } | { orgId: string; name: string },
  forUpdate = false,
): Promise<System | null> {
  const [where, values] =
    'id' in by ? ['s.id = $1', [by.id]] : ['s.org_id = $1 AND s.name = $2', [by.orgId, by.name]]
  const r = await q.query<SystemRow>(
    `SELECT ${SYSTEM_COLUMNS} FROM inv_system s LEFT JOIN inv_sbom b ON b.id = s.current_sbom_id
     WHERE ${where}${forUpdate ? ' FOR UPDATE OF s' : ''}`,
    values,
  )
  return r.rows[0] ? toSystem(r.rows[0]) : null
}

export async function listSystems(q: Queryable, orgId?: string): Promise<System[]> {
  const r = await q.query<SystemRow>(
    `SELECT ${SYSTEM_COLUMNS} FROM inv_system s LEFT JOIN inv_sbom b ON b.id = s.current_sbom_id
     ${orgId ? 'WHERE s.org_id = $1' : ''} ORDER BY s.org_id, s.name`,
    orgId ? [orgId] : [],
  )
  return r.rows.map(toSystem)
}

export async function markMatched(
  q: Queryable,
  systemId: string,
  sbomId: string | null,
  at: Date,
): Promise<void> {
  await q.query('UPDATE inv_system SET last_matched_at = $2, matched_sbom_id = $3 WHERE id = $1', [
    systemId,
    at,
    sbomId,
  ])
}

export async function matchedSbomOf(q: Queryable, systemId: string): Promise<string | null> {
  const r = await q.query<{ matched_sbom_id: string | null }>(
    'SELECT matched_sbom_id FROM inv_system WHERE id = $1',
    [systemId],
  )
  return r.rows[0]?.matched_sbom_id ?? null
}

/** The matchable packages of one SBOM version with their versions: what a later one is compared with. */
export async function packageVersions(q: Queryable, sbomId: string): Promise<Map<string, string>> {
  const r = await q.query<{ ecosystem: string; package_name: string; versions: string }>(
    `SELECT ecosystem, package_name,
       string_agg(coalesce(version, '(none)'), ' ' ORDER BY coalesce(version, '(none)')) AS versions
     FROM inv_component WHERE sbom_id = $1 AND match_status <> 'unmatched'
     GROUP BY 1, 2`,
    [sbomId],
  )
  return new Map(r.rows.map((x) => [`${x.ecosystem}\u0000${x.package_name}`, x.versions]))
}

/** Findings whose package did not change move to the new SBOM version as they are. */
export async function moveFindings(q: Queryable, ids: string[], sbomId: string): Promise<void> {
  if (ids.length === 0) return
  await q.query('UPDATE inv_finding SET sbom_id = $2 WHERE id = ANY($1::text[])', [ids, sbomId])
}

// --- SBOMs and components --------------------------------------------------------------------

export async function nextSbomVersion(q: Queryable, systemId: string): Promise<number> {
  const r = await q.query<{ v: number }>(
    'SELECT coalesce(max(version), 0) + 1 AS v FROM inv_sbom WHERE system_id = $1',
    [systemId],
  )
  return Number(r.rows[0]!.v)
}

export async function insertSbom(
  q: Queryable,
  s: Omit<SbomVersion, 'uploadedBy'> & { uploadedBy: string | null },
): Promise<void> {
  await q.query(
    `INSERT INTO inv_sbom (id, system_id, version, format, spec_version, sha256, component_count,
       unmatched_count, no_version_count, uploaded_by, uploaded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      s.id,
      s.systemId,
      s.version,
      s.format,
      s.specVersion,
      s.sha256,
      s.componentCount,
      s.unmatchedCount,
      s.noVersionCount,
      s.uploadedBy,
      s.uploadedAt,
    ],
  )
}

export async function listSboms(q: Queryable, systemId: string): Promise<SbomVersion[]> {
  const r = await q.query<Record<string, unknown>>(
    'SELECT * FROM inv_sbom WHERE system_id = $1 ORDER BY version DESC',
    [systemId],
  )
  return r.rows.map((x) => ({
    id: x.id as string,
    systemId: x.system_id as string,
    version: Number(x.version),
    format: x.format as string,
    specVersion: x.spec_version as string | null,
    sha256: x.sha256 as string,
    componentCount: Number(x.component_count),
    unmatchedCount: Number(x.unmatched_count),
    noVersionCount: Number(x.no_version_count),
    uploadedBy: x.uploaded_by as string | null,
    uploadedAt: x.uploaded_at as Date,
  }))
}

/** Makes `sbomId` the system's current SBOM: its components current, every earlier one not. */
export async function switchCurrentSbom(
  q: Queryable,
  systemId: string,
  sbomId: string,
): Promise<void> {
  await q.query(
    'UPDATE inv_component SET current = false WHERE system_id = $1 AND current AND sbom_id <> $2',
    [systemId, sbomId],
  )
  await q.query('UPDATE inv_system SET current_sbom_id = $2 WHERE id = $1', [systemId, sbomId])
}

const CHUNK = 500

/** Components in chunks of one multi-row INSERT each, through unnest so a chunk is one statement. */
export async function insertComponents(
  q: Queryable,
  c: {
    sbomId: string
    systemId: string
    orgId: string
    ids: string[]
    coarse: Array<string | null>
  },
  list: SbomComponent[],
): Promise<void> {
  for (let i = 0; i < list.length; i += CHUNK) {
    const part = list.slice(i, i + CHUNK)
    const col = <T>(f: (x: SbomComponent, j: number) => T) => part.map((x, j) => f(x, i + j))
    await q.query(
      `INSERT INTO inv_component (id, sbom_id, system_id, org_id, ref, parent_ref, name, version, purl,
         ecosystem, package_name, coarse, match_status, unmatched_reason, current)
       SELECT id, $1, $2, $3, ref, parent_ref, name, version, purl, ecosystem, package_name, coarse,
         match_status, unmatched_reason, true
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
         $11::text[], $12::text[], $13::text[], $14::text[])
         AS t(id, ref, parent_ref, name, version, purl, ecosystem, package_name, coarse, match_status,
           unmatched_reason)`,
      [
        c.sbomId,
        c.systemId,
        c.orgId,
        col((_, j) => c.ids[j]),
        col((x) => x.ref),
        col((x) => x.parentRef),
        col((x) => x.name),
        col((x) => x.version),
        col((x) => x.purl),
        col((x) => x.ecosystem),
        col((x) => x.packageName),
        col((_, j) => c.coarse[j]),
        col((x) => x.status),
        col((x) => x.reason),
      ],
    )
  }
}

export async function insertDependencies(
  q: Queryable,
  sbomId: string,
  deps: Array<{ ref: string; dependsOn: string[] }>,
): Promise<void> {
  const pairs = deps.flatMap((d) => [...new Set(d.dependsOn)].map((to) => [d.ref, to] as const))
  for (let i = 0; i < pairs.length; i += CHUNK) {
    const part = pairs.slice(i, i + CHUNK)
    await q.query(
      `INSERT INTO inv_dependency (sbom_id, ref, depends_on)
       SELECT $1, r, d FROM unnest($2::text[], $3::text[]) AS t(r, d) ON CONFLICT DO NOTHING`,
      [sbomId, part.map((p) => p[0]), part.map((p) => p[1])],
    )
  }
}

export interface ComponentRow {
  id: string
  org_id: string
  system_id: string
  sbom_id: string
  ecosystem: string | null
  package_name: string | null
  version: string | null
  purl: string | null
  match_status: 'matchable' | 'no_version' | 'unmatched'
  coarse?: string | null
}

export async function currentComponents(q: Queryable, systemId: string): Promise<ComponentRow[]> {
  const r = await q.query<ComponentRow>(
    `SELECT id, org_id, system_id, sbom_id, ecosystem, package_name, version, purl, match_status, coarse
     FROM inv_component WHERE system_id = $1 AND current AND match_status <> 'unmatched'`,
    [systemId],
  )
  return r.rows
}

export interface ComponentView {
  ref: string
  parentRef: string | null
  name: string
  version: string | null
  purl: string | null
  ecosystem: string | null
  matchStatus: string
  unmatchedReason: string | null
}

export async function listComponents(
  q: Queryable,
  sbomId: string,
  opts: { status?: string | undefined; limit: number; offset: number },
): Promise<ComponentView[]> {
  const r = await q.query<Record<string, string | null>>(
    `SELECT ref, parent_ref, name, version, purl, ecosystem, match_status, unmatched_reason
     FROM inv_component WHERE sbom_id = $1 AND ($2::text IS NULL OR match_status = $2)
     ORDER BY name, ref LIMIT $3 OFFSET $4`,
    [sbomId, opts.status ?? null, opts.limit, opts.offset],
  )
  return r.rows.map((x) => ({
    ref: x.ref!,
    parentRef: x.parent_ref ?? null,
    name: x.name!,
    version: x.version ?? null,
    purl: x.purl ?? null,
    ecosystem: x.ecosystem ?? null,
    matchStatus: x.match_status!,
    unmatchedReason: x.unmatched_reason ?? null,
  }))
}

// --- findings --------------------------------------------------------------------------------

interface FindingRow {
  id: string
  org_id: string
  system_id: string
  system_name: string
  advisory_id: string
  ecosystem: string
  package_name: string
  purl: string | null
  versions: string[]
  sbom_id: string
  match_kind: Finding['matchKind']
  matched_range: string | null
  fixed_version: string | null
  severity: Severity
  kev: boolean
  summary: string | null
  tlp: Tlp
  status: FindingStatus
  justification: string | null
  approver: string | null
  accepted_until: Date | null
  suppressed_by: string | null
  suppression_justification: string | null
  due_at: Date | null
  first_seen_at: Date
  closed_at: Date | null
  retracted_at: Date | null
  escalated_at: Date | null
  notified_at: Date | null
  updated_at: Date
}

export type StoredFinding = Finding & {
  sbomId: string
  tlp: Tlp
  retractedAt: Date | null
  notifiedAt: Date | null
}

const toFinding = (r: FindingRow): StoredFinding => ({
  id: r.id,
  orgId: r.org_id,
  systemId: r.system_id,
  systemName: r.system_name,
  advisoryId: r.advisory_id,
  ecosystem: r.ecosystem,
  packageName: r.package_name,
  purl: r.purl,
  versions: r.versions,
  sbomId: r.sbom_id,
  matchKind: r.match_kind,
  matchedRange: r.matched_range,
  fixedVersion: r.fixed_version,
  severity: r.severity,
  kev: r.kev,
  summary: r.summary,
  tlp: r.tlp,
  status: r.status,
  justification: r.justification,
  approver: r.approver,
  acceptedUntil: r.accepted_until,
  suppressedBy: r.suppressed_by,
  suppressionJustification: r.suppression_justification,
  dueAt: r.due_at,
  firstSeenAt: r.first_seen_at,
  closedAt: r.closed_at,
  retractedAt: r.retracted_at,
  escalatedAt: r.escalated_at,
  notifiedAt: r.notified_at,
  updatedAt: r.updated_at,
})

const FINDING_SELECT = `SELECT f.*, s.name AS system_name FROM inv_finding f JOIN inv_system s ON s.id = f.system_id`

export async function findingsWhere(
  q: Queryable,
  where: string,
  values: unknown[],
  tail = '',
): Promise<StoredFinding[]> {
  const r = await q.query<FindingRow>(`${FINDING_SELECT} WHERE ${where} ${tail}`, values)
  return r.rows.map(toFinding)
}

export interface FindingUpsert {
  id: string
  orgId: string
  systemId: string
  advisoryId: string
  ecosystem: string
  packageName: string
  purl: string | null
  versions: string[]
  sbomId: string
  matchKind: Finding['matchKind']
  matchedRange: string | null
  fixedVersion: string | null
  severity: Severity
  kev: boolean
  summary: string | null
  tlp: Tlp
  status: FindingStatus
  justification: string | null
  suppressedBy: string | null
  suppressionJustification: string | null
  dueAt: Date | null
  at: Date
}

export async function insertFinding(q: Queryable, f: FindingUpsert): Promise<void> {
  await q.query(
    `INSERT INTO inv_finding (id, org_id, system_id, advisory_id, ecosystem, package_name, purl, versions,
       sbom_id, match_kind, matched_range, fixed_version, severity, kev, summary, tlp, status,
       justification, suppressed_by, suppression_justification, due_at, first_seen_at, closed_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
       $21, $22, CASE WHEN $17 IN ('patched', 'mitigated', 'not_affected', 'risk_accepted') THEN $22::timestamptz END, $22)`,
    [
      f.id,
      f.orgId,
      f.systemId,
      f.advisoryId,
      f.ecosystem,
      f.packageName,
      f.purl,
      JSON.stringify(f.versions),
      f.sbomId,
      f.matchKind,
      f.matchedRange,
      f.fixedVersion,
      f.severity,
      f.kev,
      f.summary,
      f.tlp,
      f.status,
      f.justification,
      f.suppressedBy,
      f.suppressionJustification,
      f.dueAt,
      f.at,
    ],
  )
}

/** The match facts of a finding seen again (new SBOM version, changed advisory); status untouched. */
export async function refreshFinding(
  q: Queryable,
  id: string,
  f: Pick<
    FindingUpsert,
    | 'purl'
    | 'versions'
    | 'sbomId'
    | 'matchKind'
    | 'matchedRange'
    | 'fixedVersion'
    | 'severity'
    | 'kev'
    | 'summary'
    | 'tlp'
    | 'at'
  >,
): Promise<void> {
  await q.query(
    `UPDATE inv_finding SET purl = $2, versions = $3, sbom_id = $4, match_kind = $5, matched_range = $6,
       fixed_version = $7, severity = $8, kev = $9, summary = $10, tlp = $11, retracted_at = NULL,
       updated_at = $12
     WHERE id = $1`,
    [
      id,
      f.purl,
      JSON.stringify(f.versions),
      f.sbomId,
      f.matchKind,
      f.matchedRange,
      f.fixedVersion,
      f.severity,
      f.kev,
      f.summary,
      f.tlp,
      f.at,
    ],
  )
}

export async function setFindingStatus(
  q: Queryable,
  id: string,
  s: {
    status: FindingStatus
    justification?: string | null
    approver?: string | null
    acceptedUntil?: Date | null
    suppressedBy?: string | null
    suppressionJustification?: string | null
    dueAt?: Date | null
    at: Date
  },
): Promise<void> {
  await q.query(
    `UPDATE inv_finding SET status = $2, justification = $3, approver = $4, accepted_until = $5,
       suppressed_by = $6, suppression_justification = $7,
       due_at = CASE WHEN $8::boolean THEN $9 ELSE due_at END,
       closed_at = CASE WHEN $2 IN ('patched', 'mitigated', 'not_affected', 'risk_accepted')
         THEN coalesce(closed_at, $10) END,
       escalated_at = CASE WHEN $2 IN ('open', 'in_progress') THEN escalated_at END,
       updated_at = $10
     WHERE id = $1`,
    [
      id,
      s.status,
      s.justification ?? null,
      s.approver ?? null,
      s.acceptedUntil ?? null,
      s.suppressedBy ?? null,
      s.suppressionJustification ?? null,
      s.dueAt !== undefined,
      s.dueAt ?? null,
      s.at,
    ],
  )
}

export async function retractFinding(q: Queryable, id: string, at: Date): Promise<void> {
  await q.query('UPDATE inv_finding SET retracted_at = $2, updated_at = $2 WHERE id = $1', [id, at])
}

export async function markNotified(q: Queryable, ids: string[], at: Date): Promise<void> {
  await q.query('UPDATE inv_finding SET notified_at = $2 WHERE id = ANY($1::text[])', [ids, at])
}

export async function markEscalated(q: Queryable, ids: string[], at: Date): Promise<void> {
  await q.query('UPDATE inv_finding SET escalated_at = $2 WHERE id = ANY($1::text[])', [ids, at])
}

export async function insertEvent(
  q: Queryable,
  e: {
    id: string
    findingId: string
    at: Date
    kind: string
    from: FindingStatus | null
    to: FindingStatus | null
    actor: string | null
    note: string | null
  },
): Promise<void> {
  await q.query(
    `INSERT INTO inv_finding_event (id, finding_id, at, kind, from_status, to_status, actor, note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [e.id, e.findingId, e.at, e.kind, e.from, e.to, e.actor, e.note],
  )
}

export interface FindingEvent {
  at: Date
  kind: string
  from: string | null
  to: string | null
  actor: string | null
  note: string | null
}

export async function listEvents(q: Queryable, findingId: string): Promise<FindingEvent[]> {
  const r = await q.query<{
    at: Date
    kind: string
    from_status: string | null
    to_status: string | null
    actor: string | null
    note: string | null
  }>('SELECT * FROM inv_finding_event WHERE finding_id = $1 ORDER BY at, id', [findingId])
  return r.rows.map((x) => ({
    at: x.at,
    kind: x.kind,
    from: x.from_status,
    to: x.to_status,
    actor: x.actor,
    note: x.note,
  }))
}

// --- VEX -------------------------------------------------------------------------------------

export interface VexRow {
  id: string
  orgId: string | null
  source: 'operator' | 'program'
  documentFormat: string
  vulnerability: string
  ecosystem: string | null
  packageName: string | null
  version: string | null
  status: 'not_affected' | 'fixed' | 'affected' | 'under_investigation'
  justification: string | null
  createdBy: string | null
  createdAt: Date
}

export async function insertVex(q: Queryable, v: VexRow): Promise<void> {
  await q.query(
    `INSERT INTO inv_vex (id, org_id, source, document_format, vulnerability, ecosystem, package_name,
       version, status, justification, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      v.id,
      v.orgId,
      v.source,
      v.documentFormat,
      v.vulnerability,
      v.ecosystem,
      v.packageName,
      v.version,
      v.status,
      v.justification,
      v.createdBy,
      v.createdAt,
    ],
  )
}

/** Statements that may suppress a finding of `orgId` for any of `names` (the advisory and its aliases). */
export async function vexFor(q: Queryable, orgId: string, names: string[]): Promise<VexRow[]> {
  const r = await q.query<Record<string, unknown>>(
    `SELECT * FROM inv_vex WHERE vulnerability = ANY($2::text[]) AND (org_id = $1 OR org_id IS NULL)
     ORDER BY created_at DESC`,
    [orgId, names],
  )
  return r.rows.map((x) => ({
    id: x.id as string,
    orgId: x.org_id as string | null,
    source: x.source as VexRow['source'],
    documentFormat: x.document_format as string,
    vulnerability: x.vulnerability as string,
    ecosystem: x.ecosystem as string | null,
    packageName: x.package_name as string | null,
    version: x.version as string | null,
    status: x.status as VexRow['status'],
    justification: x.justification as string | null,
    createdBy: x.created_by as string | null,
    createdAt: x.created_at as Date,
  }))
}

// --- channels and deliveries -----------------------------------------------------------------

export interface Channel {
  id: string
  orgId: string
  kind: 'email' | 'webhook'
  target: string
  secret: Envelope | null
  createdAt: Date
  disabledAt: Date | null
}

const toChannel = (x: Record<string, unknown>): Channel => ({
  id: x.id as string,
  orgId: x.org_id as string,
  kind: x.kind as Channel['kind'],
  target: x.target as string,
  secret: (x.secret as Envelope | null) ?? null,
  createdAt: x.created_at as Date,
  disabledAt: x.disabled_at as Date | null,
})

export async function insertChannel(q: Queryable, c: Omit<Channel, 'disabledAt'>): Promise<void> {
  await q.query(
    'INSERT INTO inv_channel (id, org_id, kind, target, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [c.id, c.orgId, c.kind, c.target, c.secret ? JSON.stringify(c.secret) : null, c.createdAt],
  )
}

export async function listChannels(q: Queryable, orgId: string): Promise<Channel[]> {
  const r = await q.query<Record<string, unknown>>(
    'SELECT * FROM inv_channel WHERE org_id = $1 AND disabled_at IS NULL ORDER BY created_at',
    [orgId],
  )
  return r.rows.map(toChannel)
}

export async function findChannel(q: Queryable, id: string): Promise<Channel | null> {
  const r = await q.query<Record<string, unknown>>('SELECT * FROM inv_channel WHERE id = $1', [id])
  return r.rows[0] ? toChannel(r.rows[0]) : null
}

export async function disableChannel(
  q: Queryable,
  orgId: string,
  id: string,
  at: Date,
): Promise<boolean> {
  const r = await q.query('UPDATE inv_channel SET disabled_at = $3 WHERE id = $1 AND org_id = $2', [
    id,
    orgId,
    at,
  ])
  return r.rowCount > 0
}

export interface Delivery {
  id: string
  channelId: string
  orgId: string
  mode: 'immediate' | 'digest' | 'escalation'
  findingIds: string[]
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  lastStatus: number | null
  lastError: string | null
  createdAt: Date
  deliveredAt: Date | null
}

const toDelivery = (x: Record<string, unknown>): Delivery => ({
  id: x.id as string,
  channelId: x.channel_id as string,
  orgId: x.org_id as string,
  mode: x.mode as Delivery['mode'],
  findingIds: x.finding_ids as string[],
  status: x.status as Delivery['status'],
  attempts: Number(x.attempts),
  lastStatus: x.last_status === null ? null : Number(x.last_status),
  lastError: x.last_error as string | null,
  createdAt: x.created_at as Date,
  deliveredAt: x.delivered_at as Date | null,
})

export async function insertDelivery(
  q: Queryable,
  d: Pick<Delivery, 'id' | 'channelId' | 'orgId' | 'mode' | 'findingIds' | 'createdAt'>,
): Promise<void> {
  await q.query(
    `INSERT INTO inv_delivery (id, channel_id, org_id, mode, finding_ids, status, created_at)
     VALUES ($1, $2, $3, $4, $5, 'pending', $6)`,
    [d.id, d.channelId, d.orgId, d.mode, JSON.stringify(d.findingIds), d.createdAt],
  )
}

export async function findDelivery(q: Queryable, id: string): Promise<Delivery | null> {
  const r = await q.query<Record<string, unknown>>('SELECT * FROM inv_delivery WHERE id = $1', [id])
  return r.rows[0] ? toDelivery(r.rows[0]) : null
}

export async function recordAttempt(
  q: Queryable,
  id: string,
  a: { ok: boolean; final: boolean; status: number | null; error: string | null; at: Date },
): Promise<void> {
  await q.query(
    `UPDATE inv_delivery SET attempts = attempts + 1, last_status = $2::integer, last_error = $3::text,
       status = CASE WHEN $4::boolean THEN 'delivered' WHEN $5::boolean THEN 'failed' ELSE 'pending' END,
       delivered_at = CASE WHEN $4::boolean THEN $6::timestamptz END
     WHERE id = $1`,
    [id, a.status, a.error, a.ok, a.final, a.at],
  )
}

export async function listDeliveries(
  q: Queryable,
  orgId: string,
  limit: number,
): Promise<Delivery[]> {
  const r = await q.query<Record<string, unknown>>(
    'SELECT * FROM inv_delivery WHERE org_id = $1 ORDER BY created_at DESC, id LIMIT $2',
    [orgId, limit],
  )
  return r.rows.map(toDelivery)
}

/** Critical-infrastructure inventories: operators, systems, findings and their rules. Pure. */
import type { OsvAffected } from './version-port.ts'

export const SECTORS = [
  'healthcare',
  'financial',
  'electricity',
  'water',
  'communications',
  'government',
  'other',
] as const
export type Sector = (typeof SECTORS)[number]

export const OPERATOR_SIZES = ['small', 'medium', 'large'] as const
export type OperatorSize = (typeof OPERATOR_SIZES)[number]

export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const
export type Criticality = (typeof CRITICALITIES)[number]

export const FINDING_STATUSES = [
  'open',
  'in_progress',
  'patched',
  'mitigated',
  'not_affected',
  'risk_accepted',
] as const
export type FindingStatus = (typeof FINDING_STATUSES)[number]

/** Statuses an operator's analysis sets that survive a new SBOM version of the same system. */
export const DECISION_STATUSES: readonly FindingStatus[] = ['not_affected', 'risk_accepted']
/** The finding is dealt with: not counted as exposure, not escalated. */
export const CLOSED_STATUSES: readonly FindingStatus[] = [
  'patched',
  'mitigated',
  'not_affected',
  'risk_accepted',
]

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const
export type Severity = (typeof SEVERITIES)[number]

/** CycloneDX / OpenVEX / CSAF not-affected justifications, in OpenVEX's spelling. */
export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const

export const TLP_LABELS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const
export type Tlp = (typeof TLP_LABELS)[number]

/** AMBER and stricter: only the operators the disclosure case allows may learn of it. */
export function isEmbargoed(tlp: Tlp): boolean {
  return tlp === 'AMBER' || tlp === 'AMBER+STRICT' || tlp === 'RED'
}

export interface OperatorProfile {
  orgId: string
  orgName: string
  sector: Sector
  size: OperatorSize
  region: string
  createdAt: Date
}

export interface System {
  id: string
  orgId: string
  name: string
  criticality: Criticality
  internetExposed: boolean
  currentSbomId: string | null
  currentSbomVersion: number | null
  componentCount: number
  lastMatchedAt: Date | null
  createdAt: Date
}

export interface SbomVersion {
  id: string
  systemId: string
  version: number
  format: string
  specVersion: string | null
  sha256: string
  componentCount: number
  unmatchedCount: number
  noVersionCount: number
  uploadedBy: string | null
  uploadedAt: Date
}

/** An OSV record as the matching engine reads it. */
export interface OsvRecord {
  id: string
  modified: string
  published?: string
  withdrawn?: string
  aliases?: string[]
  summary?: string
  details?: string
  severity?: Array<{ type: string; score: string }>
  affected?: OsvAffected[]
  database_specific?: Record<string, unknown>
}

/** One advisory as the advisory sources hand it to matching. */
export interface AdvisoryRecord {
  id: string
  osv: OsvRecord
  /** Distribution label; imported public data is CLEAR. */
  tlp: Tlp
  /** CISA KEV: exploited in the wild. */
  kev: boolean
}

export interface Finding {
  id: string
  orgId: string
  systemId: string
  systemName: string
  advisoryId: string
  ecosystem: string
  packageName: string
  purl: string | null
  /** The versions of the package in the system's current SBOM that match; empty when none was given. */
  versions: string[]
  matchKind: 'affected' | 'possibly_affected'
  matchedRange: string | null
  fixedVersion: string | null
  severity: Severity
  kev: boolean
  summary: string | null
  status: FindingStatus
  justification: string | null
  approver: string | null
  acceptedUntil: Date | null
  suppressedBy: string | null
  suppressionJustification: string | null
  dueAt: Date | null
  firstSeenAt: Date
  closedAt: Date | null
  escalatedAt: Date | null
  updatedAt: Date
}

/** Severity from the record: GHSA's database_specific.severity, else a CVSS v3/v4 vector's metrics. */
export function severityOf(osv: OsvRecord): Severity {
  const s = String(osv.database_specific?.severity ?? '').toLowerCase()
  if (s === 'critical' || s === 'high' || s === 'low') return s
  if (s === 'moderate' || s === 'medium') return 'medium'
  const vector = osv.severity?.find((x) => x.type.startsWith('CVSS'))?.score
  if (!vector) return 'unknown'
  const m = cvssMetrics(vector)
  const impact = ['C', 'I', 'A'].filter((k) => m[k] === 'H' || m[`V${k}`] === 'H').length
  const easy = m.AV === 'N' && (m.PR === 'N' || m.PR === undefined) && m.UI !== 'R' && m.UI !== 'A'
  if (impact === 3 && easy) return 'critical'
  if (impact >= 1) return 'high'
  return 'medium'
}

export function cvssMetrics(vector: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of vector.split('/')) {
    const [k, v] = part.split(':')
    if (k && v && !k.startsWith('CVSS')) out[k] = v
  }
  return out
}

/** Values that name this advisory for VEX and suppression rules: its id and aliases (CVE ids). */
export function advisoryNames(osv: Pick<OsvRecord, 'id' | 'aliases'>): string[] {
  return [osv.id, ...(osv.aliases ?? [])]
}

/** The key a finding keeps across SBOM versions: a package in a system, one advisory. */
export function findingKey(f: { ecosystem: string; packageName: string; advisoryId: string }) {
  return `${f.ecosystem}\u0000${f.packageName}\u0000${f.advisoryId}`
}

export const TRANSITIONS: Record<FindingStatus, readonly FindingStatus[]> = {
  open: ['in_progress', 'mitigated', 'not_affected', 'risk_accepted', 'patched'],
  in_progress: ['open', 'mitigated', 'not_affected', 'risk_accepted', 'patched'],
  mitigated: ['open', 'in_progress', 'not_affected', 'risk_accepted', 'patched'],
  not_affected: ['open', 'in_progress'],
  risk_accepted: ['open', 'in_progress', 'mitigated'],
  patched: ['open'],
}

/** CSV field quoting (RFC 4180); a leading formula character is neutralised for spreadsheets. */
export function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v)
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

export function toCsv(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const lines = [columns.join(',')]
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c])).join(','))
  return `${lines.join('\r\n')}\r\n`
}

/**
 * The clearinghouse's types and pure rules: reports and their triage states, de-duplication
 * fingerprints, SLA deadlines, disclosure cases with VEX statuses and embargo policy.
 */
import { createHash } from 'node:crypto'
import { PackageURL } from 'packageurl-js'
import { DAY_MS } from '../platform/clock.ts'
import { invalid } from '../platform/errors.ts'
import type { AiFinding, SarifLocation } from './sarif.ts'
import type { SsvcDecision, SsvcInputs } from './ssvc.ts'
import type { Tlp } from './tlp.ts'

export const REPORT_STATES = [
  'new',
  'triaging',
  'validated',
  'not_reproducible',
  'duplicate',
  'out_of_scope',
] as const
export type ReportState = (typeof REPORT_STATES)[number]

/** Triage moves forward only; a closed report is reopened into triaging with a reason. */
const TRANSITIONS: Record<ReportState, readonly ReportState[]> = {
  new: ['triaging', 'duplicate', 'out_of_scope'],
  triaging: ['validated', 'not_reproducible', 'duplicate', 'out_of_scope'],
  validated: [],
  not_reproducible: ['triaging'],
  duplicate: ['triaging'],
  out_of_scope: ['triaging'],
}

export function canTransition(from: ReportState, to: ReportState): boolean {
  return TRANSITIONS[from].includes(to)
}

export const FOUND_METHODS = ['model', 'tool', 'manual'] as const
export type FoundMethod = (typeof FOUND_METHODS)[number]

export interface FoundWith {
  method: FoundMethod
  /** The program submission of the pre-release model it was found with. */
  submissionId?: string | undefined
  /** The gateway grant the reporter used to reach that model. */
  grantId?: string | undefined
  tool?: string | undefined
}

/** What a report names as affected: a purl, a CPE, or vendor + product (+ versions). */
export interface Product {
  purl?: string | undefined
  cpe?: string | undefined
  vendor?: string | undefined
  product?: string | undefined
  versions?: string | undefined
}

export interface Cvss {
  vector: string
  score: number
}

/** What a report keeps of the SARIF result it came from. */
export interface Finding {
  tool: string
  toolVersion: string | null
  ruleId: string
  ruleName: string | null
  message: string
  level: string | null
  location: SarifLocation
  fingerprints: Record<string, string>
  partialFingerprints: Record<string, string>
}

export interface SsvcRecord {
  inputs: SsvcInputs
  decision: SsvcDecision
  /** True when the KEV catalog forced exploitation to "active". */
  kev: boolean
  decidedBy: string
  decidedAt: string
}

export interface Report {
  id: string
  title: string
  description: string
  reproduction: string
  product: Product
  productKey: string
  cwe: string | null
  cveIds: string[]
  cvss31: Cvss | null
  cvss40: Cvss | null
  foundWith: FoundWith
  finding: Finding | null
  ai: AiFinding | null
  fingerprint: string
  reporterPersonId: string
  reporterName: string
  reporterOrgId: string
  reporterOrgName: string
  creditWanted: boolean
  creditName: string | null
  state: ReportState
  duplicateOf: string | null
  assigneePersonId: string | null
  assigneeName: string | null
  ssvc: SsvcRecord | null
  caseId: string | null
  receivedAt: Date
  triagedAt: Date | null
  validatedAt: Date | null
  updatedAt: Date
  revision: number
}

export interface SlaStatus {
  kind: 'triage' | 'vendor_contact'
  dueAt: Date
  /** Met: done before or at `dueAt`; overdue: not done and past it; open: not done yet. */
  state: 'met' | 'open' | 'overdue' | 'missed'
}

export type ReportView = Report & {
  sla: SlaStatus[]
  /** Other reports that look like the same vulnerability. */
  likelyDuplicates?: DuplicateHint[]
}

export interface DuplicateHint {
  id: string
  title: string
  state: ReportState
  /** `fingerprint`: same product, weakness, location and title; `product_weakness`: same product and CWE. */
  match: 'fingerprint' | 'product_weakness'
}

export interface ReportEvent {
  id: number
  at: Date
  kind: string
  actor: { personId: string; personName: string; orgId: string; orgName: string } | null
  fromState: ReportState | null
  toState: ReportState | null
  reason: string | null
  data: Record<string, unknown>
}

export interface Credit {
  reportId: string
  name: string
  orgName: string
  /** False when the reporter asked not to be named: shown to staff, never exported. */
  wanted: boolean
}

// ---------------------------------------------------------------------------------------------
// Products and fingerprints

/**
 * The identity of the affected product, without version: reports of the same weakness in
 * different versions of one product are likely duplicates. purls go through packageurl-js so
 * that `pkg:NPM/Foo` and `pkg:npm/foo` (npm names are lower case) are one product.
 */
export function productKey(p: Product, field = 'product'): string {
  if (p.purl) {
    let purl: PackageURL
    try {
      purl = PackageURL.fromString(p.purl.trim())
    } catch (err) {
      throw invalid(`${field}.purl`, `"${p.purl}" is not a package URL: ${(err as Error).message}`)
    }
    return new PackageURL(purl.type, purl.namespace, purl.name, null, null, null).toString()
  }
  if (p.cpe) {
    const parts = p.cpe.trim().split(':')
    if (parts[0] !== 'cpe' || parts[1] !== '2.3' || parts.length !== 13)
      throw invalid(
        `${field}.cpe`,
        `"${p.cpe}" is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:… with 13 fields)`,
      )
    return `cpe:2.3:${parts[2]}:${parts[3]}:${parts[4]}`.toLowerCase()
  }
  const vendor = p.vendor?.trim().toLowerCase()
  const product = p.product?.trim().toLowerCase()
  if (!vendor || !product)
    throw invalid(field, 'name the affected product by purl, by CPE, or by vendor and product')
  return `vendor:${vendor}/${product}`
}

/** Lower case, punctuation and runs of space folded, so retyped titles still match. */
export function normaliseTitle(title: string): string {
  return title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
}

/**
 * Where in the product the weakness sits. SARIF partialFingerprints survive code moving
 * between lines, so they win when present; then the file and line; then nothing.
 */
export function locationKey(f: Pick<Finding, 'partialFingerprints' | 'location'> | null): string {
  if (!f) return ''
  const partial = Object.entries(f.partialFingerprints).sort(([a], [b]) => a.localeCompare(b))
  if (partial.length > 0) return partial.map(([k, v]) => `${k}=${v}`).join('&')
  const l = f.location
  return [l.uri ?? '', l.startLine ?? '', l.logical ?? ''].join(':')
}

/** SHA-256 over product + weakness + location + normalised title: equal for the same finding. */
export function fingerprintOf(input: {
  productKey: string
  cwe: string | null
  location: string
  title: string
}): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        input.productKey,
        input.cwe ?? '',
        input.location,
        normaliseTitle(input.title),
      ]),
    )
    .digest('hex')
}

// ---------------------------------------------------------------------------------------------
// Triage queue and SLAs

/** Demonstrated exploits first, then proof of concept, then theoretical, then no AI claim. */
export function exploitabilityRank(ai: AiFinding | null): number {
  switch (ai?.exploitability) {
    case 'demonstrated':
      return 0
    case 'poc':
      return 1
    case 'theoretical':
      return 2
    default:
      return 3
  }
}

/** Policy: a new report is triaged within 3 days, and a validated one reaches its vendors within 7. */
export const TRIAGE_SLA_DAYS = 3
export const VENDOR_CONTACT_SLA_DAYS = 7

export function slaOf(
  r: Pick<Report, 'receivedAt' | 'triagedAt' | 'validatedAt' | 'state'>,
  vendorContactAt: Date | null,
  now: Date,
): SlaStatus[] {
  const status = (dueAt: Date, doneAt: Date | null): SlaStatus['state'] =>
    doneAt
      ? doneAt.getTime() <= dueAt.getTime()
        ? 'met'
        : 'missed'
      : now.getTime() > dueAt.getTime()
        ? 'overdue'
        : 'open'
  const out: SlaStatus[] = []
  const triageDue = new Date(r.receivedAt.getTime() + TRIAGE_SLA_DAYS * DAY_MS)
  out.push({ kind: 'triage', dueAt: triageDue, state: status(triageDue, r.triagedAt) })
  if (r.validatedAt) {
    const contactDue = new Date(r.validatedAt.getTime() + VENDOR_CONTACT_SLA_DAYS * DAY_MS)
    out.push({
      kind: 'vendor_contact',
      dueAt: contactDue,
      state: status(contactDue, vendorContactAt),
    })
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Cases, VEX and embargo

export const CASE_STATES = ['open', 'closed'] as const
export type CaseState = (typeof CASE_STATES)[number]

export const PARTICIPANT_ROLES = ['coordinator', 'reporter', 'vendor', 'client'] as const
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number]

export const VEX_STATUSES = [
  'known_affected',
  'known_not_affected',
  'fixed',
  'under_investigation',
] as const
export type VexStatus = (typeof VEX_STATUSES)[number]

/** The justifications CSAF 2.0 (§3.2.3.x flags) and OpenVEX share for "not affected". */
export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const
export type VexJustification = (typeof VEX_JUSTIFICATIONS)[number]

export interface VexStatement {
  vendorOrgId: string
  vendorName: string
  product: string
  versionRange: string
  status: VexStatus
  justification: VexJustification | null
  fixedVersion: string | null
  statement: string
  updatedBy: string
  updatedAt: Date
}

export interface VexInput {
  product: string
  versionRange: string
  status: VexStatus
  justification?: VexJustification | null | undefined
  fixedVersion?: string | null | undefined
  statement?: string | undefined
}

/** Each status carries exactly what it needs: a justification for not affected, a version for fixed. */
export function validateVex(v: VexInput, field = 'body'): void {
  if (v.status === 'known_not_affected' && !v.justification)
    throw invalid(
      `${field}.justification`,
      `known_not_affected needs a justification: one of ${VEX_JUSTIFICATIONS.join(', ')}`,
    )
  if (v.status !== 'known_not_affected' && v.justification)
    throw invalid(
      `${field}.justification`,
      'only a known_not_affected status takes a justification',
    )
  if (v.status === 'fixed' && !v.fixedVersion?.trim())
    throw invalid(`${field}.fixedVersion`, 'a fixed status needs the version that fixes it')
  if (v.status !== 'fixed' && v.fixedVersion)
    throw invalid(`${field}.fixedVersion`, 'only a fixed status takes a fixed version')
}

/** Policy: disclosure 90 days after the first vendor contact; 7 when exploited in the wild. */
export const EMBARGO_DAYS = 90
export const EXPLOITED_EMBARGO_DAYS = 7

export function defaultEmbargo(vendorContactAt: Date, exploited: boolean): Date {
  return new Date(
    vendorContactAt.getTime() + (exploited ? EXPLOITED_EMBARGO_DAYS : EMBARGO_DAYS) * DAY_MS,
  )
}

export interface Participant {
  id: string
  orgId: string
  orgName: string
  orgKind: string
  personId: string | null
  personName: string | null
  role: ParticipantRole
  sponsorOrgId: string | null
  publishConsentAt: Date | null
  addedAt: Date
}

export interface Case {
  id: string
  title: string
  tlp: Tlp
  state: CaseState
  vendorContactAt: Date | null
  embargoEndsAt: Date | null
  exploited: boolean
  createdBy: string
  createdAt: Date
  updatedAt: Date
  revision: number
}

export interface EmbargoEvent {
  id: number
  at: Date
  kind: 'set' | 'changed' | 'extension_requested' | 'extension_granted' | 'extension_refused'
  fromDate: Date | null
  toDate: Date | null
  reason: string
  actorPersonId: string | null
  actorOrgId: string | null
  requestId: number | null
}

export interface Message {
  id: string
  caseId: string
  authorPersonId: string
  authorName: string
  authorOrgId: string
  authorOrgName: string
  authorRole: string
  tlp: Tlp
  body: string
  createdAt: Date
}

export interface AttachmentInfo {
  id: string
  reportId: string | null
  caseId: string | null
  messageId: string | null
  filename: string
  mediaType: string
  size: number
  sha256: string
  tlp: Tlp
  uploadedBy: string
  uploadedOrgId: string
  createdAt: Date
}

export type CaseView = Case & {
  participants: Participant[]
  reports: Array<Pick<Report, 'id' | 'title' | 'state' | 'cwe' | 'productKey'>>
  vex: VexStatement[]
  embargo: EmbargoEvent[]
  /** Whole days until the embargo ends, rounded up; 0 once it has; null when none is set. */
  embargoDaysLeft: number | null
  /** The viewer's own part in the case, if any. */
  myRoles: ParticipantRole[]
}

// ---------------------------------------------------------------------------------------------
// Attachments

/** Proof-of-concept files: what may be uploaded, and how large. Never rendered, only downloaded. */
export const ATTACHMENT_TYPES = [
  'text/plain',
  'text/markdown',
  'application/json',
  'application/pdf',
  'application/zip',
  'application/gzip',
  'application/x-tar',
  'application/octet-stream',
  'image/png',
  'image/jpeg',
  'application/sarif+json',
  'application/vnd.tcpdump.pcap',
] as const
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

/** A safe filename for Content-Disposition: no path, no quotes, no control characters. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  const clean = base
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim()
    .slice(0, 200)
  return clean || 'attachment.bin'
}

export const embargoDaysLeft = (endsAt: Date | null, now: Date): number | null =>
  endsAt ? Math.max(0, Math.ceil((endsAt.getTime() - now.getTime()) / DAY_MS)) : null

/** Trusted partners: the registry, joint selection (two keys, refusal, one appeal) and grants — types and pure rules. */
import { createHash, randomBytes } from 'node:crypto'
import { hasRole, PROGRAM_WIDE_ROLES, type Principal } from '../accounts/model.ts'
import { AppError, ErrorCodes, forbidden, invalid } from '../platform/errors.ts'
import type { Protocol } from '../program/model.ts'

// ---------------------------------------------------------------------------------------------
// Registry

export const SECTORS = [
  'hospital',
  'bank',
  'utility',
  'water',
  'energy',
  'security_research',
  'government',
  'other',
] as const
export type Sector = (typeof SECTORS)[number]

export const VETTING_STATUSES = ['pending', 'vetted', 'rejected', 'suspended'] as const
export type VettingStatus = (typeof VETTING_STATUSES)[number]

export interface Vetting {
  status: VettingStatus
  reviewer: { personId: string; name: string } | null
  at: Date | null
  notes: string
}

export interface Contact {
  id: string
  name: string
  email: string
  phone: string | null
  title: string
}

export interface ConflictDeclaration {
  id: string
  relatedOrgId: string | null
  relatedOrgName: string | null
  description: string
  declaredBy: string
  declaredAt: Date
}

/** An evidence document as lists show it; the content is fetched separately and only by program staff. */
export interface EvidenceInfo {
  id: string
  filename: string
  contentType: string
  size: number
  sha256: string
  uploadedBy: string
  uploadedAt: Date
}

export interface Partner {
  orgId: string
  name: string
  slug: string
  sector: Sector
  description: string
  website: string | null
  vetting: Vetting
  createdAt: Date
  updatedAt: Date
  revision: number
}

export type PartnerDetail = Partner & {
  contacts: Contact[]
  conflicts: ConflictDeclaration[]
  /** Empty for anyone but program staff and the partner itself. */
  evidence: EvidenceInfo[]
}

/**
 * Evidence types the program reads: documents and scans. Anything else (archives, office
 * files with macros) is refused rather than stored, because a reviewer will open it.
 */
export const EVIDENCE_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'text/plain'] as const
export type EvidenceType = (typeof EVIDENCE_TYPES)[number]
export const EVIDENCE_MAX_BYTES = 5 * 1024 * 1024

/** The leading bytes each binary type must start with: a declared type has to match the file. */
const MAGIC: Partial<Record<EvidenceType, Buffer>> = {
  'application/pdf': Buffer.from('%PDF-'),
  'image/png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': Buffer.from([0xff, 0xd8, 0xff]),
}

/** Throws unless `content` is a non-empty file of an accepted type, within the size limit, that is what it claims. */
export function validateEvidence(contentType: string, content: Buffer): EvidenceType {
  if (!(EVIDENCE_TYPES as readonly string[]).includes(contentType)) {
    throw invalid(
      'contentType',
      `${contentType} is not accepted; upload one of ${EVIDENCE_TYPES.join(', ')}`,
    )
  }
  const type = contentType as EvidenceType
  if (content.length === 0) throw invalid('content', 'the file is empty')
  if (content.length > EVIDENCE_MAX_BYTES) {
    throw invalid(
      'content',
      `the file is ${content.length} bytes; the limit is ${EVIDENCE_MAX_BYTES} bytes (5 MiB)`,
    )
  }
  const magic = MAGIC[type]
  if (magic && !content.subarray(0, magic.length).equals(magic)) {
    throw invalid('content', `the file does not start like a ${type} file; check the type`)
  }
  if (type === 'text/plain' && !isUtf8Text(content)) {
    throw invalid('content', 'text/plain evidence must be UTF-8 text')
  }
  return type
}

function isUtf8Text(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b)
    return !b.includes(0)
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------
// Who acts for which side

/** The two sides whose keys a selection needs. */
export type Party = 'lab' | 'program'

/** Which key `p` holds for a submission of `labOrgId`: lab members of that lab, or program officers. */
export function keyHolder(p: Principal, labOrgId: string): Party | null {
  if (p.orgKind === 'lab' && p.orgId === labOrgId && hasRole(p, 'lab_member')) return 'lab'
  if (p.orgKind === 'program' && hasRole(p, 'program_officer')) return 'program'
  return null
}

export function isProgramStaff(p: Principal): boolean {
  return p.orgKind === 'program' && hasRole(p, ...PROGRAM_WIDE_ROLES)
}

export function isProgramOfficer(p: Principal): boolean {
  return p.orgKind === 'program' && hasRole(p, 'program_officer')
}

export function isPartnerMember(p: Principal, partnerOrgId: string): boolean {
  return p.orgKind === 'partner' && p.orgId === partnerOrgId && hasRole(p, 'partner_member')
}

// ---------------------------------------------------------------------------------------------
// Joint selection

export const KEY_STATES = ['pending', 'approved', 'refused'] as const
export type KeyState = (typeof KEY_STATES)[number]

/**
 * Why a side refuses. The partner is told the category (never the written reason), and the
 * public report counts refusals by it, so the list is short, fixed and neutral.
 */
export const REFUSAL_CATEGORIES = [
  'conflict_of_interest',
  'vetting_incomplete',
  'security_concern',
  'not_relevant_to_model',
  'capacity',
  'legal_or_contractual',
  'other',
] as const
export type RefusalCategory = (typeof REFUSAL_CATEGORIES)[number]

export const REFUSAL_LABELS: Record<RefusalCategory, string> = {
  conflict_of_interest: 'Conflict of interest',
  vetting_incomplete: 'Vetting not complete',
  security_concern: 'Security concern',
  not_relevant_to_model: 'Not relevant to this model',
  capacity: 'No capacity to support another partner',
  legal_or_contractual: 'Legal or contractual constraint',
  other: 'Other',
}

export const SELECTION_STATES = [
  'proposed',
  'effective',
  'refused',
  'appealed',
  'refused_final',
] as const
/**
 * - proposed: at least one key still pending, none refused.
 * - effective: both keys approved (only now can a grant be issued).
 * - refused: a key was refused and the partner may still appeal.
 * - appealed: the partner appealed; a program officer other than the refuser decides.
 * - refused_final: refused after the one appeal was used (dismissed, or refused again).
 */
export type SelectionState = (typeof SELECTION_STATES)[number]

export interface Refusal {
  party: Party
  by: { personId: string; name: string }
  at: Date
  category: RefusalCategory
  /** Null when the reader is the partner: it is told the category only. */
  reason: string | null
}

export interface Appeal {
  statement: string
  by: { personId: string; name: string }
  at: Date
  /** The program officer it went to: never the one who refused. Null if none was available. */
  reviewer: { personId: string; name: string } | null
  outcome: 'upheld' | 'dismissed' | null
  decidedBy: { personId: string; name: string } | null
  decidedAt: Date | null
  decisionCategory: RefusalCategory | null
  decisionReason: string | null
}

export interface KeyView {
  state: KeyState
  by: { personId: string; name: string } | null
  at: Date | null
}

export interface Selection {
  id: string
  submissionId: string
  labOrgId: string
  labName: string
  modelName: string
  modelVersion: string
  partnerOrgId: string
  partnerName: string
  partnerSector: Sector
  proposedBy: { party: Party; personId: string; name: string }
  proposedAt: Date
  rationale: string
  keys: Record<Party, KeyView>
  refusal: Refusal | null
  appeal: Appeal | null
  effectiveAt: Date | null
  state: SelectionState
  updatedAt: Date
  revision: number
}

export interface SelectionEvent {
  id: number
  at: Date
  kind: 'proposed' | 'approved' | 'refused' | 'appealed' | 'appeal_upheld' | 'appeal_dismissed'
  party: Party | null
  actor: { personId: string; name: string; orgId: string; orgName: string } | null
  reasonCategory: RefusalCategory | null
  reason: string | null
  logIndex: number | null
}

/** The part of a selection its state is derived from. */
export interface KeyFacts {
  labKey: KeyState
  programKey: KeyState
  appealedAt: Date | null
  appealOutcome: 'upheld' | 'dismissed' | null
}

export function selectionState(s: KeyFacts): SelectionState {
  const refused = s.labKey === 'refused' || s.programKey === 'refused'
  if (s.appealedAt && s.appealOutcome === null) return 'appealed'
  if (refused) return s.appealedAt ? 'refused_final' : 'refused'
  if (s.labKey === 'approved' && s.programKey === 'approved') return 'effective'
  return 'proposed'
}

/** The one test every grant passes: both keys turned. */
export function isEffective(s: Pick<KeyFacts, 'labKey' | 'programKey'>): boolean {
  return s.labKey === 'approved' && s.programKey === 'approved'
}

const conflict = (detail: string) => new AppError(ErrorCodes.EW_INVALID_TRANSITION, { detail })

/** A side turns its key (approve or refuse) only while it is pending and nothing is refused or under appeal. */
export function assertCanTurnKey(s: KeyFacts, party: Party): void {
  const state = selectionState(s)
  if (state === 'appealed') {
    throw conflict(
      'The selection is under appeal; the program reviewer handling the appeal decides it.',
    )
  }
  if (state === 'refused' || state === 'refused_final') {
    throw conflict(
      `The selection was refused${state === 'refused' ? '; the partner may appeal' : ' and its appeal is spent'}.`,
    )
  }
  const mine = party === 'lab' ? s.labKey : s.programKey
  if (mine !== 'pending') {
    throw conflict(
      `The ${party} key is already ${mine}; a turned key is not turned again (revoke a grant to end access).`,
    )
  }
}

/** A refused partner appeals once, before anything else happens to the refusal. */
export function assertCanAppeal(s: KeyFacts): void {
  const state = selectionState(s)
  if (state === 'refused') return
  if (state === 'appealed') throw conflict('An appeal is already open for this selection.')
  if (state === 'refused_final') {
    throw conflict('A refused partner may appeal once; this selection’s appeal has been used.')
  }
  throw conflict(`Only a refused selection can be appealed; this one is ${state}.`)
}

/**
 * The appeal is decided by a program officer who did not make the refusal. The same person
 * deciding again would make the appeal an empty form, so it is refused, not warned about.
 */
export function assertCanDecideAppeal(
  s: KeyFacts & { refusedBy: string | null },
  decider: Principal,
): void {
  if (selectionState(s) !== 'appealed') throw conflict('There is no open appeal to decide.')
  if (!isProgramOfficer(decider)) {
    throw forbidden('Appeals are decided by a program officer.')
  }
  if (s.refusedBy === decider.personId) {
    throw forbidden(
      'You made the refusal under appeal; an appeal goes to a different program reviewer. Ask another program officer to decide it.',
    )
  }
}

/**
 * The program officer an appeal goes to: not the refuser, the one with the fewest open appeals,
 * ties broken by id so every process picks the same one.
 */
export function pickAppealReviewer(
  officers: ReadonlyArray<{ personId: string; openAppeals: number }>,
  refusedBy: string,
): string | null {
  const eligible = officers.filter((o) => o.personId !== refusedBy)
  eligible.sort((a, b) => a.openAppeals - b.openAppeals || a.personId.localeCompare(b.personId))
  return eligible[0]?.personId ?? null
}

// ---------------------------------------------------------------------------------------------
// Grants

export const ENDPOINTS = ['chat.completions', 'messages', 'models'] as const
export type GatewayEndpoint = (typeof ENDPOINTS)[number]

export const GRANT_STATUSES = ['active', 'paused', 'revoked'] as const
export type GrantStatus = (typeof GRANT_STATUSES)[number]

export interface Limits {
  requestsPerMinute: number
  tokensPerMinute: number
  tokenBudget: number
}

/** Upper bounds that catch a typo (an extra zero or three) before it reaches a lab's endpoint. */
export const LIMIT_MAX: Limits = {
  requestsPerMinute: 10_000,
  tokensPerMinute: 10_000_000,
  tokenBudget: 10_000_000_000,
}

export const VIRTUAL_KEY_PREFIX = 'ew_vk_'

/** A new virtual key: 32 random bytes, base64url, after the prefix. `random` is injected for tests. */
export function newVirtualKey(random: (n: number) => Buffer = randomBytes): string {
  return `${VIRTUAL_KEY_PREFIX}${random(32).toString('base64url')}`
}

/** SHA-256 of the whole key, hex: what is stored and what the gateway looks a key up by. */
export function hashVirtualKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/** The first characters of a key, to tell keys apart in lists: not enough to use one. */
export const keyHint = (key: string) => `${key.slice(0, VIRTUAL_KEY_PREFIX.length + 4)}…`

export interface GrantTerms {
  windowStart: Date
  windowEnd: Date
  endpoints: GatewayEndpoint[]
  limits: Limits
  keepContent: boolean
}

export interface Grant extends GrantTerms {
  id: string
  selectionId: string
  submissionId: string
  labOrgId: string
  labName: string
  modelName: string
  modelVersion: string
  partnerOrgId: string
  partnerName: string
  keyHint: string
  status: GrantStatus
  pausedBy: Party | null
  revoked: { by: string; at: Date; reason: string } | null
  issuedBy: string
  issuedAt: Date
  updatedAt: Date
  version: number
}

/** A grant as it is issued: the one time the virtual key is shown. */
export type IssuedGrant = Grant & { key: string; logIndex: number }

export interface GrantEvent {
  id: number
  at: Date
  kind: 'issued' | 'paused' | 'resumed' | 'limits_changed' | 'revoked'
  actor: { personId: string; name: string; orgId: string; orgName: string } | null
  reason: string | null
  data: Record<string, unknown>
  logIndex: number | null
}

/**
 * What the gateway needs to serve one request under a grant; the upstream credential is not
 * here — the gateway asks the program service for it.
 *
 * `status` folds in what happened around the grant: a withdrawn submission makes it `revoked`,
 * a window that has ended makes it `expired`. `version` changes with every change to the grant
 * itself; pollers compare status and version.
 */
export interface GatewayGrant {
  grantId: string
  version: number
  partnerOrgId: string
  partnerName: string
  submissionId: string
  status: 'active' | 'paused' | 'revoked' | 'expired'
  windowStart: Date
  windowEnd: Date
  endpoints: GatewayEndpoint[]
  limits: Limits
  keepContent: boolean
  upstream: { protocol: Protocol; baseUrl: string; modelId: string }
}

/**
 * The partner-access period of a submission: from its partner release to its public release
 * (open-ended when no public date is set). Null when the lab planned no partner release.
 */
export function partnerAccessPeriod(s: {
  partnerReleaseAt: Date | null
  publicReleaseAt: Date | null
}): { start: Date; end: Date | null } | null {
  if (!s.partnerReleaseAt) return null
  return { start: s.partnerReleaseAt, end: s.publicReleaseAt }
}

/** Checks a grant's window against the partner-access period the lab set, and its other terms. */
export function validateTerms(
  t: GrantTerms,
  period: { start: Date; end: Date | null } | null,
  now: Date,
): void {
  if (!period) {
    throw invalid(
      'windowStart',
      'the lab has set no partner release date for this submission, so there is no partner-access period to grant within; the lab sets partnerReleaseAt by rescheduling',
    )
  }
  if (t.windowEnd.getTime() <= t.windowStart.getTime()) {
    throw invalid('windowEnd', 'must be after windowStart')
  }
  if (t.windowEnd.getTime() <= now.getTime()) {
    throw invalid('windowEnd', `must be in the future (now is ${now.toISOString()})`)
  }
  if (t.windowStart.getTime() < period.start.getTime()) {
    throw invalid(
      'windowStart',
      `must not be before the partner release the lab set (${period.start.toISOString()})`,
    )
  }
  if (period.end && t.windowEnd.getTime() > period.end.getTime()) {
    throw invalid(
      'windowEnd',
      `must not be after the public release the lab set (${period.end.toISOString()}); after it partners no longer need early access`,
    )
  }
  validateEndpoints(t.endpoints)
  validateLimits(t.limits)
}

export function validateEndpoints(endpoints: readonly string[]): void {
  if (endpoints.length === 0) throw invalid('endpoints', 'allow at least one endpoint')
  for (const e of endpoints) {
    if (!(ENDPOINTS as readonly string[]).includes(e)) {
      throw invalid('endpoints', `${e} is not a gateway endpoint; use ${ENDPOINTS.join(', ')}`)
    }
  }
  if (new Set(endpoints).size !== endpoints.length) {
    throw invalid('endpoints', 'lists an endpoint twice')
  }
}

export function validateLimits(l: Limits): void {
  for (const k of ['requestsPerMinute', 'tokensPerMinute', 'tokenBudget'] as const) {
    const v = l[k]
    if (!Number.isSafeInteger(v) || v < 1 || v > LIMIT_MAX[k]) {
      throw invalid(`limits.${k}`, `must be a whole number from 1 to ${LIMIT_MAX[k]}`)
    }
  }
}

/** The terms a change may set; absent fields stay as they are. */
export interface TermsChange {
  windowStart?: Date | undefined
  windowEnd?: Date | undefined
  endpoints?: GatewayEndpoint[] | undefined
  limits?: Partial<Limits> | undefined
  keepContent?: boolean | undefined
}

/**
 * Applies a change and says which of its parts give the partner more than before. Tightening
 * (lower limits, fewer endpoints, a shorter window, no kept content) is open to either side at
 * any time; loosening is the program's call (see docs/partners.md).
 */
export function applyTerms(
  current: GrantTerms,
  change: TermsChange,
): { next: GrantTerms; loosened: string[]; changed: string[] } {
  const next: GrantTerms = {
    windowStart: change.windowStart ?? current.windowStart,
    windowEnd: change.windowEnd ?? current.windowEnd,
    endpoints: change.endpoints ?? current.endpoints,
    limits: { ...current.limits, ...stripUndefined(change.limits ?? {}) },
    keepContent: change.keepContent ?? current.keepContent,
  }
  const loosened: string[] = []
  const changed: string[] = []
  const note = (field: string, differs: boolean, looser: boolean) => {
    if (!differs) return
    changed.push(field)
    if (looser) loosened.push(field)
  }
  const t = (d: Date) => d.getTime()
  note(
    'windowStart',
    t(next.windowStart) !== t(current.windowStart),
    t(next.windowStart) < t(current.windowStart),
  )
  note(
    'windowEnd',
    t(next.windowEnd) !== t(current.windowEnd),
    t(next.windowEnd) > t(current.windowEnd),
  )
  const sameEndpoints =
    next.endpoints.length === current.endpoints.length &&
    next.endpoints.every((e) => current.endpoints.includes(e))
  note(
    'endpoints',
    !sameEndpoints,
    next.endpoints.some((e) => !current.endpoints.includes(e)),
  )
  for (const k of ['requestsPerMinute', 'tokensPerMinute', 'tokenBudget'] as const) {
    note(`limits.${k}`, next.limits[k] !== current.limits[k], next.limits[k] > current.limits[k])
  }
  note('keepContent', next.keepContent !== current.keepContent, next.keepContent)
  return { next, loosened, changed }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** The status the gateway acts on, given the grant, its submission's state and the time. */
export function gatewayStatus(
  g: { status: GrantStatus; windowEnd: Date },
  submissionState: string,
  now: Date,
): GatewayGrant['status'] {
  if (g.status === 'revoked' || submissionState === 'withdrawn') return 'revoked'
  if (now.getTime() >= g.windowEnd.getTime()) return 'expired'
  return g.status
}

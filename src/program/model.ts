/** Model submissions of the early-access program: types and the pure rules of review windows, states and deadline notices. */
import { hasRole, PROGRAM_WIDE_ROLES, type Principal } from '../accounts/model.ts'
import { DAY_MS } from '../platform/clock.ts'
import { AppError, ErrorCodes, invalid } from '../platform/errors.ts'

export const SUBMISSION_STATES = [
  'submitted',
  'in_review',
  'determined',
  'partner_access',
  'released',
  'withdrawn',
] as const
export type SubmissionState = (typeof SUBMISSION_STATES)[number]

/** The states in which the program holds access to the model and deadlines still matter. */
export const REVIEW_STATES: readonly SubmissionState[] = [
  'in_review',
  'determined',
  'partner_access',
]

export const PROTOCOLS = ['openai', 'anthropic'] as const
export type Protocol = (typeof PROTOCOLS)[number]

/** The program's access lasts at most this long before the release it precedes. */
export const MAX_WINDOW_DAYS = 30
export const DEFAULT_OFFERED_DAYS = 30
/**
 * A review window is at most 30 days, so a release date years away is almost certainly a
 * typo (2062 for 2026); it is refused rather than stored.
 */
export const MAX_RELEASE_YEARS_AHEAD = 5

export interface Endpoint {
  baseUrl: string
  protocol: Protocol
  modelId: string
  /** False once the lab withdraws: the stored credential is then destroyed, not hidden. */
  hasCredential: boolean
}

/** A submission as services hand it out. It never carries the endpoint credential. */
export interface Submission {
  id: string
  labOrgId: string
  labName: string
  modelName: string
  modelVersion: string
  description: string
  intendedCapabilities: string[]
  endpoint: Endpoint
  offeredDays: number
  partnerReleaseAt: Date | null
  publicReleaseAt: Date | null
  acceptedAt: Date | null
  state: SubmissionState
  credentialDestroyedAt: Date | null
  createdBy: string
  createdAt: Date
  updatedAt: Date
  revision: number
}

export type WindowPhase = 'upcoming' | 'open' | 'closed'

export interface ReviewWindow {
  opensAt: Date
  closesAt: Date
  /** Length of the window in days, to one decimal place (acceptance can fall at any hour). */
  days: number
  phase: WindowPhase
  /** Whole days until the window closes, rounded up (any time left counts as a day); 0 once closed. */
  daysLeft: number
}

export type SubmissionView = Submission & { window: ReviewWindow }

export interface ReleaseDates {
  partnerReleaseAt: Date | null
  publicReleaseAt: Date | null
}

export type WindowInput = ReleaseDates & Pick<Submission, 'offeredDays' | 'acceptedAt' | 'state'>

/** The window closes at the partner release, or at the public release when there is no partner release. */
export function releaseDeadline(d: ReleaseDates): Date {
  const at = d.partnerReleaseAt ?? d.publicReleaseAt
  // The submission table's CHECK guarantees one of them; reaching this is a bug, not bad input.
  if (!at) throw new Error('A submission has neither a partner nor a public release date.')
  return at
}

/**
 * The review window at `now`.
 *
 * It closes at the release deadline and opens `offeredDays` (at most 30) before it, or at the
 * program's acceptance if that comes later; acceptance after the deadline gives a zero-length
 * window. Until the program accepts, `opensAt` is the earliest it could open (acceptance now).
 * A day is 24 hours of absolute time: across a daylight-saving change the window keeps its
 * length and its local opening hour shifts, rather than the window silently gaining or losing
 * an hour. Released and withdrawn submissions have a closed window whatever the dates say.
 *
 * @example
 * computeWindow({ partnerReleaseAt: new Date('2026-12-31T00:00:00Z'), publicReleaseAt: null,
 *   offeredDays: 30, acceptedAt: new Date('2026-12-11T00:00:00Z'), state: 'in_review' }, now)
 * // → opens 2026-12-11 (acceptance came after 2026-12-01), closes 2026-12-31, days 20
 */
export function computeWindow(s: WindowInput, now: Date): ReviewWindow {
  const closesAt = releaseDeadline(s)
  const days = Math.min(s.offeredDays, MAX_WINDOW_DAYS)
  const nominal = closesAt.getTime() - days * DAY_MS
  const start = (s.acceptedAt ?? now).getTime()
  const opensAt = new Date(Math.min(Math.max(nominal, start), closesAt.getTime()))
  const t = now.getTime()
  const ended = s.state === 'released' || s.state === 'withdrawn'
  const phase: WindowPhase =
    ended || t >= closesAt.getTime()
      ? 'closed'
      : s.acceptedAt && t >= opensAt.getTime()
        ? 'open'
        : 'upcoming'
  return {
    opensAt,
    closesAt,
    days: Math.round(((closesAt.getTime() - opensAt.getTime()) / DAY_MS) * 10) / 10,
    phase,
    daysLeft: phase === 'closed' ? 0 : Math.ceil((closesAt.getTime() - t) / DAY_MS),
  }
}

// ---------------------------------------------------------------------------------------------
// Timestamps

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/
export const TIMESTAMP_EXAMPLE = '2026-12-01T09:00:00-05:00'

export type ParsedTimestamp = { ok: true; value: Date } | { ok: false; message: string }

/**
 * Parses an RFC 3339 / ISO 8601 timestamp that carries its UTC offset, e.g.
 * `2026-12-01T09:00:00-05:00` or `2026-12-01T14:00:00Z`, into an instant (stored as UTC).
 * A date alone or a time without an offset is refused: a release "on 1 December" is a
 * different instant in New York and in Delhi, and guessing would move the window.
 */
export function parseTimestamp(value: string): ParsedTimestamp {
  const m = TIMESTAMP.exec(value)
  if (!m) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      return {
        ok: false,
        message: `a date alone is ambiguous; give a time and a UTC offset, e.g. ${value}T09:00:00-05:00 (ISO 8601)`,
      }
    }
    if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value)) {
      return {
        ok: false,
        message: `the time has no UTC offset; add Z or ±HH:MM, e.g. ${TIMESTAMP_EXAMPLE} (ISO 8601)`,
      }
    }
    return {
      ok: false,
      message: `expected an ISO 8601 timestamp with a UTC offset, e.g. ${TIMESTAMP_EXAMPLE}`,
    }
  }
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) {
    return { ok: false, message: `${y}-${mo}-${d} is not a date in the calendar` }
  }
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return { ok: false, message: `${h}:${mi}:${s} is not a time of day (00:00:00 to 23:59:59)` }
  }
  if (!z && (Number(oh) > 14 || Number(om) > 59)) {
    return { ok: false, message: `${sign}${oh}:${om} is not a UTC offset (-12:00 to +14:00)` }
  }
  // Date.UTC reads years 0–99 as 1900–1999; no release date is that old, so refuse rather than map.
  if (year < 1970) return { ok: false, message: `${y} is not a plausible year` }
  const offsetMin = z ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om))
  const ms = Math.floor(Number(`0.${frac ?? '0'}`) * 1000)
  const utc = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), ms)
  return { ok: true, value: new Date(utc - offsetMin * 60_000) }
}

// ---------------------------------------------------------------------------------------------
// Input rules that need the clock

export type ReleaseField = 'partnerReleaseAt' | 'publicReleaseAt'

/**
 * Checks release dates when a lab registers or reschedules. Only the dates being set now must
 * be in the future: after a partner release, a lab can still move its public date.
 */
export function validateReleaseDates(
  dates: ReleaseDates,
  changed: readonly ReleaseField[],
  now: Date,
): void {
  if (!dates.partnerReleaseAt && !dates.publicReleaseAt) {
    throw invalid(
      'publicReleaseAt',
      'give a planned partner release date, a planned public release date, or both',
    )
  }
  const latest = new Date(now)
  latest.setUTCFullYear(latest.getUTCFullYear() + MAX_RELEASE_YEARS_AHEAD)
  for (const field of changed) {
    const at = dates[field]
    if (!at) continue
    if (at.getTime() <= now.getTime()) {
      throw invalid(
        field,
        `must be in the future (it is ${at.toISOString()}, now is ${now.toISOString()}); to record a release that has happened, mark the submission released`,
      )
    }
    if (at.getTime() > latest.getTime()) {
      throw invalid(field, `must be within ${MAX_RELEASE_YEARS_AHEAD} years from now`)
    }
  }
  if (
    dates.partnerReleaseAt &&
    dates.publicReleaseAt &&
    dates.partnerReleaseAt.getTime() > dates.publicReleaseAt.getTime()
  ) {
    throw invalid(
      'partnerReleaseAt',
      `must not be after publicReleaseAt (${dates.publicReleaseAt.toISOString()}); trusted partners get the model before or when the public does`,
    )
  }
}

export function validateOfferedDays(days: number): void {
  if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) {
    throw invalid(
      'offeredDays',
      `must be a whole number of days from 1 to ${MAX_WINDOW_DAYS} (the review window lasts at most ${MAX_WINDOW_DAYS} days)`,
    )
  }
}

// ---------------------------------------------------------------------------------------------
// Who sees and who changes what

/** Program staff see every lab's submissions; a lab sees only its own; everyone else sees none. */
export function canSeeAll(p: Principal): boolean {
  return hasRole(p, ...PROGRAM_WIDE_ROLES)
}

export function canSee(p: Principal, labOrgId: string): boolean {
  return canSeeAll(p) || p.orgId === labOrgId
}

/** The two sides of a submission. Each transition belongs to one side. */
export type Party = 'program' | 'lab'

/** Which side `p` acts for on a submission of `labOrgId`, if either. */
export function partyOf(p: Principal, labOrgId: string): Party | null {
  if (p.orgKind === 'lab' && p.orgId === labOrgId && hasRole(p, 'lab_member')) return 'lab'
  if (p.orgKind === 'program' && hasRole(p, 'program_officer')) return 'program'
  return null
}

export interface Transition {
  from: readonly SubmissionState[]
  to: SubmissionState
  by: Party
}

const BEFORE_RELEASE: readonly SubmissionState[] = [
  'submitted',
  'in_review',
  'determined',
  'partner_access',
]

/**
 * Every allowed state change. Releasing and withdrawing are the lab's own acts and are possible
 * from every earlier state: nothing here waits for, or can withhold, the program's approval.
 */
export const TRANSITIONS: readonly Transition[] = [
  { from: ['submitted'], to: 'in_review', by: 'program' },
  { from: ['in_review'], to: 'determined', by: 'program' },
  { from: ['determined'], to: 'partner_access', by: 'program' },
  { from: BEFORE_RELEASE, to: 'released', by: 'lab' },
  { from: [...BEFORE_RELEASE, 'released'], to: 'withdrawn', by: 'lab' },
]

const PARTY_ROLE = { program: 'program_officer', lab: 'lab_member of the submitting lab' } as const

/**
 * Throws unless `party` may move a submission from `from` to `to`: EW_INVALID_TRANSITION when
 * no such change exists from this state, EW_FORBIDDEN when it belongs to the other side.
 */
export function assertTransition(
  from: SubmissionState,
  to: SubmissionState,
  party: Party | null,
): void {
  const t = TRANSITIONS.find((x) => x.to === to && x.from.includes(from))
  if (!t) {
    const possible = TRANSITIONS.filter((x) => x.from.includes(from)).map((x) => x.to)
    throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
      detail: `The submission is ${from} and cannot become ${to}; from ${from} it can become ${possible.join(' or ') || 'nothing else'}.`,
    })
  }
  if (party !== t.by) {
    throw new AppError(ErrorCodes.EW_FORBIDDEN, {
      detail: `Moving a submission to ${to} is done by a ${PARTY_ROLE[t.by]}.`,
    })
  }
}

/** Release dates can move until the model is released or withdrawn; after that there is nothing to move. */
export function assertReschedulable(state: SubmissionState): void {
  if (state === 'released' || state === 'withdrawn') {
    throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
      detail: `The submission is ${state}; its release dates can no longer be changed.`,
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Deadline notices

export const NOTICE_KINDS = [
  'window_opens',
  'closes_in_7_days',
  'closes_in_1_day',
  'window_closed',
] as const
export type NoticeKind = (typeof NOTICE_KINDS)[number]

export interface Notice {
  kind: NoticeKind
  at: Date
}

/**
 * The notices a window calls for: when it opens, 7 days and 1 day before it closes (only if
 * that is after it opens; a 5-day window gets no 7-day notice), and when it closes.
 * A zero-length window (accepted after the deadline) calls for none.
 */
export function noticeSchedule(w: Pick<ReviewWindow, 'opensAt' | 'closesAt'>): Notice[] {
  const open = w.opensAt.getTime()
  const close = w.closesAt.getTime()
  if (close <= open) return []
  const out: Notice[] = [{ kind: 'window_opens', at: w.opensAt }]
  for (const [kind, days] of [
    ['closes_in_7_days', 7],
    ['closes_in_1_day', 1],
  ] as const) {
    const at = close - days * DAY_MS
    if (at > open) out.push({ kind, at: new Date(at) })
  }
  out.push({ kind: 'window_closed', at: w.closesAt })
  return out
}

const sameNotice = (a: Notice, b: Notice) => a.kind === b.kind && a.at.getTime() === b.at.getTime()

/**
 * Notices to enqueue after the window changed from `before` (empty on acceptance) to `after`:
 * those not already scheduled, and not already past. A notice whose time has gone by because
 * the dates moved is skipped, not sent late; the later notices still come.
 */
export function noticesToSchedule(before: Notice[], after: Notice[], now: Date): Notice[] {
  return after.filter(
    (n) => n.at.getTime() >= now.getTime() && !before.some((b) => sameNotice(b, n)),
  )
}

/**
 * Whether a notice enqueued earlier should still go out: the submission is still under review
 * and its current window still calls for this very notice (dates may have moved since).
 */
export function isNoticeCurrent(s: WindowInput, notice: Notice, now: Date): boolean {
  if (!s.acceptedAt || !REVIEW_STATES.includes(s.state)) return false
  return noticeSchedule(computeWindow(s, now)).some((n) => sameNotice(n, notice))
}

// Notifications are read by people in many time zones and stored once, so they name UTC plainly.
const UTC_FORMAT = new Intl.DateTimeFormat('en-US', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
})

/** `Dec 5, 2026, 9:00 AM UTC` */
export function formatUtc(d: Date): string {
  return `${UTC_FORMAT.format(d)} UTC`
}

export function noticeText(
  kind: NoticeKind,
  s: Pick<Submission, 'modelName' | 'modelVersion' | 'labName'>,
  w: Pick<ReviewWindow, 'opensAt' | 'closesAt'>,
): { title: string; body: string } {
  const model = `${s.modelName} ${s.modelVersion} (${s.labName})`
  const closes = formatUtc(w.closesAt)
  switch (kind) {
    case 'window_opens':
      return {
        title: `Review window open: ${model}`,
        body: `The program's review window for ${model} is open until ${closes}.`,
      }
    case 'closes_in_7_days':
      return {
        title: `7 days left: ${model}`,
        body: `The review window for ${model} closes in 7 days, at ${closes}.`,
      }
    case 'closes_in_1_day':
      return {
        title: `1 day left: ${model}`,
        body: `The review window for ${model} closes in 1 day, at ${closes}.`,
      }
    case 'window_closed':
      return {
        title: `Review window closed: ${model}`,
        body: `The review window for ${model} closed at ${closes}.`,
      }
  }
}

/** Notifications are per organisation; the key makes a repeated delivery of one notice a no-op. */
export function noticeDedupeKey(submissionId: string, notice: Notice, orgId: string): string {
  return `program.deadline:${submissionId}:${notice.kind}:${notice.at.toISOString()}:${orgId}`
}

// ---------------------------------------------------------------------------------------------
// Timeline

export const EVENT_KINDS = [
  'registered',
  'accepted',
  'transitioned',
  'rescheduled',
  'withdrawn',
] as const
export type EventKind = (typeof EVENT_KINDS)[number]

export interface SubmissionEvent {
  id: number
  at: Date
  kind: EventKind
  /** Null for changes the system made on its own. */
  actor: { personId: string; personName: string; orgId: string; orgName: string } | null
  fromState: SubmissionState | null
  toState: SubmissionState | null
  reason: string | null
  data: Record<string, unknown>
  /** The transparency-log entry that records this change (null only for changes made before the log). */
  logIndex: number | null
}

export const SORT_KEYS = [
  'createdAt',
  'updatedAt',
  'modelName',
  'labName',
  'state',
  'closesAt',
] as const
export type SortKey = (typeof SORT_KEYS)[number]

export interface ListQuery {
  state?: SubmissionState
  /** Restricts to one lab (program staff filtering); a lab member only ever sees their own. */
  labOrgId?: string
  q?: string
  sort: SortKey
  order: 'asc' | 'desc'
  limit: number
  offset: number
}

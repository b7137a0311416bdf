/**
 * Program registry use cases: labs register and reschedule model submissions and withdraw them
 * at will; the program accepts and records its progress; deadline notices follow the window.
 * Each change, its timeline event and its deadline jobs commit in one transaction.
 */
import type { Principal, Role } from '../accounts/model.ts'
import type { NotificationsService } from '../notifications/service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Envelopes } from '../platform/crypto/envelope.ts'
import type { Db, Queryable, Tx } from '../platform/db/db.ts'
import { AppError, ErrorCodes, forbidden, invalid, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import type { Jobs } from '../platform/jobs/jobs.ts'
import type { EntryType, Json } from '../translog/model.ts'
import type { TranslogService } from '../translog/service.ts'
import { DeadlineNotice, type DeadlinePayload } from './jobs.ts'
import {
  assertReschedulable,
  assertTransition,
  canSee,
  canSeeAll,
  computeWindow,
  type EventKind,
  isNoticeCurrent,
  type ListQuery,
  type Notice,
  noticeDedupeKey,
  noticeSchedule,
  noticesToSchedule,
  noticeText,
  type Protocol,
  parseTimestamp,
  partyOf,
  type ReleaseField,
  type ReviewWindow,
  type Submission,
  type SubmissionEvent,
  type SubmissionState,
  type SubmissionView,
  validateOfferedDays,
  validateReleaseDates,
} from './model.ts'
import * as store from './store.ts'

export interface ProgramDeps {
  db: Pick<Db, 'query' | 'transaction'>
  clock: Clock
  jobs: Pick<Jobs, 'send'>
  envelopes: Envelopes
  notifications: Pick<NotificationsService, 'notify'>
  translog: Pick<TranslogService, 'append'>
}

/** A decision's result: the submission as it now is, and the index of its transparency-log entry. */
export type DecidedView = SubmissionView & { logIndex: number }

export interface RegisterInput {
  modelName: string
  modelVersion: string
  description: string
  intendedCapabilities: string[]
  endpoint: { baseUrl: string; protocol: Protocol; modelId: string; credential: string }
  offeredDays: number
  /** ISO 8601 with a UTC offset, e.g. `2026-12-01T09:00:00-05:00`; at least one of the two. */
  partnerReleaseAt?: string | null | undefined
  publicReleaseAt?: string | null | undefined
}

export interface RescheduleInput {
  /** Absent: unchanged. Null: no longer planned (the other date must remain). */
  partnerReleaseAt?: string | null | undefined
  publicReleaseAt?: string | null | undefined
  reason?: string | undefined
  /** The revision the caller last saw; refused with 409 if the submission changed since. */
  revision?: number | undefined
}

/** The transitions made through `transition`; acceptance and withdrawal have their own calls. */
export type TransitionTarget = Extract<
  SubmissionState,
  'determined' | 'partner_access' | 'released'
>

/** What the evaluation engine needs to call the lab's model. Never sent over HTTP or logged. */
export interface EndpointAccess {
  baseUrl: string
  protocol: Protocol
  modelId: string
  credential: string
  window: ReviewWindow
}

export interface ProgramService {
  /** A lab member registers a model for their own lab. */
  register(actor: Principal, input: RegisterInput): Promise<DecidedView>
  list(actor: Principal, query: ListQuery): Promise<{ items: SubmissionView[]; total: number }>
  /** 404, never 403, for a submission the actor may not see: its existence is not disclosed. */
  get(actor: Principal, id: string): Promise<SubmissionView>
  events(actor: Principal, id: string): Promise<SubmissionEvent[]>
  /** A program officer accepts: submitted → in_review; the window opens and deadlines are scheduled. */
  accept(
    actor: Principal,
    id: string,
    opts?: { reason?: string | undefined; revision?: number | undefined },
  ): Promise<DecidedView>
  transition(
    actor: Principal,
    id: string,
    input: {
      to: TransitionTarget
      reason?: string | undefined
      revision?: number | undefined
    },
  ): Promise<DecidedView>
  /** The lab moves its release dates, earlier or later; the window follows. */
  reschedule(actor: Principal, id: string, input: RescheduleInput): Promise<DecidedView>
  /**
   * The lab withdraws, from any state. It takes no revision: withdrawal is unconditional, and
   * a concurrent change elsewhere must not make the lab try again.
   */
  withdraw(actor: Principal, id: string, input: { reason: string }): Promise<DecidedView>
  /** Decrypts the endpoint credential for the evaluation engine; refuses once it is destroyed. */
  getCredential(id: string): Promise<EndpointAccess>
  /** The deadline job's work: tells the lab and the program, if the notice is still current. */
  sendDeadlineNotice(payload: DeadlinePayload): Promise<{ sent: boolean }>
}

const credentialContext = (id: string) => `submission:${id}:credential`

/** Release dates arrive as text from every edge (HTTP, CLI, demo data); this is where they become instants. */
function releaseDate(
  field: ReleaseField,
  value: string | null | undefined,
): Date | null | undefined {
  if (value === undefined || value === null) return value
  const r = parseTimestamp(value)
  if (!r.ok) throw invalid(field, r.message)
  return r.value
}

/** The log entry type of each timeline event kind. */
const ENTRY_TYPE: Record<EventKind, EntryType> = {
  registered: 'submission.registered',
  accepted: 'submission.accepted',
  transitioned: 'submission.transitioned',
  rescheduled: 'submission.dates_changed',
  withdrawn: 'submission.withdrawn',
}

/**
 * What the log publishes about a submission in every entry: who registered which model. The
 * endpoint (URL and model id) is committed to at registration, never published; the credential
 * never reaches the log in any form.
 */
const publicFacts = (
  s: Pick<Submission, 'id' | 'labOrgId' | 'modelName' | 'modelVersion'> & {
    labName: string
  },
) => ({
  submissionId: s.id,
  labOrgId: s.labOrgId,
  labName: s.labName,
  modelName: s.modelName,
  modelVersion: s.modelVersion,
})

const iso = (d: Date | null) => d?.toISOString() ?? null

export function createProgramService(deps: ProgramDeps): ProgramService {
  const { db, clock, jobs, envelopes, notifications, translog } = deps

  /** Appends the decision's log entry in the decision's own transaction: both commit, or neither. */
  async function logDecision(
    tx: Tx,
    c: {
      kind: EventKind
      submission: Parameters<typeof publicFacts>[0]
      actor: Principal
      role: Role
      at: Date
      data: Record<string, Json>
      confidential?: Record<string, Json>
    },
  ): Promise<number> {
    const { index } = await translog.append(tx, {
      type: ENTRY_TYPE[c.kind],
      subjects: [
        { kind: 'submission', id: c.submission.id },
        { kind: 'organisation', id: c.submission.labOrgId },
      ],
      actor: { orgId: c.actor.orgId, role: c.role, personId: c.actor.personId },
      at: c.at.toISOString(),
      data: { ...publicFacts(c.submission), ...c.data },
      ...(c.confidential ? { confidential: c.confidential } : {}),
    })
    return index
  }

  const view = (s: Submission, now: Date): SubmissionView => ({
    ...s,
    window: computeWindow(s, now),
  })

  async function visible(q: Queryable, actor: Principal, id: string, forUpdate = false) {
    const s = await store.find(q, id, { forUpdate })
    if (!s || !canSee(actor, s.labOrgId)) throw notFound('submission', id)
    return s
  }

  /**
   * Enqueues in the caller's transaction, so the jobs exist only if the change commits. The
   * singleton key names the notice for people reading the queue; pg-boss's standard queues do
   * not deduplicate on it, so the notification's dedupe key is what makes a repeat harmless.
   */
  async function scheduleNotices(tx: Tx, id: string, notices: Notice[]) {
    for (const n of notices) {
      const at = n.at.toISOString()
      await jobs.send(
        DeadlineNotice,
        { submissionId: id, kind: n.kind, at },
        { startAfter: n.at, singletonKey: `${id}:${n.kind}:${at}`, tx },
      )
    }
  }

  /** Writes a change and its timeline event; the caller's transaction makes them one. */
  async function change(
    tx: Tx,
    s: Submission,
    actor: Principal,
    c: {
      kind: EventKind
      /** The role the actor decided in: it is published with the entry. */
      role: Role
      set: store.SubmissionChange
      reason: string | null
      data?: Record<string, Json>
      revision?: number | undefined
    },
  ): Promise<{ next: Submission; logIndex: number }> {
    if (c.revision !== undefined && c.revision !== s.revision) {
      throw new AppError(ErrorCodes.EW_CONFLICT, {
        detail: `Submission ${s.id} is at revision ${s.revision}, not ${c.revision}: it changed since you read it. Reload it and decide again.`,
      })
    }
    const now = clock.now()
    const next = await store.update(tx, s.id, s.revision, c.set, now)
    // The row is locked FOR UPDATE, so this only happens if that lock was not taken.
    if (!next) throw new Error(`submission ${s.id} changed under a row lock`)
    const logIndex = await logDecision(tx, {
      kind: c.kind,
      submission: s,
      actor,
      role: c.role,
      at: now,
      data: { fromState: s.state, state: next.state, reason: c.reason, ...c.data },
    })
    await store.insertEvent(tx, {
      submissionId: s.id,
      at: now,
      kind: c.kind,
      actorPersonId: actor.personId,
      actorOrgId: actor.orgId,
      fromState: s.state,
      toState: next.state,
      reason: c.reason,
      data: c.data ?? {},
      logIndex,
    })
    return { next, logIndex }
  }

  const windowData = (w: ReviewWindow) => ({
    opensAt: w.opensAt.toISOString(),
    closesAt: w.closesAt.toISOString(),
    days: w.days,
  })

  return {
    async register(actor, input) {
      if (actor.orgKind !== 'lab' || !actor.roles.includes('lab_member')) {
        throw forbidden(
          `Submissions are registered by a lab_member acting for their lab; you act for ${actor.orgName} (${actor.orgKind}).`,
        )
      }
      const now = clock.now()
      const dates = {
        partnerReleaseAt: releaseDate('partnerReleaseAt', input.partnerReleaseAt) ?? null,
        publicReleaseAt: releaseDate('publicReleaseAt', input.publicReleaseAt) ?? null,
      }
      validateOfferedDays(input.offeredDays)
      validateReleaseDates(dates, ['partnerReleaseAt', 'publicReleaseAt'], now)
      const id = newId('sub')
      // Encrypted before the transaction: a key service may be remote, and no lock should wait on it.
      const credential = await envelopes.encrypt(input.endpoint.credential, credentialContext(id))
      const { s, logIndex } = await db.transaction(async (tx) => {
        await store.insert(tx, {
          id,
          labOrgId: actor.orgId,
          modelName: input.modelName,
          modelVersion: input.modelVersion,
          description: input.description,
          intendedCapabilities: input.intendedCapabilities,
          endpoint: {
            baseUrl: input.endpoint.baseUrl,
            protocol: input.endpoint.protocol,
            modelId: input.endpoint.modelId,
          },
          credential,
          offeredDays: input.offeredDays,
          ...dates,
          createdBy: actor.personId,
          createdAt: now,
        })
        const data = {
          offeredDays: input.offeredDays,
          partnerReleaseAt: iso(dates.partnerReleaseAt),
          publicReleaseAt: iso(dates.publicReleaseAt),
        }
        const logIndex = await logDecision(tx, {
          kind: 'registered',
          submission: {
            id,
            labOrgId: actor.orgId,
            labName: actor.orgName,
            modelName: input.modelName,
            modelVersion: input.modelVersion,
          },
          actor,
          role: 'lab_member',
          at: now,
          data: { state: 'submitted', protocol: input.endpoint.protocol, ...data },
          confidential: {
            endpointBaseUrl: input.endpoint.baseUrl,
            endpointModelId: input.endpoint.modelId,
          },
        })
        await store.insertEvent(tx, {
          submissionId: id,
          at: now,
          kind: 'registered',
          actorPersonId: actor.personId,
          actorOrgId: actor.orgId,
          fromState: null,
          toState: 'submitted',
          reason: null,
          data,
          logIndex,
        })
        return { s: await store.find(tx, id), logIndex }
      })
      return { ...view(s!, now), logIndex }
    },

    async list(actor, query) {
      if (!canSeeAll(actor) && actor.orgKind !== 'lab') return { items: [], total: 0 }
      // A lab's own members see only their lab, whatever filter they send.
      const scoped = canSeeAll(actor) ? query : { ...query, labOrgId: actor.orgId }
      const { items, total } = await store.list(db, scoped)
      const now = clock.now()
      return { items: items.map((s) => view(s, now)), total }
    },

    async get(actor, id) {
      return view(await visible(db, actor, id), clock.now())
    },

    async events(actor, id) {
      await visible(db, actor, id)
      return store.events(db, id)
    },

    async accept(actor, id, opts = {}) {
      return db.transaction(async (tx) => {
        const s = await visible(tx, actor, id, true)
        assertTransition(s.state, 'in_review', partyOf(actor, s.labOrgId))
        const now = clock.now()
        const w = computeWindow({ ...s, acceptedAt: now, state: 'in_review' }, now)
        const { next, logIndex } = await change(tx, s, actor, {
          kind: 'accepted',
          role: 'program_officer',
          set: { state: 'in_review', acceptedAt: now },
          reason: opts.reason ?? null,
          revision: opts.revision,
          // Acceptance after the release deadline is still recorded: the program's progress is
          // its own business, and the lab's dates are never second-guessed.
          data: { window: windowData(w), ...(w.days === 0 ? { zeroLengthWindow: true } : {}) },
        })
        await scheduleNotices(tx, id, noticesToSchedule([], noticeSchedule(w), now))
        return { ...view(next, now), logIndex }
      })
    },

    async transition(actor, id, input) {
      return db.transaction(async (tx) => {
        const s = await visible(tx, actor, id, true)
        const party = partyOf(actor, s.labOrgId)
        assertTransition(s.state, input.to, party)
        const { next, logIndex } = await change(tx, s, actor, {
          kind: 'transitioned',
          role: party === 'lab' ? 'lab_member' : 'program_officer',
          set: { state: input.to },
          reason: input.reason ?? null,
          revision: input.revision,
        })
        return { ...view(next, clock.now()), logIndex }
      })
    },

    async reschedule(actor, id, input) {
      const moved = {
        partnerReleaseAt: releaseDate('partnerReleaseAt', input.partnerReleaseAt),
        publicReleaseAt: releaseDate('publicReleaseAt', input.publicReleaseAt),
      }
      const fields = (['partnerReleaseAt', 'publicReleaseAt'] as const).filter(
        (f) => moved[f] !== undefined,
      )
      if (fields.length === 0) {
        throw new AppError(ErrorCodes.EW_VALIDATION, {
          detail: 'Give partnerReleaseAt, publicReleaseAt or both: the dates to move.',
          errors: [{ path: 'partnerReleaseAt', message: 'give this, publicReleaseAt, or both' }],
        })
      }
      return db.transaction(async (tx) => {
        const s = await visible(tx, actor, id, true)
        if (partyOf(actor, s.labOrgId) !== 'lab') {
          throw forbidden(
            'Release dates are the lab’s to set: only a lab_member of the submitting lab can move them.',
          )
        }
        assertReschedulable(s.state)
        const now = clock.now()
        const dates = {
          partnerReleaseAt:
            moved.partnerReleaseAt === undefined ? s.partnerReleaseAt : moved.partnerReleaseAt,
          publicReleaseAt:
            moved.publicReleaseAt === undefined ? s.publicReleaseAt : moved.publicReleaseAt,
        }
        validateReleaseDates(dates, fields, now)
        const before = computeWindow(s, now)
        const after = computeWindow({ ...s, ...dates }, now)
        const { next, logIndex } = await change(tx, s, actor, {
          kind: 'rescheduled',
          role: 'lab_member',
          set: dates,
          reason: input.reason ?? null,
          revision: input.revision,
          data: {
            before: {
              partnerReleaseAt: iso(s.partnerReleaseAt),
              publicReleaseAt: iso(s.publicReleaseAt),
            },
            after: {
              partnerReleaseAt: iso(dates.partnerReleaseAt),
              publicReleaseAt: iso(dates.publicReleaseAt),
            },
            window: windowData(after),
          },
        })
        // Until acceptance there is nothing to announce; acceptance schedules from the dates then.
        if (s.acceptedAt) {
          await scheduleNotices(
            tx,
            id,
            noticesToSchedule(noticeSchedule(before), noticeSchedule(after), now),
          )
        }
        return { ...view(next, now), logIndex }
      })
    },

    async withdraw(actor, id, input) {
      return db.transaction(async (tx) => {
        const s = await visible(tx, actor, id, true)
        assertTransition(s.state, 'withdrawn', partyOf(actor, s.labOrgId))
        const now = clock.now()
        const { next, logIndex } = await change(tx, s, actor, {
          kind: 'withdrawn',
          role: 'lab_member',
          set: { state: 'withdrawn', destroyCredentialAt: now },
          reason: input.reason,
          data: { credentialDestroyed: s.endpoint.hasCredential },
        })
        // Deadline jobs already queued find the submission withdrawn and send nothing.
        return { ...view(next, now), logIndex }
      })
    },

    async getCredential(id) {
      const s = await store.find(db, id)
      if (!s) throw notFound('submission', id)
      const envelope = await store.credential(db, id)
      if (!envelope) {
        throw new AppError(ErrorCodes.EW_CONFLICT, {
          detail: `Submission ${id} holds no endpoint credential: the lab withdrew it${s.credentialDestroyedAt ? ` on ${s.credentialDestroyedAt.toISOString()}` : ''} and the credential was destroyed.`,
        })
      }
      const credential = (await envelopes.decrypt(envelope, credentialContext(id))).toString('utf8')
      return {
        baseUrl: s.endpoint.baseUrl,
        protocol: s.endpoint.protocol,
        modelId: s.endpoint.modelId,
        credential,
        window: computeWindow(s, clock.now()),
      }
    },

    async sendDeadlineNotice(payload) {
      const notice: Notice = { kind: payload.kind, at: new Date(payload.at) }
      const now = clock.now()
      return db.transaction(async (tx) => {
        // Locked so a reschedule or withdrawal racing with this notice is seen before or after, whole.
        const s = await store.find(tx, payload.submissionId, { forUpdate: true })
        if (!s || !isNoticeCurrent(s, notice, now)) return { sent: false }
        const w = computeWindow(s, now)
        const text = noticeText(notice.kind, s, w)
        const orgs = [s.labOrgId, ...(await store.programOrgIds(tx))]
        for (const orgId of new Set(orgs)) {
          await notifications.notify(
            {
              orgId,
              kind: `program.${notice.kind}`,
              subjectType: 'submission',
              subjectId: s.id,
              link: `/submissions/${s.id}`,
              ...text,
              dedupeKey: noticeDedupeKey(s.id, notice, orgId),
            },
            tx,
          )
        }
        return { sent: true }
      })
    },
  }
}

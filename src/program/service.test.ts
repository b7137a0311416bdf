/** The program service against a real database: scoping, atomic changes, credential destruction, deadline jobs and notices. */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import type { Role } from '../accounts/model.ts'
import { createAccountsService } from '../accounts/service.ts'
import { seedMember } from '../accounts/testing.ts'
import { createNotificationsService } from '../notifications/service.ts'
import { DAY_MS, fixedClock } from '../platform/clock.ts'
import type { Queryable } from '../platform/db/db.ts'
import { isAppError } from '../platform/errors.ts'
import type { Jobs } from '../platform/jobs/jobs.ts'
import { bossSchema } from '../platform/runtime.ts'
import { testRuntime } from '../platform/testing.ts'
import { TRANSLOG_JOBS } from '../translog/jobs.ts'
import { createTranslogService, type TranslogService } from '../translog/service.ts'
import { DeadlineNotice, PROGRAM_JOBS } from './jobs.ts'
import type { SubmissionState } from './model.ts'
import { createProgramService, type RegisterInput } from './service.ts'

const SECRET = 'sk-lab-secret-0123456789'
const START = '2026-11-02T00:00:00Z'

async function setup(
  t: TestContext,
  opts: { jobs?: Pick<Jobs, 'send'>; translog?: Pick<TranslogService, 'append'> } = {},
) {
  const clock = fixedClock(START)
  const rt = await testRuntime(t, { clock })
  await rt.jobs.register(...PROGRAM_JOBS, ...TRANSLOG_JOBS)
  const accounts = createAccountsService({ db: rt.db, clock, settings: rt.settings })
  const notifications = createNotificationsService({ db: rt.db, clock })
  const translog = createTranslogService({
    db: rt.db,
    clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    origin: 'earlywatch.test/log',
  })
  const program = createProgramService({
    db: rt.db,
    clock,
    jobs: opts.jobs ?? rt.jobs,
    envelopes: rt.envelopes,
    notifications,
    translog: opts.translog ?? translog,
  })
  const member = (kind: Parameters<typeof seedMember>[1]['kind'], roles: Role[], orgId?: string) =>
    seedMember(accounts, { kind, roles, ...(orgId ? { orgId } : {}) })
  const lab = await member('lab', ['lab_member'])
  const otherLab = await member('lab', ['lab_member'])
  const officer = await member('program', ['program_officer'])
  return { rt, clock, accounts, notifications, translog, program, member, lab, otherLab, officer }
}

function registration(over: Partial<RegisterInput> = {}): RegisterInput {
  return {
    modelName: 'Atlas',
    modelVersion: '3.0',
    description: 'A frontier model',
    intendedCapabilities: ['coding'],
    endpoint: {
      baseUrl: 'https://api.lab.example/v1',
      protocol: 'openai',
      modelId: 'atlas-3',
      credential: SECRET,
    },
    offeredDays: 30,
    partnerReleaseAt: '2026-12-31T00:00:00Z',
    publicReleaseAt: '2027-01-15T00:00:00Z',
    ...over,
  }
}

const rejectsWith = (p: Promise<unknown>, code: string, field?: string) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(isAppError(err), `expected an AppError, got ${String(err)}`)
    assert.equal(err.code, code, err.detail)
    if (field) assert.equal(err.errors?.[0]?.path, field)
    return true
  })

async function count(rt: { db: Queryable }, sql: string, values: unknown[] = []) {
  const r = await rt.db.query<{ n: number }>(sql, values)
  return Number(r.rows[0]?.n)
}

async function deadlineJobs(rt: Awaited<ReturnType<typeof setup>>['rt'], submissionId: string) {
  const r = await rt.db.query<{
    kind: string
    at: string
    start_after: Date
    singleton_key: string
  }>(
    `SELECT data->'data'->>'kind' AS kind, data->'data'->>'at' AS at, start_after, singleton_key
       FROM ${bossSchema(rt.settings.databaseSchema)}.job
      WHERE name = $1 AND data->'data'->>'submissionId' = $2
      ORDER BY start_after, kind`,
    [DeadlineNotice.name, submissionId],
  )
  return r.rows
}

test('a lab member registers; the credential is stored encrypted and never handed out', async (t) => {
  const { rt, program, lab } = await setup(t)
  const s = await program.register(lab.principal, registration())
  assert.equal(s.state, 'submitted')
  assert.equal(s.labOrgId, lab.org.id)
  assert.equal(s.labName, lab.org.name)
  assert.equal(s.endpoint.hasCredential, true)
  assert.equal(s.revision, 1)
  assert.equal(s.window.phase, 'upcoming')
  assert.deepEqual(s.window.closesAt, new Date('2026-12-31T00:00:00Z'))
  assert.ok(!JSON.stringify(s).includes(SECRET))

  const raw = await rt.db.query<{ c: unknown }>(
    'SELECT endpoint_credential::text AS c FROM submission WHERE id = $1',
    [s.id],
  )
  assert.ok(!String(raw.rows[0]?.c).includes(SECRET), 'stored encrypted')

  const access = await program.getCredential(s.id)
  assert.equal(access.credential, SECRET)
  assert.equal(access.modelId, 'atlas-3')

  const events = await program.events(lab.principal, s.id)
  assert.equal(events.length, 1)
  assert.equal(events[0]!.kind, 'registered')
  assert.equal(events[0]!.actor?.personName, lab.person.name)
  assert.equal(events[0]!.actor?.orgName, lab.org.name)
  assert.equal(events[0]!.toState, 'submitted')
})

test('time-zone offsets are stored as UTC instants', async (t) => {
  const { program, lab } = await setup(t)
  const s = await program.register(
    lab.principal,
    registration({
      partnerReleaseAt: '2026-12-01T09:00:00-05:00',
      publicReleaseAt: '2026-12-02T09:00:00+05:30',
    }),
  )
  assert.deepEqual(s.partnerReleaseAt, new Date('2026-12-01T14:00:00Z'))
  assert.deepEqual(s.publicReleaseAt, new Date('2026-12-02T03:30:00Z'))
})

test('only a lab member acting for a lab can register', async (t) => {
  const { program, officer, member } = await setup(t)
  await rejectsWith(program.register(officer.principal, registration()), 'EW_FORBIDDEN')
  const partner = await member('partner', ['partner_member'])
  await rejectsWith(program.register(partner.principal, registration()), 'EW_FORBIDDEN')
})

test('bad dates are refused naming the field, and nothing is stored', async (t) => {
  const { rt, program, lab } = await setup(t)
  const cases: Array<[Partial<RegisterInput>, string]> = [
    [{ partnerReleaseAt: '2026-11-01T00:00:00Z' }, 'partnerReleaseAt'],
    [{ partnerReleaseAt: null, publicReleaseAt: '2026-11-01T23:59:59+01:00' }, 'publicReleaseAt'],
    [{ partnerReleaseAt: '2026-12-31' }, 'partnerReleaseAt'],
    [{ publicReleaseAt: '2027-01-15T00:00:00' }, 'publicReleaseAt'],
    [{ partnerReleaseAt: '2027-02-01T00:00:00Z' }, 'partnerReleaseAt'],
    [{ partnerReleaseAt: null, publicReleaseAt: null }, 'publicReleaseAt'],
    [{ offeredDays: 31 }, 'offeredDays'],
    [{ offeredDays: 0 }, 'offeredDays'],
  ]
  for (const [over, field] of cases) {
    await rejectsWith(program.register(lab.principal, registration(over)), 'EW_VALIDATION', field)
  }
  assert.equal(await count(rt, 'SELECT count(*) AS n FROM submission'), 0)
  assert.equal(await count(rt, 'SELECT count(*) AS n FROM submission_event'), 0)
})

test('lists are scoped: program staff see all, a lab its own, others nothing; another lab’s id is 404', async (t) => {
  const { program, clock, lab, otherLab, officer, member } = await setup(t)
  const a = await program.register(lab.principal, registration({ modelName: 'Atlas' }))
  clock.advance(60_000)
  const b = await program.register(otherLab.principal, registration({ modelName: 'Breeze' }))
  const q = { sort: 'createdAt', order: 'asc', limit: 50, offset: 0 } as const

  assert.deepEqual(
    (await program.list(officer.principal, q)).items.map((s) => s.id),
    [a.id, b.id],
  )
  assert.deepEqual(
    (await program.list(lab.principal, q)).items.map((s) => s.id),
    [a.id],
  )
  // A lab filtering for another lab still sees only its own.
  assert.deepEqual(
    (await program.list(lab.principal, { ...q, labOrgId: otherLab.org.id })).items.map((s) => s.id),
    [a.id],
  )
  const partner = await member('partner', ['partner_member'])
  assert.deepEqual(await program.list(partner.principal, q), { items: [], total: 0 })
  const auditor = await member('agency', ['auditor'])
  assert.equal((await program.list(auditor.principal, q)).total, 2)

  await rejectsWith(program.get(lab.principal, b.id), 'EW_NOT_FOUND')
  await rejectsWith(program.events(lab.principal, b.id), 'EW_NOT_FOUND')
  await rejectsWith(program.withdraw(lab.principal, b.id, { reason: 'x' }), 'EW_NOT_FOUND')
  await rejectsWith(
    program.reschedule(lab.principal, b.id, { publicReleaseAt: '2027-02-01T00:00:00Z' }),
    'EW_NOT_FOUND',
  )
  await rejectsWith(program.get(partner.principal, a.id), 'EW_NOT_FOUND')
  await rejectsWith(program.get(officer.principal, 'sub_doesnotexist00'), 'EW_NOT_FOUND')
})

test('lists filter by state and text, sort, and page with a total', async (t) => {
  const { program, clock, lab, officer } = await setup(t)
  const names = ['Cirrus', 'atlas', 'Breeze_2', 'Delta']
  const ids: string[] = []
  for (const [i, modelName] of names.entries()) {
    clock.advance(60_000)
    ids.push(
      (
        await program.register(
          lab.principal,
          registration({ modelName, partnerReleaseAt: `2026-12-${10 + i}T00:00:00Z` }),
        )
      ).id,
    )
  }
  await program.accept(officer.principal, ids[0]!)
  const base = { sort: 'createdAt', order: 'desc', limit: 2, offset: 0 } as const

  const page1 = await program.list(officer.principal, base)
  assert.equal(page1.total, 4)
  assert.deepEqual(
    page1.items.map((s) => s.modelName),
    ['Delta', 'Breeze_2'],
  )
  const page2 = await program.list(officer.principal, { ...base, offset: 2 })
  assert.deepEqual(
    page2.items.map((s) => s.modelName),
    ['atlas', 'Cirrus'],
  )
  const beyond = await program.list(officer.principal, { ...base, offset: 10 })
  assert.deepEqual(beyond, { items: [], total: 4 })

  const byName = await program.list(officer.principal, {
    ...base,
    sort: 'modelName',
    order: 'asc',
    limit: 10,
  })
  assert.deepEqual(
    byName.items.map((s) => s.modelName),
    ['atlas', 'Breeze_2', 'Cirrus', 'Delta'],
  )
  const byClose = await program.list(officer.principal, {
    ...base,
    sort: 'closesAt',
    order: 'asc',
    limit: 10,
  })
  assert.deepEqual(
    byClose.items.map((s) => s.modelName),
    names,
  )

  const inReview = await program.list(officer.principal, { ...base, state: 'in_review' })
  assert.deepEqual(
    inReview.items.map((s) => s.id),
    [ids[0]],
  )
  assert.equal(inReview.total, 1)

  const search = await program.list(officer.principal, { ...base, q: 'ATL' })
  assert.deepEqual(
    search.items.map((s) => s.modelName),
    ['atlas'],
  )
  // LIKE wildcards typed by a person match themselves only.
  assert.deepEqual(
    (await program.list(officer.principal, { ...base, q: 'e_2' })).items.map((s) => s.modelName),
    ['Breeze_2'],
  )
  assert.equal((await program.list(officer.principal, { ...base, q: '%' })).total, 0)
})

test('acceptance opens the window, records it, and schedules the four deadline notices', async (t) => {
  const { rt, program, clock, lab, officer } = await setup(t)
  const s = await program.register(lab.principal, registration())
  await rejectsWith(program.accept(lab.principal, s.id), 'EW_FORBIDDEN')
  clock.set('2026-12-10T00:00:00Z')
  const accepted = await program.accept(officer.principal, s.id, { reason: 'Endpoint verified' })
  assert.equal(accepted.state, 'in_review')
  assert.deepEqual(accepted.acceptedAt, new Date('2026-12-10T00:00:00Z'))
  assert.equal(accepted.revision, 2)
  assert.deepEqual(accepted.window, {
    opensAt: new Date('2026-12-10T00:00:00Z'),
    closesAt: new Date('2026-12-31T00:00:00Z'),
    days: 21,
    phase: 'open',
    daysLeft: 21,
  })
  const jobs = await deadlineJobs(rt, s.id)
  assert.deepEqual(
    jobs.map((j) => [j.kind, j.start_after.toISOString(), j.singleton_key]),
    [
      ['window_opens', '2026-12-10T00:00:00.000Z', `${s.id}:window_opens:2026-12-10T00:00:00.000Z`],
      [
        'closes_in_7_days',
        '2026-12-24T00:00:00.000Z',
        `${s.id}:closes_in_7_days:2026-12-24T00:00:00.000Z`,
      ],
      [
        'closes_in_1_day',
        '2026-12-30T00:00:00.000Z',
        `${s.id}:closes_in_1_day:2026-12-30T00:00:00.000Z`,
      ],
      [
        'window_closed',
        '2026-12-31T00:00:00.000Z',
        `${s.id}:window_closed:2026-12-31T00:00:00.000Z`,
      ],
    ],
  )
  const events = await program.events(officer.principal, s.id)
  assert.equal(events[1]!.kind, 'accepted')
  assert.equal(events[1]!.reason, 'Endpoint verified')
  assert.equal(events[1]!.actor?.personName, officer.person.name)
  assert.deepEqual(events[1]!.data.window, {
    opensAt: '2026-12-10T00:00:00.000Z',
    closesAt: '2026-12-31T00:00:00.000Z',
    days: 21,
  })

  await rejectsWith(program.accept(officer.principal, s.id), 'EW_INVALID_TRANSITION')
})

test('acceptance after the release deadline is recorded with a zero-length window and no notices', async (t) => {
  const { rt, program, clock, lab, officer } = await setup(t)
  const s = await program.register(lab.principal, registration())
  clock.set('2027-01-01T00:00:00Z')
  const accepted = await program.accept(officer.principal, s.id)
  assert.equal(accepted.window.days, 0)
  assert.equal(accepted.window.phase, 'closed')
  const events = await program.events(officer.principal, s.id)
  assert.equal(events.at(-1)!.data.zeroLengthWindow, true)
  assert.deepEqual(await deadlineJobs(rt, s.id), [])
})

test('the change, its event and its jobs commit together: a failing enqueue leaves nothing behind', async (t) => {
  const failing: Pick<Jobs, 'send'> = {
    send: async () => {
      throw new Error('queue unavailable')
    },
  }
  const { rt, program, translog, lab, officer } = await setup(t, { jobs: failing })
  const s = await program.register(lab.principal, registration())
  await assert.rejects(program.accept(officer.principal, s.id), /queue unavailable/)
  assert.equal(await translog.size(), 1, 'the failed acceptance left no log entry')
  const after = await program.get(officer.principal, s.id)
  assert.equal(after.state, 'submitted')
  assert.equal(after.acceptedAt, null)
  assert.equal(after.revision, 1)
  assert.equal(
    await count(rt, 'SELECT count(*) AS n FROM submission_event WHERE submission_id = $1', [s.id]),
    1,
  )
})

test('the lab moves dates earlier: the window shrinks, only new notices are scheduled, nothing blocks', async (t) => {
  const { rt, program, clock, lab, officer } = await setup(t)
  const s = await program.register(lab.principal, registration())
  await program.accept(officer.principal, s.id)
  clock.set('2026-12-05T00:00:00Z')
  const moved = await program.reschedule(lab.principal, s.id, {
    partnerReleaseAt: '2026-12-10T00:00:00Z',
    reason: 'Partner pilot moved forward',
  })
  assert.deepEqual(moved.partnerReleaseAt, new Date('2026-12-10T00:00:00Z'))
  assert.deepEqual(moved.window.closesAt, new Date('2026-12-10T00:00:00Z'))
  assert.deepEqual(moved.window.opensAt, new Date('2026-11-10T00:00:00Z'))
  assert.equal(moved.window.daysLeft, 5)

  const kinds = (await deadlineJobs(rt, s.id)).map((j) => `${j.kind}@${j.at}`)
  // The four from acceptance stay queued (they will find themselves stale); two new ones are added.
  assert.equal(kinds.length, 6)
  assert.ok(kinds.includes('closes_in_1_day@2026-12-09T00:00:00.000Z'))
  assert.ok(kinds.includes('window_closed@2026-12-10T00:00:00.000Z'))

  const ev = (await program.events(lab.principal, s.id)).at(-1)!
  assert.equal(ev.kind, 'rescheduled')
  assert.equal(ev.reason, 'Partner pilot moved forward')
  assert.deepEqual(ev.data.before, {
    partnerReleaseAt: '2026-12-31T00:00:00.000Z',
    publicReleaseAt: '2027-01-15T00:00:00.000Z',
  })
  assert.deepEqual(ev.data.after, {
    partnerReleaseAt: '2026-12-10T00:00:00.000Z',
    publicReleaseAt: '2027-01-15T00:00:00.000Z',
  })

  // Clearing the partner date leaves the public one as the deadline.
  const cleared = await program.reschedule(lab.principal, s.id, { partnerReleaseAt: null })
  assert.equal(cleared.partnerReleaseAt, null)
  assert.deepEqual(cleared.window.closesAt, new Date('2027-01-15T00:00:00Z'))
})

test('rescheduling is the lab’s, in the future, in order, and ends at release or withdrawal', async (t) => {
  const { program, clock, lab, officer } = await setup(t)
  const s = await program.register(lab.principal, registration())
  await rejectsWith(
    program.reschedule(officer.principal, s.id, { publicReleaseAt: '2027-02-01T00:00:00Z' }),
    'EW_FORBIDDEN',
  )
  await rejectsWith(
    program.reschedule(lab.principal, s.id, {}),
    'EW_VALIDATION',
    'partnerReleaseAt',
  )
  await rejectsWith(
    program.reschedule(lab.principal, s.id, { partnerReleaseAt: '2026-11-01T00:00:00Z' }),
    'EW_VALIDATION',
    'partnerReleaseAt',
  )
  await rejectsWith(
    program.reschedule(lab.principal, s.id, { partnerReleaseAt: '2026-12-01' }),
    'EW_VALIDATION',
    'partnerReleaseAt',
  )
  await rejectsWith(
    program.reschedule(lab.principal, s.id, { publicReleaseAt: '2026-12-01T00:00:00Z' }),
    'EW_VALIDATION',
    'partnerReleaseAt',
  )
  await rejectsWith(
    program.reschedule(lab.principal, s.id, { partnerReleaseAt: null, publicReleaseAt: null }),
    'EW_VALIDATION',
    'publicReleaseAt',
  )
  await rejectsWith(
    program.reschedule(lab.principal, s.id, {
      publicReleaseAt: '2027-02-01T00:00:00Z',
      revision: 7,
    }),
    'EW_CONFLICT',
  )
  assert.equal(
    (await program.get(lab.principal, s.id)).revision,
    1,
    'refused changes store nothing',
  )

  clock.advance(DAY_MS)
  await program.transition(lab.principal, s.id, { to: 'released', reason: 'Shipped early' })
  await rejectsWith(
    program.reschedule(lab.principal, s.id, { publicReleaseAt: '2027-02-01T00:00:00Z' }),
    'EW_INVALID_TRANSITION',
  )
})

test('transitions follow the state machine and its sides; a stale revision is refused', async (t) => {
  const { program, lab, officer } = await setup(t)
  const s = await program.register(lab.principal, registration())
  await rejectsWith(
    program.transition(officer.principal, s.id, { to: 'determined', reason: 'x' }),
    'EW_INVALID_TRANSITION',
  )
  const a = await program.accept(officer.principal, s.id)
  await rejectsWith(
    program.transition(lab.principal, s.id, { to: 'determined', reason: 'x' }),
    'EW_FORBIDDEN',
  )
  await rejectsWith(
    program.transition(officer.principal, s.id, {
      to: 'determined',
      reason: 'x',
      revision: a.revision - 1,
    }),
    'EW_CONFLICT',
  )
  const d = await program.transition(officer.principal, s.id, {
    to: 'determined',
    reason: 'Determination recorded',
    revision: a.revision,
  })
  assert.equal(d.state, 'determined')
  const p = await program.transition(officer.principal, s.id, {
    to: 'partner_access',
    reason: 'Partners chosen',
  })
  await rejectsWith(
    program.transition(officer.principal, s.id, { to: 'released', reason: 'x' }),
    'EW_FORBIDDEN',
  )
  const r = await program.transition(lab.principal, s.id, {
    to: 'released',
    reason: 'Public launch',
    revision: p.revision,
  })
  assert.equal(r.state, 'released')
  assert.equal(r.window.phase, 'closed')
  const timeline = await program.events(lab.principal, s.id)
  assert.deepEqual(
    timeline.map((e) => [e.kind, e.fromState, e.toState]),
    [
      ['registered', null, 'submitted'],
      ['accepted', 'submitted', 'in_review'],
      ['transitioned', 'in_review', 'determined'],
      ['transitioned', 'determined', 'partner_access'],
      ['transitioned', 'partner_access', 'released'],
    ],
  )
})

test('the lab withdraws from every state; the credential is destroyed, not hidden', async (t) => {
  const { rt, program, lab, officer } = await setup(t)
  const paths: Record<
    Exclude<SubmissionState, 'withdrawn'>,
    Array<(id: string) => Promise<unknown>>
  > = {
    submitted: [],
    in_review: [(id) => program.accept(officer.principal, id)],
    determined: [
      (id) => program.accept(officer.principal, id),
      (id) => program.transition(officer.principal, id, { to: 'determined', reason: 'd' }),
    ],
    partner_access: [
      (id) => program.accept(officer.principal, id),
      (id) => program.transition(officer.principal, id, { to: 'determined', reason: 'd' }),
      (id) => program.transition(officer.principal, id, { to: 'partner_access', reason: 'p' }),
    ],
    released: [(id) => program.transition(lab.principal, id, { to: 'released', reason: 'r' })],
  }
  for (const [state, steps] of Object.entries(paths)) {
    const s = await program.register(lab.principal, registration({ modelName: state }))
    for (const step of steps) await step(s.id)
    assert.equal((await program.get(lab.principal, s.id)).state, state)

    await rejectsWith(program.withdraw(officer.principal, s.id, { reason: 'no' }), 'EW_FORBIDDEN')
    const w = await program.withdraw(lab.principal, s.id, { reason: 'Changed our plans' })
    assert.equal(w.state, 'withdrawn', state)
    assert.equal(w.endpoint.hasCredential, false)
    assert.equal(w.window.phase, 'closed')
    const row = await rt.db.query<{ c: unknown; at: Date | null }>(
      'SELECT endpoint_credential AS c, credential_destroyed_at AS at FROM submission WHERE id = $1',
      [s.id],
    )
    assert.equal(row.rows[0]!.c, null, `${state}: the ciphertext itself is gone`)
    assert.ok(row.rows[0]!.at instanceof Date)
    await rejectsWith(program.getCredential(s.id), 'EW_CONFLICT')
    const ev = (await program.events(lab.principal, s.id)).at(-1)!
    assert.equal(ev.kind, 'withdrawn')
    assert.equal(ev.fromState, state)
    assert.equal(ev.reason, 'Changed our plans')
    assert.deepEqual(ev.data, { credentialDestroyed: true })
    await rejectsWith(
      program.withdraw(lab.principal, s.id, { reason: 'again' }),
      'EW_INVALID_TRANSITION',
    )
  }
})

test('a due deadline notice reaches the lab and every program organisation, once', async (t) => {
  const { rt, program, notifications, clock, lab, officer, member } = await setup(t)
  const secondProgram = await member('program', ['analyst'])
  const s = await program.register(lab.principal, registration())
  await program.accept(officer.principal, s.id)
  const [opens, seven] = await deadlineJobs(rt, s.id)

  clock.set(seven!.at)
  const payload = { submissionId: s.id, kind: 'closes_in_7_days' as const, at: seven!.at }
  assert.deepEqual(await program.sendDeadlineNotice(payload), { sent: true })
  // At-least-once delivery: a repeat is harmless.
  assert.deepEqual(await program.sendDeadlineNotice(payload), { sent: true })
  assert.deepEqual(
    await program.sendDeadlineNotice({ ...payload, kind: 'window_opens', at: opens!.at }),
    { sent: true },
  )

  for (const who of [lab, officer, secondProgram]) {
    const list = await notifications.list(who.principal)
    assert.deepEqual(
      list.items.map((n) => n.kind).sort(),
      ['program.closes_in_7_days', 'program.window_opens'],
      who.org.kind,
    )
    assert.equal(list.unread, 2)
    const n = list.items.find((x) => x.kind === 'program.closes_in_7_days')!
    assert.equal(n.subjectType, 'submission')
    assert.equal(n.subjectId, s.id)
    assert.match(n.title, /7 days left: Atlas 3\.0/)
    assert.match(n.body, /Dec 31, 2026, 12:00 AM UTC/)
  }
  const other = await notifications.list((await member('lab', ['lab_member'])).principal)
  assert.equal(other.total, 0)
})

test('a notice made stale by new dates, or by withdrawal, sends nothing', async (t) => {
  const { program, notifications, clock, lab, officer } = await setup(t)
  const s = await program.register(lab.principal, registration())
  await program.accept(officer.principal, s.id)
  clock.set('2026-12-20T00:00:00Z')
  await program.reschedule(lab.principal, s.id, { partnerReleaseAt: '2027-01-10T00:00:00Z' })
  clock.set('2026-12-24T00:00:00Z')
  assert.deepEqual(
    await program.sendDeadlineNotice({
      submissionId: s.id,
      kind: 'closes_in_7_days',
      at: '2026-12-24T00:00:00.000Z',
    }),
    { sent: false },
  )
  clock.set('2027-01-03T00:00:00Z')
  await program.withdraw(lab.principal, s.id, { reason: 'Cancelled' })
  assert.deepEqual(
    await program.sendDeadlineNotice({
      submissionId: s.id,
      kind: 'closes_in_7_days',
      at: '2027-01-03T00:00:00.000Z',
    }),
    { sent: false },
  )
  assert.deepEqual(
    await program.sendDeadlineNotice({
      submissionId: 'sub_gone00000000',
      kind: 'window_closed',
      at: '2027-01-03T00:00:00.000Z',
    }),
    { sent: false },
  )
  assert.equal((await notifications.list(lab.principal)).total, 0)
})

test('every decision is logged in its own transaction; responses and the timeline carry its index', async (t) => {
  const { program, translog, lab, officer } = await setup(t)
  const s = await program.register(lab.principal, registration())
  const accepted = await program.accept(officer.principal, s.id, { reason: 'in scope' })
  const moved = await program.reschedule(lab.principal, s.id, {
    partnerReleaseAt: '2027-01-05T00:00:00Z',
  })
  const determined = await program.transition(officer.principal, s.id, { to: 'determined' })
  const withdrawn = await program.withdraw(lab.principal, s.id, { reason: 'changed plans' })
  const indexes = [s, accepted, moved, determined, withdrawn].map((x) => x.logIndex)
  assert.deepEqual(indexes, [0, 1, 2, 3, 4])

  const events = await program.events(lab.principal, s.id)
  assert.deepEqual(
    events.map((e) => e.logIndex),
    indexes,
  )
  const entries = await Promise.all(indexes.map((i) => translog.entry(i)))
  assert.deepEqual(
    entries.map((e) => e.type),
    [
      'submission.registered',
      'submission.accepted',
      'submission.dates_changed',
      'submission.transitioned',
      'submission.withdrawn',
    ],
  )
  const reg = entries[0]!.entry
  assert.equal(reg.data.modelName, 'Atlas')
  assert.equal(reg.data.labOrgId, lab.org.id)
  assert.deepEqual(reg.actor, { orgId: lab.org.id, role: 'lab_member', personId: lab.person.id })
  assert.deepEqual(Object.keys(reg.commitments ?? {}), ['endpointBaseUrl', 'endpointModelId'])
  assert.equal(entries[1]!.entry.actor.role, 'program_officer')
  assert.equal(entries[1]!.entry.data.reason, 'in scope')
  assert.equal(entries[4]!.entry.data.state, 'withdrawn')
  for (const e of entries) {
    const published = Buffer.from(e.body, 'base64').toString('utf8')
    for (const secret of [SECRET, 'api.lab.example', 'atlas-3'])
      assert.ok(!published.includes(secret), `${e.type} does not publish ${secret}`)
  }
})

test('a failing log append rolls the decision back', async (t) => {
  let fail = false
  let real: Pick<TranslogService, 'append'> | undefined
  const flaky: Pick<TranslogService, 'append'> = {
    append: async (tx, entry) => {
      if (fail) throw new Error('log unavailable')
      return real!.append(tx, entry)
    },
  }
  const { rt, program, translog, lab, officer } = await setup(t, { translog: flaky })
  real = translog
  const s = await program.register(lab.principal, registration())
  fail = true
  await assert.rejects(program.accept(officer.principal, s.id), /log unavailable/)
  await assert.rejects(
    program.register(lab.principal, registration({ modelName: 'Unlogged' })),
    /log unavailable/,
  )
  const after = await program.get(officer.principal, s.id)
  assert.equal(after.state, 'submitted')
  assert.equal(after.revision, 1)
  assert.equal(
    await count(rt, `SELECT count(*) AS n FROM submission WHERE model_name = 'Unlogged'`),
    0,
  )
  assert.equal(await count(rt, 'SELECT count(*) AS n FROM submission_event'), 1)
  assert.equal(await translog.size(), 1)
})

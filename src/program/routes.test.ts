/** The program and notifications routes through the full HTTP app, services and database. */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { LightMyRequestResponse } from 'fastify'
import type { Role } from '../accounts/model.ts'
import { bearer, seedMember } from '../accounts/testing.ts'
import { createHttpApp, createServices, registerJobHandlers } from '../app.ts'
import { type Clock, DAY_MS, fixedClock, systemClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'

const SECRET = 'sk-route-test-secret-9f8e7d6c'
const START = '2026-11-02T00:00:00Z'

async function build(t: TestContext, clock: Clock = fixedClock(START)) {
  const rt = await testRuntime(t, { clock })
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const member = async (kind: Parameters<typeof seedMember>[1]['kind'], roles: Role[]) => {
    const m = await seedMember(services.accounts, { kind, roles })
    return { ...m, headers: bearer(m.token) }
  }
  const lab = await member('lab', ['lab_member'])
  const otherLab = await member('lab', ['lab_member'])
  const officer = await member('program', ['program_officer'])
  /** Every response body seen, to check the credential never appears in any of them. */
  const bodies: string[] = []
  const call = async (
    who: { headers: Record<string, string> },
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
  ) => {
    const res = await app.inject({
      method,
      url,
      headers: who.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    bodies.push(res.body)
    return res
  }
  return { rt, services, app, clock, lab, otherLab, officer, member, call, bodies }
}

function registration(over: Record<string, unknown> = {}) {
  return {
    modelName: 'Atlas',
    modelVersion: '3.0',
    description: 'A frontier model',
    intendedCapabilities: ['coding', 'agentic tool use'],
    endpoint: {
      baseUrl: 'https://api.lab.example/v1',
      protocol: 'openai',
      modelId: 'atlas-3',
      credential: SECRET,
    },
    offeredDays: 30,
    partnerReleaseAt: '2026-12-31T09:00:00-05:00',
    publicReleaseAt: '2027-01-15T00:00:00Z',
    ...over,
  }
}

/** A 4xx problem+json naming `field` (and, if given, matching `message`). */
function assertProblem(
  res: LightMyRequestResponse,
  status: number,
  field?: string,
  message?: RegExp,
) {
  assert.equal(res.statusCode, status, res.body)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  const p = res.json() as {
    code: string
    detail: string
    errors?: Array<{ path: string; message: string }>
  }
  assert.ok(p.code.startsWith('EW_'))
  if (field) {
    assert.ok(
      p.errors?.some((e) => e.path === field) || p.detail.includes(field),
      `expected the problem to name ${field}: ${res.body}`,
    )
  }
  if (message) assert.match(p.detail, message)
  return p
}

test('the lifecycle over HTTP: register, list, accept, progress, reschedule, withdraw; the credential never comes back', async (t) => {
  const { lab, officer, call, bodies } = await build(t)

  // 1. The lab registers; dates with offsets come back as UTC.
  const created = await call(lab, 'POST', '/api/submissions', registration())
  assert.equal(created.statusCode, 201, created.body)
  const s = created.json()
  assert.match(s.id, /^sub_/)
  assert.equal(s.state, 'submitted')
  assert.equal(s.partnerReleaseAt, '2026-12-31T14:00:00.000Z')
  assert.deepEqual(s.endpoint, {
    baseUrl: 'https://api.lab.example/v1',
    protocol: 'openai',
    modelId: 'atlas-3',
    hasCredential: true,
  })
  assert.equal(s.window.phase, 'upcoming')
  assert.equal(s.revision, 1)

  // 2. Both the lab and the program see it.
  for (const who of [lab, officer]) {
    const list = await call(
      who,
      'GET',
      '/api/submissions?state=submitted&q=atl&sort=modelName&order=asc&limit=10&offset=0',
    )
    assert.equal(list.statusCode, 200, list.body)
    assert.deepEqual(
      list.json().items.map((x: { id: string }) => x.id),
      [s.id],
    )
    assert.equal(list.json().total, 1)
  }

  // 3. The program accepts (the web sends an empty JSON object; scripts may send no body at all).
  const accepted = await call(officer, 'POST', `/api/submissions/${s.id}/accept`, {})
  assert.equal(accepted.statusCode, 200, accepted.body)
  assert.equal(accepted.json().state, 'in_review')
  // Accepted early: the window opens 30 days before the partner release.
  assert.equal(accepted.json().window.phase, 'upcoming')
  assert.equal(accepted.json().window.opensAt, '2026-12-01T14:00:00.000Z')
  assert.equal(accepted.json().window.days, 30)

  // 4. Progress, with optimistic concurrency.
  const stale = await call(officer, 'POST', `/api/submissions/${s.id}/transition`, {
    to: 'determined',
    revision: 1,
  })
  assertProblem(stale, 409, undefined, /revision 2, not 1/)
  const determined = await call(officer, 'POST', `/api/submissions/${s.id}/transition`, {
    to: 'determined',
    reason: 'Benchmark run complete',
    revision: 2,
  })
  assert.equal(determined.statusCode, 200, determined.body)
  assert.equal(determined.json().state, 'determined')

  // 5. The lab moves its partner release earlier, from New York time.
  const moved = await call(lab, 'POST', `/api/submissions/${s.id}/reschedule`, {
    partnerReleaseAt: '2026-11-20T09:00:00-05:00',
    reason: 'Pilot moved forward',
  })
  assert.equal(moved.statusCode, 200, moved.body)
  assert.equal(moved.json().window.closesAt, '2026-11-20T14:00:00.000Z')

  // 6. The lab withdraws: the credential is gone.
  const withdrawn = await call(lab, 'POST', `/api/submissions/${s.id}/withdraw`, {
    reason: 'Plans changed',
  })
  assert.equal(withdrawn.statusCode, 200, withdrawn.body)
  assert.equal(withdrawn.json().state, 'withdrawn')
  assert.equal(withdrawn.json().endpoint.hasCredential, false)
  assert.ok(withdrawn.json().credentialDestroyedAt)

  // 7. The timeline says who, when and why.
  const events = await call(lab, 'GET', `/api/submissions/${s.id}/events`)
  assert.equal(events.statusCode, 200, events.body)
  assert.deepEqual(
    events
      .json()
      .items.map((e: { kind: string; actor: { personName: string }; reason: string | null }) => [
        e.kind,
        e.actor.personName,
        e.reason,
      ]),
    [
      ['registered', lab.person.name, null],
      ['accepted', officer.person.name, null],
      ['transitioned', officer.person.name, 'Benchmark run complete'],
      ['rescheduled', lab.person.name, 'Pilot moved forward'],
      ['withdrawn', lab.person.name, 'Plans changed'],
    ],
  )

  const shown = await call(officer, 'GET', `/api/submissions/${s.id}`)
  assert.equal(shown.statusCode, 200)
  for (const body of bodies) {
    assert.ok(!body.includes(SECRET), 'the credential never appears in a response')
    assert.ok(!/"credential"/.test(body), 'no response has a credential field')
  }
})

test('accept takes no body at all, too', async (t) => {
  const { app, lab, officer, call } = await build(t)
  const s = (await call(lab, 'POST', '/api/submissions', registration())).json()
  const res = await app.inject({
    method: 'POST',
    url: `/api/submissions/${s.id}/accept`,
    headers: officer.headers,
  })
  assert.equal(res.statusCode, 200, res.body)
})

test('register: bad input is a 4xx naming the field, and nothing is stored', async (t) => {
  const { lab, officer, call } = await build(t)
  const cases: Array<[string, unknown, number, string, RegExp?]> = [
    ['unknown field', registration({ approvedBy: 'x' }), 400, 'approvedBy'],
    [
      'unknown endpoint field',
      registration({ endpoint: { ...registration().endpoint, region: 'us' } }),
      400,
      'region',
    ],
    ['wrong type', registration({ offeredDays: '30' }), 400, 'body.offeredDays'],
    ['fractional days', registration({ offeredDays: 7.5 }), 400, 'body.offeredDays'],
    ['more than 30 days', registration({ offeredDays: 31 }), 400, 'body.offeredDays'],
    [
      'capabilities not a list',
      registration({ intendedCapabilities: 'coding' }),
      400,
      'body.intendedCapabilities',
    ],
    ['missing model name', registration({ modelName: undefined }), 400, 'body.modelName'],
    ['blank model name', registration({ modelName: '   ' }), 400, 'body.modelName'],
    [
      'bad protocol',
      registration({ endpoint: { ...registration().endpoint, protocol: 'grpc' } }),
      400,
      'body.endpoint.protocol',
    ],
    [
      'non-http URL',
      registration({ endpoint: { ...registration().endpoint, baseUrl: 'file:///etc/passwd' } }),
      400,
      'body.endpoint.baseUrl',
    ],
    [
      'date only',
      registration({ partnerReleaseAt: '2026-12-31' }),
      400,
      'body.partnerReleaseAt',
      /date alone/,
    ],
    [
      'no offset',
      registration({ publicReleaseAt: '2027-01-15T00:00:00' }),
      400,
      'body.publicReleaseAt',
      /UTC offset/,
    ],
    [
      'impossible date',
      registration({ publicReleaseAt: '2027-02-30T00:00:00Z' }),
      400,
      'body.publicReleaseAt',
      /calendar/,
    ],
    [
      'date as number',
      registration({ publicReleaseAt: 1798675200000 }),
      400,
      'body.publicReleaseAt',
    ],
    [
      'date in the past',
      registration({ partnerReleaseAt: '2026-11-01T00:00:00Z' }),
      400,
      'partnerReleaseAt',
      /future/,
    ],
    [
      'partner after public',
      registration({ partnerReleaseAt: '2027-02-01T00:00:00Z' }),
      400,
      'partnerReleaseAt',
      /not be after publicReleaseAt/,
    ],
    [
      'no dates',
      registration({ partnerReleaseAt: null, publicReleaseAt: null }),
      400,
      'publicReleaseAt',
    ],
    ['not an object', ['Atlas'], 400, 'body'],
  ]
  for (const [name, body, status, field, message] of cases) {
    const res = await call(lab, 'POST', '/api/submissions', body)
    await t.test(name, () => {
      assertProblem(res, status, field, message)
    })
  }

  const tooLong = await call(
    lab,
    'POST',
    '/api/submissions',
    registration({ endpoint: { ...registration().endpoint, credential: SECRET.repeat(400) } }),
  )
  assertProblem(tooLong, 400, 'body.endpoint.credential')
  assert.ok(!tooLong.body.includes(SECRET), 'a refused credential is not echoed back')

  const huge = await call(
    lab,
    'POST',
    '/api/submissions',
    registration({ description: 'x'.repeat(1_100_000) }),
  )
  assertProblem(huge, 413)

  const forbidden = await call(officer, 'POST', '/api/submissions', registration())
  assertProblem(forbidden, 403)

  const list = await call(officer, 'GET', '/api/submissions')
  assert.equal(list.json().total, 0, 'nothing was stored')
})

test('list and read: bad queries are 400s; another organisation’s submission is 404, never 403', async (t) => {
  const { lab, otherLab, officer, member, call } = await build(t)
  const s = (await call(lab, 'POST', '/api/submissions', registration())).json()

  for (const [query, field] of [
    ['sort=secret', 'querystring.sort'],
    ['order=sideways', 'querystring.order'],
    ['limit=0', 'querystring.limit'],
    ['limit=1000', 'querystring.limit'],
    ['offset=-1', 'querystring.offset'],
    ['limit=ten', 'querystring.limit'],
    ['state=approved', 'querystring.state'],
    ['labOrgId=..%2F', 'querystring.labOrgId'],
    ['include=credential', 'include'],
  ] as const) {
    assertProblem(await call(officer, 'GET', `/api/submissions?${query}`), 400, field)
  }
  assertProblem(await call(officer, 'GET', '/api/submissions/not-an-id'), 400, 'params.id')

  // Another lab: not in its list, and 404 everywhere.
  assert.equal((await call(otherLab, 'GET', '/api/submissions')).json().total, 0)
  assert.equal(
    (await call(otherLab, 'GET', `/api/submissions?labOrgId=${lab.org.id}`)).json().total,
    0,
  )
  for (const [method, path, body] of [
    ['GET', '', undefined],
    ['GET', '/events', undefined],
    ['POST', '/reschedule', { publicReleaseAt: '2027-02-01T00:00:00Z' }],
    ['POST', '/withdraw', { reason: 'not mine' }],
    ['POST', '/transition', { to: 'released' }],
  ] as const) {
    assertProblem(await call(otherLab, method, `/api/submissions/${s.id}${path}`, body), 404)
  }
  assertProblem(await call(officer, 'GET', '/api/submissions/sub_doesnotexist00'), 404)

  // Organisations with no part in the program are refused by role, whatever the id.
  const partner = await member('partner', ['partner_member'])
  assertProblem(await call(partner, 'GET', '/api/submissions'), 403)
  assertProblem(await call(partner, 'GET', `/api/submissions/${s.id}`), 403)
  assertProblem(await call({ headers: {} }, 'GET', '/api/submissions'), 401)

  const lab2 = await call(lab, 'GET', `/api/submissions/${s.id}`)
  assert.equal(lab2.statusCode, 200)
})

test('state changes: bad bodies, wrong sides and impossible moves are refused without storing anything', async (t) => {
  const { lab, officer, call } = await build(t)
  const s = (await call(lab, 'POST', '/api/submissions', registration())).json()
  const base = `/api/submissions/${s.id}`

  // accept
  assertProblem(
    await call(officer, 'POST', `${base}/accept`, { reason: 'ok', approve: true }),
    400,
    'approve',
  )
  assertProblem(
    await call(officer, 'POST', `${base}/accept`, { revision: 'one' }),
    400,
    'body.revision',
  )
  assertProblem(await call(lab, 'POST', `${base}/accept`, {}), 403)
  assertProblem(
    await call(officer, 'POST', `${base}/transition`, { to: 'determined' }),
    409,
    undefined,
    /submitted and cannot become determined/,
  )
  // transition
  assertProblem(
    await call(officer, 'POST', `${base}/transition`, { to: 'withdrawn' }),
    400,
    'body.to',
  )
  assertProblem(
    await call(officer, 'POST', `${base}/transition`, { to: 'in_review' }),
    400,
    'body.to',
  )
  assertProblem(await call(officer, 'POST', `${base}/transition`, {}), 400, 'body.to')
  assertProblem(await call(officer, 'POST', `${base}/transition`, { to: 'released' }), 403)
  assertProblem(
    await call(lab, 'POST', `${base}/transition`, { to: 'released', reason: 'x'.repeat(2001) }),
    400,
    'body.reason',
  )
  // reschedule
  assertProblem(await call(lab, 'POST', `${base}/reschedule`, {}), 400, 'partnerReleaseAt')
  assertProblem(
    await call(lab, 'POST', `${base}/reschedule`, { partnerReleaseAt: '2026-11-01T00:00:00Z' }),
    400,
    'partnerReleaseAt',
    /future/,
  )
  assertProblem(
    await call(lab, 'POST', `${base}/reschedule`, { partnerReleaseAt: '2026-12-20' }),
    400,
    'body.partnerReleaseAt',
    /date alone/,
  )
  assertProblem(
    await call(lab, 'POST', `${base}/reschedule`, { partnerReleaseAt: 20261220 }),
    400,
    'body.partnerReleaseAt',
  )
  assertProblem(
    await call(lab, 'POST', `${base}/reschedule`, { releaseAt: '2026-12-20T00:00:00Z' }),
    400,
    'releaseAt',
  )
  assertProblem(
    await call(officer, 'POST', `${base}/reschedule`, { publicReleaseAt: '2027-02-01T00:00:00Z' }),
    403,
  )
  assertProblem(
    await call(lab, 'POST', `${base}/reschedule`, { reason: 'x'.repeat(1_100_000) }),
    413,
  )
  // withdraw
  assertProblem(await call(lab, 'POST', `${base}/withdraw`, {}), 400, 'body.reason')
  assertProblem(await call(lab, 'POST', `${base}/withdraw`, { reason: '  ' }), 400, 'body.reason')
  assertProblem(
    await call(lab, 'POST', `${base}/withdraw`, { reason: 'x', revision: 1 }),
    400,
    'revision',
  )
  assertProblem(await call(officer, 'POST', `${base}/withdraw`, { reason: 'x' }), 403)

  const after = (await call(lab, 'GET', base)).json()
  assert.equal(after.state, 'submitted')
  assert.equal(after.revision, 1)
  assert.equal(
    (await call(lab, 'GET', `${base}/events`)).json().items.length,
    1,
    'only the registration',
  )
})

test('notifications: listed for your organisation, marked read; another organisation’s are 404', async (t) => {
  const { services, lab, otherLab, call, clock } = await build(t)
  const s = (await call(lab, 'POST', '/api/submissions', registration())).json()
  const officer = (
    await seedMember(services.accounts, { kind: 'program', roles: ['program_officer'] })
  ).principal
  await services.program.accept(officer, s.id)
  ;(clock as ReturnType<typeof fixedClock>).set('2026-12-01T14:00:00Z')
  await services.program.sendDeadlineNotice({
    submissionId: s.id,
    kind: 'window_opens',
    at: '2026-12-01T14:00:00.000Z',
  })

  const list = await call(lab, 'GET', '/api/notifications')
  assert.equal(list.statusCode, 200, list.body)
  const body = list.json()
  assert.equal(body.unread, 1)
  assert.equal(body.items[0].kind, 'program.window_opens')
  assert.equal(body.items[0].link, `/submissions/${s.id}`)
  const id = body.items[0].id

  assertProblem(await call(otherLab, 'POST', `/api/notifications/${id}/read`, {}), 404)
  assertProblem(await call(lab, 'POST', '/api/notifications/nope/read', {}), 400, 'params.id')
  assertProblem(await call(lab, 'GET', '/api/notifications?limit=0'), 400, 'querystring.limit')
  assertProblem(await call(lab, 'GET', '/api/notifications?all=1'), 400, 'all')
  assertProblem(
    await call(lab, 'POST', `/api/notifications/${id}/read`, { unread: true }),
    400,
    'unread',
  )
  assertProblem(
    await call(lab, 'POST', `/api/notifications/${id}/read`, { reason: 'x'.repeat(1_100_000) }),
    413,
  )

  const read = await call(lab, 'POST', `/api/notifications/${id}/read`, {})
  assert.equal(read.statusCode, 200, read.body)
  assert.ok(read.json().readAt)
  const again = (await call(lab, 'GET', '/api/notifications')).json()
  assert.equal(again.unread, 0)
  assert.equal((await call(lab, 'GET', '/api/notifications?unread=true')).json().total, 0)
  assert.equal((await call(otherLab, 'GET', '/api/notifications')).json().total, 0)
})

test('a deadline job run by the worker produces notifications for the lab and the program', async (t) => {
  // Real time: pg-boss compares startAfter with the database clock.
  const { rt, services, lab, officer, call } = await build(t, systemClock)
  const soon = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString()
  const s = (
    await call(
      lab,
      'POST',
      '/api/submissions',
      registration({ partnerReleaseAt: soon(10), publicReleaseAt: soon(20) }),
    )
  ).json()
  assert.equal((await call(officer, 'POST', `/api/submissions/${s.id}/accept`, {})).statusCode, 200)

  registerJobHandlers(rt, services)
  await rt.jobs.startWorking({ pollingIntervalSeconds: 0.5 })

  // The "window opens" notice is due at acceptance; wait for it, within a bound.
  const deadline = Date.now() + 30_000
  let labItems: Array<{ kind: string; subjectId: string }> = []
  while (Date.now() < deadline) {
    labItems = (await call(lab, 'GET', '/api/notifications')).json().items
    if (labItems.length > 0) break
    await sleep(250)
  }
  assert.deepEqual(
    labItems.map((n) => [n.kind, n.subjectId]),
    [['program.window_opens', s.id]],
  )
  const programItems = (await call(officer, 'GET', '/api/notifications')).json().items
  assert.deepEqual(
    programItems.map((n: { kind: string }) => n.kind),
    ['program.window_opens'],
  )
})

test('the OpenAPI document describes the program and notifications routes', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'GET', url: '/api/openapi.json' })
  assert.equal(res.statusCode, 200)
  const doc = res.json() as { paths: Record<string, Record<string, { tags?: string[] }>> }
  for (const path of [
    '/api/submissions',
    '/api/submissions/{id}',
    '/api/submissions/{id}/events',
    '/api/submissions/{id}/accept',
    '/api/submissions/{id}/transition',
    '/api/submissions/{id}/reschedule',
    '/api/submissions/{id}/withdraw',
    '/api/notifications',
    '/api/notifications/{id}/read',
  ]) {
    assert.ok(doc.paths[path], `${path} is documented`)
  }
  assert.deepEqual(doc.paths['/api/submissions']!.post!.tags, ['program'])
  assert.ok(
    !JSON.stringify(doc.paths['/api/submissions']!.get).includes('"credential"'),
    'responses have no credential',
  )
})

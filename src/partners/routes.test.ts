/** The partners routes through the full HTTP app: the two-key flow, bad input as problem+json, evidence, the key shown once. */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import type { OrgKind, Role } from '../accounts/model.ts'
import { bearer, seedMember } from '../accounts/testing.ts'
import { createHttpApp, createServices } from '../app.ts'
import { fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'

const START = '2026-11-02T00:00:00Z'

async function build(t: TestContext) {
  const rt = await testRuntime(t, { clock: fixedClock(START) })
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const member = async (kind: OrgKind, roles: Role[], orgId?: string) => {
    const m = await seedMember(services.accounts, { kind, roles, ...(orgId ? { orgId } : {}) })
    return { ...m, headers: bearer(m.token) }
  }
  const lab = await member('lab', ['lab_member'])
  const otherLab = await member('lab', ['lab_member'])
  const officer = await member('program', ['program_officer'])
  const officer2 = await member('program', ['program_officer'], officer.org.id)
  const partner = await member('partner', ['partner_member'])
  const call = (
    who: { headers: Record<string, string> },
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
  ) =>
    app.inject({
      method,
      url,
      headers: who.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
  const sub = await services.program.register(lab.principal, {
    modelName: 'Atlas',
    modelVersion: '3.0',
    description: '',
    intendedCapabilities: [],
    endpoint: {
      baseUrl: 'https://api.lab.example/v1',
      protocol: 'openai',
      modelId: 'atlas-3',
      credential: 'sk-secret-route',
    },
    offeredDays: 30,
    partnerReleaseAt: '2026-12-31T00:00:00Z',
    publicReleaseAt: '2027-01-15T00:00:00Z',
  })
  return { rt, services, app, lab, otherLab, officer, officer2, partner, call, sub }
}

function assertProblem(res: LightMyRequestResponse, status: number, field?: string) {
  assert.equal(res.statusCode, status, res.body)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  if (field) {
    const p = res.json() as { errors?: Array<{ path: string }>; detail: string }
    assert.ok(
      p.errors?.some((e) => e.path.includes(field)) || p.detail.includes(field),
      `expected the problem to name ${field}: ${res.body}`,
    )
  }
}

const GRANT = {
  windowStart: '2026-12-31T00:00:00Z',
  windowEnd: '2027-01-10T00:00:00Z',
  endpoints: ['chat.completions', 'models'],
  limits: { requestsPerMinute: 60, tokensPerMinute: 50_000, tokenBudget: 1_000_000 },
}

test('1. register and vet a partner, propose, both keys, grant: the key is shown once', async (t) => {
  const { call, lab, officer, partner, sub } = await build(t)

  let res = await call(officer, 'POST', '/api/partners', {
    orgId: partner.org.id,
    sector: 'water',
    description: 'A county water utility',
  })
  assert.equal(res.statusCode, 201, res.body)
  res = await call(officer, 'POST', `/api/partners/${partner.org.id}/vetting`, {
    status: 'vetted',
    notes: 'site visit',
  })
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().vetting.status, 'vetted')
  assert.equal(typeof res.json().logIndex, 'number')

  res = await call(lab, 'POST', '/api/selections', {
    submissionId: sub.id,
    partnerOrgId: partner.org.id,
  })
  assert.equal(res.statusCode, 201, res.body)
  const selectionId = res.json().id

  res = await call(lab, 'POST', '/api/grants', { selectionId, ...GRANT })
  assertProblem(res, 409)
  assert.match(res.json().detail, /both the lab and the program/)

  res = await call(officer, 'POST', `/api/selections/${selectionId}/approve`, {})
  assert.equal(res.json().state, 'effective')

  res = await call(lab, 'POST', '/api/grants', { selectionId, ...GRANT })
  assert.equal(res.statusCode, 201, res.body)
  assert.equal(res.headers['cache-control'], 'no-store')
  const { id: grantId, key } = res.json()
  assert.match(key, /^ew_vk_[A-Za-z0-9_-]{43}$/)

  for (const url of [`/api/grants/${grantId}`, '/api/grants', `/api/grants/${grantId}/events`]) {
    const r = await call(lab, 'GET', url)
    assert.equal(r.statusCode, 200, r.body)
    assert.ok(!r.body.includes(key), `${url} never shows the key again`)
  }
  const mine = await call(partner, 'GET', '/api/grants')
  assert.deepEqual(
    mine.json().items.map((g: { id: string }) => g.id),
    [grantId],
    'the partner sees its grant',
  )

  res = await call(lab, 'POST', `/api/grants/${grantId}/revoke`, { reason: 'done' })
  assert.equal(res.json().status, 'revoked')
})

test('2. bad input is a 4xx naming the field, and nothing changes', async (t) => {
  const { call, services, lab, officer, partner, sub } = await build(t)
  await call(officer, 'POST', '/api/partners', { orgId: partner.org.id, sector: 'bank' })
  assertProblem(
    await call(officer, 'POST', '/api/partners', { orgId: partner.org.id, sector: 'casino' }),
    400,
    'sector',
  )
  assertProblem(
    await call(officer, 'POST', '/api/partners', { orgId: lab.org.id, sector: 'bank' }),
    400,
    'orgId',
  )
  await call(officer, 'POST', `/api/partners/${partner.org.id}/vetting`, { status: 'vetted' })
  const s = (
    await call(lab, 'POST', '/api/selections', {
      submissionId: sub.id,
      partnerOrgId: partner.org.id,
    })
  ).json()

  assertProblem(
    await call(officer, 'POST', `/api/selections/${s.id}/refuse`, {
      category: 'dislike',
      reason: 'x',
    }),
    400,
    'category',
  )
  assertProblem(
    await call(officer, 'POST', `/api/selections/${s.id}/refuse`, { category: 'other' }),
    400,
    'reason',
  )
  assert.equal((await services.partners.getSelection(officer.principal, s.id)).state, 'proposed')

  await call(officer, 'POST', `/api/selections/${s.id}/approve`, {})
  assertProblem(
    await call(lab, 'POST', '/api/grants', {
      selectionId: s.id,
      ...GRANT,
      windowEnd: '2027-01-10',
    }),
    400,
    'windowEnd',
  )
  assertProblem(
    await call(lab, 'POST', '/api/grants', {
      selectionId: s.id,
      ...GRANT,
      endpoints: ['embeddings'],
    }),
    400,
    'endpoints',
  )
  assertProblem(
    await call(lab, 'POST', '/api/grants', {
      selectionId: s.id,
      ...GRANT,
      limits: { ...GRANT.limits, tokenBudget: -1 },
    }),
    400,
    'tokenBudget',
  )
  assertProblem(
    await call(lab, 'POST', '/api/grants', {
      selectionId: s.id,
      ...GRANT,
      windowStart: '2026-11-20T00:00:00Z',
    }),
    400,
    'windowStart',
  )
  assert.deepEqual((await call(lab, 'GET', '/api/grants')).json().items, [])
})

test('3. refusal and appeal over HTTP: the refuser cannot decide the appeal; the partner sees the category only', async (t) => {
  const { call, lab, officer, officer2, partner, sub } = await build(t)
  await call(officer, 'POST', '/api/partners', { orgId: partner.org.id, sector: 'hospital' })
  await call(officer, 'POST', `/api/partners/${partner.org.id}/vetting`, { status: 'vetted' })
  const s = (
    await call(lab, 'POST', '/api/selections', {
      submissionId: sub.id,
      partnerOrgId: partner.org.id,
    })
  ).json()
  const refused = await call(officer, 'POST', `/api/selections/${s.id}/refuse`, {
    category: 'security_concern',
    reason: 'Recent breach at the partner',
  })
  assert.equal(refused.json().state, 'refused')

  const seen = await call(partner, 'GET', `/api/selections/${s.id}`)
  assert.equal(seen.json().refusal.category, 'security_concern')
  assert.equal(seen.json().refusal.reason, null)
  assert.ok(!seen.body.includes('breach'))
  const notes = await call(partner, 'GET', '/api/notifications')
  assert.match(notes.body, /Security concern/)

  assertProblem(await call(lab, 'POST', `/api/selections/${s.id}/appeal`, { statement: 'x' }), 403)
  const appealed = await call(partner, 'POST', `/api/selections/${s.id}/appeal`, {
    statement: 'The breach was remediated and audited.',
  })
  assert.equal(appealed.statusCode, 200, appealed.body)
  assert.equal(appealed.json().appeal.reviewer.personId, officer2.person.id)

  const same = await call(officer, 'POST', `/api/selections/${s.id}/appeal/decision`, {
    outcome: 'upheld',
    reason: 'fine',
  })
  assertProblem(same, 403)
  assert.match(same.json().detail, /different program reviewer/)

  const decided = await call(officer2, 'POST', `/api/selections/${s.id}/appeal/decision`, {
    outcome: 'upheld',
    reason: 'Audit report reviewed',
  })
  assert.equal(decided.json().state, 'effective')
  const events = await call(lab, 'GET', `/api/selections/${s.id}/events`)
  assert.deepEqual(
    events.json().items.map((e: { kind: string }) => e.kind),
    ['proposed', 'refused', 'appealed', 'appeal_upheld'],
  )
})

test('4. evidence upload and download; another lab cannot act on a selection it cannot see', async (t) => {
  const { call, lab, otherLab, officer, partner, sub } = await build(t)
  await call(officer, 'POST', '/api/partners', {
    orgId: partner.org.id,
    sector: 'security_research',
  })
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.from('rest'),
  ])
  const up = await call(partner, 'POST', `/api/partners/${partner.org.id}/evidence`, {
    filename: 'certificate.png',
    contentType: 'image/png',
    contentBase64: png.toString('base64'),
  })
  assert.equal(up.statusCode, 201, up.body)
  const down = await call(
    officer,
    'GET',
    `/api/partners/${partner.org.id}/evidence/${up.json().id}`,
  )
  assert.equal(down.statusCode, 200)
  assert.equal(down.headers['content-type'], 'image/png')
  assert.match(
    String(down.headers['content-disposition']),
    /attachment; filename="certificate.png"/,
  )
  assert.deepEqual(down.rawPayload, png)
  assertProblem(
    await call(partner, 'POST', `/api/partners/${partner.org.id}/evidence`, {
      filename: '../etc/passwd',
      contentType: 'text/plain',
      contentBase64: 'aGk=',
    }),
    400,
    'filename',
  )

  await call(officer, 'POST', `/api/partners/${partner.org.id}/vetting`, { status: 'vetted' })
  const s = (
    await call(lab, 'POST', '/api/selections', {
      submissionId: sub.id,
      partnerOrgId: partner.org.id,
    })
  ).json()
  assertProblem(
    await call(otherLab, 'POST', `/api/selections/${s.id}/refuse`, {
      category: 'other',
      reason: 'x',
    }),
    404,
  )
  assertProblem(await call(otherLab, 'GET', `/api/selections/${s.id}`), 404)
  assert.deepEqual(
    (await call(otherLab, 'GET', `/api/selections?submissionId=${sub.id}`)).json().items,
    [],
  )
})

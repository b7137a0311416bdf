/** The HTTP assembly on its own: errors, request ids, headers, health, metrics, OpenAPI and access, with a fake authenticator port. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify, { type FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Principal } from '../../accounts/model.ts'
import { hashSecret } from '../crypto/secrets.ts'
import { AppError, ErrorCodes } from '../errors.ts'
import { createLogger } from '../log.ts'
import { testSettings } from '../testing.ts'
import type { Authenticator } from './access.ts'
import { buildHttp, type HttpEdge, type RouteModule } from './server.ts'

const officer: Principal = {
  personId: 'per_1',
  personName: 'Olive Officer',
  email: 'o@example.org',
  orgId: 'org_p',
  orgKind: 'program',
  orgName: 'Program',
  roles: ['program_officer'],
  via: 'token',
}

const fakeAuth: Authenticator = {
  fromToken: async (t) => (t === 'ew_pat_good' ? officer : null),
  fromSession: async (s) =>
    s === 'sess-1'
      ? { principal: { ...officer, via: 'session' }, csrfHash: hashSecret('csrf-1') }
      : null,
  hashCsrf: hashSecret,
}

const things: FastifyPluginAsync = async (root) => {
  const app = root.withTypeProvider<ZodTypeProvider>()
  app.post(
    '/things',
    {
      config: { access: { roles: ['program_officer'] } },
      schema: {
        body: z.object({ name: z.string().min(1).max(20), count: z.number().int() }).strict(),
        response: { 201: z.object({ name: z.string() }) },
      },
    },
    async (req, reply) => reply.status(201).send({ name: req.body.name }),
  )
  app.get('/boom', { config: { access: 'public' } }, async () => {
    throw new Error('secret internals: password=hunter2')
  })
  app.get('/gone', { config: { access: 'public' } }, async () => {
    throw new AppError(ErrorCodes.EW_NOT_FOUND, {
      detail: 'No thing with id t_1 is visible to you.',
    })
  })
  app.get('/mine', { config: { access: 'signed-in' } }, async (req) => ({
    who: req.principal?.personId,
  }))
}

async function build(
  t: { after(fn: () => Promise<void>): void },
  opts: {
    routes?: RouteModule[]
    publicUrl?: string
    ready?: () => Promise<void>
    edges?: HttpEdge[]
  } = {},
) {
  const app = await buildHttp({
    settings: testSettings(opts.publicUrl ? { EARLYWATCH_PUBLIC_URL: opts.publicUrl } : {}),
    log: createLogger('silent'),
    jobs: {
      stats: async () => [
        { name: 'program.deadline', queued: 3, active: 1, deferred: 2, failed: 0, total: 6 },
      ],
    },
    auth: fakeAuth,
    routes: opts.routes ?? [{ prefix: '/api', plugin: things }],
    ready: opts.ready ?? (async () => {}),
    ...(opts.edges ? { edges: opts.edges } : {}),
  })
  t.after(() => app.close())
  return app
}

const bearer = { authorization: 'Bearer ew_pat_good' }

test('errors are problem+json: not found, validation naming each field, unknown fields, bad JSON', async (t) => {
  const app = await build(t)
  const nf = await app.inject({ method: 'GET', url: '/api/nope' })
  assert.equal(nf.statusCode, 404)
  assert.equal(nf.headers['content-type'], 'application/problem+json; charset=utf-8')
  assert.equal(nf.json().code, 'EW_NOT_FOUND')

  const bad = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: bearer,
    payload: { name: '', count: 'x' },
  })
  assert.equal(bad.statusCode, 400)
  const body = bad.json()
  assert.equal(body.code, 'EW_VALIDATION')
  assert.deepEqual(body.errors.map((e: { path: string }) => e.path).sort(), [
    'body.count',
    'body.name',
  ])

  const extra = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: bearer,
    payload: { name: 'a', count: 1, admin: true },
  })
  assert.equal(extra.statusCode, 400)
  assert.match(extra.json().detail, /admin/)

  const broken = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: { ...bearer, 'content-type': 'application/json' },
    payload: '{"name":',
  })
  assert.equal(broken.statusCode, 400)
  assert.equal(broken.json().code, 'EW_VALIDATION')
})

test('oversized bodies get 413 and unsupported media types 415, as problem+json', async (t) => {
  const app = await build(t)
  const big = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: bearer,
    payload: { name: 'a', count: 1, pad: 'x'.repeat(2 * 1024 * 1024) },
  })
  assert.equal(big.statusCode, 413)
  assert.equal(big.json().code, 'EW_PAYLOAD_TOO_LARGE')
  const text = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: { ...bearer, 'content-type': 'text/csv' },
    payload: 'a,b',
  })
  assert.equal(text.statusCode, 415)
  assert.equal(text.json().code, 'EW_UNSUPPORTED_MEDIA_TYPE')
})

test('an unexpected error is a generic 500 carrying the request id, never the internal message', async (t) => {
  const app = await build(t)
  const res = await app.inject({
    method: 'GET',
    url: '/api/boom',
    headers: { 'x-request-id': 'trace-abc' },
  })
  assert.equal(res.statusCode, 500)
  assert.equal(res.headers['x-request-id'], 'trace-abc')
  assert.equal(res.json().instance, 'urn:request:trace-abc')
  assert.ok(!res.body.includes('hunter2'))
  const known = await app.inject({ method: 'GET', url: '/api/gone' })
  assert.equal(known.json().detail, 'No thing with id t_1 is visible to you.')
})

test('every response has a request id; an unsafe given one is replaced', async (t) => {
  const app = await build(t)
  const a = await app.inject({ method: 'GET', url: '/healthz' })
  assert.match(String(a.headers['x-request-id']), /^[0-9a-f-]{36}$/)
  const b = await app.inject({
    method: 'GET',
    url: '/healthz',
    headers: { 'x-request-id': 'bad id\n' },
  })
  assert.notEqual(b.headers['x-request-id'], 'bad id\n')
})

test('security headers: CSP always, HSTS only behind TLS', async (t) => {
  const plain = await build(t)
  const res = await plain.inject({ method: 'GET', url: '/healthz' })
  assert.match(String(res.headers['content-security-policy']), /default-src 'self'/)
  assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/)
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  assert.equal(res.headers['strict-transport-security'], undefined)
  const tls = await build(t, { publicUrl: 'https://earlywatch.example.org' })
  const r2 = await tls.inject({ method: 'GET', url: '/healthz' })
  assert.match(String(r2.headers['strict-transport-security']), /max-age=31536000/)
})

test('health and readiness', async (t) => {
  let up = true
  const app = await build(t, {
    ready: async () => {
      if (!up) throw new Error('database unreachable')
    },
  })
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
  up = false
  const r = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(r.statusCode, 503)
  assert.match(r.json().status, /database unreachable/)
})

test('metrics expose HTTP latency by route and job queue depth', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'GET', url: '/healthz' })
  const m = await app.inject({ method: 'GET', url: '/metrics' })
  assert.equal(m.statusCode, 200)
  assert.match(m.body, /earlywatch_http_request_duration_seconds_bucket\{[^}]*route="\/healthz"/)
  assert.match(m.body, /earlywatch_job_queue_depth\{queue="program.deadline",state="queued"\} 3/)
  assert.match(m.body, /earlywatch_job_failed\{queue="program.deadline"\} 0/)
})

test('OpenAPI 3.1 is generated from the route schemas, with a docs page', async (t) => {
  const app = await build(t)
  const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
  assert.equal(doc.openapi, '3.1.0')
  assert.ok(doc.paths['/api/things'].post.requestBody)
  const ui = await app.inject({ method: 'GET', url: '/api/docs/' })
  assert.equal(ui.statusCode, 200)
  assert.match(ui.body, /swagger/i)
})

test('access: anonymous 401, wrong role 403, session writes need the CSRF header, tokens do not', async (t) => {
  const app = await build(t)
  const payload = { name: 'a', count: 1 }
  assert.equal((await app.inject({ method: 'POST', url: '/api/things', payload })).statusCode, 401)
  const badToken = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: { authorization: 'Bearer ew_pat_nope' },
    payload,
  })
  assert.equal(badToken.json().code, 'EW_TOKEN_INVALID')
  const notBearer = await app.inject({
    method: 'GET',
    url: '/api/mine',
    headers: { authorization: 'Basic abc' },
  })
  assert.equal(notBearer.statusCode, 401)
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/things', headers: bearer, payload })).statusCode,
    201,
  )
  const cookie = { cookie: 'ew_session=sess-1' }
  const noCsrf = await app.inject({ method: 'POST', url: '/api/things', headers: cookie, payload })
  assert.equal(noCsrf.statusCode, 403)
  assert.equal(noCsrf.json().code, 'EW_CSRF')
  const wrong = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: { ...cookie, 'x-csrf-token': 'csrf-2' },
    payload,
  })
  assert.equal(wrong.statusCode, 403)
  const ok = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: { ...cookie, 'x-csrf-token': 'csrf-1' },
    payload,
  })
  assert.equal(ok.statusCode, 201)
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/mine', headers: cookie })).json().who,
    'per_1',
  )
})

test('a route that does not declare its access stops the server from starting', async (t) => {
  const careless: FastifyPluginAsync = async (app) => {
    app.get('/open', async () => 'oops')
  }
  await assert.rejects(
    build(t, { routes: [{ prefix: '/api', plugin: careless }] }),
    /declares no config.access/,
  )
})

test('a role-restricted route refuses a signed-in person without the role', async (t) => {
  const lab: Principal = { ...officer, roles: ['lab_member'], orgKind: 'lab' }
  const app = await buildHttp({
    settings: testSettings(),
    log: createLogger('silent'),
    jobs: { stats: async () => [] },
    auth: { ...fakeAuth, fromToken: async () => lab },
    routes: [{ prefix: '/api', plugin: things }],
    ready: async () => {},
  })
  t.after(() => app.close())
  const res = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: bearer,
    payload: { name: 'a', count: 1 },
  })
  assert.equal(res.statusCode, 403)
  assert.match(res.json().detail, /program_officer/)
})

test('closing the server lets an in-flight request finish, and refuses new work', async (t) => {
  let release!: () => void
  const gate = new Promise<void>((r) => {
    release = r
  })
  let started!: () => void
  const inFlight = new Promise<void>((r) => {
    started = r
  })
  const slow: FastifyPluginAsync = async (app) => {
    app.get('/slow', { config: { access: 'public' } }, async () => {
      started()
      await gate
      return { done: true }
    })
  }
  const app = await build(t, { routes: [{ prefix: '/api', plugin: slow }] })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }

  // 1. A request is in flight when shutdown begins.
  const response = fetch(`http://127.0.0.1:${port}/api/slow`)
  await inFlight
  const closed = app.close()
  // 2. New work is turned away: the connection is refused, or answered 503 while closing.
  const late = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.status,
    () => 'refused',
  )
  assert.ok(late === 'refused' || late === 503, `a request after shutdown began got ${late}`)
  // 3. The in-flight request still completes, and only then does close resolve.
  release()
  const res = await response
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { done: true })
  await closed
})

test('an edge serves its prefix on the same port without the app hooks, and is counted in the metrics', async (t) => {
  const edge = Fastify()
  edge.get('/edge/ping', async (req) => ({ pong: true, sawCookie: 'cookies' in req }))
  const app = await build(t, { edges: [{ prefix: '/edge/', app: edge }] })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }

  const res = await fetch(`http://127.0.0.1:${port}/edge/ping`)
  assert.equal(res.status, 200)
  // Answered by the edge: the app's cookie parser and security headers never ran.
  assert.deepEqual(await res.json(), { pong: true, sawCookie: false })
  assert.equal(res.headers.get('content-security-policy'), null)
  // Everything else is still the app's, with its headers.
  const health = await fetch(`http://127.0.0.1:${port}/healthz`)
  assert.equal(health.status, 200)
  assert.ok(health.headers.get('content-security-policy'))

  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text())
  assert.match(
    metrics,
    /earlywatch_http_requests_total\{method="GET",route="\/edge\/ping",status="200"\} 1/,
  )
})

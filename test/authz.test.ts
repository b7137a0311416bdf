/**
 * Route × role authorization over the whole application: every route the server registers
 * (including hidden and plugin routes) is called anonymously and as one person per role, and
 * the answer must match the route's declared `config.access`.
 */
import assert from 'node:assert/strict'
import diagnostics from 'node:diagnostics_channel'
import { type TestContext, test } from 'node:test'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { ROLE_NAMES, ROLES, type Role } from '../src/accounts/model.ts'
import { bearer, type SeededMember, seedMember } from '../src/accounts/testing.ts'
import { createHttpApp, createServices, type Services } from '../src/app.ts'
import { DAY_MS } from '../src/platform/clock.ts'
import type { Access } from '../src/platform/http/access.ts'
import { testRuntime } from '../src/platform/testing.ts'

interface RouteEntry {
  method: string
  url: string
  /** Read after start-up: the access plugin fills it in for plugin routes (docs, static files). */
  options: RouteOptions
  /** The Fastify instance that serves it: the application, or an edge of its own (the gateway). */
  app: FastifyInstance
}

/**
 * Fastify announces each new instance on the `fastify.initialization` diagnostics channel
 * before any plugin or route is registered, so an `onRoute` hook added there sees every route
 * the composition root registers, with its options, without the application knowing.
 */
async function buildAppRecordingRoutes(
  rt: Awaited<ReturnType<typeof testRuntime>>,
  services: Services,
): Promise<{ app: FastifyInstance; routes: RouteEntry[] }> {
  const seen: Array<{ options: RouteOptions; app: FastifyInstance }> = []
  const onInit = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance }
    fastify.addHook('onRoute', (route) => {
      seen.push({ options: route, app: fastify })
    })
  }
  diagnostics.subscribe('fastify.initialization', onInit)
  let app: FastifyInstance
  try {
    app = await createHttpApp(rt, services)
  } finally {
    diagnostics.unsubscribe('fastify.initialization', onInit)
  }
  await app.ready()
  const routes: RouteEntry[] = []
  for (const { options, app: owner } of seen) {
    const methods = Array.isArray(options.method) ? options.method : [options.method]
    // HEAD routes are Fastify's automatic mirrors of GET routes, with the same access.
    for (const method of methods)
      if (method !== 'HEAD') routes.push({ method, url: options.url, options, app: owner })
  }
  return { app, routes }
}

/**
 * The docs UI is registered before the access plugin, so its routes never get an `access`
 * and the access hook lets them through as public. Only they may lack one.
 */
const REGISTERED_BEFORE_ACCESS = /^\/api\/docs(\/|$)/

const declaredAccess = (r: RouteEntry) =>
  (r.options.config as { access?: Access } | undefined)?.access
const accessOf = (r: RouteEntry): Access =>
  declaredAccess(r) ?? (REGISTERED_BEFORE_ACCESS.test(r.url) ? 'public' : undeclared(r))
const undeclared = (r: RouteEntry): never => {
  throw new Error(`${r.method} ${r.url} declares no config.access`)
}

interface Persona extends SeededMember {
  role: Role
  /** A second token of this person's, for the revoke route to consume without locking them out. */
  spareTokenId: string
}

/** One person per role, each in a fresh organisation of the first kind the role fits. */
async function personas(services: Services): Promise<Persona[]> {
  const out: Persona[] = []
  for (const role of ROLE_NAMES) {
    const m = await seedMember(services.accounts, { kind: ROLES[role].kinds[0], roles: [role] })
    const spare = await services.accounts.issueToken({
      personId: m.person.id,
      orgId: m.org.id,
      name: 'spare',
    })
    out.push({ ...m, role, spareTokenId: spare.id })
  }
  return out
}

const hasSubmissions = (app: FastifyInstance) =>
  app.hasRoute({ method: 'GET', url: '/api/submissions' })

/** Registers one submission for a lab member; release dates well inside the allowed range. */
async function registerSubmission(services: Services, lab: SeededMember, now: Date, name: string) {
  return services.program.register(lab.principal, {
    modelName: name,
    modelVersion: '1.0',
    description: 'authorization test model',
    intendedCapabilities: ['code'],
    endpoint: {
      baseUrl: 'https://models.example.org/v1',
      protocol: 'openai',
      modelId: name,
      credential: 'sk-test-credential',
    },
    offeredDays: 30,
    partnerReleaseAt: new Date(now.getTime() + 60 * DAY_MS).toISOString(),
    publicReleaseAt: new Date(now.getTime() + 90 * DAY_MS).toISOString(),
  })
}

async function setup(t: TestContext) {
  const rt = await testRuntime(t, {
    // Demo routes must exist to be checked; sign-in routes are called once per role, so the
    // per-minute limit must not cut the matrix short.
    settings: { EARLYWATCH_DEMO: true, EARLYWATCH_SIGNIN_RATE_LIMIT: 10_000 },
  })
  const services = await createServices(rt)
  const { app, routes } = await buildAppRecordingRoutes(rt, services)
  t.after(() => app.close())
  return { rt, services, app, routes }
}

test('every route answers each role as its config.access declares', async (t) => {
  const { rt, services, app, routes } = await setup(t)
  assert.ok(
    routes.length > 20,
    `only ${routes.length} routes were seen; the route recorder is broken`,
  )
  for (const known of [
    'GET /api/session',
    'POST /api/orgs',
    'GET /api/admin/jobs',
    'GET /healthz',
  ]) {
    assert.ok(
      routes.some((r) => `${r.method} ${r.url}` === known),
      `${known} was not recorded`,
    )
  }
  const missing = routes.filter(
    (r) => declaredAccess(r) === undefined && !REGISTERED_BEFORE_ACCESS.test(r.url),
  )
  assert.deepEqual(
    missing.map((r) => `${r.method} ${r.url}`),
    [],
    'every route declares config.access',
  )

  const people = await personas(services)
  const labA = people.find((p) => p.role === 'lab_member')!
  const submissionId = hasSubmissions(app)
    ? (await registerSubmission(services, labA, rt.clock.now(), 'authz-a')).id
    : undefined

  /** Fills path parameters with ids of real rows the caller could legitimately name. */
  function urlFor(route: RouteEntry, who: Persona | undefined): string {
    return route.url.replace(/\*$/, 'authz-probe').replace(/:([A-Za-z]+)/g, (_, name: string) => {
      if (route.url.startsWith('/api/me/tokens/') && who) return who.spareTokenId
      if (route.url.startsWith('/api/submissions/') && submissionId) return submissionId
      if (name === 'orgId' && who) return who.org.id
      // Well-formed but unknown: the access check runs before any lookup, so it must still answer 401/403.
      return 'nope_00000000000000000000'
    })
  }

  async function call(route: RouteEntry, who: Persona | undefined) {
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(route.method)
    const res = await route.app.inject({
      method: route.method as 'GET',
      url: urlFor(route, who),
      headers: who ? bearer(who.token) : {},
      // Like the web client, unsafe requests always carry a JSON body; an empty one is enough
      // to get past routing, and validation (400) comes after the access check.
      ...(unsafe ? { payload: {} } : {}),
    })
    return res.statusCode
  }

  const failures: string[] = []
  let checks = 0
  for (const route of routes) {
    const access = accessOf(route)
    const label = `${route.method} ${route.url}`
    const anon = await call(route, undefined)
    checks++
    if (access === 'public') {
      if (anon === 401 || anon === 403) failures.push(`${label}: public, but anonymous got ${anon}`)
    } else if (anon !== 401) {
      failures.push(`${label}: anonymous should get 401, got ${anon}`)
    }
    for (const who of people) {
      const status = await call(route, who)
      checks++
      // Routes with a key of their own (the model gateway) take no person's token, whatever the role.
      if (access === 'own-key') {
        if (status !== 401)
          failures.push(
            `${label}: takes its own key, so ${who.role}'s API token should get 401, got ${status}`,
          )
        continue
      }
      const allowed =
        access === 'public' || access === 'signed-in' || access.roles.includes(who.role)
      if (allowed && (status === 401 || status === 403)) {
        failures.push(`${label}: ${who.role} is allowed, but got ${status}`)
      } else if (!allowed && status !== 403) {
        failures.push(`${label}: ${who.role} is not allowed, but got ${status} instead of 403`)
      }
    }
  }
  t.diagnostic(`${routes.length} routes × ${people.length + 1} callers: ${checks} checks`)
  assert.deepEqual(failures, [], `authorization mismatches:\n${failures.join('\n')}`)
})

test("a lab member cannot see another lab's submissions", async (t) => {
  const { rt, services, app } = await setup(t)
  if (!hasSubmissions(app)) {
    t.skip('the program routes (/api/submissions) are not registered yet')
    return
  }
  const labA = await seedMember(services.accounts, { kind: 'lab', roles: ['lab_member'] })
  const labB = await seedMember(services.accounts, { kind: 'lab', roles: ['lab_member'] })
  const officer = await seedMember(services.accounts, {
    kind: 'program',
    roles: ['program_officer'],
  })
  const own = await registerSubmission(services, labA, rt.clock.now(), 'model-a')
  const theirs = await registerSubmission(services, labB, rt.clock.now(), 'model-b')

  for (const url of [`/api/submissions/${theirs.id}`, `/api/submissions/${theirs.id}/events`]) {
    const res = await app.inject({ method: 'GET', url, headers: bearer(labA.token) })
    assert.equal(res.statusCode, 404, `${url}: another lab's submission is not disclosed`)
  }
  const withdraw = await app.inject({
    method: 'POST',
    url: `/api/submissions/${theirs.id}/withdraw`,
    headers: bearer(labA.token),
    payload: { reason: 'not mine to withdraw' },
  })
  assert.equal(withdraw.statusCode, 404)

  const list = await app.inject({
    method: 'GET',
    url: '/api/submissions',
    headers: bearer(labA.token),
  })
  assert.equal(list.statusCode, 200)
  const ids = list.json().items.map((s: { id: string }) => s.id)
  assert.deepEqual(ids, [own.id])
  assert.equal(list.json().total, 1)

  // Program staff see both.
  const all = await app.inject({
    method: 'GET',
    url: '/api/submissions',
    headers: bearer(officer.token),
  })
  assert.deepEqual(
    all
      .json()
      .items.map((s: { id: string }) => s.id)
      .sort(),
    [own.id, theirs.id].sort(),
  )
})

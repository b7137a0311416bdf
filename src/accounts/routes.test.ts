/** The accounts HTTP routes through the real HTTP assembly, service and database. */
import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { type Clock, DAY_MS, fixedClock, systemClock } from '../platform/clock.ts'
import { buildHttp } from '../platform/http/server.ts'
import { testRuntime } from '../platform/testing.ts'
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from './model.ts'
import { accountsRoutes } from './routes.ts'
import { type AccountsService, createAccountsService } from './service.ts'
import { bearer, seedMember } from './testing.ts'

const PASSWORD = 'correct horse battery staple'

async function build(
  t: TestContext,
  opts: { settings?: Record<string, unknown>; clock?: Clock } = {},
) {
  const clock = opts.clock ?? fixedClock('2026-03-01T12:00:00Z')
  const rt = await testRuntime(t, { clock, settings: opts.settings ?? {} })
  const accounts = createAccountsService({ db: rt.db, clock, settings: rt.settings })
  const app = await buildHttp({
    settings: rt.settings,
    log: rt.log,
    jobs: rt.jobs,
    auth: accounts,
    routes: [{ prefix: '/api', plugin: accountsRoutes({ accounts, settings: rt.settings }) }],
    ready: async () => {},
  })
  t.after(() => app.close())
  return { app, accounts, clock, rt }
}

/** A browser's view of a sign-in response: the cookie header to send back and the CSRF token. */
function browser(res: LightMyRequestResponse) {
  const jar = Object.fromEntries(res.cookies.map((c) => [c.name, c.value]))
  assert.ok(jar[SESSION_COOKIE], 'sets the session cookie')
  assert.ok(jar[CSRF_COOKIE], 'sets the CSRF cookie')
  return {
    cookie: `${SESSION_COOKIE}=${jar[SESSION_COOKIE]}; ${CSRF_COOKIE}=${jar[CSRF_COOKIE]}`,
    csrf: jar[CSRF_COOKIE]!,
  }
}

/** Headers of a browser signed in as this person (session cookie plus the CSRF header). */
async function sessionHeaders(accounts: AccountsService, personId: string, orgId?: string) {
  const s = await accounts.createSession(personId, orgId)
  return { cookie: `${SESSION_COOKIE}=${s.secret}`, [CSRF_HEADER]: s.csrf }
}

async function passwordSignIn(app: Awaited<ReturnType<typeof build>>['app'], email: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/session/password',
    payload: { email, password: PASSWORD },
  })
  assert.equal(res.statusCode, 200, res.body)
  return { res, ...browser(res) }
}

test('password sign-in sets an HttpOnly session cookie and a readable CSRF cookie, both SameSite=Strict', async (t) => {
  const { app, accounts } = await build(t, {
    settings: { EARLYWATCH_PUBLIC_URL: 'https://ew.example.org' },
  })
  const m = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'], password: PASSWORD })
  const { res, cookie } = await passwordSignIn(app, m.person.email)
  const session = res.cookies.find((c) => c.name === SESSION_COOKIE)!
  const csrf = res.cookies.find((c) => c.name === CSRF_COOKIE)!
  assert.equal(session.httpOnly, true)
  assert.equal(session.sameSite, 'Strict')
  assert.equal(session.secure, true)
  assert.equal(session.path, '/')
  assert.equal(csrf.httpOnly, undefined)
  assert.equal(csrf.sameSite, 'Strict')
  assert.equal(res.json().person.email, m.person.email)
  assert.doesNotMatch(res.body, /ew_ses_/, 'the body never carries the session secret')

  const me = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })
  assert.deepEqual(
    {
      signedIn: me.json().signedIn,
      roles: me.json().roles,
      org: me.json().org.id,
      via: me.json().via,
    },
    { signedIn: true, roles: ['lab_member'], org: m.org.id, via: 'session' },
  )
  const anon = await app.inject({ method: 'GET', url: '/api/session' })
  assert.deepEqual(anon.json(), { signedIn: false, roles: [], orgs: [], demo: false, oidc: false })

  const wrong = await app.inject({
    method: 'POST',
    url: '/api/session/password',
    payload: { email: m.person.email, password: 'nope nope nope' },
  })
  assert.equal(wrong.statusCode, 401)
  assert.equal(wrong.json().code, 'EW_TOKEN_INVALID')
  assert.equal(wrong.cookies.length, 0)
})

test('session cookies need the CSRF header on unsafe methods; API tokens do not', async (t) => {
  const { app, accounts } = await build(t)
  const m = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'], password: PASSWORD })
  const { cookie, csrf } = await passwordSignIn(app, m.person.email)
  const create = (headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/api/me/tokens', headers, payload: { name: 'ci' } })

  const missing = await create({ cookie })
  assert.equal(missing.statusCode, 403)
  assert.equal(missing.json().code, 'EW_CSRF')
  const wrong = await create({ cookie, [CSRF_HEADER]: 'not-the-token' })
  assert.equal(wrong.statusCode, 403)
  assert.equal(wrong.json().code, 'EW_CSRF')
  // Reads are safe methods: no header needed.
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/me/tokens', headers: { cookie } })).statusCode,
    200,
  )

  const ok = await create({ cookie, [CSRF_HEADER]: csrf })
  assert.equal(ok.statusCode, 201, ok.body)
  assert.equal(ok.headers['cache-control'], 'no-store')
  // Bearer requests carry no cookie, so there is nothing to forge and no header to send.
  const viaToken = await app.inject({
    method: 'DELETE',
    url: `/api/me/tokens/${ok.json().id}`,
    headers: bearer(m.token),
  })
  assert.equal(viaToken.statusCode, 204)
  const mint = await create(bearer(m.token))
  assert.equal(mint.statusCode, 400, 'a token cannot mint tokens that would outlive its revocation')
  assert.match(mint.json().detail, /earlywatch users token/)

  // Signing out ends the session for good, and clears the cookies.
  const out = await app.inject({
    method: 'DELETE',
    url: '/api/session',
    headers: { cookie, [CSRF_HEADER]: csrf },
  })
  assert.equal(out.statusCode, 204)
  assert.ok(out.cookies.every((c) => c.value === ''))
  const after = await app.inject({ method: 'GET', url: '/api/me/tokens', headers: { cookie } })
  assert.equal(after.statusCode, 401)
  const stale = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })
  assert.equal(stale.json().signedIn, false)
  assert.ok(
    stale.cookies.some((c) => c.name === SESSION_COOKIE && c.value === ''),
    'stale cookies are cleared',
  )
  const tokenSignOut = await app.inject({
    method: 'DELETE',
    url: '/api/session',
    headers: bearer(m.token),
  })
  assert.equal(tokenSignOut.statusCode, 400)
  assert.match(tokenSignOut.json().detail, /revoke it/)
})

test('API tokens: created once, used, listed without secrets, expired by the clock, revoked, scoped to one organisation', async (t) => {
  const clock = fixedClock('2026-03-01T12:00:00Z')
  const { app, accounts } = await build(t, { clock })
  const officer = await seedMember(accounts, { kind: 'program', roles: ['program_officer'] })
  const agency = await accounts.createOrg({ kind: 'agency', name: 'Agency' })
  await accounts.grant({ orgId: agency.id, personId: officer.person.id, role: 'auditor' })

  const created = await app.inject({
    method: 'POST',
    url: '/api/me/tokens',
    headers: await sessionHeaders(accounts, officer.person.id, officer.org.id),
    payload: { name: 'nightly', days: 3 },
  })
  assert.equal(created.statusCode, 201)
  const tok = created.json()
  assert.match(tok.token, /^ew_pat_[A-Za-z0-9_-]{43}$/)
  assert.equal(tok.orgId, officer.org.id, 'a token acts for the organisation it was created in')
  assert.equal(tok.expiresAt, new Date(clock.now().getTime() + 3 * DAY_MS).toISOString())

  const me = await app.inject({ method: 'GET', url: '/api/session', headers: bearer(tok.token) })
  assert.deepEqual(me.json().roles, ['program_officer'])
  const list = await app.inject({
    method: 'GET',
    url: '/api/me/tokens',
    headers: bearer(tok.token),
  })
  assert.equal(list.json().items.length, 2)
  assert.doesNotMatch(list.body, /ew_pat_[A-Za-z0-9_-]{20}/, 'lists show hints, never tokens')
  assert.doesNotMatch(list.body, /hash/i)

  // A token cannot move to another organisation: that needs a session or a token made there.
  const sw = await app.inject({
    method: 'POST',
    url: '/api/session/org',
    headers: bearer(tok.token),
    payload: { orgId: agency.id },
  })
  assert.equal(sw.statusCode, 400)

  clock.advance(3 * DAY_MS)
  const expired = await app.inject({
    method: 'GET',
    url: '/api/me/tokens',
    headers: bearer(tok.token),
  })
  assert.equal(expired.statusCode, 401)
  assert.equal(expired.json().code, 'EW_TOKEN_INVALID')

  const other = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const othersToken = (await accounts.listTokens(other.person.id))[0]!
  const steal = await app.inject({
    method: 'DELETE',
    url: `/api/me/tokens/${othersToken.id}`,
    headers: bearer(officer.token),
  })
  assert.equal(steal.statusCode, 404, "another person's token id is not found, not forbidden")
  assert.ok(await accounts.fromToken(other.token))

  const own = (await accounts.listTokens(officer.person.id)).find((x) => x.name === 'test')!
  const del = await app.inject({
    method: 'DELETE',
    url: `/api/me/tokens/${own.id}`,
    headers: bearer(officer.token),
  })
  assert.equal(del.statusCode, 204)
  const dead = await app.inject({
    method: 'GET',
    url: '/api/session',
    headers: bearer(officer.token),
  })
  assert.equal(
    dead.statusCode,
    401,
    'a revoked token is refused, even on public routes, rather than ignored',
  )
  const malformed = await app.inject({
    method: 'GET',
    url: '/api/session',
    headers: { authorization: 'Bearer abc' },
  })
  assert.equal(malformed.statusCode, 401)
  assert.match(malformed.json().detail, /ew_pat_/)
})

test('switching organisation: only to one where you hold a role', async (t) => {
  const { app, accounts } = await build(t)
  const m = await seedMember(accounts, { kind: 'program', roles: ['analyst'], password: PASSWORD })
  const agency = await accounts.createOrg({ kind: 'agency', name: 'Agency' })
  await accounts.grant({ orgId: agency.id, personId: m.person.id, role: 'agency_signatory' })
  const lab = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const { cookie, csrf } = await passwordSignIn(app, m.person.email)
  const headers = { cookie, [CSRF_HEADER]: csrf }

  const ok = await app.inject({
    method: 'POST',
    url: '/api/session/org',
    headers,
    payload: { orgId: agency.id },
  })
  assert.equal(ok.statusCode, 200, ok.body)
  assert.deepEqual(ok.json().roles, ['agency_signatory'])
  assert.equal(ok.json().orgs.length, 2)
  const denied = await app.inject({
    method: 'POST',
    url: '/api/session/org',
    headers,
    payload: { orgId: lab.org.id },
  })
  assert.equal(denied.statusCode, 404)
  const still = await app.inject({ method: 'GET', url: '/api/session', headers })
  assert.equal(still.json().org.id, agency.id)
})

test('password sign-in is rate limited: 429 problem+json with retry-after', async (t) => {
  const { app } = await build(t, { settings: { EARLYWATCH_SIGNIN_RATE_LIMIT: 3 } })
  const attempt = () =>
    app.inject({
      method: 'POST',
      url: '/api/session/password',
      payload: { email: 'a@example.org', password: 'guess guess guess' },
    })
  for (let i = 0; i < 3; i++) assert.equal((await attempt()).statusCode, 401)
  const limited = await attempt()
  assert.equal(limited.statusCode, 429)
  assert.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8')
  assert.equal(limited.json().code, 'EW_RATE_LIMITED')
  assert.ok(Number(limited.headers['retry-after']) > 0, 'says when to retry')
  // Other routes are not limited by sign-in attempts.
  assert.equal((await app.inject({ method: 'GET', url: '/api/session' })).statusCode, 200)
})

test('bad input is refused with the field named: unknown fields, wrong types, bad ids, oversized bodies', async (t) => {
  const { app, accounts } = await build(t, { settings: { EARLYWATCH_BODY_LIMIT: 1024 } })
  const m = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const browser = await sessionHeaders(accounts, m.person.id)
  const post = (payload: unknown) =>
    app.inject({
      method: 'POST',
      url: '/api/me/tokens',
      headers: browser,
      payload: payload as object,
    })

  const extra = await post({ name: 'x', admin: true })
  assert.equal(extra.statusCode, 400)
  assert.equal(extra.json().code, 'EW_VALIDATION')
  assert.match(extra.json().detail, /admin/)
  const type = await post({ name: 'x', days: 'ninety' })
  assert.equal(type.statusCode, 400)
  assert.deepEqual(
    type.json().errors.map((e: { path: string }) => e.path),
    ['body.days'],
  )
  const long = await post({ name: 'x', days: 366 })
  assert.equal(long.statusCode, 400)
  assert.match(long.json().detail, /body\.days/)
  const big = await post({ name: 'x'.repeat(2000) })
  assert.equal(big.statusCode, 413)
  assert.equal(big.json().code, 'EW_PAYLOAD_TOO_LARGE')
  const badId = await app.inject({
    method: 'DELETE',
    url: '/api/me/tokens/..%2F..%2Fetc',
    headers: bearer(m.token),
  })
  assert.equal(badId.statusCode, 400)
  assert.match(badId.json().detail, /params\.id/)
  const signinExtra = await app.inject({
    method: 'POST',
    url: '/api/session/password',
    payload: { email: 'a@b.c', password: 'p', remember: true },
  })
  assert.equal(signinExtra.statusCode, 400)
})

test('administration: organisations, people and roles, with misfit roles refused and no secrets in answers', async (t) => {
  const { app, accounts } = await build(t)
  const first = (await accounts.bootstrap({ publicUrl: 'http://localhost:8080' }))!
  const signIn = await app.inject({
    method: 'GET',
    url: `/api/session/link?${new URL(first.link).searchParams}`,
  })
  assert.equal(signIn.statusCode, 303)
  assert.equal(signIn.headers.location, '/')
  const { cookie, csrf } = browser(signIn)
  const again = await app.inject({
    method: 'GET',
    url: `/api/session/link?${new URL(first.link).searchParams}`,
  })
  assert.equal(again.statusCode, 401, 'a link signs in once')
  const inBrowser = await app.inject({
    method: 'GET',
    url: `/api/session/link?${new URL(first.link).searchParams}`,
    headers: { accept: 'text/html,application/xhtml+xml' },
  })
  assert.equal(inBrowser.statusCode, 303, 'a browser is sent to the sign-in page with the reason')
  assert.equal(inBrowser.headers.location, '/?signin=link-invalid')
  const headers = { cookie, [CSRF_HEADER]: csrf }

  const org = await app.inject({
    method: 'POST',
    url: '/api/orgs',
    headers,
    payload: { kind: 'lab', name: 'Frontier Lab' },
  })
  assert.equal(org.statusCode, 201, org.body)
  assert.equal(org.json().slug, 'frontier-lab')
  const dup = await app.inject({
    method: 'POST',
    url: '/api/orgs',
    headers,
    payload: { kind: 'lab', name: 'Frontier Lab' },
  })
  assert.equal(dup.statusCode, 409)

  const person = await app.inject({
    method: 'POST',
    url: '/api/people',
    headers,
    payload: { email: 'Lee@Frontier.example', name: 'Lee', password: PASSWORD },
  })
  assert.equal(person.statusCode, 201, person.body)
  assert.equal(person.json().email, 'lee@frontier.example')
  assert.equal(person.json().hasPassword, true)
  const badEmail = await app.inject({
    method: 'POST',
    url: '/api/people',
    headers,
    payload: { email: 'lee', name: 'Lee' },
  })
  assert.deepEqual(
    badEmail.json().errors.map((e: { path: string }) => e.path),
    ['body.email'],
  )

  const members = `/api/orgs/${org.json().id}/members`
  const misfit = await app.inject({
    method: 'POST',
    url: members,
    headers,
    payload: { personId: person.json().id, role: 'admin' },
  })
  assert.equal(misfit.statusCode, 400)
  assert.match(misfit.json().detail, /admin cannot be held in a lab organisation/)
  const granted = await app.inject({
    method: 'POST',
    url: members,
    headers,
    payload: { personId: person.json().id, role: 'lab_member' },
  })
  assert.equal(granted.statusCode, 201)
  assert.equal(
    granted.json().grantedBy,
    first && (await accounts.findPersonByEmail(first.email))!.id,
  )

  const people = await app.inject({ method: 'GET', url: '/api/people', headers })
  assert.equal(people.json().items.length, 2)
  assert.doesNotMatch(people.body, /scrypt|password_hash|passwordHash/)
  const orgs = await app.inject({ method: 'GET', url: '/api/orgs', headers })
  assert.equal(orgs.json().items.length, 2)

  const revoked = await app.inject({
    method: 'DELETE',
    url: members,
    headers,
    payload: { personId: person.json().id, role: 'lab_member' },
  })
  assert.equal(revoked.statusCode, 204)
  const twice = await app.inject({
    method: 'DELETE',
    url: members,
    headers,
    payload: { personId: person.json().id, role: 'lab_member' },
  })
  assert.equal(twice.statusCode, 404)

  const lab = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const forbidden = await app.inject({
    method: 'GET',
    url: '/api/people',
    headers: bearer(lab.token),
  })
  assert.equal(forbidden.statusCode, 403)
  assert.equal((await app.inject({ method: 'GET', url: '/api/orgs' })).statusCode, 401)
})

test('demo routes exist only in demo mode', async (t) => {
  const off = await build(t, { settings: { EARLYWATCH_DEMO: false } })
  assert.equal((await off.app.inject({ method: 'GET', url: '/api/session/demo' })).statusCode, 404)
  assert.equal(
    (await off.app.inject({ method: 'POST', url: '/api/session/demo', payload: { role: 'admin' } }))
      .statusCode,
    404,
  )

  const on = await build(t, { settings: { EARLYWATCH_DEMO: true } })
  const lab = await seedMember(on.accounts, { kind: 'lab', roles: ['lab_member'] })
  const personas = await on.app.inject({ method: 'GET', url: '/api/session/demo' })
  assert.deepEqual(personas.json(), [
    { role: 'lab_member', label: 'Lab member', personName: lab.person.name, orgName: lab.org.name },
  ])
  const s = await on.app.inject({
    method: 'POST',
    url: '/api/session/demo',
    payload: { role: 'lab_member' },
  })
  assert.equal(s.statusCode, 200)
  assert.equal(s.json().person.id, lab.person.id)
  assert.equal(s.json().demo, true)
  const unknown = await on.app.inject({
    method: 'POST',
    url: '/api/session/demo',
    payload: { role: 'overlord' },
  })
  assert.equal(unknown.statusCode, 400)
})

test('OIDC start answers "not configured" when no provider is set', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'GET', url: '/api/session/oidc/start' })
  assert.equal(res.statusCode, 404)
  assert.equal(res.json().code, 'EW_NOT_CONFIGURED')
  assert.match(res.json().detail, /OIDC_ISSUER/)
})

/**
 * A minimal OpenID provider on 127.0.0.1: discovery, JWKS and a token endpoint that checks
 * the PKCE verifier and signs an RS256 ID token. The browser's trip through its login page
 * is played by the test, which calls `authorize` with what the start URL carried.
 */
async function fakeProvider(t: TestContext) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const codes = new Map<
    string,
    { challenge: string; nonce: string; claims: Record<string, unknown> }
  >()
  const server = createServer((req, res) => {
    const url = new URL(req.url!, issuer)
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      })
    }
    if (url.pathname === '/jwks')
      return json(200, {
        keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }],
      })
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        const form = new URLSearchParams(body)
        const grant = codes.get(form.get('code') ?? '')
        codes.delete(form.get('code') ?? '')
        const verifier = form.get('code_verifier') ?? ''
        if (
          !grant ||
          createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
        ) {
          return json(400, { error: 'invalid_grant' })
        }
        const now = Math.floor(Date.now() / 1000)
        const idToken = jwt(privateKey, {
          iss: issuer,
          aud: 'earlywatch',
          iat: now,
          exp: now + 300,
          nonce: grant.nonce,
          ...grant.claims,
        })
        json(200, { access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: idToken })
      })
      return
    }
    json(404, { error: 'not_found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return {
    issuer,
    /** Plays the provider's login page: remembers the request and returns the code it would redirect with. */
    authorize(start: URL, claims: Record<string, unknown>) {
      const code = randomBytes(16).toString('hex')
      codes.set(code, {
        challenge: start.searchParams.get('code_challenge')!,
        nonce: start.searchParams.get('nonce')!,
        claims,
      })
      return code
    },
  }
}

function jwt(key: KeyObject, claims: Record<string, unknown>) {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${part(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
}

test('OIDC code flow with PKCE: known people sign in, unknown people and replayed states are refused', async (t) => {
  const idp = await fakeProvider(t)
  // ID tokens are checked against the real time, so this test runs on the system clock.
  const { app, accounts } = await build(t, {
    clock: systemClock,
    settings: {
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: 'earlywatch',
      OIDC_CLIENT_SECRET: 'test-secret',
    },
  })
  const m = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })

  const start = await app.inject({
    method: 'GET',
    url: '/api/session/oidc/start?returnTo=%2Fsubmissions',
  })
  assert.equal(start.statusCode, 302)
  const to = new URL(start.headers.location as string)
  assert.equal(`${to.origin}${to.pathname}`, `${idp.issuer}/authorize`)
  assert.equal(to.searchParams.get('code_challenge_method'), 'S256')
  assert.match(to.searchParams.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/)
  assert.ok(to.searchParams.get('state'))
  assert.ok(to.searchParams.get('nonce'))
  assert.equal(
    to.searchParams.get('redirect_uri'),
    'http://localhost:8080/api/session/oidc/callback',
  )

  const code = idp.authorize(to, {
    sub: 'idp-123',
    email: m.person.email.toUpperCase(),
    email_verified: true,
  })
  const callback = `/api/session/oidc/callback?code=${code}&state=${to.searchParams.get('state')}`
  const done = await app.inject({ method: 'GET', url: callback })
  assert.equal(done.statusCode, 303, done.body)
  assert.equal(done.headers.location, '/submissions')
  const { cookie } = browser(done)
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).json().person
      .id,
    m.person.id,
  )

  const replay = await app.inject({ method: 'GET', url: callback })
  assert.equal(replay.statusCode, 401, 'a state is good for one callback')
  assert.match(replay.json().detail, /unknown, already finished/)
  const forged = await app.inject({
    method: 'GET',
    url: '/api/session/oidc/callback?code=x&state=made-up',
  })
  assert.equal(forged.statusCode, 401)

  // Once linked, the provider's subject identifies the person even if the email changes.
  const again = new URL(
    (
      await app.inject({
        method: 'GET',
        url: '/api/session/oidc/start?returnTo=https://evil.example',
      })
    ).headers.location as string,
  )
  const code2 = idp.authorize(again, {
    sub: 'idp-123',
    email: 'renamed@elsewhere.example',
    email_verified: true,
  })
  const linked = await app.inject({
    method: 'GET',
    url: `/api/session/oidc/callback?code=${code2}&state=${again.searchParams.get('state')}`,
  })
  assert.equal(linked.statusCode, 303)
  assert.equal(linked.headers.location, '/', 'returnTo outside this site is ignored')

  const stranger = new URL(
    (await app.inject({ method: 'GET', url: '/api/session/oidc/start' })).headers
      .location as string,
  )
  const code3 = idp.authorize(stranger, {
    sub: 'idp-999',
    email: 'stranger@example.org',
    email_verified: true,
  })
  const refused = await app.inject({
    method: 'GET',
    url: `/api/session/oidc/callback?code=${code3}&state=${stranger.searchParams.get('state')}`,
  })
  assert.equal(refused.statusCode, 403)
  assert.match(
    refused.json().detail,
    /no earlywatch account for stranger@example.org.*administrator must create it/,
  )

  // The person cancels at the provider: it comes back with an error instead of a code.
  const cancelled = new URL(
    (await app.inject({ method: 'GET', url: '/api/session/oidc/start' })).headers
      .location as string,
  )
  const denied = await app.inject({
    method: 'GET',
    url: `/api/session/oidc/callback?error=access_denied&state=${cancelled.searchParams.get('state')}`,
  })
  assert.equal(denied.statusCode, 401)
  assert.match(denied.json().detail, /did not confirm this sign-in \(access_denied\)/)

  // An unverified email does not adopt an existing account.
  const other = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const unverified = new URL(
    (await app.inject({ method: 'GET', url: '/api/session/oidc/start' })).headers
      .location as string,
  )
  const code4 = idp.authorize(unverified, {
    sub: 'idp-555',
    email: other.person.email,
    email_verified: false,
  })
  const notAdopted = await app.inject({
    method: 'GET',
    url: `/api/session/oidc/callback?code=${code4}&state=${unverified.searchParams.get('state')}`,
  })
  assert.equal(notAdopted.statusCode, 403)
  assert.match(notAdopted.json().detail, /not verified/)
})

test('the routes are described in the OpenAPI document', async (t) => {
  const { app } = await build(t, { settings: { EARLYWATCH_DEMO: true } })
  const res = await app.inject({ method: 'GET', url: '/api/openapi.json' })
  assert.equal(res.statusCode, 200, res.body)
  const paths = res.json().paths
  for (const p of [
    '/api/session',
    '/api/session/password',
    '/api/me/tokens/{id}',
    '/api/orgs/{orgId}/members',
  ]) {
    assert.ok(paths[p], `${p} is documented`)
  }
  assert.deepEqual(paths['/api/session/password'].post.tags, ['accounts'])
  const body = paths['/api/me/tokens'].post.requestBody.content['application/json'].schema
  assert.equal(
    body.additionalProperties,
    false,
    'unknown fields are refused, and the document says so',
  )
})

/** The accounts service against a real (PGlite or PostgreSQL) database. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DAY_MS, fixedClock } from '../platform/clock.ts'
import { isAppError } from '../platform/errors.ts'
import { testRuntime } from '../platform/testing.ts'
import { TOKEN_PREFIX } from './model.ts'
import { createAccountsService } from './service.ts'
import { seedMember } from './testing.ts'

async function setup(t: import('node:test').TestContext, settings: Record<string, unknown> = {}) {
  const clock = fixedClock('2026-03-01T12:00:00Z')
  const rt = await testRuntime(t, { clock, settings })
  const accounts = createAccountsService({ db: rt.db, clock, settings: rt.settings })
  return { rt, clock, accounts }
}

const rejectsWith = (p: Promise<unknown>, code: string, match?: RegExp) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(isAppError(err), `expected an AppError, got ${String(err)}`)
    assert.equal(err.code, code)
    if (match) assert.match(err.detail, match)
    return true
  })

test('seedMember gives a principal and a working token scoped to its organisation', async (t) => {
  const { accounts } = await setup(t)
  const m = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  assert.ok(m.token.startsWith(TOKEN_PREFIX))
  assert.deepEqual(m.principal.roles, ['lab_member'])
  const p = await accounts.fromToken(m.token)
  assert.equal(p?.orgId, m.org.id)
  assert.equal(p?.via, 'token')
  assert.equal(p?.tokenId !== undefined, true)
})

test('tokens expire, can be revoked only by their owner, and need a role in their organisation', async (t) => {
  const { accounts, clock } = await setup(t)
  const a = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const b = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })

  const short = await accounts.issueToken({
    personId: a.person.id,
    orgId: a.org.id,
    name: 'ci',
    days: 2,
  })
  assert.equal(short.expiresAt.getTime(), clock.now().getTime() + 2 * DAY_MS)
  assert.ok(await accounts.fromToken(short.token))
  clock.advance(2 * DAY_MS)
  assert.equal(await accounts.fromToken(short.token), null, 'expired exactly at expiresAt')

  const listed = await accounts.listTokens(a.person.id)
  assert.equal(listed.length, 2)
  assert.ok(listed.every((x) => !('tokenHash' in x) && !('token' in x)))

  await rejectsWith(accounts.revokeToken(b.person.id, short.id), 'EW_NOT_FOUND')
  await accounts.revokeToken(a.person.id, short.id)
  await accounts.revokeToken(a.person.id, short.id) // revoking twice is harmless

  // A's token cannot be minted for B's lab, where A holds no role.
  await rejectsWith(
    accounts.issueToken({ personId: a.person.id, orgId: b.org.id, name: 'x' }),
    'EW_FORBIDDEN',
  )
  await rejectsWith(
    accounts.issueToken({ personId: a.person.id, orgId: a.org.id, name: 'x', days: 366 }),
    'EW_VALIDATION',
    /days/,
  )
  await rejectsWith(
    accounts.issueToken({ personId: a.person.id, orgId: a.org.id, name: 'x', days: 0 }),
    'EW_VALIDATION',
    /days/,
  )

  // Losing the role kills the token: it acts only while its owner belongs to the organisation.
  await accounts.revoke({ orgId: a.org.id, personId: a.person.id, role: 'lab_member' })
  assert.equal(await accounts.fromToken(a.token), null)
})

test('roles must fit the kind of organisation', async (t) => {
  const { accounts } = await setup(t)
  const lab = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  await rejectsWith(
    accounts.grant({ orgId: lab.org.id, personId: lab.person.id, role: 'admin' }),
    'EW_VALIDATION',
    /admin cannot be held in a lab organisation.*fits program/,
  )
  await rejectsWith(
    accounts.grant({ orgId: lab.org.id, personId: lab.person.id, role: 'wizard' }),
    'EW_VALIDATION',
    /not a role/,
  )
  const agency = await accounts.createOrg({ kind: 'agency', name: 'Cyber Agency' })
  assert.equal(agency.slug, 'cyber-agency')
  await accounts.grant({ orgId: agency.id, personId: lab.person.id, role: 'auditor' })
  const orgs = await accounts.orgsOf(lab.person.id)
  assert.deepEqual(orgs.map((o) => o.roles).sort(), [['auditor'], ['lab_member']])
  await rejectsWith(
    accounts.createOrg({ kind: 'agency', name: 'Cyber Agency' }),
    'EW_CONFLICT',
    /slug "cyber-agency" is taken/,
  )
  await rejectsWith(accounts.createOrg({ kind: 'club', name: 'X' }), 'EW_VALIDATION', /kind/)
  await rejectsWith(
    accounts.createOrg({ kind: 'lab', name: 'X', slug: 'Bad Slug' }),
    'EW_VALIDATION',
    /slug/,
  )
})

test('password sign-in: one answer for unknown email and wrong password', async (t) => {
  const { accounts } = await setup(t)
  const m = await seedMember(accounts, {
    kind: 'lab',
    roles: ['lab_member'],
    password: 'correct horse battery',
  })
  const s = await accounts.signInWithPassword(m.person.email.toUpperCase(), 'correct horse battery')
  assert.equal(s.principal.orgId, m.org.id)
  const viaCookie = await accounts.fromSession(s.secret)
  assert.equal(viaCookie?.principal.sessionId, s.sessionId)
  assert.equal(viaCookie?.csrfHash, accounts.hashCsrf(s.csrf))

  const wrong = await accounts
    .signInWithPassword(m.person.email, 'wrong horse battery')
    .catch((e) => e)
  const unknown = await accounts
    .signInWithPassword('nobody@example.org', 'wrong horse battery')
    .catch((e) => e)
  assert.equal(wrong.code, 'EW_TOKEN_INVALID')
  assert.equal(unknown.code, wrong.code)
  assert.equal(unknown.detail, wrong.detail)

  await rejectsWith(
    accounts.createPerson({ email: 'x@example.org', name: 'X', password: 'short' }),
    'EW_VALIDATION',
    /password/,
  )
  await rejectsWith(
    accounts.createPerson({ email: 'not-an-email', name: 'X' }),
    'EW_VALIDATION',
    /email/,
  )
  await rejectsWith(
    accounts.createPerson({ email: m.person.email, name: 'X' }),
    'EW_CONFLICT',
    /already exists/,
  )
})

test('sessions expire after settings.sessionHours, can be revoked, and switch only to own organisations', async (t) => {
  const { accounts, clock } = await setup(t, { EARLYWATCH_SESSION_HOURS: 2 })
  const a = await seedMember(accounts, { kind: 'program', roles: ['program_officer'] })
  const other = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const agency = await accounts.createOrg({ kind: 'agency', name: 'Agency' })
  await accounts.grant({ orgId: agency.id, personId: a.person.id, role: 'auditor' })

  const s = await accounts.createSession(a.person.id, a.org.id)
  const switched = await accounts.switchOrg(s.principal, agency.id)
  assert.deepEqual(switched.roles, ['auditor'])
  assert.equal((await accounts.fromSession(s.secret))?.principal.orgId, agency.id)
  await rejectsWith(accounts.switchOrg(s.principal, other.org.id), 'EW_NOT_FOUND')

  clock.advance(2 * 3_600_000 - 1)
  assert.ok(await accounts.fromSession(s.secret))
  clock.advance(1)
  assert.equal(await accounts.fromSession(s.secret), null)

  const s2 = await accounts.createSession(a.person.id)
  await accounts.revokeSession(s2.sessionId)
  assert.equal(await accounts.fromSession(s2.secret), null)

  const loner = await accounts.createPerson({ email: 'loner@example.org', name: 'Loner' })
  await rejectsWith(
    accounts.createSession(loner.id),
    'EW_FORBIDDEN',
    /do not belong to any organisation/,
  )
})

test('sign-in links work once, for 24 hours', async (t) => {
  const { accounts, clock } = await setup(t)
  const m = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const tokenOf = (link: string) => new URL(link).searchParams.get('token')!

  const { link } = await accounts.issueSigninLink(m.person.id)
  assert.match(link, /^http:\/\/localhost:\d+\/api\/session\/link\?token=ew_lnk_/)
  const s = await accounts.signInWithLink(tokenOf(link))
  assert.equal(s.principal.personId, m.person.id)
  await rejectsWith(accounts.signInWithLink(tokenOf(link)), 'EW_TOKEN_INVALID', /already used/)

  const old = await accounts.issueSigninLink(m.person.id)
  clock.advance(DAY_MS)
  await rejectsWith(accounts.signInWithLink(tokenOf(old.link)), 'EW_TOKEN_INVALID')
  await rejectsWith(accounts.signInWithLink('ew_lnk_forged'), 'EW_TOKEN_INVALID')
})

test('bootstrap creates the program and its administrator once', async (t) => {
  const { accounts } = await setup(t)
  const first = await accounts.bootstrap({ publicUrl: 'https://ew.example.org' })
  assert.ok(first)
  assert.equal(first.email, 'admin@localhost')
  assert.match(first.link, /^https:\/\/ew\.example\.org\/api\/session\/link\?token=/)
  assert.ok(first.message.includes(first.link))
  assert.equal(await accounts.bootstrap({ publicUrl: 'https://ew.example.org' }), null)

  const s = await accounts.signInWithLink(new URL(first.link).searchParams.get('token')!)
  assert.deepEqual(s.principal.roles, ['admin'])
  assert.equal(s.principal.orgKind, 'program')
  // The last administrator cannot be removed: nobody could manage accounts afterwards.
  await rejectsWith(
    accounts.revoke({ orgId: s.principal.orgId, personId: s.principal.personId, role: 'admin' }),
    'EW_CONFLICT',
    /last administrator/,
  )
})

test('demo personas: one per role, demo-domain people first', async (t) => {
  const { accounts } = await setup(t, { EARLYWATCH_DEMO: true })
  await accounts.bootstrap({ publicUrl: 'http://localhost:8080' })
  const program = (await accounts.listOrgs())[0]!
  const demoAdmin = await accounts.createPerson({
    email: 'admin@demo.earlywatch.test',
    name: 'Ada Admin',
  })
  await accounts.grant({ orgId: program.id, personId: demoAdmin.id, role: 'admin' })
  await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const lab = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const lena = await accounts.createPerson({
    email: 'lab-member@demo.earlywatch.test',
    name: 'Lena',
  })
  await accounts.grant({ orgId: lab.org.id, personId: lena.id, role: 'lab_member' })

  const personas = await accounts.demoPersonas()
  assert.deepEqual(
    personas.map((p) => [p.role, p.personName]),
    [
      ['admin', 'Ada Admin'],
      ['lab_member', 'Lena'],
    ],
  )
  assert.equal(personas[0]!.label, 'Administrator')
  const s = await accounts.signInAsDemo('lab_member')
  assert.equal(s.principal.orgId, lab.org.id)
  await rejectsWith(accounts.signInAsDemo('vendor_member'), 'EW_NOT_FOUND', /earlywatch demo/)
})

test('demo sign-in is refused outside demo mode', async (t) => {
  const { accounts } = await setup(t, { EARLYWATCH_DEMO: false })
  await rejectsWith(accounts.signInAsDemo('admin'), 'EW_NOT_CONFIGURED')
})

test('creating the same person or slug twice at once: one succeeds, the other hears why', async (t) => {
  const { accounts } = await setup(t)
  const people = await Promise.allSettled([
    accounts.createPerson({ email: 'twin@example.org', name: 'One' }),
    accounts.createPerson({ email: 'twin@example.org', name: 'Two' }),
  ])
  assert.deepEqual(people.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
  const lost = people.find((r) => r.status === 'rejected') as PromiseRejectedResult
  assert.equal(lost.reason.code, 'EW_CONFLICT')

  const orgs = await Promise.allSettled([
    accounts.createOrg({ kind: 'lab', name: 'Twin Lab' }),
    accounts.createOrg({ kind: 'lab', name: 'Twin Lab' }),
  ])
  assert.deepEqual(orgs.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
})

/**
 * Accounts use cases: organisations, people and their roles, API tokens, browser sessions,
 * and every way to sign in (password, one-time link, OpenID Connect, demo personas).
 * Implements the HTTP layer's `Authenticator` port.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import * as oidc from 'openid-client'
import type { Settings } from '../config.ts'
import type { Clock } from '../platform/clock.ts'
import { DAY_MS } from '../platform/clock.ts'
import { hashSecret, newSecret } from '../platform/crypto/secrets.ts'
import type { Db, Queryable } from '../platform/db/db.ts'
import { AppError, ErrorCodes, forbidden, invalid, notFound } from '../platform/errors.ts'
import type { Authenticator } from '../platform/http/access.ts'
import { newId } from '../platform/ids.ts'
import {
  DEMO_EMAIL_DOMAIN,
  type DemoPersona,
  isOrgKind,
  isRole,
  type Membership,
  normaliseEmail,
  OIDC_LOGIN_MINUTES,
  type Org,
  type OrgKind,
  type OrgWithRoles,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  type Person,
  type PersonWithMemberships,
  type Principal,
  ROLE_NAMES,
  ROLES,
  type Role,
  roleFitsOrg,
  SESSION_SECRET_PREFIX,
  SIGNIN_LINK_HOURS,
  SIGNIN_LINK_PREFIX,
  SLUG_PATTERN,
  safeReturnTo,
  slugify,
  TOKEN_DEFAULT_DAYS,
  TOKEN_MAX_DAYS,
  TOKEN_PREFIX,
  type TokenInfo,
} from './model.ts'
import * as store from './store.ts'

export interface AccountsDeps {
  db: Pick<Db, 'query' | 'transaction'>
  clock: Clock
  settings: Pick<Settings, 'publicUrl' | 'sessionHours' | 'demo' | 'oidc'>
}

/** A new browser session. `secret` and `csrf` go into cookies and are never stored or shown again. */
export interface NewSession {
  sessionId: string
  secret: string
  csrf: string
  expiresAt: Date
  principal: Principal
}

export interface NewToken {
  /** The bearer token itself: shown to its owner once, stored only as a hash. */
  token: string
  id: string
  name: string
  hint: string
  orgId: string
  expiresAt: Date
}

/** What GET /api/session answers, minus the server's own flags. */
export interface SessionView {
  signedIn: boolean
  person?: { id: string; name: string; email: string }
  org?: { id: string; name: string; kind: OrgKind }
  via?: 'token' | 'session'
  roles: Role[]
  orgs: OrgWithRoles[]
}

export interface AccountsService extends Authenticator {
  createOrg(input: { kind: string; name: string; slug?: string | undefined }): Promise<Org>
  listOrgs(): Promise<Org[]>
  getOrg(id: string): Promise<Org>
  findOrgBySlug(slug: string): Promise<Org | null>
  /** With `membership`, the person is created and granted the role in one transaction, or neither. */
  createPerson(input: {
    email: string
    name: string
    password?: string | undefined
    membership?: { orgId: string; role: string; grantedBy?: string | undefined } | undefined
  }): Promise<Person>
  findPersonByEmail(email: string): Promise<Person | null>
  getPerson(id: string): Promise<Person>
  listPeople(): Promise<PersonWithMemberships[]>
  grant(input: {
    orgId: string
    personId: string
    role: string
    grantedBy?: string | undefined
  }): Promise<Membership>
  revoke(input: { orgId: string; personId: string; role: string }): Promise<void>
  orgsOf(personId: string): Promise<OrgWithRoles[]>
  /** The principal `personId` acts as in `orgId`; throws when they hold no role there. */
  principalFor(personId: string, orgId: string): Promise<Principal>
  issueToken(input: {
    personId: string
    orgId: string
    name: string
    days?: number | undefined
  }): Promise<NewToken>
  listTokens(personId: string): Promise<TokenInfo[]>
  revokeToken(personId: string, id: string): Promise<void>
  signInWithPassword(email: string, password: string, userAgent?: string): Promise<NewSession>
  issueSigninLink(personId: string, publicUrl?: string): Promise<{ link: string; expiresAt: Date }>
  signInWithLink(token: string, userAgent?: string): Promise<NewSession>
  createSession(personId: string, orgId?: string, userAgent?: string): Promise<NewSession>
  switchOrg(principal: Principal, orgId: string): Promise<Principal>
  revokeSession(sessionId: string): Promise<void>
  describe(principal: Principal | null): Promise<SessionView>
  readonly oidcEnabled: boolean
  /** The identity provider's authorization URL to send the browser to. */
  startOidc(returnTo?: string): Promise<string>
  /** Completes the code flow from the callback URL the identity provider redirected to. */
  finishOidc(callbackUrl: URL, userAgent?: string): Promise<NewSession & { returnTo: string }>
  demoPersonas(): Promise<DemoPersona[]>
  signInAsDemo(role: string, userAgent?: string): Promise<NewSession>
  /** On an empty database, creates the program organisation and its first administrator. */
  bootstrap(input: {
    publicUrl: string
  }): Promise<{ message: string; email: string; link: string } | null>
}

const HOUR_MS = 3_600_000
export const BOOTSTRAP_ADMIN_EMAIL = 'admin@localhost'
export const PROGRAM_ORG_NAME = 'earlywatch program'

// scrypt at N=2^15, r=8 costs ~32 MiB and tens of milliseconds per guess. The parameters are
// stored with each hash, so they can be raised later without invalidating existing passwords.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keylen: 32 }
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, SCRYPT.keylen, {
    ...SCRYPT,
    maxmem: 128 * SCRYPT.N * SCRYPT.r * 2,
  })
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$')
  if (alg !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const N = Number(n)
  const R = Number(r)
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, {
    N,
    r: R,
    p: Number(p),
    maxmem: 128 * N * R * 2,
  })
  return timingSafeEqual(key, expected)
}

// Unknown emails are checked against this hash too, so the answer takes as long as for a
// known email with a wrong password and response times do not reveal who has an account.
let decoyHash: Promise<string> | undefined
const decoy = () => {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'))
  return decoyHash
}

const WRONG_PASSWORD = () =>
  new AppError(ErrorCodes.EW_TOKEN_INVALID, {
    detail:
      'The email or password is wrong. Check both, or ask an administrator for a one-time sign-in link.',
  })

function checkEmail(raw: string): string {
  const email = normaliseEmail(raw)
  // Deliberately loose: the one real check of an address is a message reaching it.
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw invalid('email', `"${raw}" is not an email address; use the form name@example.org`)
  }
  return email
}

function checkName(field: string, name: string): string {
  const n = name.trim()
  if (n.length < 1 || n.length > 200) throw invalid(field, 'must be 1 to 200 characters')
  return n
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw invalid(
      'password',
      `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters; a passphrase of several words is easiest`,
    )
  }
}

function checkRole(role: string): Role {
  if (!isRole(role))
    throw invalid('role', `"${role}" is not a role; use one of ${ROLE_NAMES.join(', ')}`)
  return role
}

interface NewPerson {
  email: string
  name: string
  passwordHash: string | null
}

/**
 * Two requests creating the same email or slug at once both pass the look-up; the unique
 * index decides, and the loser gets the same conflict as if it had come second.
 */
async function unique<T>(insert: Promise<T>, conflict: () => AppError): Promise<T> {
  try {
    return await insert
  } catch (err) {
    if ((err as { code?: unknown }).code === '23505') throw conflict()
    throw err
  }
}

const toPrincipal = (
  a: store.Actor,
  via: Principal['via'],
  ids: { sessionId?: string; tokenId?: string } = {},
): Principal => ({ ...a, via, ...ids })

/** Loopback identity providers (local development, tests) may speak plain http; any other must use https. */
function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
}

export function createAccountsService(deps: AccountsDeps): AccountsService {
  const { db, clock, settings } = deps
  const redirectUri = `${settings.publicUrl}/api/session/oidc/callback`
  let oidcConfig: Promise<oidc.Configuration> | undefined

  function oidcConfiguration(): Promise<oidc.Configuration> {
    const o = settings.oidc
    if (!o) {
      throw new AppError(ErrorCodes.EW_NOT_CONFIGURED, {
        detail:
          'Sign-in with OpenID Connect is not configured on this server. An operator can set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.',
      })
    }
    if (!oidcConfig) {
      const issuer = new URL(o.issuer)
      oidcConfig = oidc
        .discovery(issuer, o.clientId, o.clientSecret, undefined, {
          ...(issuer.protocol === 'http:' && isLoopback(issuer)
            ? { execute: [oidc.allowInsecureRequests] }
            : {}),
        })
        .catch((err: unknown) => {
          // Forget the failure so the next attempt tries again once the provider is back.
          oidcConfig = undefined
          throw new AppError(ErrorCodes.EW_UNAVAILABLE, {
            detail: `The identity provider at ${o.issuer} cannot be reached or did not describe itself; try again later, or check OIDC_ISSUER.`,
            message: `OIDC discovery failed: ${(err as Error).message}`,
            cause: err,
          })
        })
    }
    return oidcConfig
  }

  async function requireOrg(q: Queryable, id: string): Promise<Org> {
    const org = await store.findOrg(q, id)
    if (!org) throw notFound('organisation', id)
    return org
  }

  async function requirePerson(q: Queryable, id: string): Promise<Person> {
    const p = await store.findPerson(q, id)
    if (!p) throw notFound('person', id)
    return p
  }

  async function principalIn(q: Queryable, personId: string, orgId: string, via: Principal['via']) {
    const actor = await store.findActor(q, personId, orgId)
    if (!actor) {
      const [person, org] = await Promise.all([
        store.findPerson(q, personId),
        store.findOrg(q, orgId),
      ])
      throw forbidden(
        `${person?.email ?? `Person ${personId}`} holds no role in ${org ? `${org.name} (${org.slug})` : `organisation ${orgId}`}; an administrator must grant one first (earlywatch users grant).`,
      )
    }
    return toPrincipal(actor, via)
  }

  async function createSession(
    personId: string,
    orgId?: string,
    userAgent?: string,
  ): Promise<NewSession> {
    return db.transaction(async (tx) => {
      let target = orgId
      if (!target) {
        // People in several organisations start in the first one and switch with POST /api/session/org.
        target = (await store.orgsOf(tx, personId))[0]?.id
        if (!target) {
          throw forbidden(
            'You do not belong to any organisation yet, so there is nothing to sign in to. Ask an administrator to grant you a role (earlywatch users grant).',
          )
        }
      }
      const principal = await principalIn(tx, personId, target, 'session')
      const now = clock.now()
      const secret = newSecret(SESSION_SECRET_PREFIX)
      const csrf = randomBytes(32).toString('base64url')
      const sessionId = newId('ses')
      const expiresAt = new Date(now.getTime() + settings.sessionHours * HOUR_MS)
      await store.insertSession(tx, {
        id: sessionId,
        personId,
        orgId: target,
        secretHash: hashSecret(secret),
        csrfHash: hashSecret(csrf),
        createdAt: now,
        expiresAt,
        userAgent: userAgent?.slice(0, 500) ?? null,
      })
      return { sessionId, secret, csrf, expiresAt, principal: { ...principal, sessionId } }
    })
  }

  /**
   * Checks the input and hashes the password before any transaction starts: scrypt takes tens
   * of milliseconds, and no database lock (PGlite has one connection) should wait on it.
   */
  async function preparePerson(input: {
    email: string
    name: string
    password?: string | undefined
  }): Promise<NewPerson> {
    const email = checkEmail(input.email)
    const name = checkName('name', input.name)
    if (input.password !== undefined) checkPassword(input.password)
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password)
    return { email, name, passwordHash }
  }

  async function insertPerson(q: Queryable, p: NewPerson): Promise<Person> {
    const taken = () =>
      new AppError(ErrorCodes.EW_CONFLICT, {
        detail: `A person with email ${p.email} already exists.`,
        errors: [{ path: 'email', message: 'belongs to another person already' }],
      })
    if (await store.findCredentialsByEmail(q, p.email)) throw taken()
    return unique(store.insertPerson(q, { id: newId('per'), ...p, createdAt: clock.now() }), taken)
  }

  async function createOrg(
    q: Queryable,
    input: { kind: string; name: string; slug?: string | undefined },
  ) {
    if (!isOrgKind(input.kind))
      throw invalid(
        'kind',
        `"${input.kind}" is not an organisation kind; use one of program, agency, lab, partner, vendor, operator`,
      )
    const name = checkName('name', input.name)
    const slug = input.slug ?? slugify(name)
    if (!SLUG_PATTERN.test(slug)) {
      throw invalid(
        'slug',
        input.slug === undefined
          ? `cannot derive a slug from "${name}"; pass one: lower-case letters, digits and dashes`
          : `"${slug}" must be 1 to 63 lower-case letters, digits or dashes, starting with a letter or digit`,
      )
    }
    const taken = () =>
      new AppError(ErrorCodes.EW_CONFLICT, {
        detail: `The slug "${slug}" is taken by another organisation; choose another slug.`,
        errors: [{ path: 'slug', message: 'is taken by another organisation' }],
      })
    if (await store.findOrgBySlug(q, slug)) throw taken()
    return unique(
      store.insertOrg(q, {
        id: newId('org'),
        kind: input.kind,
        name,
        slug,
        createdAt: clock.now(),
      }),
      taken,
    )
  }

  async function grant(
    q: Queryable,
    input: { orgId: string; personId: string; role: string; grantedBy?: string | undefined },
  ): Promise<Membership> {
    const role = checkRole(input.role)
    const org = await requireOrg(q, input.orgId)
    await requirePerson(q, input.personId)
    if (!roleFitsOrg(role, org.kind)) {
      throw invalid(
        'role',
        `${role} cannot be held in a ${org.kind} organisation (${org.name}); it fits ${ROLES[role].kinds.join(' or ')} organisations`,
      )
    }
    return store.upsertMembership(q, {
      orgId: org.id,
      personId: input.personId,
      role,
      grantedBy: input.grantedBy ?? null,
      grantedAt: clock.now(),
    })
  }

  async function issueSigninLink(personId: string, publicUrl = settings.publicUrl) {
    const person = await requirePerson(db, personId)
    if (person.disabledAt) throw forbidden(`${person.email} is disabled and cannot sign in.`)
    const token = newSecret(SIGNIN_LINK_PREFIX)
    const now = clock.now()
    const expiresAt = new Date(now.getTime() + SIGNIN_LINK_HOURS * HOUR_MS)
    await store.insertSigninLink(db, {
      tokenHash: hashSecret(token),
      personId,
      createdAt: now,
      expiresAt,
    })
    return { link: `${publicUrl}/api/session/link?token=${encodeURIComponent(token)}`, expiresAt }
  }

  return {
    hashCsrf: hashSecret,

    async fromToken(token) {
      if (!token.startsWith(TOKEN_PREFIX)) return null
      const now = clock.now()
      const actor = await store.findTokenActor(db, hashSecret(token), now)
      if (!actor) return null
      await store.touchToken(db, actor.tokenId, now)
      const { tokenId, ...rest } = actor
      return toPrincipal(rest, 'token', { tokenId })
    },

    async fromSession(secret) {
      if (!secret.startsWith(SESSION_SECRET_PREFIX)) return null
      const s = await store.findSessionActor(db, hashSecret(secret), clock.now())
      if (!s) return null
      const { sessionId, csrfHash, ...rest } = s
      return { principal: toPrincipal(rest, 'session', { sessionId }), csrfHash }
    },

    createOrg: (input) => db.transaction((tx) => createOrg(tx, input)),
    listOrgs: () => store.listOrgs(db),
    getOrg: (id) => requireOrg(db, id),
    findOrgBySlug: (slug) => store.findOrgBySlug(db, slug),

    async createPerson(input) {
      const p = await preparePerson(input)
      return db.transaction(async (tx) => {
        const person = await insertPerson(tx, p)
        if (input.membership) await grant(tx, { ...input.membership, personId: person.id })
        return person
      })
    },
    async findPersonByEmail(email) {
      return (await store.findCredentialsByEmail(db, normaliseEmail(email)))?.person ?? null
    },
    getPerson: (id) => requirePerson(db, id),
    listPeople: () => store.listPeople(db),

    grant: (input) => db.transaction((tx) => grant(tx, input)),

    async revoke(input) {
      const role = checkRole(input.role)
      await db.transaction(async (tx) => {
        if (role === 'admin' && (await store.countRoleHolders(tx, 'admin')) <= 1) {
          const held = await store.findActor(tx, input.personId, input.orgId)
          if (held?.roles.includes('admin')) {
            throw new AppError(ErrorCodes.EW_CONFLICT, {
              detail:
                'This is the last administrator; grant admin to someone else first, or nobody could manage accounts.',
            })
          }
        }
        if (!(await store.deleteMembership(tx, { ...input, role }))) {
          throw new AppError(ErrorCodes.EW_NOT_FOUND, {
            detail: `Person ${input.personId} does not hold the role ${role} in organisation ${input.orgId}.`,
          })
        }
      })
    },

    orgsOf: (personId) => store.orgsOf(db, personId),
    principalFor: (personId, orgId) => principalIn(db, personId, orgId, 'token'),

    async issueToken(input) {
      const days = input.days ?? TOKEN_DEFAULT_DAYS
      if (!Number.isInteger(days) || days < 1 || days > TOKEN_MAX_DAYS) {
        throw invalid('days', `must be a whole number of days from 1 to ${TOKEN_MAX_DAYS}`)
      }
      const name = input.name.trim()
      if (name.length < 1 || name.length > 100) throw invalid('name', 'must be 1 to 100 characters')
      return db.transaction(async (tx) => {
        // A token acts for exactly one organisation, so its owner must hold a role there now.
        await principalIn(tx, input.personId, input.orgId, 'token')
        const token = newSecret(TOKEN_PREFIX)
        const now = clock.now()
        const t = {
          id: newId('tok'),
          personId: input.personId,
          orgId: input.orgId,
          name,
          hint: `${token.slice(0, TOKEN_PREFIX.length + 4)}…`,
          tokenHash: hashSecret(token),
          createdAt: now,
          expiresAt: new Date(now.getTime() + days * DAY_MS),
        }
        await store.insertToken(tx, t)
        return { token, id: t.id, name, hint: t.hint, orgId: t.orgId, expiresAt: t.expiresAt }
      })
    },

    listTokens: (personId) => store.listTokens(db, personId),

    async revokeToken(personId, id) {
      const r = await db.transaction((tx) => store.revokeToken(tx, personId, id, clock.now()))
      // Another person's token answers exactly like a missing one, so ids reveal nothing.
      if (r === 'missing') throw notFound('API token', id)
    },

    async signInWithPassword(email, password, userAgent) {
      const creds = await store.findCredentialsByEmail(db, normaliseEmail(email))
      if (!creds?.passwordHash || password.length > PASSWORD_MAX_LENGTH) {
        await verifyPassword(password.slice(0, PASSWORD_MAX_LENGTH), await decoy())
        throw WRONG_PASSWORD()
      }
      const ok = await verifyPassword(password, creds.passwordHash)
      if (!ok || creds.person.disabledAt) throw WRONG_PASSWORD()
      return createSession(creds.person.id, undefined, userAgent)
    },

    issueSigninLink,

    async signInWithLink(token, userAgent) {
      const personId = token.startsWith(SIGNIN_LINK_PREFIX)
        ? await store.consumeSigninLink(db, hashSecret(token), clock.now())
        : null
      if (!personId) {
        throw new AppError(ErrorCodes.EW_TOKEN_INVALID, {
          detail: `This sign-in link is unknown, already used or more than ${SIGNIN_LINK_HOURS} hours old. Ask an administrator for a new one (earlywatch users link).`,
        })
      }
      return createSession(personId, undefined, userAgent)
    },

    createSession,

    async switchOrg(principal, orgId) {
      if (principal.via !== 'session' || !principal.sessionId) {
        throw new AppError(ErrorCodes.EW_BAD_REQUEST, {
          detail:
            'An API token acts for the one organisation it was created for; create a token in the other organisation instead.',
        })
      }
      const next = await store.findActor(db, principal.personId, orgId)
      if (!next) throw notFound('organisation you belong to', orgId)
      await store.setSessionOrg(db, principal.sessionId, orgId)
      return toPrincipal(next, 'session', { sessionId: principal.sessionId })
    },

    revokeSession: (sessionId) => store.revokeSession(db, sessionId, clock.now()),

    async describe(principal) {
      if (!principal) return { signedIn: false, roles: [], orgs: [] }
      return {
        signedIn: true,
        person: { id: principal.personId, name: principal.personName, email: principal.email },
        org: { id: principal.orgId, name: principal.orgName, kind: principal.orgKind },
        via: principal.via,
        roles: principal.roles,
        orgs: await store.orgsOf(db, principal.personId),
      }
    },

    oidcEnabled: settings.oidc !== undefined,

    async startOidc(returnTo) {
      const config = await oidcConfiguration()
      const state = oidc.randomState()
      const nonce = oidc.randomNonce()
      const codeVerifier = oidc.randomPKCECodeVerifier()
      const now = clock.now()
      await store.insertOidcLogin(db, {
        state,
        nonce,
        codeVerifier,
        returnTo: safeReturnTo(returnTo),
        createdAt: now,
        expiresAt: new Date(now.getTime() + OIDC_LOGIN_MINUTES * 60_000),
      })
      return oidc
        .buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: 'openid email profile',
          state,
          nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
          code_challenge_method: 'S256',
        })
        .toString()
    },

    async finishOidc(callbackUrl, userAgent) {
      const config = await oidcConfiguration()
      const state = callbackUrl.searchParams.get('state')
      const login = state ? await store.takeOidcLogin(db, state, clock.now()) : null
      if (!state || !login) {
        throw new AppError(ErrorCodes.EW_TOKEN_INVALID, {
          detail: `This sign-in attempt is unknown, already finished or older than ${OIDC_LOGIN_MINUTES} minutes. Start again from the sign-in page.`,
        })
      }
      let claims: oidc.IDToken | undefined
      try {
        const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: login.codeVerifier,
          expectedState: state,
          expectedNonce: login.nonce,
          idTokenExpected: true,
        })
        claims = tokens.claims()
      } catch (err) {
        // `error` is the provider's own reason, e.g. access_denied when the person cancelled.
        const reason = callbackUrl.searchParams.get('error')
        throw new AppError(ErrorCodes.EW_TOKEN_INVALID, {
          detail: `The identity provider did not confirm this sign-in${reason ? ` (${reason.slice(0, 100)})` : ''}. Start again from the sign-in page.`,
          message: `OIDC code exchange failed: ${(err as Error).message}`,
          cause: err,
        })
      }
      if (!claims)
        throw new AppError(ErrorCodes.EW_TOKEN_INVALID, {
          detail: 'The identity provider sent no ID token.',
        })
      const issuer = config.serverMetadata().issuer
      const subject = claims.sub
      const email = typeof claims.email === 'string' ? normaliseEmail(claims.email) : undefined
      let person = (await store.findCredentialsByOidc(db, issuer, subject))?.person
      if (!person && email && claims.email_verified === true) {
        // First sign-in through the provider: adopt the account an administrator created for
        // this (provider-verified) email, and remember the subject so later email changes don't matter.
        const byEmail = await store.findCredentialsByEmail(db, email)
        if (
          byEmail &&
          byEmail.oidcSubject === null &&
          (await store.linkOidc(db, byEmail.person.id, issuer, subject))
        ) {
          person = byEmail.person
        }
      }
      if (!person || person.disabledAt) {
        throw forbidden(
          `There is no earlywatch account for ${email ?? `subject ${subject}`}${email && claims.email_verified !== true ? ' (the identity provider has not verified this email)' : ''}. An administrator must create it first (earlywatch users create --email …), then you can sign in.`,
        )
      }
      const session = await createSession(person.id, undefined, userAgent)
      return { ...session, returnTo: login.returnTo }
    },

    async demoPersonas() {
      const personas = await store.demoPersonas(db, DEMO_EMAIL_DOMAIN)
      return personas
        .map((p) => ({ ...p, label: ROLES[p.role]?.label ?? p.role }))
        .sort((a, b) => ROLE_NAMES.indexOf(a.role) - ROLE_NAMES.indexOf(b.role))
    },

    async signInAsDemo(role, userAgent) {
      if (!settings.demo) {
        throw new AppError(ErrorCodes.EW_NOT_CONFIGURED, {
          detail: 'Demo sign-in exists only in demo mode (EARLYWATCH_DEMO=true).',
        })
      }
      const r = checkRole(role)
      const persona = (await store.demoPersonas(db, DEMO_EMAIL_DOMAIN)).find((p) => p.role === r)
      if (!persona) {
        throw new AppError(ErrorCodes.EW_NOT_FOUND, {
          detail: `Nobody holds the role ${r} yet, so there is no demo persona for it. Load the demo data with \`earlywatch demo\`.`,
        })
      }
      return createSession(persona.personId, persona.orgId, userAgent)
    },

    async bootstrap({ publicUrl }) {
      const admin = await db.transaction(async (tx) => {
        // Several processes may start at once on a fresh database; one of them bootstraps.
        await tx.query('SELECT pg_advisory_xact_lock(7215001)')
        if ((await store.countPeople(tx)) > 0) return null
        const org = await createOrg(tx, { kind: 'program', name: PROGRAM_ORG_NAME })
        const person = await insertPerson(tx, {
          email: BOOTSTRAP_ADMIN_EMAIL,
          name: 'Administrator',
          passwordHash: null,
        })
        await grant(tx, { orgId: org.id, personId: person.id, role: 'admin' })
        return person
      })
      if (!admin) return null
      const { link } = await issueSigninLink(admin.id, publicUrl)
      return {
        email: admin.email,
        link,
        message: `First start: created the administrator ${admin.email}. Sign in within ${SIGNIN_LINK_HOURS} hours with this one-time link:\n  ${link}\nThen add organisations and people with \`earlywatch orgs create\` and \`earlywatch users create\`, or through the API (/api/docs).`,
      }
    },
  }
}

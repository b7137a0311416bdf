/** HTTP routes for signing in and out, the organisation switcher, API tokens, and administering accounts. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Settings } from '../config.ts'
import { AppError, ErrorCodes, isAppError } from '../platform/errors.ts'
import { type Access, requirePrincipal } from '../platform/http/access.ts'
import { ID_PATTERN } from '../platform/ids.ts'
import {
  CSRF_COOKIE,
  ORG_KINDS,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  ROLE_NAMES,
  type Role,
  SESSION_COOKIE,
  SLUG_PATTERN,
  TOKEN_DEFAULT_DAYS,
  TOKEN_MAX_DAYS,
} from './model.ts'
import type { AccountsService, NewSession } from './service.ts'

const ZRole = z.enum(ROLE_NAMES as [Role, ...Role[]])
const ZOrgKind = z.enum(ORG_KINDS)
const ZId = z.string().regex(ID_PATTERN, 'must be an id such as org_0123456789abcdef')

const ZOrgWithRoles = z.object({
  id: z.string(),
  name: z.string(),
  kind: ZOrgKind,
  slug: z.string(),
  roles: z.array(ZRole),
})

export const ZSession = z.object({
  signedIn: z.boolean(),
  person: z.object({ id: z.string(), name: z.string(), email: z.string() }).optional(),
  org: z.object({ id: z.string(), name: z.string(), kind: ZOrgKind }).optional(),
  via: z.enum(['token', 'session']).optional(),
  roles: z.array(ZRole),
  orgs: z.array(ZOrgWithRoles),
  demo: z.boolean().describe('Demo mode: personas can sign in without a password'),
  oidc: z.boolean().describe('Sign-in with OpenID Connect is available'),
})

const ZPasswordSignIn = z
  .object({
    email: z.string().min(1).max(254),
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  })
  .strict()

const ZPersona = z.object({
  role: ZRole,
  label: z.string(),
  personName: z.string(),
  orgName: z.string(),
})

export const ZOrg = z.object({
  id: z.string(),
  kind: ZOrgKind,
  name: z.string(),
  slug: z.string(),
  createdAt: z.date(),
})
export const ZCreateOrgRequest = z
  .object({
    kind: ZOrgKind,
    name: z.string().trim().min(1).max(200),
    slug: z
      .string()
      .regex(
        SLUG_PATTERN,
        'must be 1 to 63 lower-case letters, digits or dashes, starting with a letter or digit',
      )
      .optional()
      .describe('Derived from the name when omitted'),
  })
  .strict()

export const ZPerson = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  hasPassword: z.boolean(),
  disabledAt: z.date().nullable(),
  createdAt: z.date(),
})
const ZPersonWithMemberships = ZPerson.extend({
  memberships: z.array(
    z.object({ orgId: z.string(), orgName: z.string(), orgKind: ZOrgKind, role: ZRole }),
  ),
})
export const ZCreatePersonRequest = z
  .object({
    email: z.email().max(254),
    name: z.string().trim().min(1).max(200),
    password: z
      .string()
      .min(PASSWORD_MIN_LENGTH)
      .max(PASSWORD_MAX_LENGTH)
      .optional()
      .describe('Omit for people who sign in with OpenID Connect or a one-time link'),
  })
  .strict()

const ZMemberRequest = z.object({ personId: ZId, role: ZRole }).strict()
const ZMembership = z.object({
  orgId: z.string(),
  personId: z.string(),
  role: ZRole,
  grantedBy: z.string().nullable(),
  grantedAt: z.date(),
})

const ZTokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  hint: z.string().describe('The first characters of the token, to tell tokens apart'),
  orgId: z.string(),
  orgName: z.string(),
  createdAt: z.date(),
  expiresAt: z.date(),
  revokedAt: z.date().nullable(),
  lastUsedAt: z.date().nullable(),
})
export const ZCreateTokenRequest = z
  .object({
    name: z.string().trim().min(1).max(100).describe('What the token is for, e.g. "CI upload"'),
    days: z
      .number()
      .int()
      .min(1)
      .max(TOKEN_MAX_DAYS)
      .default(TOKEN_DEFAULT_DAYS)
      .describe(`Lifetime in days (default ${TOKEN_DEFAULT_DAYS}, at most ${TOKEN_MAX_DAYS})`),
  })
  .strict()
const ZNewToken = z.object({
  token: z.string().describe('The token itself. It is shown only this once: store it now.'),
  id: z.string(),
  name: z.string(),
  hint: z.string(),
  orgId: z.string(),
  expiresAt: z.date(),
})

const ZNoContent = z.null().describe('No content')
const ZRedirect = z.null().describe('Redirect')
const tags = ['accounts']

export interface AccountsRoutesDeps {
  accounts: AccountsService
  settings: Pick<Settings, 'demo' | 'secureCookies' | 'signinRateLimit' | 'publicUrl'>
}

/**
 * @example
 * await app.register(accountsRoutes({ accounts, settings }), { prefix: '/api' })
 */
export function accountsRoutes(deps: AccountsRoutesDeps): FastifyPluginAsync {
  const { accounts, settings } = deps
  const admin: Access = { roles: ['admin'] }
  // Sign-in guesses are limited per client address; the limit is a setting for busy NATs.
  const signIn = {
    access: 'public',
    rateLimit: { max: settings.signinRateLimit, timeWindow: '1 minute' },
  } as const

  function setSessionCookies(reply: FastifyReply, s: NewSession) {
    const common = {
      sameSite: 'strict',
      secure: settings.secureCookies,
      path: '/',
      expires: s.expiresAt,
    } as const
    reply.setCookie(SESSION_COOKIE, s.secret, { ...common, httpOnly: true })
    // Readable by the page, which echoes it in x-csrf-token; another site can neither read nor send it.
    reply.setCookie(CSRF_COOKIE, s.csrf, { ...common, httpOnly: false })
  }

  function clearSessionCookies(reply: FastifyReply) {
    const common = { sameSite: 'strict', secure: settings.secureCookies, path: '/' } as const
    reply.clearCookie(SESSION_COOKIE, { ...common, httpOnly: true })
    reply.clearCookie(CSRF_COOKIE, common)
  }

  /** A browser signing in again replaces the session it had, so old cookies stop working at once. */
  async function startSession(req: FastifyRequest, reply: FastifyReply, s: NewSession) {
    if (req.principal?.via === 'session' && req.principal.sessionId) {
      await accounts.revokeSession(req.principal.sessionId)
    }
    setSessionCookies(reply, s)
  }

  const view = async (p: Parameters<AccountsService['describe']>[0]) => ({
    ...(await accounts.describe(p)),
    demo: settings.demo,
    oidc: accounts.oidcEnabled,
  })

  const userAgent = (req: FastifyRequest) => req.headers['user-agent']

  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()

    app.get(
      '/session',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            'Who is signed in, for which organisation, and which organisations they can switch to',
          response: { 200: ZSession },
        },
      },
      async (req, reply) => {
        // An expired or revoked session's cookies are dropped, so the browser stops sending them.
        if (!req.principal && req.cookies[SESSION_COOKIE]) clearSessionCookies(reply)
        return view(req.principal)
      },
    )

    app.post(
      '/session/password',
      {
        config: signIn,
        schema: {
          tags,
          summary: 'Sign in with email and password; sets the ew_session and ew_csrf cookies',
          body: ZPasswordSignIn,
          response: { 200: ZSession },
        },
      },
      async (req, reply) => {
        const s = await accounts.signInWithPassword(
          req.body.email,
          req.body.password,
          userAgent(req),
        )
        await startSession(req, reply, s)
        return view(s.principal)
      },
    )

    app.get(
      '/session/link',
      {
        config: signIn,
        schema: {
          tags,
          summary: 'Sign in with a one-time link, then go to the web UI',
          querystring: z.object({ token: z.string().min(1).max(200) }).strict(),
          response: { 303: ZRedirect },
        },
      },
      async (req, reply) => {
        let s: Awaited<ReturnType<typeof accounts.signInWithLink>>
        try {
          s = await accounts.signInWithLink(req.query.token, userAgent(req))
        } catch (err) {
          // A person clicking an old link in a browser should land on the sign-in page with a
          // readable reason, not on a JSON document; API clients still get problem+json.
          if (isAppError(err, 'EW_TOKEN_INVALID') && req.headers.accept?.includes('text/html')) {
            return reply.redirect('/?signin=link-invalid', 303)
          }
          throw err
        }
        await startSession(req, reply, s)
        return reply.redirect('/', 303)
      },
    )

    app.get(
      '/session/oidc/start',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'Start signing in with the OpenID Connect provider (code flow with PKCE)',
          querystring: z
            .object({
              returnTo: z
                .string()
                .max(2000)
                .optional()
                .describe('A path on this site to return to'),
            })
            .strict(),
          response: { 302: ZRedirect },
        },
      },
      async (req, reply) => reply.redirect(await accounts.startOidc(req.query.returnTo), 302),
    )

    app.get(
      '/session/oidc/callback',
      {
        config: signIn,
        schema: {
          tags,
          summary: 'Where the OpenID Connect provider sends the browser back',
          // Providers add parameters of their own (session_state, scope, iss…), so unknown ones are allowed here.
          querystring: z.looseObject({
            state: z.string().max(500).optional(),
            code: z.string().max(4000).optional(),
          }),
          response: { 303: ZRedirect },
        },
      },
      async (req, reply) => {
        const url = new URL(`${settings.publicUrl}/api/session/oidc/callback`)
        const q = req.url.indexOf('?')
        if (q >= 0) url.search = req.url.slice(q)
        const s = await accounts.finishOidc(url, userAgent(req))
        await startSession(req, reply, s)
        return reply.redirect(s.returnTo, 303)
      },
    )

    if (settings.demo) {
      app.get(
        '/session/demo',
        {
          config: { access: 'public' },
          schema: {
            tags,
            summary: 'Demo mode: the personas one can sign in as, one per role',
            response: { 200: z.array(ZPersona) },
          },
        },
        async () =>
          (await accounts.demoPersonas()).map(({ role, label, personName, orgName }) => ({
            role,
            label,
            personName,
            orgName,
          })),
      )
      app.post(
        '/session/demo',
        {
          config: signIn,
          schema: {
            tags,
            summary: 'Demo mode: sign in as the persona for a role',
            body: z.object({ role: ZRole }).strict(),
            response: { 200: ZSession },
          },
        },
        async (req, reply) => {
          const s = await accounts.signInAsDemo(req.body.role, userAgent(req))
          await startSession(req, reply, s)
          return view(s.principal)
        },
      )
    }

    app.post(
      '/session/org',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary: 'Switch the organisation this browser session acts for',
          body: z.object({ orgId: ZId }).strict(),
          response: { 200: ZSession },
        },
      },
      async (req) => view(await accounts.switchOrg(requirePrincipal(req), req.body.orgId)),
    )

    app.delete(
      '/session',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary: 'Sign out: ends this browser session',
          response: { 204: ZNoContent },
        },
      },
      async (req, reply) => {
        const p = requirePrincipal(req)
        if (p.via !== 'session' || !p.sessionId) {
          throw new AppError(ErrorCodes.EW_BAD_REQUEST, {
            detail:
              'This request used an API token, which has no session to end. To stop the token working, revoke it: DELETE /api/me/tokens/{id}.',
          })
        }
        await accounts.revokeSession(p.sessionId)
        clearSessionCookies(reply)
        return reply.status(204).send(null)
      },
    )

    app.get(
      '/me/tokens',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary: 'Your API tokens, including expired and revoked ones',
          response: { 200: z.object({ items: z.array(ZTokenInfo) }) },
        },
      },
      async (req) => ({ items: await accounts.listTokens(requirePrincipal(req).personId) }),
    )

    app.post(
      '/me/tokens',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary:
            'Create an API token acting for you in the organisation you act for now (browser sessions only); the token is shown once',
          body: ZCreateTokenRequest,
          response: { 201: ZNewToken },
        },
      },
      async (req, reply) => {
        const p = requirePrincipal(req)
        if (p.via !== 'session') {
          // A leaked token that could mint new ones would outlive its own revocation.
          throw new AppError(ErrorCodes.EW_BAD_REQUEST, {
            detail:
              'API tokens cannot create API tokens. Create one while signed in to the web UI, or with `earlywatch users token`.',
          })
        }
        const t = await accounts.issueToken({
          personId: p.personId,
          orgId: p.orgId,
          name: req.body.name,
          days: req.body.days,
        })
        // The one response that carries a secret: never cache it anywhere.
        reply.header('cache-control', 'no-store')
        return reply.status(201).send(t)
      },
    )

    app.delete(
      '/me/tokens/:id',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary: 'Revoke one of your API tokens',
          params: z.object({ id: ZId }).strict(),
          response: { 204: ZNoContent },
        },
      },
      async (req, reply) => {
        await accounts.revokeToken(requirePrincipal(req).personId, req.params.id)
        return reply.status(204).send(null)
      },
    )

    app.get(
      '/orgs',
      {
        config: { access: admin },
        schema: {
          tags,
          summary: 'All organisations',
          response: { 200: z.object({ items: z.array(ZOrg) }) },
        },
      },
      async () => ({ items: await accounts.listOrgs() }),
    )

    app.post(
      '/orgs',
      {
        config: { access: admin },
        schema: {
          tags,
          summary: 'Create an organisation',
          body: ZCreateOrgRequest,
          response: { 201: ZOrg },
        },
      },
      async (req, reply) => reply.status(201).send(await accounts.createOrg(req.body)),
    )

    app.get(
      '/people',
      {
        config: { access: admin },
        schema: {
          tags,
          summary: 'All people and the roles they hold',
          response: { 200: z.object({ items: z.array(ZPersonWithMemberships) }) },
        },
      },
      async () => ({ items: await accounts.listPeople() }),
    )

    app.post(
      '/people',
      {
        config: { access: admin },
        schema: {
          tags,
          summary: 'Create a person (grant them a role next, so they can sign in)',
          body: ZCreatePersonRequest,
          response: { 201: ZPerson },
        },
      },
      async (req, reply) => reply.status(201).send(await accounts.createPerson(req.body)),
    )

    const ZOrgParams = z.object({ orgId: ZId }).strict()

    app.post(
      '/orgs/:orgId/members',
      {
        config: { access: admin },
        schema: {
          tags,
          summary:
            'Grant a person a role in an organisation (the role must fit the kind of organisation)',
          params: ZOrgParams,
          body: ZMemberRequest,
          response: { 201: ZMembership },
        },
      },
      async (req, reply) =>
        reply.status(201).send(
          await accounts.grant({
            orgId: req.params.orgId,
            personId: req.body.personId,
            role: req.body.role,
            grantedBy: requirePrincipal(req).personId,
          }),
        ),
    )

    app.delete(
      '/orgs/:orgId/members',
      {
        config: { access: admin },
        schema: {
          tags,
          summary: 'Revoke a role from a person in an organisation',
          params: ZOrgParams,
          body: ZMemberRequest,
          response: { 204: ZNoContent },
        },
      },
      async (req, reply) => {
        await accounts.revoke({
          orgId: req.params.orgId,
          personId: req.body.personId,
          role: req.body.role,
        })
        return reply.status(204).send(null)
      },
    )
  }
}

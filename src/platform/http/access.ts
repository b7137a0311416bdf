/**
 * Deny by default: every route declares who may call it in `config.access`, and a route
 * without one stops the server from starting. Authentication (token or session cookie) and
 * the role check run in `onRequest`, before the body is even read.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import {
  CSRF_HEADER,
  type Principal,
  type Role,
  SESSION_COOKIE,
  TOKEN_PREFIX,
} from '../../accounts/model.ts'
import { safeEqual } from '../crypto/secrets.ts'
import { AppError, ErrorCodes } from '../errors.ts'

/**
 * - `public`: anyone, signed in or not.
 * - `signed-in`: any person with a valid session or token, whatever their roles.
 * - `{ roles }`: a person holding at least one of these roles in the organisation they act for.
 * - `own-key`: the route authenticates the caller itself with a key of its own (the model
 *   gateway's virtual keys); no session, API token or CSRF check runs, and no principal is set.
 */
export type Access = 'public' | 'signed-in' | 'own-key' | { roles: readonly Role[] }

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

/** The port the accounts capability fills: turn a bearer token or session cookie into a principal. */
export interface Authenticator {
  fromToken(token: string): Promise<Principal | null>
  /** Also returns the session's CSRF token hash, checked on unsafe methods. */
  fromSession(sessionSecret: string): Promise<{ principal: Principal; csrfHash: string } | null>
  hashCsrf(token: string): string
}

/** Routes the OpenAPI docs plugin registers: public by nature, and not ours to annotate. */
const PLUGIN_PUBLIC = [/^\/api\/docs(\/|$)/]

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export function requirePrincipal(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError(ErrorCodes.EW_UNAUTHENTICATED)
  return req.principal
}

export const accessPlugin = fp<{ auth: Authenticator }>(
  async (app: FastifyInstance, { auth }) => {
    app.decorateRequest('principal', null)

    app.addHook('onRoute', (route) => {
      const access = (route.config as { access?: Access } | undefined)?.access
      if (access) return
      if (PLUGIN_PUBLIC.some((re) => re.test(route.url)) || route.method === 'HEAD') {
        route.config = { ...(route.config ?? {}), access: 'public' }
        return
      }
      throw new Error(
        `Route ${String(route.method)} ${route.url} declares no config.access. Every route must say who may call it ('public', 'signed-in' or { roles: [...] }).`,
      )
    })

    app.addHook('onRequest', async (req) => {
      const access = req.routeOptions.config?.access
      // Unmatched URLs (404 handler) carry no route config; they need no principal.
      if (access === undefined || access === 'own-key') return
      const header = req.headers.authorization
      if (header !== undefined) {
        const m = /^Bearer\s+(\S+)$/i.exec(header)
        if (!m || !m[1]!.startsWith(TOKEN_PREFIX)) {
          throw new AppError(ErrorCodes.EW_TOKEN_INVALID, {
            detail: `The Authorization header must be "Bearer ${TOKEN_PREFIX}…"; create a token with \`earlywatch users token\` or on your profile page.`,
          })
        }
        const p = await auth.fromToken(m[1]!)
        if (!p) throw new AppError(ErrorCodes.EW_TOKEN_INVALID)
        req.principal = p
      } else {
        const cookie = req.cookies?.[SESSION_COOKIE]
        if (cookie) {
          const s = await auth.fromSession(cookie)
          if (s) {
            req.principal = s.principal
            if (UNSAFE.has(req.method)) {
              const sent = req.headers[CSRF_HEADER]
              if (typeof sent !== 'string' || !safeEqual(auth.hashCsrf(sent), s.csrfHash)) {
                throw new AppError(ErrorCodes.EW_CSRF, {
                  detail: `Requests made with a session cookie must send the ${CSRF_HEADER} header given at sign-in (GET /api/session).`,
                })
              }
            }
          }
        }
      }
      if (req.principal)
        req.log = req.log.child({ personId: req.principal.personId, orgId: req.principal.orgId })
      if (access === 'public') return
      if (!req.principal) throw new AppError(ErrorCodes.EW_UNAUTHENTICATED)
      if (access === 'signed-in') return
      if (!req.principal.roles.some((r) => access.roles.includes(r))) {
        throw new AppError(ErrorCodes.EW_FORBIDDEN, {
          detail: `This needs one of the roles ${access.roles.join(', ')} in the organisation you act for; you hold ${req.principal.roles.join(', ') || 'none'} in ${req.principal.orgName}.`,
        })
      }
    })
  },
  { name: 'earlywatch-access', dependencies: ['@fastify/cookie'] },
)

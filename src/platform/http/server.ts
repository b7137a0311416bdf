/** Assembles the HTTP server: logging, request ids, security headers, OpenAPI, errors, access, metrics, health, web UI. */
import { randomUUID } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import cookie from '@fastify/cookie'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
} from 'fastify'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Settings } from '../../config.ts'
import type { Jobs } from '../jobs/jobs.ts'
import type { Logger } from '../log.ts'
import { type Authenticator, accessPlugin } from './access.ts'
import { metricsPlugin } from './metrics.ts'
import { problemPlugin } from './problem.ts'

export const WEB_DIST = path.resolve(fileURLToPath(new URL('../../../web/dist', import.meta.url)))

export interface RouteModule {
  prefix: string
  plugin: FastifyPluginAsync
}

/**
 * A Fastify instance of its own served on the same port for every URL under `prefix`, with
 * none of this app's hooks (sessions, CSRF, security headers, per-request logging) but the
 * HTTP metrics. Passed in before it is ready.
 * The model gateway is one: partners' SDKs need none of that, and it cost the gateway about a
 * third of its throughput (docs/gateway.md, benchmark).
 */
export interface HttpEdge {
  prefix: string
  app: FastifyInstance
}

export interface HttpDeps {
  settings: Settings
  log: Logger
  jobs: Pick<Jobs, 'stats'>
  auth: Authenticator
  routes: RouteModule[]
  /** Throws when the process should not receive traffic (database unreachable, shutting down). */
  ready: () => Promise<void>
  edges?: HttpEdge[]
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

/** A caller's own request id is kept when it is sane, so one id follows a request across systems. */
export function requestId(req: { headers: Record<string, string | string[] | undefined> }) {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
}

/** Fastify's own defaults for its HTTP server, which it leaves to a `serverFactory` to apply. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000

export async function buildHttp(deps: HttpDeps): Promise<FastifyInstance> {
  const { settings } = deps
  const edges = deps.edges ?? []
  const app = Fastify({
    // pino's Logger is Fastify's logger; the cast only widens the generic so plugins type-check.
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: settings.bodyLimit,
    trustProxy: settings.trustProxy,
    genReqId: requestId,
    forceCloseConnections: 'idle',
    // One server for this app and its edges: a URL under an edge's prefix goes to that edge.
    serverFactory: (handler) => {
      const server = createServer((req, res) => {
        const url = req.url ?? ''
        for (const edge of edges) if (url.startsWith(edge.prefix)) return edge.app.routing(req, res)
        handler(req, res)
      })
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS
      return server
    },
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)

  // Synchronous: an async hook costs a promise per request on every route, the gateway's too.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id)
    done()
  })

  await app.register(problemPlugin)
  await app.register(cookie)
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // HSTS only when people reach us over TLS; on plain http it would be ignored at best.
    hsts: settings.secureCookies ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  })
  await app.register(rateLimit, { global: false })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'earlywatch API',
        version: '0.1.0',
        description:
          'The pre-release review program for frontier AI models and its cybersecurity clearinghouse. Errors are RFC 9457 problem+json.',
      },
      servers: [{ url: settings.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (ew_pat_…)' },
          session: { type: 'apiKey', in: 'cookie', name: 'ew_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: false })
  await app.register(accessPlugin, { auth: deps.auth })
  await app.register(metricsPlugin, { jobs: deps.jobs, edges: edges.map((e) => e.app) })

  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  )

  const ZHealth = z.object({ status: z.string() })
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], summary: 'The process is alive', response: { 200: ZHealth } },
    },
    async () => ({ status: 'ok' }),
  )
  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'The process can serve traffic (database reachable)',
        response: { 200: ZHealth, 503: ZHealth },
      },
    },
    async (_req, reply) => {
      try {
        await deps.ready()
        return { status: 'ready' }
      } catch (err) {
        return reply.status(503).send({ status: `not ready: ${(err as Error).message}` })
      }
    },
  )

  for (const r of deps.routes) await app.register(r.plugin, { prefix: r.prefix })
  // Node closes idle keep-alive connections once, when closing begins; a connection whose
  // request finishes after that would hold the close open for the whole keep-alive timeout
  // (72 s). Those are closed as they go idle.
  app.addHook('preClose', (done) => {
    if (!app.server.listening) return done()
    const reap = setInterval(() => app.server.closeIdleConnections(), 50)
    reap.unref()
    app.server.once('close', () => clearInterval(reap))
    done()
  })
  app.addHook('onClose', async () => {
    for (const edge of edges) await edge.app.close()
  })

  await registerWebUi(app)
  for (const edge of edges) await edge.app.ready()
  return app
}

/**
 * Serves the built React app from web/dist through one public catch-all route: a file that
 * exists is sent (hashed assets cached for a year), and any other non-API GET gets index.html
 * so client-side routes load. `@fastify/static` is used for its safe file sending only.
 */
async function registerWebUi(app: FastifyInstance) {
  const built = existsSync(path.join(WEB_DIST, 'index.html'))
  if (built) await app.register(fastifyStatic, { root: WEB_DIST, serve: false })
  app.get('/*', { config: { access: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const url = decodeURIComponent(req.url.split('?')[0]!)
    if (url.startsWith('/api/') || url.startsWith('/gateway/') || url.startsWith('/log/')) {
      return reply.callNotFound()
    }
    if (!built) {
      return reply
        .type('text/plain')
        .status(503)
        .send(
          'The web UI is not built. Run `npm run build:web` (or `npm start`, which builds it), then reload.',
        )
    }
    const rel = path.normalize(url).replace(/^[/\\]+/, '')
    const file = path.join(WEB_DIST, rel)
    if (
      rel &&
      file.startsWith(`${WEB_DIST}${path.sep}`) &&
      existsSync(file) &&
      statSync(file).isFile()
    ) {
      const hashed = rel.startsWith(`assets${path.sep}`)
      return reply.sendFile(rel, hashed ? { maxAge: '365d', immutable: true } : { maxAge: 0 })
    }
    if (path.extname(rel)) return reply.callNotFound()
    reply.header('cache-control', 'no-cache')
    return reply.type('text/html').sendFile('index.html', { maxAge: 0 })
  })
}

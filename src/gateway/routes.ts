/**
 * HTTP edges of the model gateway: the OpenAI- and Anthropic-compatible endpoints partners'
 * SDKs call with a virtual key, served by a Fastify instance of their own (gatewayHttp), and
 * the usage API the partners pages chart, part of the main API.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { PROGRAM_WIDE_ROLES, type Role } from '../accounts/model.ts'
import { requirePrincipal } from '../platform/http/access.ts'
import { requestId } from '../platform/http/server.ts'
import { ID_PATTERN } from '../platform/ids.ts'
import type { Logger } from '../platform/log.ts'
import { type GatewayEndpoint, type Refusal, refuse } from './model.ts'
import type { GatewayAnswer, GatewayService } from './service.ts'
import { BUCKETS } from './store.ts'

const tags = ['gateway']

function bearerKey(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  if (typeof h !== 'string') return undefined
  const m = /^Bearer\s+(\S+)$/i.exec(h)
  return m?.[1]
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name]
  return typeof v === 'string' ? v : undefined
}

function send(reply: FastifyReply, a: GatewayAnswer) {
  return reply
    .status(a.status)
    .headers(a.headers)
    .header('x-content-type-options', 'nosniff')
    .header('x-request-id', reply.request.id)
    .send(a.body)
}

const ENDPOINT_OF_URL: Array<[RegExp, GatewayEndpoint]> = [
  [/^\/gateway\/anthropic\//, 'messages'],
  [/^\/gateway\/openai\/v1\/models/, 'models'],
  [/^\/gateway\//, 'chat.completions'],
]
const endpointOf = (url: string): GatewayEndpoint =>
  ENDPOINT_OF_URL.find(([re]) => re.test(url))?.[1] ?? 'chat.completions'

/**
 * The partner-facing endpoints under `/gateway`, as a Fastify instance of their own that the
 * main server hands every `/gateway/` URL to (HttpEdge). It has none of the web app's hooks:
 * no sessions, cookies or CSRF (the virtual key is the only credential), no browser security
 * headers (answers carry `x-content-type-options: nosniff` only), no per-request log lines
 * (the gateway's request log records every request) and no per-request child logger. Running
 * those cost the gateway about a third of its throughput (docs/gateway.md, benchmark).
 * Every error is answered in the caller's protocol (never problem+json), so the SDKs raise
 * their own error classes.
 */
export async function gatewayHttp(deps: {
  gateway: GatewayService
  bodyLimit: number
  log: Logger
}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // The process logger as it is: error lines name the request id themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: deps.bodyLimit,
    genReqId: requestId,
  })
  await app.register(gatewayRoutes(deps), { prefix: '/gateway' })
  return app
}

function gatewayRoutes(deps: { gateway: GatewayService; bodyLimit: number }): FastifyPluginAsync {
  const { gateway } = deps
  return async (app) => {
    // Bodies are taken as bytes whatever their content type: the service parses them and
    // answers malformed JSON in the protocol's shape, and a body it does not change is
    // forwarded byte for byte.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: deps.bodyLimit },
      (_req, body, done) => done(null, body),
    )

    app.setErrorHandler((err: FastifyError, req, reply) => {
      const endpoint = endpointOf(req.url)
      let r: Refusal
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        r = refuse(
          'too_large',
          'body_too_large',
          `The request body is larger than the gateway's limit of ${deps.bodyLimit} bytes.`,
        )
      else if (err.statusCode && err.statusCode < 500)
        r = refuse('invalid_request', 'bad_request', err.message)
      else {
        req.log.error({ err, reqId: req.id }, 'gateway: unhandled error')
        r = refuse(
          'internal',
          'internal',
          `Something went wrong in the gateway. Quote request id ${req.id} when you report it.`,
        )
      }
      return send(reply, gateway.refuseEarly(endpoint, r, req.id, reply.elapsedTime))
    })

    app.setNotFoundHandler((req, reply) => {
      const r = refuse(
        'not_found',
        'unknown_endpoint',
        `No gateway endpoint ${req.method} ${req.url.split('?')[0]}. The gateway serves POST /gateway/openai/v1/chat/completions, GET /gateway/openai/v1/models and POST /gateway/anthropic/v1/messages.`,
      )
      return send(reply, gateway.refuseEarly(endpointOf(req.url), r, req.id, reply.elapsedTime))
    })

    const forward =
      (endpoint: GatewayEndpoint, key: (req: FastifyRequest) => string | undefined) =>
      async (req: FastifyRequest, reply: FastifyReply) => {
        const closed = new AbortController()
        reply.raw.on('close', () => {
          if (!reply.raw.writableEnded) closed.abort()
        })
        const answer = await gateway.handle({
          endpoint,
          key: key(req),
          body: req.body as Buffer | undefined,
          anthropicVersion: header(req, 'anthropic-version'),
          anthropicBeta: header(req, 'anthropic-beta'),
          requestId: req.id,
          signal: closed.signal,
        })
        return send(reply, answer)
      }

    // Declared like every route of the application (test/authz.test.ts checks that no
    // person's token opens them); nothing here runs the access machinery.
    const own = { config: { access: 'own-key' } } as const
    // OpenAI Chat Completions through a grant (Authorization: Bearer ew_vk_…).
    app.post('/openai/v1/chat/completions', own, forward('chat.completions', bearerKey))
    // The model this key grants, as an OpenAI model list.
    app.get('/openai/v1/models', own, forward('models', bearerKey))
    // Anthropic Messages through a grant (x-api-key: ew_vk_…). The Anthropic SDK sends
    // x-api-key; with `authToken` it sends a bearer token instead.
    app.post(
      '/anthropic/v1/messages',
      own,
      forward('messages', (req) => header(req, 'x-api-key') ?? bearerKey(req)),
    )
  }
}

const ZPoint = z.object({
  start: z.date().describe("The bucket's start"),
  requests: z.number().int(),
  errors: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
})

const ZUsage = z.object({
  grantId: z.string(),
  bucket: z.enum(BUCKETS),
  from: z.date(),
  to: z.date(),
  series: z.array(ZPoint),
  totals: z.object({
    requests: z.number().int(),
    errors: z.number().int(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    lastRequestAt: z.date().nullable(),
    tokenBudget: z.number().int(),
    budgetLeft: z.number().int(),
  }),
  recent: z.array(
    z.object({
      at: z.date(),
      endpoint: z.string(),
      model: z.string().nullable(),
      streamed: z.boolean(),
      status: z.number().int(),
      errorCode: z.string().nullable(),
      inputTokens: z.number().int(),
      outputTokens: z.number().int(),
      tokensEstimated: z.boolean(),
      latencyMs: z.number().int(),
      ttfbMs: z.number().int().nullable(),
      requestId: z.string(),
    }),
  ),
})

const ZUsageQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    bucket: z.enum(BUCKETS).optional(),
  })
  .strict()

const READERS: readonly Role[] = [...PROGRAM_WIDE_ROLES, 'lab_member', 'partner_member']

/** The usage API under `/api`: one grant's requests and tokens over time. */
export function gatewayUsageRoutes(deps: { gateway: GatewayService }): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()
    app.get(
      '/grants/:id/usage',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags,
          summary:
            "A grant's gateway usage over time: the lab of its model, the program, and its partner",
          params: z.object({ id: z.string().regex(ID_PATTERN, 'must be a grant id') }).strict(),
          querystring: ZUsageQuery,
          response: { 200: ZUsage },
        },
      },
      async (req) =>
        deps.gateway.usage(requirePrincipal(req), req.params.id, {
          from: req.query.from ? new Date(req.query.from) : undefined,
          to: req.query.to ? new Date(req.query.to) : undefined,
          bucket: req.query.bucket,
        }),
    )
  }
}

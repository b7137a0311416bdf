/** Errors become RFC 9457 problem+json here and nowhere else; each error is logged once, here. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { ZodError } from 'zod'
import { type AppError, ErrorCodes, isAppError } from '../errors.ts'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance: string
  code: string
  errors?: Array<{ path: string; message: string }>
}

const TYPE_BASE = 'https://earlywatch.dev/problems/'

function send(
  reply: FastifyReply,
  req: FastifyRequest,
  p: Omit<Problem, 'instance' | 'type'>,
  headers?: Record<string, string>,
) {
  const body: Problem = { type: `${TYPE_BASE}${p.code}`, instance: `urn:request:${req.id}`, ...p }
  if (headers) reply.headers(headers)
  return reply.status(p.status).type('application/problem+json').send(body)
}

function fromApp(e: AppError) {
  return {
    code: e.code,
    status: e.status,
    title: e.title,
    detail: e.detail,
    ...(e.errors ? { errors: e.errors } : {}),
  }
}

/** Fastify's own codes for bad requests, mapped to ours so clients match one family. */
const FASTIFY_CLIENT: Record<string, keyof typeof ErrorCodes> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'EW_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'EW_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'EW_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'EW_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'EW_VALIDATION',
  FST_ERR_VALIDATION: 'EW_VALIDATION',
}

function zodPath(prefix: string, path: readonly PropertyKey[]) {
  return [prefix, ...path.map(String)].filter(Boolean).join('.')
}

export const problemPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError | AppError | Error, req, reply) => {
      if (isAppError(err)) {
        if (err.status >= 500) req.log.error({ err }, err.message)
        else req.log.info({ code: err.code }, err.detail)
        return send(reply, req, fromApp(err), err.headers)
      }
      if (hasZodFastifySchemaValidationErrors(err)) {
        const prefix = (err as FastifyError).validationContext ?? 'body'
        const errors = err.validation.flatMap((v) => {
          const at = zodPath(prefix, v.instancePath.split('/').filter(Boolean))
          // An unknown field is named by its own path, so the client sees which one to drop.
          const keys = (v.params as { keys?: string[] }).keys
          if (v.keyword === 'unrecognized_keys' && keys?.length) {
            return keys.map((k) => ({ path: `${at}.${k}`, message: 'is not a known field' }))
          }
          return [{ path: at, message: v.message ?? 'is not valid' }]
        })
        req.log.info({ errors }, 'request failed validation')
        return send(reply, req, {
          code: 'EW_VALIDATION',
          status: 400,
          title: ErrorCodes.EW_VALIDATION.title,
          detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
          errors,
        })
      }
      if (err instanceof ZodError) {
        const errors = err.issues.map((i) => ({
          path: zodPath('', i.path) || '(input)',
          message: i.message,
        }))
        return send(reply, req, {
          code: 'EW_VALIDATION',
          status: 400,
          title: ErrorCodes.EW_VALIDATION.title,
          detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
          errors,
        })
      }
      const fe = err as FastifyError
      const mapped = fe.code ? FASTIFY_CLIENT[fe.code] : undefined
      if (mapped || (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)) {
        const def =
          ErrorCodes[mapped ?? (fe.statusCode === 429 ? 'EW_RATE_LIMITED' : 'EW_BAD_REQUEST')]
        req.log.info({ code: fe.code }, fe.message)
        const headers: Record<string, string> = {}
        const retry = reply.getHeader('retry-after')
        if (retry !== undefined) headers['retry-after'] = String(retry)
        return send(
          reply,
          req,
          {
            code: def.code,
            status: fe.statusCode ?? def.status,
            title: def.title,
            detail: fe.message,
          },
          headers,
        )
      }
      req.log.error({ err }, 'unhandled error')
      return send(reply, req, {
        code: 'EW_INTERNAL',
        status: 500,
        title: ErrorCodes.EW_INTERNAL.title,
        detail: `Something went wrong on our side. Quote request id ${req.id} when you report it.`,
      })
    })

    app.setNotFoundHandler((req, reply) =>
      send(reply, req, {
        code: 'EW_NOT_FOUND',
        status: 404,
        title: ErrorCodes.EW_NOT_FOUND.title,
        detail: `No route ${req.method} ${req.url.split('?')[0]}. The API is described at /api/openapi.json.`,
      }),
    )
  },
  { name: 'earlywatch-problem' },
)

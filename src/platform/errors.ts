/** The one error family: stable codes, each declared once with its HTTP status and a safe client message. */

/**
 * Every code the application can raise. A code is never reused for another meaning, and
 * clients may match on it. `detail` is the safe, client-facing text; `status` is the HTTP status.
 *
 * @example
 * throw new AppError(ErrorCodes.EW_NOT_FOUND, { detail: 'No submission with id sub_123.' })
 */
export const ErrorCodes = {
  EW_VALIDATION: { code: 'EW_VALIDATION', status: 400, title: 'The request is not valid' },
  EW_BAD_REQUEST: { code: 'EW_BAD_REQUEST', status: 400, title: 'The request cannot be processed' },
  EW_UNAUTHENTICATED: {
    code: 'EW_UNAUTHENTICATED',
    status: 401,
    title: 'Sign-in or an API token is required',
  },
  EW_TOKEN_INVALID: {
    code: 'EW_TOKEN_INVALID',
    status: 401,
    title: 'The credential is unknown, expired or revoked',
  },
  EW_FORBIDDEN: { code: 'EW_FORBIDDEN', status: 403, title: 'Your role does not allow this' },
  EW_CSRF: { code: 'EW_CSRF', status: 403, title: 'The CSRF token is missing or wrong' },
  EW_NOT_FOUND: { code: 'EW_NOT_FOUND', status: 404, title: 'Not found' },
  EW_CONFLICT: {
    code: 'EW_CONFLICT',
    status: 409,
    title: 'The request conflicts with the current state',
  },
  EW_INVALID_TRANSITION: {
    code: 'EW_INVALID_TRANSITION',
    status: 409,
    title: 'That change is not possible in the current state',
  },
  EW_PAYLOAD_TOO_LARGE: {
    code: 'EW_PAYLOAD_TOO_LARGE',
    status: 413,
    title: 'The request body is too large',
  },
  EW_UNSUPPORTED_MEDIA_TYPE: {
    code: 'EW_UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    title: 'The content type is not supported',
  },
  EW_RATE_LIMITED: { code: 'EW_RATE_LIMITED', status: 429, title: 'Too many requests' },
  EW_NOT_CONFIGURED: {
    code: 'EW_NOT_CONFIGURED',
    status: 404,
    title: 'This feature is not configured on this server',
  },
  EW_INTERNAL: { code: 'EW_INTERNAL', status: 500, title: 'Internal error' },
  EW_INTEGRITY: {
    code: 'EW_INTEGRITY',
    status: 500,
    title: 'Stored data failed its integrity check',
  },
  EW_UNAVAILABLE: { code: 'EW_UNAVAILABLE', status: 503, title: 'The service is not ready' },
} as const satisfies Record<string, { code: string; status: number; title: string }>

export type ErrorCode = keyof typeof ErrorCodes
export type ErrorDef = (typeof ErrorCodes)[ErrorCode]

export interface AppErrorOptions {
  /** Safe for clients: names the problem, the cause and the fix. */
  detail?: string
  /** Internal only (logs); never sent to clients. */
  message?: string
  /** Field-level problems, e.g. `[{ path: 'body.releaseDate', message: '…' }]`. */
  errors?: Array<{ path: string; message: string }>
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>
  cause?: unknown
}

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly errors: Array<{ path: string; message: string }> | undefined
  readonly headers: Record<string, string> | undefined

  constructor(def: ErrorDef, opts: AppErrorOptions = {}) {
    super(opts.message ?? opts.detail ?? def.title, { cause: opts.cause })
    this.name = 'AppError'
    this.code = def.code
    this.status = def.status
    this.title = def.title
    this.detail = opts.detail ?? def.title
    this.errors = opts.errors
    this.headers = opts.headers
  }
}

/** Matches on the code, not `instanceof`, so errors survive module duplication and job boundaries. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  if (typeof err !== 'object' || err === null) return false
  const c = (err as { code?: unknown }).code
  if (typeof c !== 'string' || !(c in ErrorCodes)) return false
  return code === undefined || c === code
}

export const notFound = (what: string, id: string) =>
  new AppError(ErrorCodes.EW_NOT_FOUND, { detail: `No ${what} with id ${id} is visible to you.` })

export const forbidden = (detail: string) => new AppError(ErrorCodes.EW_FORBIDDEN, { detail })

export const invalid = (path: string, message: string) =>
  new AppError(ErrorCodes.EW_VALIDATION, {
    detail: `${path}: ${message}`,
    errors: [{ path, message }],
  })

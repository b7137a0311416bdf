/** Provider failures, classified once so retry, the adaptive limiter and results agree on what happened. */

export type ProviderErrorKind =
  | 'rate_limit'
  | 'server'
  | 'timeout'
  | 'connection'
  | 'client'
  | 'bad_response'

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind
  readonly status: number | undefined
  /** From Retry-After / retry-after-ms, when the server said how long to wait. */
  readonly retryAfterMs: number | undefined
  constructor(
    kind: ProviderErrorKind,
    message: string,
    opts: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause })
    this.name = 'ProviderError'
    this.kind = kind
    this.status = opts.status
    this.retryAfterMs = opts.retryAfterMs
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return (err as { name?: unknown })?.name === 'ProviderError'
}

/** 429, 5xx, timeouts and dropped connections may succeed later; anything else will not. */
export function isRetryable(err: unknown): boolean {
  return (
    isProviderError(err) &&
    (err.kind === 'rate_limit' ||
      err.kind === 'server' ||
      err.kind === 'timeout' ||
      err.kind === 'connection')
  )
}

/**
 * How long the server asked us to wait: `retry-after-ms` (OpenAI), else `Retry-After` as
 * seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function retryAfterMs(
  get: (name: string) => string | null | undefined,
  now: number,
): number | undefined {
  const ms = get('retry-after-ms')
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms))
  const ra = get('retry-after')
  if (!ra) return undefined
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.max(0, Number(ra) * 1000)
  const at = Date.parse(ra)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

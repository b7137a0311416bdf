/**
 * Wraps a provider's single call with what every provider needs: the adaptive connection
 * limit, retries with exponential backoff and jitter that honour Retry-After, and an account
 * of time spent waiting (so working time can leave it out).
 */
import type { GenerateHint, GenerateRequest, ModelApi, ModelOutput } from '../model.ts'
import { isProviderError, isRetryable, ProviderError } from './errors.ts'
import type { AdaptiveLimiter } from './limiter.ts'

export interface RetryPolicy {
  maxRetries: number
  baseDelayMs: number
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 6, baseDelayMs: 1000, maxDelayMs: 60_000 }

/**
 * Delay before retry number `attempt` (0-based): the server's Retry-After when it gave one,
 * else base·2^attempt capped at max, with "equal jitter" (half fixed, half random) so many
 * clients that failed together do not retry together.
 */
export function backoffMs(
  attempt: number,
  policy: RetryPolicy,
  random: number,
  retryAfter?: number,
): number {
  if (retryAfter !== undefined) return Math.min(retryAfter, policy.maxDelayMs * 5)
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
  return exp / 2 + (exp / 2) * random
}

export type RawCall = (
  req: GenerateRequest,
  ctx: { signal?: AbortSignal | undefined; hint?: GenerateHint | undefined },
) => Promise<ModelOutput>

export interface ResilientOptions {
  id: string
  limiter: AdaptiveLimiter
  retry?: RetryPolicy
  random?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  now?: () => number
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        reject(signal.reason)
      },
      { once: true },
    )
  })

export function resilient(call: RawCall, opts: ResilientOptions): ModelApi {
  const policy = opts.retry ?? DEFAULT_RETRY
  const random = opts.random ?? Math.random
  const wait = opts.sleep ?? sleep
  const now = opts.now ?? Date.now
  return {
    id: opts.id,
    async generate(req, callOpts = {}) {
      const signal = callOpts.signal
      for (let attempt = 0; ; attempt++) {
        const queuedAt = now()
        await opts.limiter.acquire()
        callOpts.onWait?.(now() - queuedAt)
        let failure: unknown
        try {
          const out = await call(req, { signal, hint: callOpts.hint })
          opts.limiter.release('ok')
          return out
        } catch (err) {
          opts.limiter.release(
            isProviderError(err) && err.kind === 'rate_limit' ? 'rate_limited' : 'error',
          )
          failure = err
        }
        if (!isRetryable(failure)) throw failure
        const err = failure as ProviderError
        if (attempt >= policy.maxRetries) {
          throw new ProviderError(
            err.kind,
            `${err.message} (gave up after ${attempt + 1} attempts)`,
            {
              ...(err.status ? { status: err.status } : {}),
              cause: err,
            },
          )
        }
        // The connection is already released, so the backoff does not hold one others could use.
        const slept = now()
        await wait(backoffMs(attempt, policy, random(), err.retryAfterMs), signal)
        callOpts.onWait?.(now() - slept)
      }
    },
  }
}

/**
 * The one HTTP exchange every provider makes: POST a JSON body, read a JSON answer.
 *
 * Why not the official `openai` / `@anthropic-ai/sdk` clients for the call itself: each
 * request through them costs about 0.8 ms of CPU (their request builder and header merging,
 * then WHATWG fetch with web streams underneath), which at 100 concurrent samples is most of
 * a core and alone keeps a run from getting near its ideal time (docs/evals.md, benchmark).
 * The SDKs' types still describe the wire formats (openai.ts, anthropic.ts); the exchange
 * here is undici's pooled `request`, the same HTTP client Node's fetch is built on, without
 * the stream adapters. Errors are classified exactly as the SDKs' errors were (errors.ts).
 */
import { Pool, errors as undiciErrors } from 'undici'
import { ProviderError, retryAfterMs } from './errors.ts'

export interface JsonPostOptions {
  /** Idle time allowed before the answer's headers, and between its body's chunks. */
  timeoutMs: number
  signal?: AbortSignal | undefined
  now: () => number
}

export interface HttpEndpoint {
  post(
    path: string,
    headers: Record<string, string>,
    body: unknown,
    opts: JsonPostOptions,
  ): Promise<unknown>
}

/**
 * A keep-alive connection pool to one base URL (`https://api.openai.com/v1`,
 * `http://127.0.0.1:8000/v1`, …); `path` is appended to the base URL's path.
 */
export function httpEndpoint(baseUrl: string, connections: number): HttpEndpoint {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new ProviderError('client', `base URL "${baseUrl}" is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ProviderError('client', `base URL "${baseUrl}" must be http:// or https://`)
  const prefix = url.pathname.replace(/\/+$/, '')
  const pool = new Pool(url.origin, { connections, pipelining: 1 })
  return {
    async post(path, headers, body, opts) {
      let res: Answer
      try {
        res = await exchange(pool, {
          method: 'POST',
          path: `${prefix}${path}`,
          headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
          body: JSON.stringify(body),
          headersTimeout: opts.timeoutMs,
          bodyTimeout: opts.timeoutMs,
          signal: opts.signal,
        })
      } catch (err) {
        throw transportError(err, opts.signal)
      }
      const { status, text } = res
      if (status >= 200 && status < 300) {
        try {
          return JSON.parse(text)
        } catch {
          throw new ProviderError(
            'bad_response',
            `the response (HTTP ${status}) is not JSON: ${excerpt(text)}`,
            { status },
          )
        }
      }
      throw statusError(status, text, res.headers, opts.now())
    },
  }
}

type Headers = Record<string, string | string[] | undefined>

interface Answer {
  status: number
  headers: Headers
  text: string
}

/**
 * One request through undici's dispatch interface, the body collected as chunks: the answers
 * are small JSON documents, and a Node stream per response (what `request` hands back) cost a
 * measurable share of each sample's CPU at 100 concurrent samples.
 */
function exchange(
  pool: Pool,
  req: {
    method: 'POST'
    path: string
    headers: Record<string, string>
    body: string
    headersTimeout: number
    bodyTimeout: number
    signal: AbortSignal | undefined
  },
): Promise<Answer> {
  const { signal, ...opts } = req
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    let status = 0
    let headers: Headers = {}
    const chunks: Buffer[] = []
    let onAbort: (() => void) | undefined
    const done = () => {
      if (onAbort) signal?.removeEventListener('abort', onAbort)
    }
    pool.dispatch(opts, {
      onRequestStart(controller) {
        if (!signal) return
        if (signal.aborted) return controller.abort(signal.reason)
        onAbort = () => controller.abort(signal.reason)
        signal.addEventListener('abort', onAbort, { once: true })
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        status = statusCode
        headers = responseHeaders as Headers
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk)
      },
      onResponseEnd() {
        done()
        resolve({
          status,
          headers,
          text:
            chunks.length === 1
              ? chunks[0]!.toString('utf8')
              : Buffer.concat(chunks).toString('utf8'),
        })
      },
      onResponseError(_controller, error) {
        done()
        reject(error)
      },
    })
  })
}

/** A non-2xx answer as a ProviderError: 429 rate limit, 408 timeout, 5xx server, other 4xx client. */
export function statusError(
  status: number,
  text: string,
  headers: Headers,
  now: number,
): ProviderError {
  const header = (n: string) => {
    const v = headers[n]
    return Array.isArray(v) ? v[0] : v
  }
  const wait = retryAfterMs(header, now)
  const opts = { status, ...(wait !== undefined ? { retryAfterMs: wait } : {}) }
  const message = `${status} ${errorMessage(text)}`
  if (status === 429) return new ProviderError('rate_limit', message, opts)
  if (status === 408) return new ProviderError('timeout', message, opts)
  if (status >= 500) return new ProviderError('server', message, opts)
  return new ProviderError('client', message, opts)
}

/** Both formats put the reason in `error.message`; anything else is quoted as it came. */
function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown }
    if (typeof body?.error === 'object' && typeof body.error?.message === 'string')
      return body.error.message
    if (typeof body?.error === 'string') return body.error
    if (typeof body?.message === 'string') return body.message
  } catch {
    /* not JSON: quoted below */
  }
  return text ? excerpt(text) : '(no body)'
}

const excerpt = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s)

function transportError(err: unknown, signal: AbortSignal | undefined): unknown {
  // The caller's own abort (a run cancelled, a sample's limit) is not a provider failure.
  if (signal?.aborted) return signal.reason ?? err
  const message = (err as Error)?.message ?? String(err)
  if (
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError
  )
    return new ProviderError('timeout', `request timed out (${message})`, { cause: err })
  return new ProviderError('connection', `connection failed: ${message}`, { cause: err })
}

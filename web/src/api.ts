/**
 * The one way the web UI talks to the earlywatch API: JSON in and out, the CSRF header on
 * every mutating request, and RFC 9457 problem+json errors turned into `ApiProblem`.
 */

export interface FieldError {
  path: string
  message: string
}

/** An error answered by the API (or a network failure dressed as one), ready to show. */
export class ApiProblem extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly code: string
  readonly errors: FieldError[]

  constructor(init: {
    status: number
    title: string
    detail: string
    code?: string
    errors?: FieldError[]
  }) {
    super(init.detail || init.title)
    this.name = 'ApiProblem'
    this.status = init.status
    this.title = init.title
    this.detail = init.detail
    this.code = init.code ?? 'EW_UNKNOWN'
    this.errors = init.errors ?? []
  }

  /**
   * The message for one form field. Field paths arrive as the server validated them
   * (`body.endpoint.baseUrl`, `body.intendedCapabilities.2`); `field` matches the path
   * itself or anything beneath it.
   */
  fieldMessage(field: string): string | undefined {
    const hit = this.errors.find((e) => {
      const path = e.path.replace(/^body\./, '')
      return path === field || path.startsWith(`${field}.`)
    })
    return hit?.message
  }
}

export function isProblem(err: unknown): err is ApiProblem {
  return err instanceof ApiProblem
}

export const CSRF_COOKIE = 'ew_csrf'
export const CSRF_HEADER = 'x-csrf-token'

function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return decodeURIComponent(rest.join('='))
  }
  return undefined
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface RequestOptions {
  method?: Method
  body?: unknown
  signal?: AbortSignal
}

/**
 * Calls the API and returns its JSON body (undefined for 204).
 * Mutating requests always carry a JSON body, so the server never sees a JSON
 * content type with nothing behind it.
 *
 * @example
 *   const s = await api<Submission>(`/api/submissions/${id}`)
 *   await api(`/api/submissions/${id}/withdraw`, { method: 'POST', body: { reason } })
 */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET'
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' }
  let body: string | undefined
  if (method !== 'GET') {
    headers['content-type'] = 'application/json'
    const csrf = readCookie(CSRF_COOKIE)
    if (csrf) headers[CSRF_HEADER] = csrf
    body = JSON.stringify(options.body ?? {})
  }

  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers,
      body,
      signal: options.signal,
      credentials: 'same-origin',
    })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiProblem({
      status: 0,
      title: 'Cannot reach earlywatch',
      detail: 'The server did not answer. Check your connection and try again.',
      code: 'EW_NETWORK',
    })
  }

  if (res.status === 204) return undefined as T
  const type = res.headers.get('content-type') ?? ''
  const json = type.includes('json') ? await res.json().catch(() => undefined) : undefined
  if (res.ok) return json as T
  throw problemFrom(res, json)
}

function problemFrom(res: Response, json: unknown): ApiProblem {
  const p = (json ?? {}) as Partial<{
    title: string
    detail: string
    code: string
    errors: FieldError[]
  }>
  return new ApiProblem({
    status: res.status,
    title: p.title ?? res.statusText ?? 'Request failed',
    detail: p.detail ?? `The server answered ${res.status} ${res.statusText}.`,
    code: p.code,
    errors: Array.isArray(p.errors) ? p.errors : [],
  })
}

/** Builds a query string from the set values only: `{ q: '', state: 'open' }` → `?state=open`. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value))
  }
  const s = search.toString()
  return s ? `?${s}` : ''
}

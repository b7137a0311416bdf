/** The fetch wrapper: CSRF and JSON on mutating calls, problem+json turned into ApiProblem. */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, test } from 'node:test'
import { ApiProblem, api, queryString } from './api.ts'

interface Call {
  url: string
  init: RequestInit
}

let calls: Call[] = []
const realFetch = globalThis.fetch

function answer(status: number, body: unknown, type = 'application/json') {
  globalThis.fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init })
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: body === undefined ? {} : { 'content-type': type },
    })
  }) as typeof fetch
}

beforeEach(() => {
  calls = []
  Object.defineProperty(globalThis, 'document', {
    value: { cookie: 'theme=dark; ew_csrf=tok%2Ben; other=1' },
    configurable: true,
  })
})

afterEach(() => {
  globalThis.fetch = realFetch
})

test('a GET sends no body and no CSRF header, and returns the JSON', async () => {
  answer(200, { items: [], total: 0 })
  const out = await api<{ total: number }>('/api/submissions')
  assert.equal(out.total, 0)
  const headers = calls[0]!.init.headers as Record<string, string>
  assert.equal(calls[0]!.init.method, 'GET')
  assert.equal(calls[0]!.init.body, undefined)
  assert.equal(headers['x-csrf-token'], undefined)
})

test('a POST sends JSON with the ew_csrf cookie value in x-csrf-token', async () => {
  answer(200, { ok: true })
  await api('/api/submissions/sub_1/withdraw', {
    method: 'POST',
    body: { reason: 'changed plans' },
  })
  const headers = calls[0]!.init.headers as Record<string, string>
  assert.equal(headers['x-csrf-token'], 'tok+en')
  assert.equal(headers['content-type'], 'application/json')
  assert.equal(calls[0]!.init.body, JSON.stringify({ reason: 'changed plans' }))
})

test('a mutating call without a body still sends a JSON body, never an empty one', async () => {
  answer(204, undefined)
  const out = await api('/api/session', { method: 'DELETE' })
  assert.equal(out, undefined)
  assert.equal(calls[0]!.init.body, '{}')
})

test('problem+json becomes an ApiProblem with its detail and field messages', async () => {
  answer(
    400,
    {
      title: 'The request is not valid',
      status: 400,
      code: 'EW_VALIDATION',
      detail: 'body.endpoint.baseUrl: must be an http(s) URL',
      errors: [
        { path: 'body.endpoint.baseUrl', message: 'must be an http(s) URL' },
        { path: 'publicReleaseAt', message: 'must be in the future' },
        { path: 'body.intendedCapabilities.2', message: 'Too long' },
      ],
    },
    'application/problem+json',
  )
  const err = await api('/api/submissions', { method: 'POST', body: {} }).catch((e) => e)
  assert.ok(err instanceof ApiProblem)
  assert.equal(err.status, 400)
  assert.equal(err.code, 'EW_VALIDATION')
  assert.equal(err.detail, 'body.endpoint.baseUrl: must be an http(s) URL')
  assert.equal(err.fieldMessage('endpoint.baseUrl'), 'must be an http(s) URL')
  assert.equal(err.fieldMessage('publicReleaseAt'), 'must be in the future')
  assert.equal(err.fieldMessage('intendedCapabilities'), 'Too long')
  assert.equal(err.fieldMessage('endpoint'), 'must be an http(s) URL')
  assert.equal(err.fieldMessage('modelName'), undefined)
})

test('a failure without a problem body still says what happened', async () => {
  answer(502, undefined)
  const err = await api('/api/session').catch((e) => e)
  assert.ok(err instanceof ApiProblem)
  assert.equal(err.status, 502)
  assert.match(err.detail, /502/)
})

test('a network failure is a problem the page can show', async () => {
  globalThis.fetch = (async () => {
    throw new TypeError('fetch failed')
  }) as typeof fetch
  const err = await api('/api/session').catch((e) => e)
  assert.ok(err instanceof ApiProblem)
  assert.equal(err.code, 'EW_NETWORK')
})

test('queryString keeps only the values that are set', () => {
  assert.equal(
    queryString({ state: 'in_review', q: '', sort: undefined, limit: 10, offset: 0 }),
    '?state=in_review&limit=10&offset=0',
  )
  assert.equal(queryString({ q: undefined }), '')
  assert.equal(queryString({ q: 'a&b c' }), '?q=a%26b+c')
})

/** Providers against a local fake HTTP server: wire formats with tool calls, retries on 429/5xx honouring Retry-After, garbage refused by name, the adaptive limit. */
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import { isProviderError } from './errors.ts'
import { createModel, parseModelName } from './index.ts'
import { AdaptiveLimiter } from './limiter.ts'
import { backoffMs, DEFAULT_RETRY } from './resilient.ts'

type Handler = (body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) => void

async function fakeServer(t: TestContext, handler: Handler) {
  const bodies: Array<Record<string, unknown>> = []
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (d) => {
      raw += d
    })
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : {}
      bodies.push({
        ...body,
        _path: req.url,
        _auth: req.headers.authorization ?? req.headers['x-api-key'],
      })
      handler(body, req, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.after(() => new Promise<void>((r) => server.close(() => r())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies }
}

const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

const noSleep = { sleep: async () => {} }

const toolRequest = {
  messages: [
    { role: 'system' as const, content: 'Be brief.' },
    { role: 'user' as const, content: 'List files.' },
    {
      role: 'assistant' as const,
      content: '',
      toolCalls: [{ id: 'c1', name: 'bash', arguments: { cmd: 'ls' } }],
    },
    { role: 'tool' as const, content: 'a.txt', toolCallId: 'c1', toolName: 'bash' },
  ],
  tools: [
    {
      name: 'bash',
      description: 'run',
      parameters: { type: 'object', properties: { cmd: { type: 'string' } } },
    },
  ],
}

test('openai: chat completions with tool calls, any base URL, usage counted', async (t) => {
  const srv = await fakeServer(t, (_b, _r, res) =>
    json(res, 200, {
      id: 'x',
      object: 'chat.completion',
      created: 0,
      model: 'm1',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 't9',
                type: 'function',
                function: { name: 'submit', arguments: '{"answer":"flag{x}"}' },
              },
            ],
          },
        },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
    }),
  )
  const model = createModel({ name: 'openai/m1', baseUrl: `${srv.url}/v1`, apiKey: 'sk-test' })
  const out = await model.generate(toolRequest)
  assert.deepEqual(out.message.toolCalls, [
    { id: 't9', name: 'submit', arguments: { answer: 'flag{x}' } },
  ])
  assert.equal(out.stopReason, 'tool_calls')
  assert.deepEqual(out.usage, { inputTokens: 12, outputTokens: 5 })
  const sent = srv.bodies[0]!
  assert.equal(sent._path, '/v1/chat/completions')
  assert.equal(sent._auth, 'Bearer sk-test')
  assert.deepEqual((sent.messages as unknown[])[2], {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'c1', type: 'function', function: { name: 'bash', arguments: '{"cmd":"ls"}' } },
    ],
  })
  assert.deepEqual((sent.messages as unknown[])[3], {
    role: 'tool',
    tool_call_id: 'c1',
    content: 'a.txt',
  })
  assert.equal((sent.tools as Array<{ function: { name: string } }>)[0]!.function.name, 'bash')
})

test('anthropic: messages with system apart, tool_use and tool_result blocks', async (t) => {
  const srv = await fakeServer(t, (_b, _r, res) =>
    json(res, 200, {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'text', text: 'Found it.' },
        { type: 'tool_use', id: 'tu1', name: 'submit', input: { answer: 'flag{y}' } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 30, output_tokens: 9 },
    }),
  )
  const model = createModel({ name: 'anthropic/claude-x', baseUrl: srv.url, apiKey: 'ak-test' })
  const out = await model.generate(toolRequest)
  assert.equal(out.message.content, 'Found it.')
  assert.deepEqual(out.message.toolCalls, [
    { id: 'tu1', name: 'submit', arguments: { answer: 'flag{y}' } },
  ])
  assert.equal(out.stopReason, 'tool_calls')
  assert.deepEqual(out.usage, { inputTokens: 30, outputTokens: 9 })
  const sent = srv.bodies[0]!
  assert.equal(sent._path, '/v1/messages')
  assert.match(String(sent._auth), /ak-test/)
  assert.equal(sent.system, 'Be brief.')
  assert.equal(sent.max_tokens, 4096)
  assert.deepEqual(sent.messages, [
    { role: 'user', content: [{ type: 'text', text: 'List files.' }] },
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'c1', name: 'bash', input: { cmd: 'ls' } }],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: 'a.txt' }] },
  ])
  assert.deepEqual((sent.tools as unknown[])[0], {
    name: 'bash',
    description: 'run',
    input_schema: { type: 'object', properties: { cmd: { type: 'string' } } },
  })
})

test('429 with Retry-After and a 503 are retried; the wait is reported and the connection limit halves', async (t) => {
  let n = 0
  const srv = await fakeServer(t, (_b, _r, res) => {
    n++
    if (n === 1) return json(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '7' })
    if (n === 2) return json(res, 503, { error: { message: 'busy' } })
    json(res, 200, {
      id: 'x',
      object: 'chat.completion',
      created: 0,
      model: 'm',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'ok' } }],
    })
  })
  const slept: number[] = []
  let clock = 0
  const model = createModel(
    { name: 'openai/m', baseUrl: srv.url, maxConnections: 8 },
    {
      now: () => clock,
      random: () => 0.5,
      sleep: async (ms) => {
        slept.push(ms)
        clock += ms
      },
    },
  )
  let waited = 0
  const out = await model.generate(
    { messages: [{ role: 'user', content: 'hi' }] },
    {
      onWait: (ms) => {
        waited += ms
      },
    },
  )
  assert.equal(out.message.content, 'ok')
  assert.equal(n, 3)
  // Retry-After: 7 s is honoured; the 503 after it backs off base·2¹ with equal jitter: 2000/2 + 2000/2·0.5.
  assert.deepEqual(slept, [7000, 1500])
  assert.equal(waited, 8500)
  assert.equal(model.limiter.limit, 4, 'one 429 halves the limit of 8')
})

test('a response that is not a completion fails with the field named; 4xx are not retried', async (t) => {
  let n = 0
  const srv = await fakeServer(t, (b, _r, res) => {
    n++
    if ((b.model as string) === 'bad')
      return json(res, 400, { error: { message: 'unknown model' } })
    json(res, 200, { id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [] })
  })
  const garbage = createModel({ name: 'openai/m', baseUrl: srv.url }, noSleep)
  await assert.rejects(
    garbage.generate({ messages: [{ role: 'user', content: 'hi' }] }),
    (e) => isProviderError(e) && e.kind === 'bad_response' && /choices\[0\]/.test(e.message),
  )
  const before = n
  await assert.rejects(
    createModel({ name: 'openai/bad', baseUrl: srv.url }, noSleep).generate({
      messages: [{ role: 'user', content: 'hi' }],
    }),
    (e) => isProviderError(e) && e.kind === 'client' && e.status === 400,
  )
  assert.equal(n, before + 1, 'a 400 is asked once')
})

test('timeouts are retried, then reported', async (t) => {
  const srv = await fakeServer(t, () => {
    /* never answers */
  })
  const model = createModel(
    {
      name: 'openai/m',
      baseUrl: srv.url,
      timeoutMs: 150,
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    noSleep,
  )
  await assert.rejects(
    model.generate({ messages: [{ role: 'user', content: 'hi' }] }),
    (e) => isProviderError(e) && e.kind === 'timeout' && /gave up after 2 attempts/.test(e.message),
  )
  assert.equal(srv.bodies.length, 2)
})

test('the adaptive limit: halves on 429 once per cool-down, grows back by one per round of successes', async () => {
  let now = 0
  const l = new AdaptiveLimiter({ max: 8, coolDownMs: 1000, now: () => now })
  for (let i = 0; i < 3; i++) await l.acquire()
  l.release('rate_limited')
  assert.equal(l.limit, 4)
  l.release('rate_limited') // same burst: no second cut
  assert.equal(l.limit, 4)
  now = 2000
  await l.acquire()
  l.release('rate_limited')
  assert.equal(l.limit, 2)
  l.release('ok') // the third of the first burst returns
  // Waiters beyond the limit queue, first come first served.
  await l.acquire()
  await l.acquire()
  let third = false
  const p = l.acquire().then(() => {
    third = true
  })
  await new Promise((r) => setImmediate(r))
  assert.equal(third, false)
  l.release('ok')
  await p
  assert.equal(third, true)
  // Successes: a full round (as many as the limit) adds one.
  l.release('ok')
  l.release('ok')
  assert.equal(l.limit, 3)
  for (let i = 0; i < 40; i++) {
    await l.acquire()
    l.release('ok')
  }
  assert.equal(l.limit, 8, 'grows back to the maximum, never beyond')
})

test('backoff: exponential with equal jitter, capped; Retry-After wins', () => {
  assert.equal(backoffMs(0, DEFAULT_RETRY, 0), 500)
  assert.equal(backoffMs(0, DEFAULT_RETRY, 1), 1000)
  assert.equal(backoffMs(3, DEFAULT_RETRY, 0.5), 6000)
  assert.equal(backoffMs(20, DEFAULT_RETRY, 1), 60_000)
  assert.equal(backoffMs(2, DEFAULT_RETRY, 0.9, 1234), 1234)
})

test('model names: PROVIDER/MODEL, with slashes in the model kept', () => {
  assert.deepEqual(parseModelName('openai/meta-llama/Llama-3-8B'), {
    provider: 'openai',
    model: 'meta-llama/Llama-3-8B',
  })
  assert.throws(() => parseModelName('gpt-4o'), /must be PROVIDER\/MODEL/)
  assert.throws(
    () => parseModelName('vllm/x'),
    /unknown provider "vllm".*openai\/MODEL with --base-url/,
  )
})

test('transport failures are named: not JSON, refused connection, a base URL that is not one', async (t) => {
  const srv = await fakeServer(t, (_b, _r, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end('<html>gateway login</html>')
  })
  await assert.rejects(
    createModel({ name: 'openai/m', baseUrl: srv.url }, noSleep).generate({
      messages: [{ role: 'user', content: 'hi' }],
    }),
    (e) => isProviderError(e) && e.kind === 'bad_response' && /not JSON: <html>/.test(e.message),
  )
  // Nothing listens on port 9 of loopback: refused, retried, then reported as a connection failure.
  await assert.rejects(
    createModel(
      {
        name: 'anthropic/m',
        baseUrl: 'http://127.0.0.1:9',
        retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
      },
      noSleep,
    ).generate({ messages: [{ role: 'user', content: 'hi' }] }),
    (e) =>
      isProviderError(e) && e.kind === 'connection' && /gave up after 2 attempts/.test(e.message),
  )
  assert.throws(
    () => createModel({ name: 'openai/m', baseUrl: 'localhost:8000/v1' }),
    (e) => isProviderError(e) && e.kind === 'client' && /must be http/.test(e.message),
  )
})

import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import { Agent } from 'undici'
import { exchange } from './upstream.ts'

/** A local endpoint answering with `handler`; the requests it saw, and whether each was cut. */
async function endpoint(
  t: TestContext,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
) {
  const seen: Array<{ body: string; headers: IncomingMessage['headers']; closedEarly: boolean }> =
    []
  const server = createServer((req, res) => {
    const entry = { body: '', headers: req.headers, closedEarly: false }
    seen.push(entry)
    res.on('close', () => {
      entry.closedEarly = !res.writableFinished
    })
    req.setEncoding('utf8')
    req.on('data', (d: string) => {
      entry.body += d
    })
    req.on('end', () => handler(req, res))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const agent = new Agent()
  t.after(async () => {
    await agent.close()
    server.closeAllConnections()
    server.close()
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const call = (opts: { signal?: AbortSignal; stream?: boolean } = {}) =>
    exchange(agent, {
      origin,
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-lab' },
      body: Buffer.from('{"model":"m"}'),
      signal: opts.signal ?? new AbortController().signal,
      streams: (status, type) =>
        opts.stream === true && status < 400 && type.includes('text/event-stream'),
    })
  return { seen, call }
}

test('a JSON answer comes back whole, with its status and headers; the request went as given', async (t) => {
  const up = await endpoint(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-up': '1' })
    res.write('{"id":"a",')
    setTimeout(() => res.end('"usage":{"prompt_tokens":3}}'), 5)
  })
  const answer = await up.call()
  assert.equal(answer.kind, 'complete')
  assert.equal(answer.status, 200)
  assert.equal(answer.headers['x-up'], '1')
  assert.deepEqual(JSON.parse(answer.body.toString()), { id: 'a', usage: { prompt_tokens: 3 } })
  assert.equal(up.seen[0]!.body, '{"model":"m"}')
  assert.equal(up.seen[0]!.headers.authorization, 'Bearer sk-lab')
})

test('an error answer to a stream request is read whole, never passed on as a stream', async (t) => {
  const up = await endpoint(t, (_req, res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' })
    res.end('{"error":{"message":"slow down"}}')
  })
  const answer = await up.call({ stream: true })
  assert.equal(answer.kind, 'complete')
  assert.equal(answer.status, 429)
  assert.equal(answer.headers['retry-after'], '7')
})

test('a stream arrives chunk by chunk, before the upstream has finished', async (t) => {
  let finish!: () => void
  const up = await endpoint(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: one\n\n')
    finish = () => res.end('data: [DONE]\n\n')
  })
  const answer = await up.call({ stream: true })
  assert.equal(answer.kind, 'stream')
  if (answer.kind !== 'stream') return
  const chunks: string[] = []
  answer.body.setEncoding('utf8')
  answer.body.on('data', (c: string) => {
    chunks.push(c)
    if (chunks.length === 1) finish()
  })
  await once(answer.body, 'end')
  assert.deepEqual(chunks, ['data: one\n\n', 'data: [DONE]\n\n'])
})

test('destroying a stream cuts the upstream request', async (t) => {
  const up = await endpoint(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: one\n\n')
  })
  const answer = await up.call({ stream: true })
  assert.equal(answer.kind, 'stream')
  answer.body.destroy()
  while (!up.seen[0]!.closedEarly) await new Promise((r) => setTimeout(r, 10))
  assert.equal(up.seen[0]!.closedEarly, true)
})

test('a stream whose reader stops reading stops the socket reads, and resumes when read again', async (t) => {
  const chunk = `data: ${'x'.repeat(16 * 1024)}\n\n`
  const total = 4000
  let written = 0
  const up = await endpoint(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const pump = () => {
      while (written < total) {
        written++
        if (!res.write(chunk)) return void res.once('drain', pump)
      }
      res.end()
    }
    pump()
  })
  const answer = await up.call({ stream: true })
  if (answer.kind !== 'stream') return assert.fail('expected a stream')
  // Nothing reads yet: the upstream must come to a stop (TCP holds it back once the socket
  // buffers are full), well short of the whole 64 MB answer.
  let before = -1
  while (written !== before && written < total) {
    before = written
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.ok(written < total, `the upstream wrote all ${total} chunks while nobody read`)
  let bytes = 0
  for await (const c of answer.body) bytes += (c as Buffer).length
  assert.equal(bytes, chunk.length * total)
})

test('an abort before the answer rejects with the abort reason', async (t) => {
  const up = await endpoint(t, () => {
    /* never answers */
  })
  const ac = new AbortController()
  const pending = up.call({ signal: ac.signal })
  while (up.seen.length === 0) await new Promise((r) => setTimeout(r, 5))
  ac.abort(new Error('client went away'))
  await assert.rejects(pending, /client went away/)
})

/**
 * An OpenAI-compatible chat completions server that answers every request after a fixed delay
 * (the evals benchmark runs it in its own process, so neither contender shares its event loop).
 * Usage: node bench/evals-mock.ts DELAY_MS — prints `listening PORT` once ready.
 */
import { createServer } from 'node:http'

const delay = Number(process.argv[2] ?? 50)
// The answer around the echoed number is built once; each request only fills it in, so the
// server's own work per request stays far below the 50 ms it waits (the ideal time assumes a
// server that adds nothing but its delay).
const [head, tail] = JSON.stringify({
  id: 'cmpl-mock',
  object: 'chat.completion',
  created: 0,
  model: 'mock',
  choices: [
    { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'ANSWER: \u0000' } },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
}).split('\\u0000')
const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (d: Buffer) => chunks.push(d))
  req.on('end', () => {
    // Echo the number the prompt asks to repeat, so both harnesses score every sample correct.
    const m = /Repeat the number (\d+)/.exec(Buffer.concat(chunks).toString('latin1'))
    const body = `${head}${m?.[1] ?? '0'}${tail}`
    setTimeout(() => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      })
      res.end(body)
    }, delay)
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`)
})
process.on('SIGTERM', () => process.exit(0))

/**
 * An OpenAI-compatible chat completions server that answers every request after a fixed delay
 * (the evals benchmark runs it in its own process, so neither contender shares its event loop).
 * Usage: node bench/evals-mock.ts DELAY_MS — prints `listening PORT` once ready.
 */
import { createServer } from 'node:http'

const delay = Number(process.argv[2] ?? 50)
let served = 0
const server = createServer((req, res) => {
  let raw = ''
  req.on('data', (d) => {
    raw += d
  })
  req.on('end', () => {
    served++
    // Echo the number the prompt asks to repeat, so both harnesses score every sample correct.
    const m = /Repeat the number (\d+)/.exec(raw)
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          id: `cmpl-${served}`,
          object: 'chat.completion',
          created: 0,
          model: 'mock',
          choices: [
            {
              index: 0,
              finish_reason: 'stop',
              message: { role: 'assistant', content: `ANSWER: ${m?.[1] ?? '0'}` },
            },
          ],
          usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
        }),
      )
    }, delay)
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`)
})
process.on('SIGTERM', () => process.exit(0))

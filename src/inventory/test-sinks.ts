/**
 * Local receivers for the inventory's notification tests: an SMTP server (smtp-server) and a
 * webhook endpoint, each keeping what it was sent. Test-only (smtp-server is a dev dependency).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { SMTPServer } from 'smtp-server'

/** A local SMTP server (smtp-server) that keeps what it receives. */
export async function smtpSink(t: TestContext) {
  const mails: Array<{ to: string[]; data: string }> = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, done) {
      let data = ''
      stream.on('data', (c: Buffer) => {
        data += c.toString('utf8')
      })
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data })
        done()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.server.address() as AddressInfo).port
  return { mails, port }
}

/** A local webhook receiver that keeps each request's body and headers. */
export async function webhookSink(t: TestContext) {
  const hits: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8')
    })
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers, body })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { hits, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { createLogger, redactUrl } from './log.ts'

test('one-time secrets in query strings are redacted', () => {
  assert.equal(
    redactUrl('/api/session/link?token=ew_lnk_abc&x=1'),
    '/api/session/link?token=[redacted]&x=1',
  )
  assert.equal(
    redactUrl('/api/session/oidc/callback?code=c1&state=s1'),
    '/api/session/oidc/callback?code=[redacted]&state=[redacted]',
  )
  assert.equal(redactUrl('/api/submissions?q=atlas'), '/api/submissions?q=atlas')
})

test('credentials and tokens never reach the log output', () => {
  let out = ''
  const sink = new Writable({
    write(chunk, _enc, cb) {
      out += chunk
      cb()
    },
  })
  const log = createLogger('info', sink)
  log.info({ req: { method: 'GET', url: '/api/session/link?token=ew_lnk_secret' } }, 'incoming')
  log.info({ body: { credential: 'sk-live-1', password: 'hunter2' }, token: 'ew_pat_x' }, 'payload')
  assert.ok(!out.includes('ew_lnk_secret'))
  assert.ok(!out.includes('sk-live-1'))
  assert.ok(!out.includes('hunter2'))
  assert.ok(!out.includes('ew_pat_x'))
})

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { envelopes, localKeyProvider } from './envelope.ts'

test('round trip, and the ciphertext is bound to its context and key', async () => {
  const env = envelopes(localKeyProvider(randomBytes(32)))
  const sealed = await env.encrypt('sk-live-secret', 'submission:a:credential')
  assert.ok(!JSON.stringify(sealed).includes('sk-live-secret'))
  assert.equal((await env.decrypt(sealed, 'submission:a:credential')).toString(), 'sk-live-secret')
  await assert.rejects(env.decrypt(sealed, 'submission:b:credential'))
  const other = envelopes(localKeyProvider(randomBytes(32)))
  await assert.rejects(other.decrypt(sealed, 'submission:a:credential'))
})

test('two encryptions of one value differ (fresh data key and nonce)', async () => {
  const env = envelopes(localKeyProvider(randomBytes(32)))
  const a = await env.encrypt('x', 'c')
  const b = await env.encrypt('x', 'c')
  assert.notEqual(a.ct, b.ct)
  assert.notEqual(a.dk, b.dk)
})

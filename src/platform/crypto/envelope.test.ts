import assert from 'node:assert/strict'
import { createCipheriv, randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { envelopes, localKeyId, localKeyProvider, localKeyring } from './envelope.ts'

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

test('rotation: the old key still opens until re-wrapped, and re-wrapping keeps the ciphertext', async () => {
  const k1 = randomBytes(32)
  const k2 = randomBytes(32)
  const before = envelopes(localKeyring(k1))
  const sealed = await before.encrypt('controlled item', 'item:1')
  const rotated = envelopes(localKeyring(k2, [k1]))
  assert.equal(rotated.stale(sealed), true)
  assert.equal((await rotated.decrypt(sealed, 'item:1')).toString(), 'controlled item')
  const rewrapped = await rotated.rewrap(sealed)
  assert.equal(rewrapped.ct, sealed.ct, 'the item itself is not re-encrypted')
  assert.equal(rewrapped.kid, localKeyId(k2))
  assert.equal(rotated.stale(rewrapped), false)
  // Once everything is re-wrapped, the old key can go.
  const after = envelopes(localKeyring(k2))
  assert.equal((await after.decrypt(rewrapped, 'item:1')).toString(), 'controlled item')
  await assert.rejects(after.decrypt(sealed, 'item:1'), /EARLYWATCH_PREVIOUS_MASTER_KEYS/)
})

test('envelopes from before rotation existed (key id local-1) open with whichever key wrapped them', async () => {
  const k1 = randomBytes(32)
  const dk = randomBytes(32)
  const sealWith = (key: Buffer, plain: Buffer, aad: string) => {
    const iv = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', key, iv)
    c.setAAD(Buffer.from(aad))
    const ct = Buffer.concat([c.update(plain), c.final()])
    return Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')
  }
  const legacy = {
    v: 1 as const,
    kid: 'local-1',
    dk: sealWith(k1, dk, 'local-1'),
    ct: sealWith(dk, Buffer.from('old secret'), 'ctx'),
  }
  const ring = envelopes(localKeyring(randomBytes(32), [k1]))
  assert.equal((await ring.decrypt(legacy, 'ctx')).toString(), 'old secret')
  await assert.rejects(envelopes(localKeyring(randomBytes(32))).decrypt(legacy, 'ctx'))
})

test('a tampered ciphertext or wrapped key never decrypts, even partly', async () => {
  const env = envelopes(localKeyProvider(randomBytes(32)))
  const sealed = await env.encrypt('secret text', 'c')
  const ct = Buffer.from(sealed.ct, 'base64')
  ct[ct.length - 1]! ^= 1
  await assert.rejects(env.decrypt({ ...sealed, ct: ct.toString('base64') }, 'c'))
  const dk = Buffer.from(sealed.dk, 'base64')
  dk[0]! ^= 1
  await assert.rejects(env.decrypt({ ...sealed, dk: dk.toString('base64') }, 'c'))
})

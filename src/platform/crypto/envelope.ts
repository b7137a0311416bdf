/** Envelope encryption for secrets at rest: a fresh data key per value, wrapped by a key-encryption key from a KeyProvider. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/**
 * Where key-encryption keys live. The built-in provider holds one in memory (from settings);
 * a KMS or HSM provider implements the same two calls.
 */
export interface KeyProvider {
  readonly keyId: string
  wrap(dataKey: Buffer): Promise<Buffer>
  unwrap(wrapped: Buffer, keyId: string): Promise<Buffer>
}

/** AES-256-GCM: 12-byte nonce, 16-byte tag, authenticated additional data binds a value to its row. */
function seal(key: Buffer, plain: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(12)
  const c = createCipheriv('aes-256-gcm', key, iv)
  c.setAAD(aad)
  const ct = Buffer.concat([c.update(plain), c.final()])
  return Buffer.concat([iv, c.getAuthTag(), ct])
}

function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const iv = sealed.subarray(0, 12)
  const tag = sealed.subarray(12, 28)
  const d = createDecipheriv('aes-256-gcm', key, iv)
  d.setAAD(aad)
  d.setAuthTag(tag)
  return Buffer.concat([d.update(sealed.subarray(28)), d.final()])
}

export function localKeyProvider(kek: Buffer, keyId = 'local-1'): KeyProvider {
  if (kek.length !== 32)
    throw new Error('The key-encryption key must be 32 bytes (EARLYWATCH_MASTER_KEY).')
  return {
    keyId,
    wrap: async (dk) => seal(kek, dk, Buffer.from(keyId)),
    unwrap: async (wrapped, id) => {
      if (id !== keyId)
        throw new Error(`No key-encryption key ${id} is configured; this provider has ${keyId}.`)
      return open(kek, wrapped, Buffer.from(id))
    },
  }
}

/** What is stored: everything needed to decrypt, given the key provider. Serialised as JSON in a jsonb column. */
export interface Envelope {
  v: 1
  kid: string
  /** Wrapped data key, base64. */
  dk: string
  /** Nonce ‖ tag ‖ ciphertext, base64. */
  ct: string
}

export interface Envelopes {
  encrypt(plain: string | Buffer, context: string): Promise<Envelope>
  decrypt(env: Envelope, context: string): Promise<Buffer>
}

/**
 * @param context binds the ciphertext to where it is stored (e.g. `submission:sub_123:credential`),
 *   so a value copied into another row will not decrypt.
 */
export function envelopes(keys: KeyProvider): Envelopes {
  return {
    async encrypt(plain, context) {
      const dk = randomBytes(32)
      try {
        const ct = seal(
          dk,
          Buffer.isBuffer(plain) ? plain : Buffer.from(plain, 'utf8'),
          Buffer.from(context),
        )
        return {
          v: 1,
          kid: keys.keyId,
          dk: (await keys.wrap(dk)).toString('base64'),
          ct: ct.toString('base64'),
        }
      } finally {
        dk.fill(0)
      }
    },
    async decrypt(env, context) {
      const dk = await keys.unwrap(Buffer.from(env.dk, 'base64'), env.kid)
      try {
        return open(dk, Buffer.from(env.ct, 'base64'), Buffer.from(context))
      } finally {
        dk.fill(0)
      }
    },
  }
}

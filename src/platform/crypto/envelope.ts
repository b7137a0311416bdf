/** Envelope encryption for secrets at rest: a fresh data key per value, wrapped by a key-encryption key from a KeyProvider. */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

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

/** The key id a local key-encryption key gets: its SHA-256 fingerprint, so ids never collide. */
export function localKeyId(kek: Buffer): string {
  return `local:${createHash('sha256').update(kek).digest('hex').slice(0, 16)}`
}

/** Envelopes written before key rotation existed name their (single) key this way. */
const LEGACY_KEY_ID = 'local-1'

/**
 * Key-encryption keys held in memory (from settings): `current` wraps new data keys; `previous`
 * ones still unwrap what they wrapped until everything has been re-wrapped (`Envelopes.rewrap`).
 */
export function localKeyring(current: Buffer, previous: readonly Buffer[] = []): KeyProvider {
  const keys = [current, ...previous]
  for (const k of keys)
    if (k.length !== 32)
      throw new Error('A key-encryption key must be 32 bytes (EARLYWATCH_MASTER_KEY).')
  const byId = new Map(keys.map((k) => [localKeyId(k), k]))
  const keyId = localKeyId(current)
  return {
    keyId,
    wrap: async (dk) => seal(current, dk, Buffer.from(keyId)),
    unwrap: async (wrapped, id) => {
      if (id === LEGACY_KEY_ID) {
        // Which key wrapped it was not recorded; the authentication tag tells.
        for (const k of keys) {
          try {
            return open(k, wrapped, Buffer.from(id))
          } catch {}
        }
        throw new Error(
          `No configured key-encryption key opens this data key (key id ${id}); was the master key replaced without listing the old one in EARLYWATCH_PREVIOUS_MASTER_KEYS?`,
        )
      }
      const k = byId.get(id)
      if (!k)
        throw new Error(
          `No key-encryption key ${id} is configured (have ${[...byId.keys()].join(', ')}); list the old key in EARLYWATCH_PREVIOUS_MASTER_KEYS to read data it wrapped.`,
        )
      return open(k, wrapped, Buffer.from(id))
    },
  }
}

/** One key, no rotation: tests and tools. */
export function localKeyProvider(kek: Buffer): KeyProvider {
  return localKeyring(kek)
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
  /** True when `env`'s data key is wrapped by a key other than the current one. */
  stale(env: Envelope): boolean
  /**
   * The same envelope with its data key re-wrapped by the current key-encryption key: the
   * ciphertext is untouched, so rotating keys costs one small write per value.
   */
  rewrap(env: Envelope): Promise<Envelope>
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
    stale: (env) => env.kid !== keys.keyId,
    async rewrap(env) {
      if (env.kid === keys.keyId) return env
      const dk = await keys.unwrap(Buffer.from(env.dk, 'base64'), env.kid)
      try {
        return { ...env, kid: keys.keyId, dk: (await keys.wrap(dk)).toString('base64') }
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

/** Bearer secrets (API tokens, session ids, sign-in links): random, prefixed, and stored only as a SHA-256 hash. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** `ew_pat_` + 32 random bytes in base64url. The prefix lets secret scanners recognise a leaked token. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`
}

/** Tokens carry 256 bits of randomness, so a plain SHA-256 is enough: no password stretching needed. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

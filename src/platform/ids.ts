/** Prefixed random identifiers (`sub_…`, `org_…`): readable in logs, unguessable, sortable by nothing. */
import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz' // Crockford base32, lower case

export function newId(prefix: string, bytes = 12): string {
  const buf = randomBytes(bytes)
  let out = ''
  let acc = 0
  let bits = 0
  for (const b of buf) {
    acc = (acc << 8) | b
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31]
  return `${prefix}_${out}`
}

export const ID_PATTERN = /^[a-z]{2,5}_[0-9a-z]{8,40}$/

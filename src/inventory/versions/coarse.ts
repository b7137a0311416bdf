/**
 * Coarse, string-sortable version keys for database pre-filtering (the osv.dev trick): each
 * range of an advisory stores a coarse lower and upper key, the component's version gets a
 * key, and only ranges with `lower <= key <= upper` go to the exact comparator.
 *
 * Guarantee: for versions a and b that both have a key, `compare(a, b) < 0` implies
 * `key(a) <= key(b)` (the key never orders two versions the wrong way round; it may tie
 * them). So a version inside a range always has a key between the range's bounds, and the
 * pre-filter never drops a true match. A version without a key (`''`) must skip the
 * pre-filter and be compared with every range of its package.
 *
 * Each scheme says which leading parts are safe (scheme.ts `coarse`): the full
 * MAJOR.MINOR.PATCH for SemVer and PEP 440, the epoch and first number for schemes where
 * letters or separators after a number can sort either way (Maven, Debian, RPM, …).
 */
import { stripZeros } from './digits.ts'

/** Above every key: the upper bound of a range with no end. */
export const COARSE_MAX = '~'
/** Below every key: the lower bound of a range open at the bottom (introduced "0"). */
export const COARSE_MIN = ''

/**
 * A number as a self-delimiting, order-preserving string: one letter for its digit count
 * (a = 1 digit … z = 26), then the digits. Concatenations then sort like the tuples.
 */
function encodeNumber(digits: string): string | null {
  const d = stripZeros(digits)
  if (d.length > 26) return null
  return String.fromCharCode(96 + d.length) + d
}

/** Always four parts (epoch, major, minor, patch), missing ones 0, so equal tuples give equal keys. */
export function encodeCoarse(parts: string[] | null): string {
  if (!parts || parts.length === 0 || parts.some((p) => !/^\d+$/.test(p))) return ''
  const padded = [...parts, '0', '0', '0', '0'].slice(0, 4)
  // A scheme that is only safe up to a prefix returns fewer parts; padding those with 0 is
  // still monotone because the padding is the same for every version of the scheme.
  let key = ''
  for (const p of padded) {
    const e = encodeNumber(p)
    if (e === null) return ''
    key += e
  }
  return key
}

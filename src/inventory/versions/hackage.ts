/**
 * Hackage: the Haskell Package Versioning Policy (pvp.haskell.org) — a version is a
 * non-empty list of non-negative integers compared lexicographically, so `1.0 < 1.0.0`.
 * Small enough that no library is warranted.
 */
import { compareDigits } from './digits.ts'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

const PATTERN = /^\d+(?:\.\d+)*$/

function parts(v: string): string[] {
  const t = v.trim()
  if (!PATTERN.test(t))
    throw new VersionSyntaxError(v, 'is not a Hackage version (numbers separated by dots)')
  return t.split('.')
}

/** Lexicographic comparison of digit lists where a proper prefix is smaller. */
export function compareNumberLists(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareDigits(a[i]!, b[i]!)
    if (c !== 0) return c
  }
  return Math.sign(a.length - b.length)
}

export const hackageScheme = defineScheme<string[]>({
  name: 'Hackage',
  parse: parts,
  compareParsed: compareNumberLists,
  coarse(v) {
    // A proper prefix sorts first (`1 < 1.0`), which zero padding keeps: both pad to 1.0.0.
    return PATTERN.test(v.trim()) ? ['0', ...[...parts(v), '0', '0', '0'].slice(0, 3)] : null
  },
})

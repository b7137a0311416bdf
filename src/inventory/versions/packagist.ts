/**
 * Packagist (Composer): PHP's `version_compare` (php.net/version_compare) on versions as
 * Composer writes them, which is what OSV specifies for the ecosystem. The version is
 * canonicalised (`_`, `-`, `+` become `.`, and a `.` is put between digits and letters),
 * split on `.`, and compared part by part: numbers numerically; the special words in the
 * order dev < alpha = a < beta = b < RC = rc < (a number) < pl = p; any other word below
 * all of them. No maintained JavaScript package implements it, so it is written here.
 */
import { compareDigits, isAlpha, isDigit } from './digits.ts'
import { defineScheme, leadingDigits, VersionSyntaxError } from './scheme.ts'

const SPECIAL: Array<[string, number]> = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
]

/** PHP matches a word by prefix against the list above, in that order. */
function specialRank(word: string): number {
  for (const [name, rank] of SPECIAL) if (word.startsWith(name)) return rank
  return -6
}

function canonical(v: string): string[] {
  let t = v.trim().replace(/^[vV](?=\d)/, '')
  t = t.replace(/[-_+]/g, '.')
  let out = ''
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!
    const prev = out[out.length - 1]
    if (prev !== undefined && prev !== '.' && c !== '.' && isDigit(prev) !== isDigit(c)) out += '.'
    out += c
  }
  return out.split('.').filter((p) => p !== '')
}

function comparePart(a: string, b: string): number {
  const ad = isDigit(a[0])
  const bd = isDigit(b[0])
  if (ad && bd) return compareDigits(a, b)
  if (!ad && !bd) return Math.sign(specialRank(a) - specialRank(b))
  return ad
    ? Math.sign(specialRank('#') - specialRank(b))
    : Math.sign(specialRank(a) - specialRank('#'))
}

function compare(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const c = comparePart(a[i]!, b[i]!)
    if (c !== 0) return c
  }
  // The longer one wins if its next part is a number; a word is compared against "#".
  if (a.length > n) return isDigit(a[n]![0]) ? 1 : comparePart(a[n]!, '#')
  if (b.length > n) return isDigit(b[n]![0]) ? -1 : comparePart('#', b[n]!)
  return 0
}

function check(v: string): string {
  const t = v.trim()
  if (t === '' || !/^[0-9A-Za-z._+-]+$/.test(t) || ![...t].some((c) => isDigit(c) || isAlpha(c)))
    throw new VersionSyntaxError(v, 'is not a Composer version')
  return t
}

export const packagistScheme = defineScheme<string[]>({
  name: 'Packagist',
  parse: (v) => canonical(check(v)),
  compareParsed: compare,
  coarse(v) {
    const d = leadingDigits(v.trim().replace(/^[vV]/, ''))
    return d ? ['0', d] : null
  },
})

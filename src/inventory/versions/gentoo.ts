/**
 * Gentoo (for `vers:gentoo` / ebuild): the Package Manager Specification's version
 * comparison (projects.gentoo.org/pms, "Version comparison"): numeric components (the first
 * as an integer, later ones with a leading zero as decimal fractions), an optional letter,
 * suffixes `_alpha < _beta < _pre < _rc < (none) < _p` each with an optional number, and a
 * revision `-rN`. Written here: no package implements it.
 */
import { compareDigits, compareStrings } from './digits.ts'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

interface Ebuild {
  numbers: string[]
  letter: string
  suffixes: Array<[number, string]>
  revision: string
}

const SUFFIX_RANK: Record<string, number> = { alpha: 0, beta: 1, pre: 2, rc: 3, p: 5 }
const NO_SUFFIX = 4
const PATTERN = /^(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|p)\d*)*)(?:-r(\d+))?$/

function parse(v: string): Ebuild {
  const m = PATTERN.exec(v.trim())
  if (!m) throw new VersionSyntaxError(v, 'is not a Gentoo version')
  const suffixes = [...m[3]!.matchAll(/_(alpha|beta|pre|rc|p)(\d*)/g)].map(
    (s): [number, string] => [SUFFIX_RANK[s[1]!]!, s[2] || '0'],
  )
  return { numbers: m[1]!.split('.'), letter: m[2]!, suffixes, revision: m[4] ?? '0' }
}

function compareNumbers(a: string[], b: string[]): number {
  const first = compareDigits(a[0]!, b[0]!)
  if (first !== 0) return first
  for (let i = 1; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!
    const y = b[i]!
    // A component with a leading zero is a fraction: compared as text, trailing zeros ignored.
    const c =
      x.startsWith('0') || y.startsWith('0')
        ? compareStrings(x.replace(/0+$/, ''), y.replace(/0+$/, ''))
        : compareDigits(x, y)
    if (c !== 0) return c
  }
  return Math.sign(a.length - b.length)
}

function compare(a: Ebuild, b: Ebuild): number {
  const n = compareNumbers(a.numbers, b.numbers)
  if (n !== 0) return n
  if (a.letter !== b.letter) return compareStrings(a.letter, b.letter)
  for (let i = 0; i < Math.max(a.suffixes.length, b.suffixes.length); i++) {
    const x = a.suffixes[i] ?? [NO_SUFFIX, '0']
    const y = b.suffixes[i] ?? [NO_SUFFIX, '0']
    if (x[0] !== y[0]) return Math.sign(x[0] - y[0])
    const c = compareDigits(x[1], y[1])
    if (c !== 0) return c
  }
  return compareDigits(a.revision, b.revision)
}

export const gentooScheme = defineScheme<Ebuild>({
  name: 'gentoo',
  parse,
  compareParsed: compare,
  coarse: () => null,
})

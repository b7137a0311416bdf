/**
 * Arch Linux (alpm, for `vers:alpm`): pacman's `vercmp` (man 8 vercmp):
 * `[epoch:]pkgver[-pkgrel]`, epochs numerically, then pkgver and pkgrel with rpm's segment
 * rules, except that a longer separator run wins and a trailing letter segment is older than
 * the end. pkgrel is compared only when both sides have one. Written here: no package does it.
 */
import { compareDigits, compareStrings, isAlpha, isDigit } from './digits.ts'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

const isAlnum = (c: string | undefined) => isDigit(c) || isAlpha(c)

function segmentCompare(a: string, b: string): number {
  if (a === b) return 0
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const si = i
    const sj = j
    while (i < a.length && !isAlnum(a[i])) i++
    while (j < b.length && !isAlnum(b[j])) j++
    if (i >= a.length || j >= b.length) break
    if (i - si !== j - sj) return i - si < j - sj ? -1 : 1
    const numeric = isDigit(a[i])
    const run = (s: string, k: number) => {
      let e = k
      while (e < s.length && (numeric ? isDigit(s[e]) : isAlpha(s[e]))) e++
      return e
    }
    const x = run(a, i)
    const y = run(b, j)
    if (y === j) return numeric ? 1 : -1
    const c = numeric
      ? compareDigits(a.slice(i, x), b.slice(j, y))
      : compareStrings(a.slice(i, x), b.slice(j, y))
    if (c !== 0) return c
    i = x
    j = y
  }
  if (i >= a.length && j >= b.length) return 0
  // The remaining side is newer unless what remains starts with a letter.
  if ((i >= a.length && !isAlpha(b[j])) || isAlpha(a[i])) return -1
  return 1
}

interface Alpm {
  epoch: string
  version: string
  release: string | null
}

function parse(v: string): Alpm {
  const t = v.trim()
  if (t === '' || /\s/.test(t)) throw new VersionSyntaxError(v, 'is not an Arch Linux version')
  const m = /^(?:(\d+):)?(.*?)(?:-([^-]*))?$/.exec(t)!
  return { epoch: m[1] ?? '0', version: m[2]!, release: m[3] ?? null }
}

export const alpmScheme = defineScheme<Alpm>({
  name: 'alpm',
  parse,
  compareParsed(a, b) {
    const e = compareDigits(a.epoch, b.epoch)
    if (e !== 0) return e
    const v = segmentCompare(a.version, b.version)
    if (v !== 0 || a.release === null || b.release === null) return v
    return segmentCompare(a.release, b.release)
  },
  coarse: () => null,
})

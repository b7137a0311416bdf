/**
 * RPM (AlmaLinux, Red Hat, Rocky Linux, SUSE, openSUSE): `[epoch:]version[-release]`, epochs
 * compared numerically and version and release with rpm's `rpmvercmp` as documented in
 * rpm.org's "Dependencies / Versioning" page: alphanumeric segments separated by anything
 * else; numbers beat letters; `~` sorts before everything (pre-releases), `^` after the end
 * but before any further segment (post-release snapshots). No maintained JavaScript package
 * implements it, so it is written here.
 */
import { compareDigits, compareStrings, isAlpha, isDigit } from './digits.ts'
import { defineScheme, leadingDigits, VersionSyntaxError } from './scheme.ts'

const isAlnum = (c: string | undefined) => isDigit(c) || isAlpha(c)

/** rpmvercmp on one part (version or release). */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]) && a[i] !== '~' && a[i] !== '^') i++
    while (j < b.length && !isAlnum(b[j]) && b[j] !== '~' && b[j] !== '^') j++
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1
      if (b[j] !== '~') return -1
      i++
      j++
      continue
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1
      if (j >= b.length) return 1
      if (a[i] !== '^') return 1
      if (b[j] !== '^') return -1
      i++
      j++
      continue
    }
    if (i >= a.length || j >= b.length) break
    const numeric = isDigit(a[i])
    const run = (s: string, k: number) => {
      let e = k
      while (e < s.length && (numeric ? isDigit(s[e]) : isAlpha(s[e]))) e++
      return e
    }
    const x = run(a, i)
    const y = run(b, j)
    // A number against letters: the number is newer.
    if (y === j) return numeric ? 1 : -1
    const c = numeric
      ? compareDigits(a.slice(i, x), b.slice(j, y))
      : compareStrings(a.slice(i, x), b.slice(j, y))
    if (c !== 0) return c
    i = x
    j = y
  }
  if (i >= a.length && j >= b.length) return 0
  return i < a.length ? 1 : -1
}

export interface Evr {
  epoch: string
  version: string
  release: string | null
}

export function parseEvr(v: string): Evr {
  const t = v.trim()
  if (t === '' || /\s/.test(t)) throw new VersionSyntaxError(v, 'is not an RPM version')
  const colon = t.indexOf(':')
  const epoch = colon === -1 ? '0' : t.slice(0, colon)
  if (!/^\d+$/.test(epoch)) throw new VersionSyntaxError(v, 'has an epoch that is not a number')
  const rest = colon === -1 ? t : t.slice(colon + 1)
  const dash = rest.lastIndexOf('-')
  return dash === -1
    ? { epoch, version: rest, release: null }
    : { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) }
}

export function compareEvr(a: Evr, b: Evr): number {
  const e = compareDigits(a.epoch, b.epoch)
  if (e !== 0) return e
  const v = rpmvercmp(a.version, b.version)
  if (v !== 0) return v
  // As OSV's RPM ecosystems order them: a version without a release precedes the same version with one.
  if (a.release === null || b.release === null)
    return a.release === b.release ? 0 : a.release === null ? -1 : 1
  return rpmvercmp(a.release, b.release)
}

export const rpmScheme = defineScheme<Evr>({
  name: 'RPM',
  parse: parseEvr,
  compareParsed: compareEvr,
  coarse(v) {
    try {
      const p = parseEvr(v)
      const d = leadingDigits(p.version)
      return d ? [p.epoch, d] : null
    } catch {
      return null
    }
  },
})

/**
 * Debian: dpkg's version comparison as the Debian Policy Manual §5.6.12 specifies it
 * (www.debian.org/doc/debian-policy/ch-controlfields.html#version): `[epoch:]upstream[-revision]`;
 * epochs compare numerically; upstream and revision alternate non-digit parts (compared
 * character by character with `~` before everything, the end next, then letters, then other
 * characters) and digit parts (compared numerically). No maintained JavaScript package
 * implements it, so it is written here.
 */
import { compareDigits, isAlpha, isDigit } from './digits.ts'
import { defineScheme, leadingDigits, VersionSyntaxError } from './scheme.ts'

export interface DebianVersion {
  epoch: string
  upstream: string
  revision: string
}

const UPSTREAM = /^[0-9A-Za-z.+~:-]*$/
const REVISION = /^[0-9A-Za-z.+~]*$/

export function parseDebian(v: string): DebianVersion {
  const t = v.trim()
  const colon = t.indexOf(':')
  const epoch = colon === -1 ? '0' : t.slice(0, colon)
  const rest = colon === -1 ? t : t.slice(colon + 1)
  const dash = rest.lastIndexOf('-')
  const upstream = dash === -1 ? rest : rest.slice(0, dash)
  const revision = dash === -1 ? '' : rest.slice(dash + 1)
  if (!/^\d+$/.test(epoch)) throw new VersionSyntaxError(v, 'has an epoch that is not a number')
  if (upstream === '') throw new VersionSyntaxError(v, 'has an empty upstream version')
  if (!UPSTREAM.test(upstream) || !REVISION.test(revision))
    throw new VersionSyntaxError(v, 'has characters Debian versions do not allow')
  return { epoch, upstream, revision }
}

/** Policy's character weight: `~` lowest, then end of part, then letters, then the rest. */
function weight(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0
  if (c === '~') return -1
  if (isAlpha(c)) return c.charCodeAt(0)
  return c.charCodeAt(0) + 256
}

export function compareDebianPart(a: string, b: string): number {
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const d = weight(a[i]) - weight(b[j])
      if (d !== 0) return Math.sign(d)
      i++
      j++
    }
    let x = i
    while (x < a.length && isDigit(a[x])) x++
    let y = j
    while (y < b.length && isDigit(b[y])) y++
    const c = compareDigits(a.slice(i, x) || '0', b.slice(j, y) || '0')
    if (c !== 0) return c
    i = x
    j = y
  }
  return 0
}

export function compareDebian(a: DebianVersion, b: DebianVersion): number {
  return (
    compareDigits(a.epoch, b.epoch) ||
    compareDebianPart(a.upstream, b.upstream) ||
    compareDebianPart(a.revision, b.revision)
  )
}

export const debianScheme = defineScheme<DebianVersion>({
  name: 'Debian',
  parse: parseDebian,
  compareParsed: compareDebian,
  coarse(v) {
    // The epoch, then the upstream's first number: with the same epoch, a leading number
    // decides the order before anything after it does.
    try {
      const p = parseDebian(v)
      const d = leadingDigits(p.upstream)
      return d ? [p.epoch, d] : null
    } catch {
      return null
    }
  },
})

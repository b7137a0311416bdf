/**
 * Conan (for `vers:conan`): Conan 2's version model (docs.conan.io, "Versions"): dot-separated
 * items of any number, numbers compared numerically and anything else as text (a number
 * against text compares as text), trailing zero items ignored, `-pre` releases before the
 * release, `+build` compared last; pre and build are versions themselves. Written here: no
 * package implements it.
 */
import { compareDigits, compareStrings } from './digits.ts'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

interface ConanVersion {
  items: string[]
  pre: ConanVersion | null
  build: ConanVersion | null
}

function parse(v: string): ConanVersion {
  const t = v.trim()
  if (/\s/.test(t)) throw new VersionSyntaxError(v, 'is not a Conan version')
  const plus = t.indexOf('+')
  const main = plus === -1 ? t : t.slice(0, plus)
  const build = plus === -1 ? null : parse(t.slice(plus + 1))
  const dash = main.indexOf('-')
  const core = dash === -1 ? main : main.slice(0, dash)
  const pre = dash === -1 ? null : parse(main.slice(dash + 1))
  const items = core.split('.')
  while (items.length > 1 && /^0+$/.test(items[items.length - 1]!)) items.pop()
  return { items, pre, build }
}

function compareItem(a: string, b: string): number {
  const an = /^\d+$/.test(a)
  const bn = /^\d+$/.test(b)
  return an && bn ? compareDigits(a, b) : compareStrings(a, b)
}

function compareItems(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareItem(a[i]!, b[i]!)
    if (c !== 0) return c
  }
  return Math.sign(a.length - b.length)
}

/** Absent parts sort first, as Python compares `None`-free tuples of present parts. */
function compareOptional(a: ConanVersion | null, b: ConanVersion | null): number {
  if (!a || !b) return a === b ? 0 : a ? 1 : -1
  return compare(a, b)
}

function compare(a: ConanVersion, b: ConanVersion): number {
  const items = compareItems(a.items, b.items)
  if (a.pre && b.pre) return items || compare(a.pre, b.pre) || compareOptional(a.build, b.build)
  if (a.pre || b.pre) return items || (a.pre ? -1 : 1)
  return items || compareOptional(a.build, b.build)
}

export const conanScheme = defineScheme<ConanVersion>({
  name: 'conan',
  parse,
  compareParsed: compare,
  coarse: () => null,
})

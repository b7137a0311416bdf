/**
 * RubyGems: the ordering of `Gem::Version` (guides.rubygems.org/patterns/#semantic-versioning
 * and the class's documented rules). A version is split into numeric and alphabetic segments;
 * any alphabetic segment makes it a prerelease, which sorts below the release; trailing zero
 * segments of the numeric part and of the prerelease part are ignored. No maintained
 * JavaScript package implements it, so it is written here.
 */
import { compareDigits, compareStrings } from './digits.ts'
import { defineScheme, leadingDigits, VersionSyntaxError } from './scheme.ts'

const PATTERN = /^\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?\s*$/

type Segment = string // digits, or letters

function segments(v: string): Segment[] {
  const m = PATTERN.exec(v)
  if (!m) throw new VersionSyntaxError(v, 'is not a RubyGems version')
  const text = (m[1] ?? '0').replace(/-/g, '.pre.')
  const all = text.match(/[0-9]+|[a-z]+/gi) ?? []
  const firstText = all.findIndex((s) => !/^\d/.test(s))
  const numeric = firstText === -1 ? all : all.slice(0, firstText)
  const rest = firstText === -1 ? [] : all.slice(firstText)
  const trim = (xs: Segment[]) => {
    const out = [...xs]
    while (out.length && /^\d+$/.test(out[out.length - 1]!) && /^0+$/.test(out[out.length - 1]!))
      out.pop()
    return out
  }
  return [...trim(numeric), ...trim(rest)]
}

function compare(a: Segment[], b: Segment[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const l = a[i] ?? '0'
    const r = b[i] ?? '0'
    const ln = /^\d/.test(l)
    const rn = /^\d/.test(r)
    if (ln && rn) {
      const c = compareDigits(l, r)
      if (c !== 0) return c
    } else if (ln !== rn) {
      return ln ? 1 : -1
    } else if (l !== r) {
      return compareStrings(l, r)
    }
  }
  return 0
}

export const rubygemsScheme = defineScheme<Segment[]>({
  name: 'RubyGems',
  parse: segments,
  compareParsed: compare,
  coarse(v) {
    // `1.a` sorts below `1.0`, so only the first number is always safe.
    const d = leadingDigits(v.trim())
    return d ? ['0', d] : null
  },
})

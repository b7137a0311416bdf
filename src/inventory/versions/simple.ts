/** The small vers schemes (github.com/package-url/vers-spec, docs/types/vers-types.md): datetime and lexicographic. */
import { compareStrings } from './digits.ts'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

/** `vers:datetime`: RFC 3339 timestamps, ordered by the instant they name. */
export const datetimeScheme = defineScheme<number>({
  name: 'datetime',
  parse(v) {
    const t = v.trim()
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(t)
      ? Date.parse(t)
      : Number.NaN
    if (Number.isNaN(ms)) throw new VersionSyntaxError(v, 'is not an RFC 3339 timestamp')
    return ms
  },
  compareParsed: (a, b) => Math.sign(a - b),
  coarse: () => null,
})

/** `vers:lexicographic`: plain code-point order of the version strings. */
export const lexicographicScheme = defineScheme<string>({
  name: 'lexicographic',
  parse: (v) => v,
  compareParsed: (a, b) => {
    // Code points, not UTF-16 units, so characters outside the BMP sort by their value.
    const x = [...a]
    const y = [...b]
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!
      if (d !== 0) return Math.sign(d)
    }
    return Math.sign(x.length - y.length) || compareStrings(a, b)
  },
  coarse: () => null,
})

/**
 * CRAN: R's `package_version` (R documentation, ?numeric_version; "Writing R Extensions" §1.1.1:
 * at least two non-negative integers separated by `.` or `-`), compared as integer lists where
 * a proper prefix is smaller. Small enough that no library is warranted.
 */
import { compareNumberLists } from './hackage.ts'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

const PATTERN = /^\d+(?:[.-]\d+)*$/

function parts(v: string): string[] {
  const t = v.trim()
  if (!PATTERN.test(t))
    throw new VersionSyntaxError(v, 'is not a CRAN version (numbers separated by . or -)')
  return t.split(/[.-]/)
}

export const cranScheme = defineScheme<string[]>({
  name: 'CRAN',
  parse: parts,
  compareParsed: compareNumberLists,
  coarse(v) {
    return PATTERN.test(v.trim()) ? ['0', ...[...parts(v), '0', '0', '0'].slice(0, 3)] : null
  },
})

/**
 * Pub (Dart): pub_semver's ordering (pub.dev/packages/pub_semver, `Version.compareTo`):
 * SemVer 2.0 precedence, except that build metadata also orders (a version without build
 * sorts before the same version with one, and build identifiers compare like pre-release
 * identifiers). A leading `v` is tolerated and numbers may exceed 2^53. Written here: the
 * npm `semver` package ignores build metadata.
 */
import { compareDigits, compareStrings } from './digits.ts'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

interface PubVersion {
  numbers: string[]
  pre: string[] | null
  build: string[] | null
}

const PATTERN = /^v?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/

function identifiers(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!
    const y = b[i]!
    const xn = /^\d+$/.test(x)
    const yn = /^\d+$/.test(y)
    const c = xn && yn ? compareDigits(x, y) : xn !== yn ? (xn ? -1 : 1) : compareStrings(x, y)
    if (c !== 0) return c
  }
  return Math.sign(a.length - b.length)
}

export const pubScheme = defineScheme<PubVersion>({
  name: 'Pub',
  parse(v) {
    const m = PATTERN.exec(v.trim())
    if (!m)
      throw new VersionSyntaxError(v, 'is not a Pub version (MAJOR.MINOR.PATCH[-pre][+build])')
    const all = m[1]!.split('.')
    // Numbers after the third belong to the build, as pub_semver reads them.
    const extra = all.slice(3)
    const build = [...extra, ...(m[3] ? m[3].split('.') : [])]
    return {
      numbers: all.slice(0, 3),
      pre: m[2] ? m[2].split('.') : null,
      build: build.length ? build : null,
    }
  },
  compareParsed(a, b) {
    for (let i = 0; i < 3; i++) {
      const c = compareDigits(a.numbers[i] ?? '0', b.numbers[i] ?? '0')
      if (c !== 0) return c
    }
    if (a.pre || b.pre) {
      if (!a.pre) return 1
      if (!b.pre) return -1
      const c = identifiers(a.pre, b.pre)
      if (c !== 0) return c
    }
    if (a.build || b.build) {
      if (!a.build) return -1
      if (!b.build) return 1
      return identifiers(a.build, b.build)
    }
    return 0
  },
  coarse(v) {
    const m = PATTERN.exec(v.trim())
    return m ? ['0', ...[...m[1]!.split('.'), '0', '0', '0'].slice(0, 3)] : null
  },
})

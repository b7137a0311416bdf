/**
 * SemVer 2.0.0 (https://semver.org) ordering through the `semver` package, used by npm,
 * crates.io (Cargo follows SemVer 2.0 precedence), Go modules (golang.org/ref/mod#versions:
 * a leading `v`, `+incompatible` is build metadata and ignored), Bitnami (OSV says its
 * ranges are SEMVER), and OSV `SEMVER` ranges of any ecosystem.
 */
import semver from 'semver'
import { defineScheme, VersionSyntaxError } from './scheme.ts'

function make(name: string, prepare: (v: string) => string, loose: boolean) {
  return defineScheme<semver.SemVer>({
    name,
    parse(v) {
      const p = semver.parse(prepare(v), { loose })
      if (!p)
        throw new VersionSyntaxError(
          v,
          `is not a ${name} version (SemVer 2.0: MAJOR.MINOR.PATCH[-pre][+build])`,
        )
      return p
    },
    compareParsed: (a, b) => a.compare(b),
    coarse(v) {
      const p = semver.parse(prepare(v), { loose })
      return p ? ['0', String(p.major), String(p.minor), String(p.patch)] : null
    },
    // Build metadata does not take part in precedence.
    canonical: (p) => p.version,
  })
}

const asIs = (v: string) => v.trim()
/** OSV SEMVER ranges carry no `v`; SBOMs often do (`v1.2.3`), and Go always does. */
const withoutV = (v: string) => v.trim().replace(/^v(?=\d)/, '')

/** OSV `SEMVER` range type: strict SemVer 2.0, leading `v` tolerated. */
export const semverScheme = make('SemVer', withoutV, false)
/** npm: node-semver in loose mode, as the npm CLI reads versions (`v1.2.3`, `=1.2.3`). */
export const npmScheme = make('npm', asIs, true)
export const cargoScheme = make('crates.io', withoutV, false)
export const goScheme = make('Go', withoutV, false)
/**
 * Bitnami versions are SemVer (OSV ranges are typed SEMVER), but some packages publish
 * `MAJOR.MINOR` only; loose mode still refuses those, so they are padded with `.0`.
 */
export const bitnamiScheme = make(
  'Bitnami',
  (v) => {
    const t = withoutV(v)
    return /^\d+\.\d+$/.test(t) ? `${t}.0` : /^\d+$/.test(t) ? `${t}.0.0` : t
  },
  true,
)

/**
 * Package URL `vers` version ranges (github.com/package-url/vers-spec): parsing
 * `vers:<scheme>/<constraint>|<constraint>…` and the spec's containment algorithm.
 */
import { alpineScheme } from './alpine.ts'
import { alpmScheme } from './alpm.ts'
import { conanScheme } from './conan.ts'
import { cranScheme } from './cran.ts'
import { debianScheme } from './debian.ts'
import { gentooScheme } from './gentoo.ts'
import { hackageScheme } from './hackage.ts'
import { mavenScheme } from './maven.ts'
import { nugetScheme } from './nuget.ts'
import { opensslScheme } from './openssl.ts'
import { packagistScheme } from './packagist.ts'
import { pubScheme } from './pub.ts'
import { pypiScheme } from './pypi.ts'
import { rpmScheme } from './rpm.ts'
import { rubygemsScheme } from './rubygems.ts'
import { type VersionScheme, VersionSyntaxError } from './scheme.ts'
import { bitnamiScheme, cargoScheme, goScheme, npmScheme, semverScheme } from './semver.ts'
import { datetimeScheme, lexicographicScheme } from './simple.ts'

/** vers scheme (vers-spec docs/types/vers-types.md) → ordering. */
export const VERS_SCHEMES: Record<string, VersionScheme> = {
  npm: npmScheme,
  pypi: pypiScheme,
  maven: mavenScheme,
  golang: goScheme,
  cargo: cargoScheme,
  gem: rubygemsScheme,
  nuget: nugetScheme,
  composer: packagistScheme,
  hackage: hackageScheme,
  cran: cranScheme,
  deb: debianScheme,
  rpm: rpmScheme,
  apk: alpineScheme,
  alpm: alpmScheme,
  bitnami: bitnamiScheme,
  semver: semverScheme,
  gentoo: gentooScheme,
  ebuild: gentooScheme,
  pub: pubScheme,
  nginx: semverScheme,
  openssl: opensslScheme,
  conan: conanScheme,
  datetime: datetimeScheme,
  lexicographic: lexicographicScheme,
}

export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>='

export interface VersConstraint {
  comparator: Comparator
  version: string
}

export interface Vers {
  scheme: string
  /** Empty for `*` (every version). */
  constraints: VersConstraint[]
  star: boolean
}

const COMPARATORS: Comparator[] = ['>=', '<=', '!=', '<', '>', '=']

/**
 * Parses a vers string; throws VersionSyntaxError naming the problem. `strict` refuses
 * anything not already canonical (whitespace, upper-case scheme) as the spec's parser must.
 */
export function parseVers(vers: string, opts: { strict?: boolean } = {}): Vers {
  if (opts.strict && /\s/.test(vers))
    throw new VersionSyntaxError(vers, 'is not canonical: whitespace is not permitted')
  if (opts.strict && !/^vers:[a-z0-9.+-]+\//.test(vers))
    throw new VersionSyntaxError(vers, 'is not canonical: the scheme must be lower-case')
  const text = vers.replace(/\s+/g, '')
  const m = /^vers:([^/]+)\/(.*)$/i.exec(text)
  if (!m || !/^vers:/.test(text))
    throw new VersionSyntaxError(vers, 'is not a vers range (vers:<scheme>/<constraints>)')
  const scheme = m[1]!.toLowerCase()
  const body = m[2]!.replace(/^\|+|\|+$/g, '')
  if (body === '') throw new VersionSyntaxError(vers, 'has no constraints')
  if (body === '*') return { scheme, constraints: [], star: true }
  const constraints = body.split('|').map((raw): VersConstraint => {
    if (raw === '') throw new VersionSyntaxError(vers, 'has an empty constraint')
    const comparator = COMPARATORS.find((c) => raw.startsWith(c)) ?? '='
    const version = decodeURIComponent(
      raw.slice(raw.startsWith(comparator) ? comparator.length : 0),
    )
    if (version === '' || version === '*')
      throw new VersionSyntaxError(vers, `has a constraint without a version: "${raw}"`)
    return { comparator, version }
  })
  return { scheme, constraints, star: false }
}

export function schemeForVers(scheme: string): VersionScheme {
  const s = VERS_SCHEMES[scheme]
  if (!s) throw new VersionSyntaxError(scheme, 'is not a vers scheme this service can order')
  return s
}

/** The spec's containment algorithm (vers-spec, "Checking if a version is contained within a range"). */
export function versContains(
  vers: Vers,
  version: string,
  scheme: VersionScheme = schemeForVers(vers.scheme),
): boolean {
  if (vers.star) return true
  const v = scheme.parse(version)
  const cmp = (c: VersConstraint) => scheme.compareParsed(v, scheme.parse(c.version))
  for (const c of vers.constraints) {
    if (c.comparator === '=' && cmp(c) === 0) return true
    if (c.comparator === '!=' && cmp(c) === 0) return false
  }
  const rest = vers.constraints
    .filter((c) => c.comparator !== '=' && c.comparator !== '!=')
    .map((c) => ({ ...c, parsed: scheme.parse(c.version) }))
    .sort((a, b) => scheme.compareParsed(a.parsed, b.parsed))
  if (rest.length === 0) return false
  const holds = (c: (typeof rest)[number]) => {
    const d = scheme.compareParsed(v, c.parsed)
    switch (c.comparator) {
      case '<':
        return d < 0
      case '<=':
        return d <= 0
      case '>':
        return d > 0
      default:
        return d >= 0
    }
  }
  const lowerBound = (c: VersConstraint) => c.comparator === '>' || c.comparator === '>='
  if (rest.length === 1) return holds(rest[0]!)
  for (let i = 0; i < rest.length - 1; i++) {
    const cur = rest[i]!
    const next = rest[i + 1]!
    if (i === 0 && !lowerBound(cur) && holds(cur)) return true
    if (i === rest.length - 2 && lowerBound(next) && holds(next)) return true
    if (lowerBound(cur) && !lowerBound(next) && holds(cur) && holds(next)) return true
  }
  return false
}

/** The canonical text (vers-spec "normalized"): constraints sorted by version, `=` left implicit. */
export function canonicalVers(vers: Vers): string {
  if (vers.star) return `vers:${vers.scheme}/*`
  const scheme = schemeForVers(vers.scheme)
  const sorted = vers.constraints
    .map((c) => ({ ...c, parsed: scheme.parse(c.version) }))
    .sort((a, b) => scheme.compareParsed(a.parsed, b.parsed))
  const body = sorted
    .map((c) => `${c.comparator === '=' ? '' : c.comparator}${encodeVersion(c.version)}`)
    .join('|')
  return `vers:${vers.scheme}/${body}`
}

function encodeVersion(v: string): string {
  return v.replace(
    /[%|:/?#@ ]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  )
}

/**
 * Versions for inventory matching: ecosystem names, package-name normalisation, per-ecosystem
 * ordering, OSV `affected[]` evaluation, coarse pre-filter keys and purl `vers` ranges.
 * Every function here is pure; the per-ecosystem comparators live one per file beside it.
 *
 * @example
 * compareVersions('PyPI', '1.0.post1', '1.0.1') // -1
 * matchAffected('npm', '4.17.20', { ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] })
 * // { affected: true, range: '>=0 <4.17.21', fixed: '4.17.21' }
 */
import { AppError, ErrorCodes } from '../../platform/errors.ts'
import { encodeCoarse } from './coarse.ts'
import { ECOSYSTEM_SCHEMES, ecosystemForPurl, normaliseName, splitEcosystem } from './ecosystems.ts'
import {
  type AffectedMatch,
  type CompiledAffected,
  compileAffected as compile,
  matchCompiled,
  type OsvAffected,
} from './osv.ts'
import { compareWith, isValid, type VersionScheme, VersionSyntaxError } from './scheme.ts'
import { semverScheme } from './semver.ts'
import { parseVers, versContains } from './vers.ts'

export { COARSE_MAX, COARSE_MIN } from './coarse.ts'
export { splitEcosystem } from './ecosystems.ts'
export type { AffectedMatch, CompiledAffected, OsvAffected, OsvEvent, OsvRange } from './osv.ts'
export { parseVers, type Vers, type VersConstraint } from './vers.ts'

/** An OSV ecosystem name, e.g. `npm`, `PyPI`, `Debian:12`. */
export type Ecosystem = string

function unknownEcosystem(name: string): AppError {
  return new AppError(ErrorCodes.EW_VALIDATION, {
    detail: `Unknown ecosystem "${name}": use an OSV ecosystem name such as npm, PyPI, Maven, Go, crates.io, RubyGems, NuGet, Packagist, Hackage, CRAN, Debian, Alpine, AlmaLinux, Red Hat, Rocky Linux, SUSE or Bitnami.`,
    errors: [{ path: 'ecosystem', message: `unknown ecosystem ${name}` }],
  })
}

function badVersion(ecosystem: string, err: VersionSyntaxError): AppError {
  return new AppError(ErrorCodes.EW_VALIDATION, {
    detail: `Version ${err.message} (ecosystem ${ecosystem}).`,
    errors: [{ path: 'version', message: err.message }],
  })
}

/** `Debian:12` → `Debian`, `pypi` → `PyPI`, `golang` → `Go`; throws AppError for an unknown name. */
export function normaliseEcosystem(name: string): string {
  const e = splitEcosystem(name)
  if (!e) throw unknownEcosystem(name)
  return e.base
}

/** The ordering of an ecosystem; throws AppError when the ecosystem is unknown or has none. */
export function schemeFor(ecosystem: string): VersionScheme {
  const base = normaliseEcosystem(ecosystem)
  const s = ECOSYSTEM_SCHEMES[base]
  if (!s)
    throw new AppError(ErrorCodes.EW_VALIDATION, {
      detail: `No version ordering is implemented for ecosystem ${base}; its advisories match by explicit version lists only.`,
      errors: [{ path: 'ecosystem', message: `no version ordering for ${base}` }],
    })
  return s
}

/** The SemVer ordering for an ecosystem's SEMVER ranges: its own when it is a SemVer ecosystem (lenient `v`, padding). */
function semverFor(base: string): VersionScheme {
  const own = ECOSYSTEM_SCHEMES[base]
  return own && ['npm', 'crates.io', 'Go', 'Bitnami', 'Kubernetes'].includes(base)
    ? own
    : semverScheme
}

/**
 * The OSV ecosystem of a Package URL type, or null when none applies. `deb`, `rpm` and
 * `apk` need the distribution: from the `distro` qualifier or the namespace.
 *
 * @example ecosystemForPurlType('deb', { distro: 'debian-12' }) // 'Debian'
 */
export function ecosystemForPurlType(
  type: string,
  qualifiers?: Record<string, string>,
  namespace?: string | null,
): string | null {
  return ecosystemForPurl(type, qualifiers ?? {}, namespace)
}

/**
 * The name both advisory and component are reduced to before they are compared:
 * PyPI per PEP 503 (`Django_REST.framework` → `django-rest-framework`), NuGet/Packagist
 * lower-case, Maven `group:artifact`, Go module paths and npm names as written.
 */
export function normalisePackageName(ecosystem: string, name: string): string {
  return normaliseName(normaliseEcosystem(ecosystem), name)
}

/** Negative, zero or positive as a < b, a = b, a > b; throws AppError naming an unreadable version. */
export function compareVersions(ecosystem: string, a: string, b: string): number {
  const s = schemeFor(ecosystem)
  try {
    return Math.sign(compareWith(s, a, b))
  } catch (err) {
    if (err instanceof VersionSyntaxError) throw badVersion(ecosystem, err)
    throw err
  }
}

export function isValidVersion(ecosystem: string, v: string): boolean {
  const base = splitEcosystem(ecosystem)?.base
  const s = base ? ECOSYSTEM_SCHEMES[base] : null
  return s ? isValid(s, v) : false
}

/**
 * Compiles an OSV `affected[]` entry once, for matchers that hold many advisories.
 * GIT ranges are skipped; ranges that cannot be read are listed in `problems`.
 */
export function compileAffected(ecosystem: string, affected: OsvAffected): CompiledAffected {
  const base = normaliseEcosystem(ecosystem)
  return compile(affected, ECOSYSTEM_SCHEMES[base] ?? null, semverFor(base))
}

/** Matches a version against a compiled entry; throws AppError when the version is unreadable. */
export function matchCompiledAffected(
  ecosystem: string,
  c: CompiledAffected,
  version: string,
): AffectedMatch {
  try {
    return matchCompiled(c, version)
  } catch (err) {
    if (err instanceof VersionSyntaxError) throw badVersion(ecosystem, err)
    throw err
  }
}

/**
 * Whether `version` is affected by one OSV `affected[]` entry (its ranges and explicit
 * versions), with the interval that matched and the first fixed version.
 */
export function matchAffected(
  ecosystem: string,
  version: string,
  affected: OsvAffected,
): AffectedMatch {
  return matchCompiledAffected(ecosystem, compileAffected(ecosystem, affected), version)
}

/**
 * A string-sortable approximation of `version` for database pre-filtering.
 *
 * Guarantee: if compare(a, b) < 0 and both keys are non-empty, then key(a) <= key(b); so a
 * version inside a range always has a key between the range's coarse bounds (CompiledRange
 * `lower`/`upper`), and filtering on `lower <= key AND key <= upper` never drops a true match.
 * An empty key means "cannot be placed": such a component must be compared with every range
 * of its package. Keys may tie for different versions; the exact comparator decides those.
 */
export function coarseKey(ecosystem: string, version: string): string {
  const base = splitEcosystem(ecosystem)?.base
  const s = base ? ECOSYSTEM_SCHEMES[base] : null
  return s ? encodeCoarse(s.coarse(version)) : ''
}

/**
 * Whether `version` is inside a purl `vers` range, e.g. `inVersRange('vers:npm/>=1.0.0|<2.0.0', '1.5.0')`.
 * Throws AppError for a malformed range, an unknown scheme or an unreadable version.
 */
export function inVersRange(vers: string, version: string): boolean {
  try {
    return versContains(parseVers(vers), version)
  } catch (err) {
    if (err instanceof VersionSyntaxError)
      throw new AppError(ErrorCodes.EW_VALIDATION, {
        detail: `vers ${vers}: ${err.message}`,
        errors: [{ path: 'vers', message: err.message }],
      })
    throw err
  }
}

export { AdvisoryIndex, type IndexableAdvisory, type IndexHit, packageKey } from './match-index.ts'
export { type PurlPackage, packageFromPurl, purlFor } from './purl.ts'

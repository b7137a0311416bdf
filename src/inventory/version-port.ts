/**
 * The version API the matching engine uses. TEMPORARY: a thin stand-in with the same names and
 * signatures as `src/inventory/versions/` (built on its own branch); once that lands, this file
 * only re-exports it. The stand-in compares dotted versions token by token, which is right for
 * the semver-like versions of the tests and the demo, and wrong for the ecosystems with their
 * own rules (PEP 440 pre-releases, Maven qualifiers, dpkg epochs) — hence its short life.
 */

/** An OSV `affected[]` entry, as much of it as matching reads. */
export interface OsvAffected {
  package?: { ecosystem?: string; name?: string; purl?: string }
  ranges?: Array<{
    type: string
    events: Array<{
      introduced?: string
      fixed?: string
      last_affected?: string
      limit?: string
    }>
  }>
  versions?: string[]
}

export interface AffectedMatch {
  affected: boolean
  /** The range that matched, in OSV terms, e.g. `>=1.0.0, <1.2.5`. */
  range?: string
  /** The first version that fixes it, when the matching range has one. */
  fixed?: string
}

const ECOSYSTEMS: Record<string, string> = {
  npm: 'npm',
  pypi: 'PyPI',
  maven: 'Maven',
  go: 'Go',
  'crates.io': 'crates.io',
  rubygems: 'RubyGems',
  nuget: 'NuGet',
  packagist: 'Packagist',
  hackage: 'Hackage',
  cran: 'CRAN',
  debian: 'Debian',
  alpine: 'Alpine',
  almalinux: 'AlmaLinux',
  'red hat': 'Red Hat',
  rocky: 'Rocky Linux',
  suse: 'SUSE',
  bitnami: 'Bitnami',
  pub: 'Pub',
}

/** The OSV ecosystem name for a spelling of it (`pypi`, `PyPI`; `Debian:11` keeps only `Debian`). */
export function normaliseEcosystem(raw: string): string | null {
  const base = raw.split(':')[0]?.trim().toLowerCase() ?? ''
  return ECOSYSTEMS[base] ?? null
}

const PURL_TYPES: Record<string, string> = {
  npm: 'npm',
  pypi: 'PyPI',
  maven: 'Maven',
  golang: 'Go',
  cargo: 'crates.io',
  gem: 'RubyGems',
  nuget: 'NuGet',
  composer: 'Packagist',
  hackage: 'Hackage',
  cran: 'CRAN',
  deb: 'Debian',
  apk: 'Alpine',
  bitnami: 'Bitnami',
  pub: 'Pub',
}

export function ecosystemForPurlType(type: string, namespace?: string): string | null {
  if (type === 'rpm') {
    const ns = namespace?.toLowerCase()
    if (ns === 'almalinux') return 'AlmaLinux'
    if (ns === 'redhat') return 'Red Hat'
    if (ns === 'rocky-linux' || ns === 'rocky') return 'Rocky Linux'
    if (ns === 'suse' || ns === 'opensuse') return 'SUSE'
    return null
  }
  return PURL_TYPES[type.toLowerCase()] ?? null
}

/** The name as the ecosystem compares it: PyPI folds case and separators (PEP 503). */
export function normalisePackageName(ecosystem: string, name: string): string {
  if (ecosystem === 'PyPI') return name.toLowerCase().replace(/[-_.]+/g, '-')
  if (ecosystem === 'Packagist' || ecosystem === 'npm') return name.toLowerCase()
  return name
}

export function isValidVersion(_ecosystem: string, version: string): boolean {
  return /^v?\d[0-9A-Za-z.+~:_-]*$/.test(version)
}

function tokens(v: string): Array<number | string> {
  return (v.replace(/^v/, '').match(/\d+|[A-Za-z]+/g) ?? []).map((t) =>
    /^\d+$/.test(t) ? Number(t) : t.toLowerCase(),
  )
}

/** Maven qualifiers that sort before the release; any other (`sp`, `v20231009`) sorts after it. */
const MAVEN_PRE = new Set(['alpha', 'a', 'beta', 'b', 'milestone', 'm', 'rc', 'cr', 'snapshot'])

export function compareVersions(ecosystem: string, a: string, b: string): number {
  const [pa, pb] = [a.replace(/\+.*$/, ''), b.replace(/\+.*$/, '')]
  const [ta, tb] = [tokens(pa), tokens(pb)]
  const n = Math.max(ta.length, tb.length)
  for (let i = 0; i < n; i++) {
    const x = ta[i]
    const y = tb[i]
    if (x === y) continue
    // A missing token sorts after a pre-release word (1.0.0 > 1.0.0-rc1) and before a number.
    const post = (w: string | number) =>
      ecosystem === 'Maven' && typeof w === 'string' && !MAVEN_PRE.has(w)
    if (x === undefined) return typeof y === 'string' && !post(y) ? 1 : -1
    if (y === undefined) return typeof x === 'string' && !post(x) ? -1 : 1
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1
    if (typeof x === 'number') return 1
    if (typeof y === 'number') return -1
    return x < y ? -1 : 1
  }
  return 0
}

/** Whether `version` of this package falls in one `affected[]` entry, and by which range. */
export function matchAffected(
  ecosystem: string,
  version: string,
  affected: OsvAffected,
): AffectedMatch {
  if (affected.versions?.includes(version)) return { affected: true, range: `=${version}` }
  for (const range of affected.ranges ?? []) {
    if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') continue
    const events = [...range.events]
    let lo: string | undefined
    for (const e of events) {
      if (e.introduced !== undefined) lo = e.introduced
      const hi = e.fixed ?? e.last_affected ?? e.limit
      if (hi === undefined || lo === undefined) continue
      const inclusive = e.last_affected !== undefined
      const aboveLo = lo === '0' || compareVersions(ecosystem, version, lo) >= 0
      const c = compareVersions(ecosystem, version, hi)
      if (aboveLo && (inclusive ? c <= 0 : c < 0)) {
        const text = `${lo === '0' ? '' : `>=${lo}, `}${inclusive ? '<=' : '<'}${hi}`
        return { affected: true, range: text, ...(e.fixed ? { fixed: e.fixed } : {}) }
      }
      lo = undefined
    }
    if (lo !== undefined && (lo === '0' || compareVersions(ecosystem, version, lo) >= 0))
      return { affected: true, range: lo === '0' ? '*' : `>=${lo}` }
  }
  return { affected: false }
}

/**
 * A string that sorts like the version, roughly: numbers zero-padded. Coarse bounds built from
 * it let SQL drop most candidates; the exact comparator decides the rest.
 */
export function coarseKey(_ecosystem: string, version: string): string {
  const nums = (version.replace(/^v/, '').match(/\d+/g) ?? []).slice(0, 3)
  while (nums.length < 3) nums.push('0')
  return nums.map((n) => n.padStart(8, '0').slice(-8)).join('.')
}

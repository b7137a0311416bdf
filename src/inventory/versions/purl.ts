/**
 * Package URLs (github.com/package-url/purl-spec PURL-TYPES) ↔ OSV packages: which ecosystem
 * and package name a purl names, and the purl of an OSV package version. Parsing and
 * encoding are packageurl-js's; this file only maps the fields.
 */
import { PackageURL } from 'packageurl-js'
import { ecosystemForPurl, normaliseName } from './ecosystems.ts'

export interface PurlPackage {
  /** OSV ecosystem, with the distribution release when the purl names one (`Debian:12`). */
  ecosystem: string
  /** As OSV writes it (`group:artifact`, `@scope/name`, a Go module path), not yet normalised. */
  name: string
  version: string | null
}

/** The release in a `distro` qualifier such as `debian-12`, `almalinux-9.4`, `alpine-3.18`. */
function releaseOf(ecosystem: string, distro: string | undefined): string | null {
  if (!distro) return null
  const m = /-(v?\d[\w.]*)$/.exec(distro)
  if (!m) return null
  const r = m[1]!
  if (ecosystem === 'Alpine') return `v${r.replace(/^v/, '').split('.').slice(0, 2).join('.')}`
  if (ecosystem === 'Debian' || ecosystem === 'AlmaLinux' || ecosystem === 'Rocky Linux')
    return r.split('.')[0]!
  return null
}

/**
 * The OSV package a purl names, or null when its type has no OSV ecosystem.
 *
 * @example packageFromPurl(PackageURL.fromString('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1'))
 * // { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1' }
 */
export function packageFromPurl(p: {
  type: string
  namespace?: string | null
  name: string
  version?: string | null
  qualifiers?: Record<string, string> | null
}): PurlPackage | null {
  const qualifiers = p.qualifiers ?? {}
  const base = ecosystemForPurl(p.type, qualifiers, p.namespace)
  if (!base) return null
  const ns = p.namespace ?? ''
  let name: string
  switch (base) {
    case 'Maven':
      name = ns ? `${ns}:${p.name}` : p.name
      break
    case 'npm':
    case 'Go':
    case 'Packagist':
    case 'SwiftURL':
      name = ns ? `${ns}/${p.name}` : p.name
      break
    default:
      name = p.name
  }
  const release = releaseOf(base, qualifiers.distro)
  return { ecosystem: release ? `${base}:${release}` : base, name, version: p.version ?? null }
}

const TYPES: Record<string, string> = {
  npm: 'npm',
  PyPI: 'pypi',
  Maven: 'maven',
  Go: 'golang',
  'crates.io': 'cargo',
  RubyGems: 'gem',
  NuGet: 'nuget',
  Packagist: 'composer',
  Hackage: 'hackage',
  CRAN: 'cran',
  Bitnami: 'bitnami',
  Debian: 'deb',
  Ubuntu: 'deb',
  Alpine: 'apk',
  AlmaLinux: 'rpm',
  'Red Hat': 'rpm',
  'Rocky Linux': 'rpm',
  SUSE: 'rpm',
  openSUSE: 'rpm',
}

const DISTRO_NAMESPACE: Record<string, string> = {
  Debian: 'debian',
  Ubuntu: 'ubuntu',
  Alpine: 'alpine',
  AlmaLinux: 'almalinux',
  'Red Hat': 'redhat',
  'Rocky Linux': 'rocky',
  SUSE: 'suse',
  openSUSE: 'opensuse',
}

/** The purl of an OSV package version, or null for ecosystems without a purl type. */
export function purlFor(ecosystem: string, name: string, version: string): string | null {
  const base = ecosystem.split(':')[0]!
  const type = TYPES[base]
  if (!type) return null
  let namespace: string | undefined
  let pname = name
  if (base === 'Maven') [namespace, pname] = name.split(':') as [string, string]
  else if (['npm', 'Go', 'Packagist'].includes(base) && name.includes('/')) {
    const i = name.lastIndexOf('/')
    namespace = name.slice(0, i)
    pname = name.slice(i + 1)
  } else if (DISTRO_NAMESPACE[base]) namespace = DISTRO_NAMESPACE[base]
  if (base === 'PyPI') pname = normaliseName('PyPI', name)
  try {
    return new PackageURL(type, namespace, pname, version, undefined, undefined).toString()
  } catch {
    return null
  }
}

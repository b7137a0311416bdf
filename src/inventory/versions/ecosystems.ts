/**
 * The OSV ecosystems (ossf.github.io/osv-schema/#affectedpackage-field), which ordering each
 * uses, how package names are normalised, and how Package URL types map onto them.
 */
import { alpineScheme } from './alpine.ts'
import { conanScheme } from './conan.ts'
import { cranScheme } from './cran.ts'
import { debianScheme } from './debian.ts'
import { hackageScheme } from './hackage.ts'
import { mavenScheme } from './maven.ts'
import { nugetScheme } from './nuget.ts'
import { packagistScheme } from './packagist.ts'
import { pubScheme } from './pub.ts'
import { pypiScheme } from './pypi.ts'
import { rpmScheme } from './rpm.ts'
import { rubygemsScheme } from './rubygems.ts'
import type { VersionScheme } from './scheme.ts'
import { bitnamiScheme, cargoScheme, goScheme, npmScheme, semverScheme } from './semver.ts'

/** OSV ecosystem → its version ordering; `null` where OSV defines none we can apply (GIT-only ecosystems). */
export const ECOSYSTEM_SCHEMES: Record<string, VersionScheme | null> = {
  npm: npmScheme,
  PyPI: pypiScheme,
  Maven: mavenScheme,
  Go: goScheme,
  'crates.io': cargoScheme,
  RubyGems: rubygemsScheme,
  NuGet: nugetScheme,
  Packagist: packagistScheme,
  Hackage: hackageScheme,
  // GHC versions are plain dotted numbers like Hackage's.
  GHC: hackageScheme,
  CRAN: cranScheme,
  Bioconductor: cranScheme,
  Debian: debianScheme,
  Ubuntu: debianScheme,
  Alpine: alpineScheme,
  Wolfi: alpineScheme,
  Chainguard: alpineScheme,
  MinimOS: alpineScheme,
  Alpaquita: alpineScheme,
  'BellSoft Hardened Containers': alpineScheme,
  AlmaLinux: rpmScheme,
  'Red Hat': rpmScheme,
  'Rocky Linux': rpmScheme,
  SUSE: rpmScheme,
  openSUSE: rpmScheme,
  'Photon OS': rpmScheme,
  'Azure Linux': rpmScheme,
  Mageia: rpmScheme,
  openEuler: rpmScheme,
  Bitnami: bitnamiScheme,
  // These follow SemVer 2.0 by their own specifications.
  Hex: semverScheme,
  Pub: pubScheme,
  ConanCenter: conanScheme,
  SwiftURL: semverScheme,
  Kubernetes: goScheme,
  Android: null,
  'Docker Hardened Images': null,
  Echo: null,
  CleanStart: null,
  FreeBSD: null,
  'GitHub Actions': null,
  Julia: null,
  Linux: null,
  'OSS-Fuzz': null,
  opam: null,
  Root: null,
  TuxCare: null,
  VSCode: null,
}

const BY_LOWER = new Map(Object.keys(ECOSYSTEM_SCHEMES).map((k) => [k.toLowerCase(), k]))
/** Spellings seen in SBOMs and tools for the same ecosystems. */
const ALIASES: Record<string, string> = {
  cargo: 'crates.io',
  crates: 'crates.io',
  golang: 'Go',
  gem: 'RubyGems',
  rubygem: 'RubyGems',
  composer: 'Packagist',
  pip: 'PyPI',
  python: 'PyPI',
  deb: 'Debian',
  apk: 'Alpine',
  redhat: 'Red Hat',
  rhel: 'Red Hat',
  rocky: 'Rocky Linux',
  rockylinux: 'Rocky Linux',
  almalinux: 'AlmaLinux',
  sles: 'SUSE',
  opensuse: 'openSUSE',
  'opensuse-leap': 'openSUSE',
  'opensuse-tumbleweed': 'openSUSE',
}

/** The ecosystem and the release suffix of an OSV ecosystem string (`Debian:12` → Debian, 12). */
export function splitEcosystem(name: string): { base: string; release: string | null } | null {
  const t = name.trim()
  const colon = t.indexOf(':')
  const head = colon === -1 ? t : t.slice(0, colon)
  const base = BY_LOWER.get(head.toLowerCase()) ?? ALIASES[head.toLowerCase()]
  if (!base) return null
  const release = colon === -1 ? null : t.slice(colon + 1) || null
  return { base, release }
}

/** Package URL type (github.com/package-url/purl-spec PURL-TYPES) → OSV ecosystem. */
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
  bitnami: 'Bitnami',
  hex: 'Hex',
  swift: 'SwiftURL',
  pub: 'Pub',
  conan: 'ConanCenter',
}

/** `deb`, `rpm` and `apk` purls name their distribution in the namespace or the `distro` qualifier. */
const DISTROS: Array<[RegExp, string]> = [
  [/^debian/, 'Debian'],
  [/^ubuntu/, 'Ubuntu'],
  [/^alpine/, 'Alpine'],
  [/^wolfi/, 'Wolfi'],
  [/^chainguard/, 'Chainguard'],
  [/^alma/, 'AlmaLinux'],
  [/^(rhel|redhat|red hat|centos)/, 'Red Hat'],
  [/^rocky/, 'Rocky Linux'],
  [/^(sles|sled|suse|sle)/, 'SUSE'],
  [/^opensuse/, 'openSUSE'],
  [/^photon/, 'Photon OS'],
  [/^(azurelinux|mariner|cbl-mariner)/, 'Azure Linux'],
  [/^mageia/, 'Mageia'],
  [/^openeuler/, 'openEuler'],
]

export function ecosystemForPurl(
  type: string,
  qualifiers: Record<string, string> = {},
  namespace?: string | null,
): string | null {
  const t = type.toLowerCase()
  if (t in PURL_TYPES) return PURL_TYPES[t]!
  if (t !== 'deb' && t !== 'rpm' && t !== 'apk') return null
  for (const hint of [qualifiers.distro, namespace]) {
    const h = hint?.toLowerCase()
    if (!h) continue
    for (const [re, eco] of DISTROS) if (re.test(h)) return eco
  }
  // Without a distribution the format still decides the ordering; pick the usual owner.
  return t === 'deb' ? 'Debian' : t === 'apk' ? 'Alpine' : null
}

/**
 * The name both sides of a match are reduced to. PyPI per PEP 503; NuGet, Packagist,
 * crates.io and Bitnami names are case-insensitive on their registries; Maven is
 * `groupId:artifactId` (a purl's `group/artifact` is accepted); the rest are kept as written.
 */
export function normaliseName(ecosystem: string, name: string): string {
  const n = name.trim()
  switch (ecosystem) {
    case 'PyPI':
      return n.toLowerCase().replace(/[-_.]+/g, '-')
    case 'NuGet':
    case 'Packagist':
    case 'Bitnami':
    case 'GitHub Actions':
      return n.toLowerCase()
    case 'crates.io':
      // crates.io treats - and _ as the same name, case-insensitively.
      return n.toLowerCase().replace(/_/g, '-')
    case 'Maven':
      return n.includes(':') ? n : n.replace('/', ':')
    default:
      return n
  }
}

/**
 * OSV export: an advisory as an OSV record (schema 1.7), the shape osv.dev serves and that
 * OSV clients and the inventory matcher read. Only affected and fixed products appear: OSV has
 * no "not affected" or "under investigation".
 */
import { PackageURL } from 'packageurl-js'
import type { Advisory, AdvisoryProduct } from './model.ts'
import { exactVersions, parseRange, toOsvEvents } from './ranges.ts'
import osvSchema from './schemas/osv-schema.json' with { type: 'json' }

export const OSV_SCHEMA_VERSION = '1.7.0'

/** The OSV schema's id pattern: a registered database prefix, or `x_` for a local database. */
const OSV_ID = new RegExp(osvSchema.$defs.prefix.pattern)

/**
 * The OSV id of an advisory. Our `EW-` prefix is not (yet) a registered OSV database, so the
 * record carries it as a local one, `x_EW-2026-0001`; ids with a registered prefix (CVE-…,
 * GHSA-… from imports) are kept as they are.
 */
export const osvId = (id: string): string => (OSV_ID.test(id) ? id : `x_${id}`)

/** purl type → OSV ecosystem (OSV's ecosystems.json), for the types advisories name. */
export const PURL_ECOSYSTEMS: Record<string, string> = {
  npm: 'npm',
  pypi: 'PyPI',
  maven: 'Maven',
  golang: 'Go',
  cargo: 'crates.io',
  gem: 'RubyGems',
  composer: 'Packagist',
  nuget: 'NuGet',
  hex: 'Hex',
  pub: 'Pub',
  hackage: 'Hackage',
  cran: 'CRAN',
  swift: 'SwiftURL',
  conan: 'ConanCenter',
  githubactions: 'GitHub Actions',
}

/** The OSV package of a purl, or null when its type has no OSV ecosystem. */
export function osvPackage(purl: string): { ecosystem: string; name: string; purl: string } | null {
  const p = PackageURL.fromString(purl)
  const ecosystem = PURL_ECOSYSTEMS[p.type]
  if (!ecosystem) return null
  const name =
    p.type === 'maven'
      ? `${p.namespace}:${p.name}`
      : p.namespace
        ? `${p.namespace}/${p.name}`
        : p.name
  return {
    ecosystem,
    name,
    purl: new PackageURL(p.type, p.namespace, p.name, undefined, undefined, undefined).toString(),
  }
}

export interface OsvRecord {
  schema_version: string
  id: string
  modified: string
  published?: string
  withdrawn?: string
  aliases?: string[]
  summary?: string
  details?: string
  severity?: Array<{ type: 'CVSS_V3' | 'CVSS_V4'; score: string }>
  affected?: OsvAffected[]
  references?: Array<{ type: string; url: string }>
  credits?: Array<{ name: string; type?: string }>
  database_specific?: Record<string, unknown>
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string }
  ranges?: Array<{
    type: 'ECOSYSTEM' | 'SEMVER' | 'GIT'
    repo?: string
    events: Array<Record<string, string>>
  }>
  versions?: string[]
  database_specific?: Record<string, unknown>
}

function affectedOf(p: AdvisoryProduct): OsvAffected | null {
  if (p.status !== 'known_affected' && p.status !== 'fixed') return null
  const r = parseRange(p.versionRange)
  const constraints = r.ok ? r.constraints : []
  const pkg = p.purl ? osvPackage(p.purl) : null
  const specific = {
    vendor: p.vendor,
    product: p.name,
    version_range: p.versionRange,
    ...(p.fixedVersion ? { fixed_version: p.fixedVersion } : {}),
    ...(p.cpe ? { cpe: p.cpe } : {}),
  }
  // Without an ecosystem OSV cannot order versions, so the range is kept only as data.
  if (!pkg) return { database_specific: specific }
  const exact = exactVersions(constraints)
  if (exact.length > 0 && exact.length === constraints.length)
    return { package: pkg, versions: exact, database_specific: specific }
  return {
    package: pkg,
    ranges: [{ type: 'ECOSYSTEM', events: toOsvEvents(constraints, p.fixedVersion) }],
    database_specific: specific,
  }
}

/**
 * @example toOsv(advisory, 'https://ew.example') // { schema_version: '1.7.0', id: 'EW-2026-0001', … }
 */
export function toOsv(a: Advisory, publicUrl: string, now: Date): OsvRecord {
  const c = a.content
  const last = a.history[a.history.length - 1]
  const base = publicUrl.replace(/\/$/, '')
  const severity: NonNullable<OsvRecord['severity']> = []
  if (c.cvss31) severity.push({ type: 'CVSS_V3', score: c.cvss31.vector })
  if (c.cvss40) severity.push({ type: 'CVSS_V4', score: c.cvss40.vector })
  const aliases = [...new Set([...(a.cveId ? [a.cveId] : []), ...c.aliases])].filter(
    (x) => x !== osvId(a.id),
  )
  const record: OsvRecord = {
    schema_version: OSV_SCHEMA_VERSION,
    id: osvId(a.id),
    modified: (last?.at ?? a.updatedAt ?? now).toISOString(),
    ...(a.publishedAt ? { published: a.publishedAt.toISOString() } : {}),
    ...(aliases.length > 0 ? { aliases } : {}),
    summary: c.summary || c.title,
    details: c.details,
    ...(severity.length > 0 ? { severity } : {}),
    affected: c.products.map(affectedOf).filter((x): x is OsvAffected => x !== null),
    references: [
      { type: 'ADVISORY', url: `${base}/advisories/${encodeURIComponent(a.id)}` },
      ...c.references.map((r) => ({ type: 'WEB', url: r.url })),
    ],
    ...(c.credits.length > 0
      ? {
          credits: c.credits.map((x) => ({
            name: x.orgName ? `${x.name} (${x.orgName})` : x.name,
            type: 'FINDER',
          })),
        }
      : {}),
    database_specific: {
      tlp: `TLP:${a.tlp}`,
      ...(c.cwes.length > 0 ? { cwe_ids: c.cwes } : {}),
      ...(a.state === 'draft' ? { draft: true } : {}),
    },
  }
  if (a.state === 'withdrawn') record.withdrawn = (a.updatedAt ?? now).toISOString()
  return record
}

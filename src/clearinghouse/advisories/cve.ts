/**
 * CVE JSON 5 export: a published advisory as the CVE record earlywatch, as the CNA of its
 * configured CVE block, would submit (CNA container, `PUBLISHED`).
 */
import { createHash } from 'node:crypto'
import { PackageURL } from 'packageurl-js'
import { severityOf } from '../cvss.ts'
import { type Advisory, type AdvisoryProduct, cweName } from './model.ts'
import { osvPackage } from './osv.ts'
import { parseRange } from './ranges.ts'

export const CVE_SHORT_NAME = 'earlywatch'

/**
 * The CNA's organisation id. CVE records carry a UUID v4 per CNA; until the CVE Program
 * issues one it is derived from the public URL so that it is stable across restarts.
 */
export function cnaOrgId(publicUrl: string): string {
  const h = createHash('sha256').update(`earlywatch-cna:${publicUrl}`).digest('hex')
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

const VERSION_TYPES: Record<string, string> = {
  npm: 'semver',
  cargo: 'semver',
  golang: 'semver',
  pypi: 'python',
  maven: 'maven',
  gem: 'rubygems',
  composer: 'semver',
  nuget: 'nuget',
}

type CveVersion = Record<string, string>

function versionsOf(p: AdvisoryProduct): CveVersion[] {
  const r = parseRange(p.versionRange)
  const constraints = r.ok ? r.constraints : []
  const versionType = (p.purl && VERSION_TYPES[PackageURL.fromString(p.purl).type]) || 'custom'
  const status =
    p.status === 'known_not_affected'
      ? 'unaffected'
      : p.status === 'under_investigation'
        ? 'unknown'
        : 'affected'
  const exact = constraints.filter((c) => c.op === '=')
  if (exact.length > 0) return exact.map((c) => ({ version: c.version, status }))
  const lower = constraints.find((c) => c.op === '>=')?.version ?? '0'
  const upper = constraints.find((c) => c.op === '<' || c.op === '<=')
  const fixed = p.status === 'fixed' ? p.fixedVersion : null
  const range: CveVersion = { version: lower, status, versionType }
  if (fixed) range.lessThan = fixed
  else if (upper?.op === '<=') range.lessThanOrEqual = upper.version
  else range.lessThan = upper?.version ?? '*'
  return fixed ? [range, { version: fixed, status: 'unaffected' }] : [range]
}

/** The record; throws when the advisory has no CVE id (assign one from the block first). */
export function toCve(a: Advisory, publicUrl: string, now: Date): Record<string, unknown> {
  if (!a.cveId) throw new Error(`Advisory ${a.id} has no CVE id; a CVE record needs one.`)
  const c = a.content
  const base = publicUrl.replace(/\/$/, '')
  const orgId = cnaOrgId(base)
  const updated = (a.history[a.history.length - 1]?.at ?? now).toISOString()
  const metrics: Record<string, unknown>[] = []
  const cvss = (version: string, v: { vector: string; score: number }) => ({
    version,
    vectorString: v.vector,
    baseScore: v.score,
    baseSeverity: severityOf(v.score).toUpperCase(),
  })
  if (c.cvss40) metrics.push({ format: 'CVSS', cvssV4_0: cvss('4.0', c.cvss40) })
  if (c.cvss31) metrics.push({ format: 'CVSS', cvssV3_1: cvss('3.1', c.cvss31) })
  const cna: Record<string, unknown> = {
    providerMetadata: { orgId, shortName: CVE_SHORT_NAME, dateUpdated: updated },
    title: c.title.slice(0, 256),
    descriptions: [{ lang: 'en', value: c.details }],
    affected: c.products.map((p) => {
      const pkg = p.purl ? osvPackage(p.purl) : null
      return {
        vendor: p.vendor,
        product: p.name,
        ...(pkg ? { packageName: pkg.name } : {}),
        ...(p.cpe ? { cpes: [p.cpe] } : {}),
        versions: versionsOf(p),
        defaultStatus: 'unknown',
      }
    }),
    references: [
      { url: `${base}/advisories/${encodeURIComponent(a.id)}`, tags: ['vendor-advisory'] },
      ...c.references.map((r) => ({ url: r.url, name: r.summary || r.url })),
    ],
  }
  if (c.cwes.length > 0)
    cna.problemTypes = [
      {
        descriptions: c.cwes.map((id) => ({
          lang: 'en',
          cweId: id,
          description: `${id}: ${cweName(id) ?? id}`,
          type: 'CWE',
        })),
      },
    ]
  if (metrics.length > 0) cna.metrics = metrics
  if (c.credits.length > 0)
    cna.credits = c.credits.map((x) => ({
      lang: 'en',
      value: x.orgName ? `${x.name} (${x.orgName})` : x.name,
      type: 'finder',
    }))
  if (a.publishedAt) cna.datePublic = a.publishedAt.toISOString()
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: {
      cveId: a.cveId,
      assignerOrgId: orgId,
      assignerShortName: CVE_SHORT_NAME,
      state: 'PUBLISHED',
      ...(a.publishedAt ? { datePublished: a.publishedAt.toISOString() } : {}),
      dateUpdated: updated,
    },
    containers: { cna },
  }
}

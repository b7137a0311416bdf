/**
 * Advisory records for inventory matching: the OSV shape read at the edge, the rows of the
 * package index with coarse bounds, and the rule that decides what an import changes.
 * Pure: no I/O, no clock.
 */
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { z } from 'zod'
import { normaliseName, splitEcosystem } from '../versions/ecosystems.ts'
import { COARSE_MAX, COARSE_MIN, compileAffected, type OsvAffected } from '../versions/index.ts'

export type Tlp = 'CLEAR' | 'GREEN' | 'AMBER' | 'AMBER+STRICT' | 'RED'

/** An OSV record (ossf.github.io/osv-schema), as much of it as matching reads; the rest is kept raw. */
export interface OsvRecord {
  id: string
  modified: string
  published?: string
  withdrawn?: string
  aliases?: string[]
  related?: string[]
  summary?: string
  details?: string
  severity?: Array<{ type: string; score: string }>
  affected?: OsvAffected[]
  references?: Array<{ type: string; url: string }>
  database_specific?: Record<string, unknown>
  schema_version?: string
}

/** One advisory as matching receives it (structurally the inventory's AdvisoryRecord). */
export interface AdvisoryRecord {
  id: string
  osv: OsvRecord
  tlp: Tlp
  /** CISA KEV lists one of its CVE aliases: exploited in the wild. */
  kev: boolean
}

const ZTimestamp = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i,
    'an RFC 3339 timestamp',
  )

const ZEvent = z.record(z.string(), z.string())

/**
 * What an import checks: enough for matching to be right. Anything else is kept as written,
 * so records from newer schema versions (or with harmless schema violations) still import.
 */
export const ZOsvRecord = z.looseObject({
  id: z.string().min(1).max(200),
  modified: ZTimestamp,
  published: ZTimestamp.optional(),
  withdrawn: ZTimestamp.optional(),
  aliases: z.array(z.string()).optional(),
  affected: z
    .array(
      z.looseObject({
        package: z
          .looseObject({
            ecosystem: z.string().min(1),
            name: z.string().min(1),
            purl: z.string().optional(),
          })
          .optional(),
        ranges: z
          .array(
            z.looseObject({
              type: z.string(),
              repo: z.string().optional(),
              events: z.array(ZEvent),
            }),
          )
          .optional(),
        versions: z.array(z.string()).optional(),
      }),
    )
    .optional(),
})

/** RFC 8785 canonical JSON's SHA-256: equal for the same record however it was formatted. */
export function digestOf(osv: OsvRecord): string {
  return createHash('sha256')
    .update(canonicalize(osv) ?? '')
    .digest('hex')
}

export interface PackageRow {
  affectedIndex: number
  rangeIndex: number
  ecosystem: string
  ecosystemRelease: string | null
  packageName: string
  lowerKey: string
  upperKey: string
}

/**
 * The index rows of a record: one per ECOSYSTEM/SEMVER range and one per explicit version
 * list of each affected package with a known ecosystem, with coarse bounds. An entry whose
 * ranges cannot be read gets the widest bounds, so the matcher still sees it (and reports
 * the problem) instead of missing it.
 */
export function packageRows(osv: OsvRecord): PackageRow[] {
  const rows: PackageRow[] = []
  for (const [i, affected] of (osv.affected ?? []).entries()) {
    const pkg = affected.package
    const eco = pkg ? splitEcosystem(pkg.ecosystem) : null
    if (!pkg || !eco) continue
    const base = {
      affectedIndex: i,
      ecosystem: eco.base,
      ecosystemRelease: eco.release,
      packageName: normaliseName(eco.base, pkg.name),
    }
    const compiled = compileAffected(eco.base, affected)
    compiled.ranges.forEach((r, j) => {
      rows.push({ ...base, rangeIndex: j, lowerKey: r.lower, upperKey: r.upper })
    })
    if (affected.versions?.length) {
      // Without an ordering for the ecosystem the listed versions have no keys: open bounds.
      const known = compiled.listedLower <= compiled.listedUpper
      rows.push({
        ...base,
        rangeIndex: -1,
        lowerKey: known ? compiled.listedLower : COARSE_MIN,
        upperKey: known ? compiled.listedUpper : COARSE_MAX,
      })
    }
    if (compiled.problems.length) {
      rows.push({ ...base, rangeIndex: -2, lowerKey: COARSE_MIN, upperKey: COARSE_MAX })
    }
  }
  return rows
}

/** What an incoming version of a record does to the stored one. */
export type UpsertOutcome =
  /** Not stored before: insert and index. */
  | 'new'
  /** Newer (or same `modified`, different content): replace current, re-index, fan out. */
  | 'changed'
  /** Exactly what is stored: nothing to do. */
  | 'unchanged'
  /** Older than what is stored: kept in the history only. */
  | 'older'

export function upsertOutcome(
  current: { modified: Date; digest: string } | null,
  incoming: { modified: Date; digest: string },
  seenDigest: boolean,
): UpsertOutcome {
  if (!current) return 'new'
  if (current.digest === incoming.digest) return 'unchanged'
  if (incoming.modified.getTime() < current.modified.getTime()) return 'older'
  // A digest already in the history with an equal or newer modified date is a replay of a
  // version we superseded with the same date: keep the current one.
  if (seenDigest && incoming.modified.getTime() === current.modified.getTime()) return 'older'
  return 'changed'
}

/** CVE ids among a record's id and aliases, for the KEV join. */
export function cveIds(osv: Pick<OsvRecord, 'id' | 'aliases'>): string[] {
  return [osv.id, ...(osv.aliases ?? [])].filter((a) => /^CVE-\d{4}-\d{4,}$/.test(a))
}

export interface KevEntry {
  cveId: string
  vendorProject: string
  product: string
  vulnerabilityName: string
  dateAdded: string
  shortDescription: string
  requiredAction: string
  dueDate: string | null
  knownRansomwareCampaignUse: string
  notes: string
  cwes: string[]
}

const ZDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a YYYY-MM-DD date')

/** The CISA KEV catalog JSON (www.cisa.gov/known-exploited-vulnerabilities-catalog, schema v1). */
export const ZKevCatalog = z.object({
  catalogVersion: z.string().min(1),
  dateReleased: z.string(),
  vulnerabilities: z.array(
    z.object({
      cveID: z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'a CVE id'),
      vendorProject: z.string(),
      product: z.string(),
      vulnerabilityName: z.string(),
      dateAdded: ZDate,
      shortDescription: z.string(),
      requiredAction: z.string(),
      dueDate: ZDate.optional().nullable(),
      knownRansomwareCampaignUse: z.string().default('Unknown'),
      notes: z.string().default(''),
      cwes: z.array(z.string()).default([]),
    }),
  ),
})

export function isKevCatalog(doc: unknown): boolean {
  return !!doc && typeof doc === 'object' && 'catalogVersion' in doc && 'vulnerabilities' in doc
}

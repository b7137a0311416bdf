/**
 * The matching core, pure: which advisories a component is affected by, and the coarse bounds
 * that let SQL pre-filter components before the exact comparator runs (the osv.dev trick: a
 * string-sortable key per version, bounds per range; a bound is only ever wider than the range).
 */
import type { Sql } from '../platform/db/db.ts'
import type { OsvRecord } from './model.ts'
import {
  COARSE_MAX,
  COARSE_MIN,
  compiledAffected,
  matchAffected,
  normaliseEcosystem,
  normalisePackageName,
} from './version-port.ts'
import { AdvisoryIndex, type IndexHit } from './versions/index.ts'

export interface MatchableComponent {
  ecosystem: string | null
  packageName: string | null
  version: string | null
  status: 'matchable' | 'no_version' | 'unmatched'
}

export interface ComponentMatch {
  advisoryId: string
  kind: 'affected' | 'possibly_affected'
  range: string | null
  fixed: string | null
}

/** The (ecosystem, normalised name) pairs an advisory names. */
export function advisoryPackages(
  osv: OsvRecord,
): Array<{ ecosystem: string; packageName: string }> {
  const out = new Map<string, { ecosystem: string; packageName: string }>()
  for (const a of osv.affected ?? []) {
    const eco = a.package?.ecosystem ? normaliseEcosystem(a.package.ecosystem) : null
    if (!eco || !a.package?.name) continue
    const packageName = normalisePackageName(eco, a.package.name)
    out.set(`${eco}\u0000${packageName}`, { ecosystem: eco, packageName })
  }
  return [...out.values()]
}

/**
 * The advisories compiled into the matching core (versions/match-index.ts), shared by the
 * matching runs of one process. The database stays the source of truth: a record is compiled
 * again when its content differs from what was compiled, and answers are taken only for the
 * advisory asked about, so a record since removed elsewhere is never matched from here.
 */
export class CompiledAdvisories {
  #index = new AdvisoryIndex()
  #stamps = new Map<string, string>()
  /** Records already checked: one record object is matched against many components in a run. */
  #checked = new WeakSet<OsvRecord>()

  /** The index, holding `osv` exactly as given. */
  holding(osv: OsvRecord): AdvisoryIndex {
    if (this.#checked.has(osv)) return this.#index
    this.#checked.add(osv)
    const stamp = `${osv.modified}\u0000${osv.withdrawn ?? ''}\u0000${JSON.stringify(osv.affected ?? [])}`
    if (this.#stamps.get(osv.id) !== stamp) {
      this.#index.upsert(osv)
      this.#stamps.set(osv.id, stamp)
    }
    return this.#index
  }
}

/**
 * Whether one component is affected by one advisory. A component without a version is
 * "possibly affected" by every advisory for its package; a withdrawn advisory matches nothing.
 * With `compiled`, versions are placed by the index (ranked bounds, answers cached per
 * package and version) instead of being compared with each range afresh; the answer is the same.
 */
export function matchComponent(
  c: MatchableComponent,
  osv: OsvRecord,
  compiled?: CompiledAdvisories,
): ComponentMatch | null {
  if (osv.withdrawn || c.status === 'unmatched' || !c.ecosystem || !c.packageName) return null
  if (compiled && c.status !== 'no_version' && c.version !== null) {
    let best: IndexHit | null = null
    for (const h of compiled.holding(osv).match(c.ecosystem, c.packageName, c.version)) {
      // An unreadable range or version is not a match here, as with matchAffected below.
      if (h.advisoryId !== osv.id || h.uncertain) continue
      if (!best || h.affectedIndex < best.affectedIndex) best = h
    }
    if (!best) return null
    return {
      advisoryId: osv.id,
      kind: 'affected',
      range: best.range ?? null,
      fixed: best.fixed ?? firstFixed(osv.affected![best.affectedIndex]!),
    }
  }
  for (const a of osv.affected ?? []) {
    const eco = a.package?.ecosystem ? normaliseEcosystem(a.package.ecosystem) : null
    if (eco !== c.ecosystem || !a.package?.name) continue
    if (normalisePackageName(eco, a.package.name) !== c.packageName) continue
    if (c.status === 'no_version' || c.version === null) {
      return {
        advisoryId: osv.id,
        kind: 'possibly_affected',
        range: rangeSummary(a),
        fixed: firstFixed(a),
      }
    }
    const m = matchAffected(eco, c.version, a)
    // A record listing affected versions explicitly still has its fix in its ranges.
    if (m.affected)
      return {
        advisoryId: osv.id,
        kind: 'affected',
        range: m.range ?? null,
        fixed: m.fixed ?? firstFixed(a),
      }
  }
  return null
}

type Affected = NonNullable<OsvRecord['affected']>[number]

function rangeSummary(a: Affected): string | null {
  const parts: string[] = []
  for (const r of a.ranges ?? []) {
    if (r.type === 'GIT') continue
    for (const e of r.events) {
      if (e.introduced !== undefined && e.introduced !== '0') parts.push(`>=${e.introduced}`)
      if (e.fixed !== undefined) parts.push(`<${e.fixed}`)
      if (e.last_affected !== undefined) parts.push(`<=${e.last_affected}`)
    }
  }
  if (a.versions?.length)
    parts.push(`in [${a.versions.slice(0, 5).join(', ')}${a.versions.length > 5 ? ', …' : ''}]`)
  return parts.length ? parts.join(', ') : null
}

function firstFixed(a: Affected): string | null {
  for (const r of a.ranges ?? []) for (const e of r.events) if (e.fixed) return e.fixed
  return null
}

/**
 * Inclusive coarse bounds `[lo, hi]` covering every version the entry names: its ranges'
 * and its explicit versions' (see versions/coarse.ts for why they never drop a true match).
 */
export function coarseBounds(ecosystem: string, a: Affected): Array<[string, string]> {
  const c = compiledAffected(ecosystem, a)
  if (!c) return [[COARSE_MIN, COARSE_MAX]]
  const out: Array<[string, string]> = c.ranges.map((r) => [r.lower, r.upper])
  if (c.listed.size) out.push([c.listedLower, c.listedUpper])
  // A range that could not be compiled is compared with everything rather than dropped.
  if (c.problems.length) out.push([COARSE_MIN, COARSE_MAX])
  return out
}

/**
 * Current components that may be affected by `osv`, for its fan-out: same package, and a
 * coarse key inside one of its ranges' bounds, or no version at all. Run the exact comparator
 * on what it returns.
 */
export function candidateComponentsSql(osv: OsvRecord): Sql | null {
  const values: unknown[] = []
  const p = (v: unknown) => {
    values.push(v)
    return `$${values.length}`
  }
  const ors: string[] = []
  for (const a of osv.affected ?? []) {
    const eco = a.package?.ecosystem ? normaliseEcosystem(a.package.ecosystem) : null
    if (!eco || !a.package?.name) continue
    const name = normalisePackageName(eco, a.package.name)
    const bounds = coarseBounds(eco, a)
    const versionTests = bounds.map(([lo, hi]) => `c.coarse BETWEEN ${p(lo)} AND ${p(hi)}`)
    // No version, or a version without a coarse key: compared with every range of the package.
    versionTests.push(`c.match_status = 'no_version'`, `c.coarse = ''`)
    ors.push(
      `(c.ecosystem = ${p(eco)} AND c.package_name = ${p(name)} AND (${versionTests.join(' OR ')}))`,
    )
  }
  if (ors.length === 0) return null
  return {
    text: `SELECT c.id, c.org_id, c.system_id, c.sbom_id, c.ecosystem, c.package_name, c.version,
             c.purl, c.match_status
           FROM inv_component c
           WHERE c.current AND c.match_status <> 'unmatched' AND (${ors.join(' OR ')})`,
    values,
  }
}

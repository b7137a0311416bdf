/**
 * The matching core: an in-memory index of advisories by (ecosystem, normalised package
 * name) → compiled `affected[]` entries, answering "which advisories affect this component
 * version?" with the exact comparator. Both the database-backed engine and the matching
 * benchmark use it, so the benchmark measures the real thing.
 *
 * - Answers are cached per (package, ecosystem release, version); an upsert or removal of an
 *   advisory clears only the packages it names, so nothing unchanged is recomputed.
 * - A component is never silently missed: no version, an unreadable version, or an advisory
 *   range that cannot be read gives a hit marked `uncertain` with the reason.
 * - Ecosystem releases (`Debian:12`, `AlmaLinux:9`): an advisory scoped to a release
 *   matches components of that release, and components whose release is unknown.
 *
 * @example
 * const index = new AdvisoryIndex()
 * index.upsert({ id: 'GHSA-xxxx', affected: [{ package: { ecosystem: 'npm', name: 'lodash' },
 *   ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }] })
 * index.match('npm', 'lodash', '4.17.20') // [{ advisoryId: 'GHSA-xxxx', affectedIndex: 0, range: '>=0 <4.17.21', fixed: '4.17.21' }]
 */
import { ECOSYSTEM_SCHEMES, normaliseName, splitEcosystem } from './ecosystems.ts'
import {
  type AffectedMatch,
  type Bound,
  type CompiledAffected,
  compileAffected,
  evaluateRanked,
  matchCompiled,
  matchListed,
  matchRanked,
  type OsvAffected,
  type ParseCache,
  type Position,
} from './osv.ts'
import { type VersionScheme, VersionSyntaxError } from './scheme.ts'
import { semverScheme } from './semver.ts'

export interface IndexableAdvisory {
  id: string
  /** A withdrawn advisory is removed from the index: it stops matching. */
  withdrawn?: string | null
  affected?: OsvAffected[]
}

export interface IndexHit {
  advisoryId: string
  /** Position of the matching entry in the advisory's `affected[]`. */
  affectedIndex: number
  /** The interval that matched (`>=1.0.0 <1.2.3`, `listed`), absent for uncertain hits. */
  range?: string
  fixed?: string
  /** Set when the match could not be decided: the component may be affected. */
  uncertain?: string
}

interface Entry {
  advisoryId: string
  affectedIndex: number
  release: string | null
  compiled: CompiledAffected
  /** Hits are immutable and shared: one per distinct match result of this entry. */
  hits: Map<AffectedMatch, IndexHit>
}

interface PackageEntries {
  entries: Entry[]
  cache: Map<string, IndexHit[]>
  /** Per ordering, the package's distinct bounds sorted; built on first match, dropped on change. */
  ranks: Map<VersionScheme, unknown[]> | null
  /** For packages whose ranges share one ordering: the answer of the ranges per slot. */
  slots: SlotTable | null | undefined
}

/** The hits of one slot, shared by every version in it (hits and this array are never mutated). */
interface SlotAnswer {
  hits: IndexHit[]
  entries: Entry[]
  /** Whether any of the entries is scoped to an ecosystem release. */
  scoped: boolean
}

/**
 * A package's distinct bounds b0 < b1 < … split the versions into slots: slot 2k is
 * "between b(k-1) and bk", slot 2k+1 is "equal to bk". Every range gives the same answer
 * for all versions of a slot, so the answers are computed once per slot, and matching a
 * component is a binary search plus a lookup.
 */
interface SlotTable {
  scheme: VersionScheme
  sorted: unknown[]
  bySlot: Array<SlotAnswer | undefined>
  /** Entries with ranges, by the slot after which none of their ranges can hold a version. */
  byEnd: Entry[]
  ends: number[]
  /** The first slot where each entry's ranges can hold a version. */
  starts: Map<Entry, number>
  /** Entries that may still hit outside the ranges: explicit versions, unreadable ranges. */
  others: Entry[]
}

const SEMVER_ECOSYSTEMS = new Set(['npm', 'crates.io', 'Go', 'Bitnami', 'Kubernetes'])

/** The index key of a package: base ecosystem and normalised name. */
export function packageKey(ecosystem: string, name: string): string {
  return `${ecosystem}\u0000${name}`
}

export class AdvisoryIndex {
  #packages = new Map<string, PackageEntries>()
  #byAdvisory = new Map<string, Set<string>>()
  /** Affected entries skipped at upsert (unknown ecosystem, no package), by advisory id. */
  readonly skipped = new Map<string, string[]>()

  get advisoryCount(): number {
    return this.#byAdvisory.size
  }

  get packageCount(): number {
    return this.#packages.size
  }

  /**
   * Adds or replaces an advisory; a withdrawn one is removed. Returns the package keys it
   * touched before and after, i.e. the packages whose components need re-matching.
   */
  upsert(advisory: IndexableAdvisory): string[] {
    const touched = new Set(this.remove(advisory.id))
    if (advisory.withdrawn) return [...touched]
    const keys = new Set<string>()
    const skipped: string[] = []
    for (const [i, affected] of (advisory.affected ?? []).entries()) {
      const pkg = affected.package
      if (!pkg?.ecosystem || !pkg.name) {
        skipped.push(`affected[${i}]: no package (GIT-only entries are not matched by version)`)
        continue
      }
      const eco = splitEcosystem(pkg.ecosystem)
      if (!eco) {
        skipped.push(`affected[${i}]: unknown ecosystem ${pkg.ecosystem}`)
        continue
      }
      const scheme = ECOSYSTEM_SCHEMES[eco.base] ?? null
      // Coarse keys are for the database's pre-filter; in memory the package key narrows enough.
      const compiled = compileAffected(
        affected,
        scheme,
        scheme && SEMVER_ECOSYSTEMS.has(eco.base) ? scheme : semverScheme,
        { coarse: false },
      )
      const key = packageKey(eco.base, normaliseName(eco.base, pkg.name))
      let p = this.#packages.get(key)
      if (!p) {
        p = { entries: [], cache: new Map(), ranks: null, slots: undefined }
        this.#packages.set(key, p)
      }
      p.entries.push({
        advisoryId: advisory.id,
        affectedIndex: i,
        release: eco.release,
        compiled,
        hits: new Map(),
      })
      p.cache.clear()
      p.ranks = null
      p.slots = undefined
      keys.add(key)
      touched.add(key)
    }
    if (skipped.length) this.skipped.set(advisory.id, skipped)
    else this.skipped.delete(advisory.id)
    if (keys.size) this.#byAdvisory.set(advisory.id, keys)
    return [...touched]
  }

  /** Removes an advisory; returns the package keys it was indexed under. */
  remove(advisoryId: string): string[] {
    const keys = this.#byAdvisory.get(advisoryId)
    if (!keys) return []
    for (const key of keys) {
      const p = this.#packages.get(key)!
      p.entries = p.entries.filter((e) => e.advisoryId !== advisoryId)
      p.cache.clear()
      p.ranks = null
      p.slots = undefined
      if (p.entries.length === 0) this.#packages.delete(key)
    }
    this.#byAdvisory.delete(advisoryId)
    this.skipped.delete(advisoryId)
    return [...keys]
  }

  /** Forgets every cached answer (they are recomputed on demand). */
  clearCache(): void {
    for (const p of this.#packages.values()) p.cache.clear()
  }

  /** Whether any advisory names this package (cheap: no comparison). */
  hasPackage(ecosystem: string, name: string): boolean {
    const eco = splitEcosystem(ecosystem)
    return !!eco && this.#packages.has(packageKey(eco.base, normaliseName(eco.base, name)))
  }

  /**
   * The advisories affecting one component (the array may be shared: do not mutate it). `ecosystem` may carry a release
   * (`Debian:12`); `version` null means the component has no version (every advisory of
   * the package is then an uncertain hit). Throws VersionSyntaxError never: unreadable
   * versions become uncertain hits. Returns [] for an unknown ecosystem's package only
   * when no advisory names it; the caller decides whether an unknown ecosystem is an error.
   */
  match(ecosystem: string, name: string, version: string | null): IndexHit[] {
    const eco = splitEcosystem(ecosystem)
    if (!eco) return []
    const p = this.#packages.get(packageKey(eco.base, normaliseName(eco.base, name)))
    if (!p) return []
    const cacheKey = `${eco.release ?? ''}\u0000${version ?? '\u0000'}`
    const cached = p.cache.get(cacheKey)
    if (cached) return cached
    const slotted = version ? matchBySlot(p, eco.release, version) : null
    if (slotted) {
      p.cache.set(cacheKey, slotted)
      return slotted
    }
    const hits: IndexHit[] = []
    const parsed: ParseCache = new Map()
    const positions = version ? positionsIn(rankPackage(p), version, parsed) : null
    for (const e of p.entries) {
      if (e.release && eco.release && e.release !== eco.release) continue
      const hit = matchEntry(e, version, parsed, positions)
      if (hit) hits.push(hit)
    }
    p.cache.set(cacheKey, hits)
    return hits
  }

  /** One advisory against one component, without the cache: the fan-out path for a new advisory. */
  matchAdvisory(
    advisoryId: string,
    ecosystem: string,
    name: string,
    version: string | null,
  ): IndexHit[] {
    const eco = splitEcosystem(ecosystem)
    if (!eco) return []
    const p = this.#packages.get(packageKey(eco.base, normaliseName(eco.base, name)))
    if (!p) return []
    const hits: IndexHit[] = []
    const parsed: ParseCache = new Map()
    for (const e of p.entries) {
      if (e.advisoryId !== advisoryId) continue
      if (e.release && eco.release && e.release !== eco.release) continue
      const hit = matchEntry(e, version, parsed)
      if (hit) hits.push(hit)
    }
    return hits
  }

  /** The packages an advisory is indexed under, as `{ ecosystem, name }` (normalised). */
  packagesOf(advisoryId: string): Array<{ ecosystem: string; name: string }> {
    return [...(this.#byAdvisory.get(advisoryId) ?? [])].map((k) => {
      const [ecosystem, name] = k.split('\u0000') as [string, string]
      return { ecosystem, name }
    })
  }
}

/**
 * Sorts a package's bounds once per ordering and writes each bound's rank into it, so a
 * component is placed among them by binary search and every range test is an integer test.
 */
function rankPackage(p: PackageEntries): Map<VersionScheme, unknown[]> {
  if (p.ranks) return p.ranks
  const bySchema = new Map<VersionScheme, Bound[]>()
  for (const e of p.entries) {
    for (const r of e.compiled.ranges) {
      let list = bySchema.get(r.scheme)
      if (!list) {
        list = []
        bySchema.set(r.scheme, list)
      }
      for (const b of r.events) if (b.parsed !== undefined) list.push(b)
      for (const b of r.limits) if (b.parsed !== undefined) list.push(b)
    }
  }
  const ranks = new Map<VersionScheme, unknown[]>()
  for (const [scheme, bounds] of bySchema) {
    bounds.sort((a, b) => scheme.compareParsed(a.parsed, b.parsed))
    const distinct: unknown[] = []
    for (const b of bounds) {
      const last = distinct[distinct.length - 1]
      if (distinct.length === 0 || scheme.compareParsed(last, b.parsed) !== 0)
        distinct.push(b.parsed)
      b.rank = distinct.length - 1
    }
    ranks.set(scheme, distinct)
  }
  p.ranks = ranks
  return ranks
}

/** The slot table of a package whose ranges share one ordering; null when they do not. */
function slotTable(p: PackageEntries): SlotTable | null {
  if (p.slots !== undefined) return p.slots
  const ranks = rankPackage(p)
  const schemes = new Set<VersionScheme>()
  for (const e of p.entries) for (const r of e.compiled.ranges) schemes.add(r.scheme)
  if (schemes.size !== 1) {
    p.slots = null
    return null
  }
  const scheme = [...schemes][0]!
  const sorted = ranks.get(scheme) ?? []
  const others = p.entries.filter((e) => e.compiled.listed.size || e.compiled.problems.length)
  const size = 2 * sorted.length + 1
  // Each entry's envelope [start, end): ranges open at an introduced event (slot 2k+1 for
  // rank k, 0 for "0") and close at a fixed (2k+1) or last_affected (2k+2) event, or never.
  const starts = new Map<Entry, number>()
  const envelopes: Array<[Entry, number]> = []
  for (const e of p.entries) {
    if (e.compiled.ranges.length === 0) continue
    let start = size
    let end = 0
    for (const r of e.compiled.ranges) {
      const first = r.events.find((x) => x.kind === 'introduced')
      if (first) start = Math.min(start, first.parsed === undefined ? 0 : 2 * first.rank! + 1)
      const last = r.events[r.events.length - 1]
      end = Math.max(
        end,
        !last || last.kind === 'introduced'
          ? size
          : last.kind === 'fixed'
            ? 2 * last.rank! + 1
            : 2 * last.rank! + 2,
      )
    }
    starts.set(e, start)
    envelopes.push([e, end])
  }
  envelopes.sort((a, b) => a[1] - b[1])
  p.slots = {
    scheme,
    sorted,
    bySlot: new Array(size),
    byEnd: envelopes.map(([e]) => e),
    ends: envelopes.map(([, end]) => end),
    starts,
    others,
  }
  return p.slots
}

/** The entries whose ranges hold the versions of one slot, computed on the slot's first use. */
function slotHits(table: SlotTable, slot: number): SlotAnswer {
  const known = table.bySlot[slot]
  if (known) return known
  const below = slot >> 1
  const equal = slot % 2 === 1 ? below : -1
  const answer: SlotAnswer = { hits: [], entries: [], scoped: false }
  // Only entries whose envelope still reaches this slot can hold it.
  let lo = 0
  let hi = table.ends.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (table.ends[mid]! <= slot) lo = mid + 1
    else hi = mid
  }
  for (let i = lo; i < table.byEnd.length; i++) {
    const e = table.byEnd[i]!
    if (table.starts.get(e)! > slot) continue
    let best: AffectedMatch | null = null
    for (const r of e.compiled.ranges) {
      const m = evaluateRanked(r, below, equal)
      if (m.affected && (!best || (m.fixed && !best.fixed))) best = m
    }
    if (best) {
      answer.hits.push(hitFor(e, best))
      answer.entries.push(e)
      if (e.release) answer.scoped = true
    }
  }
  table.bySlot[slot] = answer
  return answer
}

/** Matching through the slot table; null when the package has none or the version cannot be read. */
function matchBySlot(
  p: PackageEntries,
  release: string | null,
  version: string,
): IndexHit[] | null {
  const table = slotTable(p)
  if (!table) return null
  let v: unknown
  try {
    v = table.scheme.parse(version)
  } catch (err) {
    if (!(err instanceof VersionSyntaxError)) throw err
    return null
  }
  const { sorted, scheme } = table
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (scheme.compareParsed(sorted[mid], v) < 0) lo = mid + 1
    else hi = mid
  }
  const slot = lo < sorted.length && scheme.compareParsed(sorted[lo], v) === 0 ? 2 * lo + 1 : 2 * lo
  const answer = slotHits(table, slot)
  // The common case allocates nothing: the slot's shared answer is the component's.
  if (table.others.length === 0 && (!release || !answer.scoped)) return answer.hits
  const hits: IndexHit[] = []
  const matched = new Set<Entry>()
  answer.entries.forEach((entry, i) => {
    if (entry.release && release && entry.release !== release) return
    hits.push(answer.hits[i]!)
    matched.add(entry)
  })
  if (table.others.length) {
    const parsed: ParseCache = new Map([[scheme, v]])
    for (const e of table.others) {
      if (matched.has(e) || (e.release && release && e.release !== release)) continue
      // The ranges did not match here: the explicit list, or an unreadable range, decides.
      const hit = matchEntry(e, version, parsed, null, true)
      if (hit) hits.push(hit)
    }
  }
  return hits
}

function hitFor(e: Entry, m: AffectedMatch): IndexHit {
  const known = e.hits.get(m)
  if (known) return known
  const hit: IndexHit = Object.freeze({
    advisoryId: e.advisoryId,
    affectedIndex: e.affectedIndex,
    range: m.range,
    ...(m.fixed ? { fixed: m.fixed } : {}),
  })
  e.hits.set(m, hit)
  return hit
}

function positionsIn(
  ranks: Map<VersionScheme, unknown[]>,
  version: string,
  parsed: ParseCache,
): Map<VersionScheme, Position | VersionSyntaxError> {
  const out = new Map<VersionScheme, Position | VersionSyntaxError>()
  for (const [scheme, sorted] of ranks) {
    let v = parsed.get(scheme)
    if (v === undefined) {
      try {
        v = scheme.parse(version)
      } catch (err) {
        if (!(err instanceof VersionSyntaxError)) throw err
        v = err
      }
      parsed.set(scheme, v)
    }
    if (v instanceof VersionSyntaxError) {
      out.set(scheme, v)
      continue
    }
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (scheme.compareParsed(sorted[mid], v) < 0) lo = mid + 1
      else hi = mid
    }
    const equal = lo < sorted.length && scheme.compareParsed(sorted[lo], v) === 0 ? lo : -1
    out.set(scheme, { below: lo, equal })
  }
  return out
}

function matchEntry(
  e: Entry,
  version: string | null,
  parsed?: ParseCache,
  positions?: Map<VersionScheme, Position | VersionSyntaxError> | null,
  /** The entry's ranges are known not to match: only its explicit versions and problems count. */
  rangesMissed = false,
): IndexHit | null {
  if (version === null || version === '') {
    return {
      advisoryId: e.advisoryId,
      affectedIndex: e.affectedIndex,
      uncertain: 'the component has no version',
    }
  }
  try {
    const m = rangesMissed
      ? matchListed(e.compiled, version, parsed ?? new Map())
      : positions
        ? matchRanked(e.compiled, version, parsed ?? new Map(), positions)
        : matchCompiled(e.compiled, version, parsed)
    if (m.affected) return hitFor(e, m)
    if (e.compiled.problems.length)
      return {
        advisoryId: e.advisoryId,
        affectedIndex: e.affectedIndex,
        uncertain: e.compiled.problems.join('; '),
      }
    return null
  } catch (err) {
    if (!(err instanceof VersionSyntaxError)) throw err
    return {
      advisoryId: e.advisoryId,
      affectedIndex: e.affectedIndex,
      uncertain: `version ${err.message}`,
    }
  }
}

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
  hits: Map<AffectedMatch, IndexHit> | null
}

interface PackageEntries {
  entries: Entry[]
  cache: Map<string, IndexHit[]>
  /** Per ordering, the package's distinct bounds sorted; built on first match, dropped on change. */
  ranks: Map<VersionScheme, unknown[]> | null
  /** For packages whose ranges share one ordering: the answer of the ranges per slot. */
  slots: SlotTable | null | undefined
  /** The entries of each advisory, for the fan-out path; built on first use, dropped on change. */
  byAdvisory: Map<string, Entry[]> | null
}

/**
 * A package's distinct bounds b0 < b1 < … split the versions into slots: slot 2k is
 * "between b(k-1) and bk", slot 2k+1 is "equal to bk". Every range gives the same answer
 * for all versions of a slot, so matching a component is a binary search plus a lookup.
 * Each entry's answer over the slots is a few segments of constant answer, computed once
 * when the table is built; a slot's hits are the affected segments that contain it.
 */
interface SlotTable {
  scheme: VersionScheme
  sorted: unknown[]
  /** Affected segments `[start, end)` of every entry, ordered by `end`, with the hit they give. */
  segStart: Int32Array
  segEnd: Int32Array
  segEntry: Entry[]
  segHit: IndexHit[]
  /** Entries that may still hit outside the ranges: explicit versions, unreadable ranges. */
  others: Entry[]
}

const SEMVER_ECOSYSTEMS = new Set(['npm', 'crates.io', 'Go', 'Bitnami', 'Kubernetes'])

/** The index key of a package: base ecosystem and normalised name. */
export function packageKey(ecosystem: string, name: string): string {
  return `${ecosystem}\u0000${name}`
}

/**
 * An ordering whose `parse` remembers what the index's advisories name: bounds repeat across
 * advisories, and components often run exactly a bound's version. Only versions read while an
 * advisory is compiled are kept, so the memory is bounded by the index, not by the components.
 */
function memoScheme(base: VersionScheme, recording: () => boolean): VersionScheme {
  const memo = new Map<string, unknown>()
  const scheme: VersionScheme = Object.create(base)
  scheme.parse = (v: string) => {
    let p = memo.get(v)
    if (p === undefined) {
      try {
        p = base.parse(v)
      } catch (err) {
        if (!(err instanceof VersionSyntaxError)) throw err
        p = err
      }
      if (recording()) memo.set(v, p)
    }
    if (p instanceof VersionSyntaxError) throw p
    return p
  }
  return scheme
}

export class AdvisoryIndex {
  #packages = new Map<string, PackageEntries>()
  #schemes = new Map<VersionScheme, VersionScheme>()
  #compiling = false
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
      const own = ECOSYSTEM_SCHEMES[eco.base]
      const scheme = own ? this.#scheme(own) : null
      // Coarse keys are for the database's pre-filter; in memory the package key narrows enough.
      this.#compiling = true
      let compiled: CompiledAffected
      try {
        compiled = compileAffected(
          affected,
          scheme,
          scheme && SEMVER_ECOSYSTEMS.has(eco.base) ? scheme : this.#scheme(semverScheme),
          { coarse: false },
        )
      } finally {
        this.#compiling = false
      }
      const key = packageKey(eco.base, normaliseName(eco.base, pkg.name))
      let p = this.#packages.get(key)
      if (!p) {
        p = { entries: [], cache: new Map(), ranks: null, slots: undefined, byAdvisory: null }
        this.#packages.set(key, p)
      }
      p.entries.push({
        advisoryId: advisory.id,
        affectedIndex: i,
        release: eco.release,
        compiled,
        hits: null,
      })
      p.cache.clear()
      p.ranks = null
      p.slots = undefined
      p.byAdvisory = null
      keys.add(key)
      touched.add(key)
    }
    if (skipped.length) this.skipped.set(advisory.id, skipped)
    else this.skipped.delete(advisory.id)
    if (keys.size) this.#byAdvisory.set(advisory.id, keys)
    return [...touched]
  }

  #scheme(base: VersionScheme): VersionScheme {
    let s = this.#schemes.get(base)
    if (!s) {
      s = memoScheme(base, () => this.#compiling)
      this.#schemes.set(base, s)
    }
    return s
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
      p.byAdvisory = null
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
    if (!p.byAdvisory) {
      // A package named by thousands of advisories (a distribution's kernel) is fanned out
      // version by version: find the advisory's entries without scanning the others each time.
      p.byAdvisory = new Map()
      for (const e of p.entries) {
        const list = p.byAdvisory.get(e.advisoryId)
        if (list) list.push(e)
        else p.byAdvisory.set(e.advisoryId, [e])
      }
    }
    const hits: IndexHit[] = []
    const parsed: ParseCache = new Map()
    for (const e of p.byAdvisory.get(advisoryId) ?? []) {
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
  const segments: Array<{ start: number; end: number; entry: Entry; hit: IndexHit }> = []
  for (const e of p.entries) {
    if (e.compiled.ranges.length === 0) continue
    // The entry's answer changes only at its own bounds: at slot 2k+1 (equal to the bound of
    // rank k) and at 2k+2 (above it). Between those cuts it is constant, so it is evaluated
    // once per piece, at the piece's first slot.
    const cuts = new Set<number>([0])
    for (const r of e.compiled.ranges) {
      for (const b of r.events)
        if (b.parsed !== undefined) cuts.add(2 * b.rank! + 1).add(2 * b.rank! + 2)
      for (const b of r.limits)
        if (b.parsed !== undefined) cuts.add(2 * b.rank! + 1).add(2 * b.rank! + 2)
    }
    const starts = [...cuts].filter((c) => c < size).sort((a, b) => a - b)
    let open: { start: number; end: number; entry: Entry; hit: IndexHit } | null = null
    starts.forEach((slot, i) => {
      const below = slot >> 1
      const equal = slot % 2 === 1 ? below : -1
      let best: AffectedMatch | null = null
      for (const r of e.compiled.ranges) {
        const m = evaluateRanked(r, below, equal)
        if (m.affected && (!best || (m.fixed && !best.fixed))) best = m
      }
      const hit = best ? hitFor(e, best) : null
      const end = starts[i + 1] ?? size
      if (open && hit === open.hit) open.end = end
      else {
        if (open) segments.push(open)
        open = hit ? { start: slot, end, entry: e, hit } : null
      }
    })
    if (open) segments.push(open)
  }
  segments.sort((a, b) => a.end - b.end)
  p.slots = {
    scheme,
    sorted,
    segStart: Int32Array.from(segments, (x) => x.start),
    segEnd: Int32Array.from(segments, (x) => x.end),
    segEntry: segments.map((x) => x.entry),
    segHit: segments.map((x) => x.hit),
    others,
  }
  return p.slots
}

/**
 * The hits of the versions in one slot: the affected segments that contain it (of the
 * component's release), then the entries whose explicit versions or unreadable ranges decide.
 * The answer is cached per version by the caller, so it is gathered straight into its array.
 */
function slotHits(
  table: SlotTable,
  slot: number,
  release: string | null,
  version: string,
  parsedVersion: unknown,
): IndexHit[] {
  const { segStart, segEnd, segEntry, segHit, others } = table
  // Only segments that end after this slot can hold it.
  let lo = 0
  let hi = segEnd.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (segEnd[mid]! <= slot) lo = mid + 1
    else hi = mid
  }
  let n = 0
  for (let i = lo; i < segEnd.length; i++) if (segStart[i]! <= slot) n++
  const hits: IndexHit[] = new Array(n)
  const matched = others.length ? new Set<Entry>() : null
  n = 0
  for (let i = lo; i < segEnd.length; i++) {
    if (segStart[i]! > slot) continue
    const e = segEntry[i]!
    if (release && e.release && e.release !== release) continue
    hits[n++] = segHit[i]!
    matched?.add(e)
  }
  hits.length = n
  if (matched) {
    const parsed: ParseCache = new Map([[table.scheme, parsedVersion]])
    for (const e of others) {
      if (matched.has(e) || (e.release && release && e.release !== release)) continue
      // The ranges did not match here: the explicit list, or an unreadable range, decides.
      const hit = matchEntry(e, version, parsed, null, true)
      if (hit) hits.push(hit)
    }
  }
  return hits
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
  return slotHits(table, slot, release, version, v)
}

function hitFor(e: Entry, m: AffectedMatch): IndexHit {
  const known = e.hits?.get(m)
  if (known) return known
  const hit: IndexHit = Object.freeze({
    advisoryId: e.advisoryId,
    affectedIndex: e.affectedIndex,
    range: m.range,
    ...(m.fixed ? { fixed: m.fixed } : {}),
  })
  e.hits ??= new Map()
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

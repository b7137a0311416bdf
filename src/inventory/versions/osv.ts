/**
 * OSV `affected[]` evaluation (ossf.github.io/osv-schema/#evaluation): a version is affected
 * when it is listed in `versions` or lies in an ECOSYSTEM or SEMVER range, whose events are
 * sorted by version (introduced "0" first) and replayed: introduced opens, fixed at or below
 * the version closes, last_affected below the version closes; `limit` events bound the range
 * from above. GIT ranges describe commits, not package versions, and are not evaluated here.
 *
 * An affected entry is compiled once (versions parsed, events sorted), so a matcher that
 * holds many advisories pays the parsing once per advisory, not once per component.
 */
import { COARSE_MAX, COARSE_MIN, encodeCoarse } from './coarse.ts'
import { type VersionScheme, VersionSyntaxError } from './scheme.ts'
import { semverScheme } from './semver.ts'

export interface OsvEvent {
  introduced?: string
  fixed?: string
  last_affected?: string
  limit?: string
}

export interface OsvRange {
  type: string
  repo?: string
  events: OsvEvent[]
  database_specific?: unknown
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string }
  ranges?: OsvRange[]
  versions?: string[]
  severity?: unknown
  ecosystem_specific?: unknown
  database_specific?: unknown
}

/** The result of matching one version against one `affected[]` entry. */
export interface AffectedMatch {
  affected: boolean
  /** The interval that matched, e.g. `>=1.0.0 <1.2.3`, or `listed` for an explicit version. */
  range?: string
  /** The first fixed version above the matched one, when the advisory names one. */
  fixed?: string
}

type EventKind = 'introduced' | 'fixed' | 'last_affected'

/** A version bound of a range; `rank` is its place among its package's bounds (match-index.ts). */
export interface Bound {
  /** undefined for introduced "0" (before every version) and limit "*" (after every version). */
  parsed: unknown
  rank?: number
}

export interface CompiledEvent extends Bound {
  kind: EventKind
  version: string
}

export interface CompiledRange {
  scheme: VersionScheme
  events: CompiledEvent[]
  /** The match for each opening event, built once and shared (matching allocates nothing per hit). */
  results: Array<AffectedMatch | undefined>
  /** `limit` events; parsed undefined is `limit: "*"`. */
  limits: Bound[]
  /** Coarse pre-filter bounds (coarse.ts): every affected version's key lies within them. */
  lower: string
  upper: string
}

export interface CompiledAffected {
  ranges: CompiledRange[]
  /** Explicit versions as written. */
  listed: Set<string>
  /** The same in the scheme's canonical form, computed on first need. */
  listedCanonical?: Set<string>
  listedScheme: VersionScheme | null
  /** Coarse bounds of the explicit versions (COARSE_MAX/COARSE_MIN when there are none). */
  listedLower: string
  listedUpper: string
  /** Ranges that could not be compiled, with the reason; they make a match uncertain, never silent. */
  problems: string[]
}

const KINDS: EventKind[] = ['introduced', 'fixed', 'last_affected']

function coarseOf(scheme: VersionScheme, v: string): string {
  return encodeCoarse(scheme.coarse(v))
}

/**
 * @param ecosystemScheme the ordering of the entry's ecosystem, or null when it has none
 * @param semverFor the SemVer ordering to use for SEMVER ranges in this ecosystem
 */
export function compileAffected(
  affected: OsvAffected,
  ecosystemScheme: VersionScheme | null,
  semverFor: VersionScheme = semverScheme,
  opts: { coarse?: boolean } = {},
): CompiledAffected {
  const coarse = opts.coarse ?? true
  const out: CompiledAffected = {
    ranges: [],
    listed: new Set(),
    listedScheme: ecosystemScheme,
    listedLower: COARSE_MAX,
    listedUpper: COARSE_MIN,
    problems: [],
  }
  for (const v of affected.versions ?? []) {
    out.listed.add(v)
    if (!ecosystemScheme || !coarse) continue
    const k = coarseOf(ecosystemScheme, v)
    // A listed version without a key can only be found by skipping the pre-filter: open the bounds.
    const lo = k === '' ? COARSE_MIN : k
    const hi = k === '' ? COARSE_MAX : k
    if (lo < out.listedLower) out.listedLower = lo
    if (hi > out.listedUpper) out.listedUpper = hi
  }
  for (const [i, range] of (affected.ranges ?? []).entries()) {
    if (range.type === 'GIT') continue
    const scheme =
      range.type === 'SEMVER' ? semverFor : range.type === 'ECOSYSTEM' ? ecosystemScheme : null
    if (!scheme) {
      out.problems.push(
        range.type === 'ECOSYSTEM'
          ? `ranges[${i}]: no version ordering is known for this ecosystem`
          : `ranges[${i}]: unknown range type ${range.type}`,
      )
      continue
    }
    try {
      out.ranges.push(compileRange(range, scheme, coarse))
    } catch (err) {
      if (!(err instanceof VersionSyntaxError)) throw err
      out.problems.push(`ranges[${i}]: ${err.message}`)
    }
  }
  return out
}

function compileRange(range: OsvRange, scheme: VersionScheme, coarse: boolean): CompiledRange {
  const events: CompiledEvent[] = []
  const limits: Bound[] = []
  let upperOpen = false
  let lower = COARSE_MAX
  let upper = COARSE_MIN
  for (const e of range.events) {
    if (e.limit !== undefined) {
      limits.push({ parsed: e.limit === '*' ? undefined : scheme.parse(e.limit) })
      continue
    }
    const kind = KINDS.find((k) => e[k] !== undefined)
    if (!kind) continue
    const version = e[kind]!
    const zero = kind === 'introduced' && version === '0'
    events.push({ kind, version, parsed: zero ? undefined : scheme.parse(version) })
    const key = zero || !coarse ? COARSE_MIN : coarseOf(scheme, version)
    if (kind === 'introduced') {
      const lo = key === '' ? COARSE_MIN : key
      if (lo < lower) lower = lo
    } else {
      const hi = key === '' ? COARSE_MAX : key
      if (hi > upper) upper = hi
    }
  }
  events.sort((a, b) =>
    a.parsed === undefined
      ? b.parsed === undefined
        ? 0
        : -1
      : b.parsed === undefined
        ? 1
        : scheme.compareParsed(a.parsed, b.parsed),
  )
  // A range whose last event opens it is affected up to the end.
  const last = events[events.length - 1]
  if (!last || last.kind === 'introduced') upperOpen = true
  if (upperOpen) upper = COARSE_MAX
  if (lower === COARSE_MAX) lower = COARSE_MIN
  if (!coarse) upper = COARSE_MAX
  return { scheme, events, limits, lower, upper, results: [] }
}

/** How the matched version compares with a bound (negative, zero, positive); never called for undefined bounds. */
export type Versus = (b: Bound) => number

export const NOT_AFFECTED: AffectedMatch = Object.freeze({ affected: false })
const LISTED: AffectedMatch = Object.freeze({ affected: true, range: 'listed' })

export function evaluateRange(r: CompiledRange, versus: Versus): AffectedMatch {
  if (r.limits.length && !r.limits.some((l) => l.parsed === undefined || versus(l) < 0)) {
    return NOT_AFFECTED
  }
  let open = -1
  let i = 0
  for (; i < r.events.length; i++) {
    const e = r.events[i]!
    const c = e.parsed === undefined ? 1 : versus(e)
    if (e.kind === 'introduced') {
      if (c >= 0) open = i
      else break
    } else if (e.kind === 'fixed') {
      if (c >= 0) open = -1
      else break
    } else if (c > 0) open = -1
    else if (c < 0) break
  }
  return open === -1 ? NOT_AFFECTED : resultFor(r, open)
}

/** evaluateRange with the version's place among ranked bounds: integer tests only. */
export function evaluateRanked(r: CompiledRange, below: number, equal: number): AffectedMatch {
  if (r.limits.length) {
    let under = false
    for (const l of r.limits)
      if (l.parsed === undefined || (l.rank !== equal && l.rank! >= below)) under = true
    if (!under) return NOT_AFFECTED
  }
  let open = -1
  const events = r.events
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    // c: the version against the bound (1 above, 0 equal, -1 below).
    const c = e.parsed === undefined ? 1 : e.rank === equal ? 0 : e.rank! < below ? 1 : -1
    if (e.kind === 'introduced') {
      if (c >= 0) open = i
      else break
    } else if (e.kind === 'fixed') {
      if (c >= 0) open = -1
      else break
    } else if (c > 0) open = -1
    else if (c < 0) break
  }
  return open === -1 ? NOT_AFFECTED : resultFor(r, open)
}

/** The interval opened by events[open]: `>=open <fixed` / `<=last_affected`, and its fixed version. */
function resultFor(r: CompiledRange, open: number): AffectedMatch {
  const cached = r.results[open]
  if (cached) return cached
  const opener = r.events[open]!
  let fixed: string | undefined
  let end: string | undefined
  for (let i = open + 1; i < r.events.length; i++) {
    const e = r.events[i]!
    if (e.kind === 'fixed') {
      fixed = e.version
      end = `<${e.version}`
      break
    }
    if (e.kind === 'last_affected') {
      end = `<=${e.version}`
      break
    }
  }
  const start = opener.parsed === undefined ? '>=0' : `>=${opener.version}`
  const result: AffectedMatch = Object.freeze({
    affected: true,
    range: end ? `${start} ${end}` : start,
    ...(fixed ? { fixed } : {}),
  })
  r.results[open] = result
  return result
}

/**
 * One component version parsed once per ordering (and its canonical form once), shared
 * across the entries it is matched against.
 */
export type ParseCache = Map<object, unknown>

const canonicalKeys = new WeakMap<VersionScheme, object>()
function canonicalKey(s: VersionScheme): object {
  let k = canonicalKeys.get(s)
  if (!k) {
    k = {}
    canonicalKeys.set(s, k)
  }
  return k
}

function parsedFor(scheme: VersionScheme, version: string, cache: ParseCache): unknown {
  let p = cache.get(scheme)
  if (p === undefined) {
    try {
      p = scheme.parse(version)
    } catch (err) {
      if (!(err instanceof VersionSyntaxError)) throw err
      p = err
    }
    cache.set(scheme, p)
  }
  return p
}

/**
 * Matches a version against a compiled entry. Throws VersionSyntaxError when the version
 * cannot be read in the ordering of one of the entry's ranges and nothing else matched.
 */
export function matchCompiled(
  c: CompiledAffected,
  version: string,
  cache: ParseCache = new Map(),
): AffectedMatch {
  let parseError: VersionSyntaxError | null = null
  let best: AffectedMatch | null = null
  for (const r of c.ranges) {
    const p = parsedFor(r.scheme, version, cache)
    if (p instanceof VersionSyntaxError) {
      parseError = p
      continue
    }
    const cmp = r.scheme.compareParsed
    const m = evaluateRange(r, (b) => cmp(p, b.parsed))
    if (m.affected && (!best || (m.fixed && !best.fixed))) best = m
  }
  if (best) return best
  if (c.listed.size && isListed(c, version, cache)) return LISTED
  if (parseError) throw parseError
  return NOT_AFFECTED
}

function isListed(c: CompiledAffected, version: string, cache: ParseCache): boolean {
  if (c.listed.has(version)) return true
  const s = c.listedScheme
  if (!s?.canonical) return false
  const p = parsedFor(s, version, cache)
  if (p instanceof VersionSyntaxError) return false
  let canonical = cache.get(canonicalKey(s)) as string | undefined
  if (canonical === undefined) {
    canonical = s.canonical(p)
    cache.set(canonicalKey(s), canonical)
  }
  if (!c.listedCanonical) {
    c.listedCanonical = new Set()
    for (const v of c.listed) {
      try {
        c.listedCanonical.add(s.canonical(s.parse(v)))
      } catch (err) {
        if (!(err instanceof VersionSyntaxError)) throw err
      }
    }
  }
  return c.listedCanonical.has(canonical)
}

/** A version's place among a package's sorted distinct bounds of one ordering. */
export interface Position {
  /** How many distinct bounds are below the version. */
  below: number
  /** The rank of the bound equal to the version, or -1. */
  equal: number
}

/**
 * As matchCompiled, but comparing through ranks: every bound of the entry carries its rank
 * among its package's bounds, and the version's position among them was found once by
 * binary search, so each comparison here is an integer test.
 */
export function matchRanked(
  c: CompiledAffected,
  version: string,
  cache: ParseCache,
  positions: Map<VersionScheme, Position | VersionSyntaxError>,
): AffectedMatch {
  let parseError: VersionSyntaxError | null = null
  let best: AffectedMatch | null = null
  for (const r of c.ranges) {
    const pos = positions.get(r.scheme)!
    if (pos instanceof VersionSyntaxError) {
      parseError = pos
      continue
    }
    const m = evaluateRanked(r, pos.below, pos.equal)
    if (m.affected && (!best || (m.fixed && !best.fixed))) best = m
  }
  if (best) return best
  if (c.listed.size && isListed(c, version, cache)) return LISTED
  if (parseError) throw parseError
  return NOT_AFFECTED
}

/** Only the explicit versions of an entry (its ranges are known not to match this version). */
export function matchListed(
  c: CompiledAffected,
  version: string,
  cache: ParseCache,
): AffectedMatch {
  return c.listed.size && isListed(c, version, cache) ? LISTED : NOT_AFFECTED
}

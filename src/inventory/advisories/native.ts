/**
 * Native advisory databases → OSV records, so they import and match like any other source:
 * - Node.js security WG npm advisories (`vulnerable_versions`, an npm range),
 * - RubySec (`patched_versions` / `unaffected_versions`, RubyGems requirements: affected is
 *   everything neither patched nor unaffected),
 * - FriendsOfPHP security advisories (`branches.*.versions`, Composer constraint lists).
 * Each native interval becomes one OSV range. OSV has no exclusive lower bound: `> X` becomes
 * `introduced: X` (X itself is then reported too) except for npm, where SemVer gives the next
 * version exactly (`>1.2.3` is `>=1.2.4-0`).
 */
import semver from 'semver'
import { ECOSYSTEM_SCHEMES } from '../versions/ecosystems.ts'
import type { OsvEvent, OsvRange } from '../versions/index.ts'
import { type Constraint, parseNative } from '../versions/native.ts'
import type { VersionScheme } from '../versions/scheme.ts'
import type { OsvRecord } from './model.ts'

type Native = Record<string, unknown>

export function isNativeRecord(doc: unknown): doc is Native {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return false
  const d = doc as Native
  if ('id' in d && 'modified' in d && typeof d.modified === 'string') return false
  return (
    ('module_name' in d && 'vulnerable_versions' in d) ||
    ('vulnerable' in d && 'patched' in d) ||
    'gem' in d ||
    'engine' in d ||
    (typeof d.reference === 'string' && d.reference.startsWith('composer://'))
  )
}

interface Interval {
  lo?: Constraint
  hi?: Constraint
}

/** A conjunction of constraints as one interval (the tightest bounds); `!=` is ignored. */
function toInterval(cs: Constraint[], scheme: VersionScheme): Interval | null {
  const cmp = (a: string, b: string) => scheme.compareParsed(scheme.parse(a), scheme.parse(b))
  const out: Interval = {}
  for (const c of cs) {
    if (c.op === '=') {
      out.lo = { op: '>=', version: c.version }
      out.hi = { op: '<=', version: c.version }
    } else if (c.op === '>' || c.op === '>=') {
      if (!out.lo || cmp(c.version, out.lo.version) > 0) out.lo = c
    } else if (c.op === '<' || c.op === '<=') {
      if (!out.hi || cmp(c.version, out.hi.version) < 0) out.hi = c
    }
  }
  if (out.lo && out.hi) {
    const d = cmp(out.lo.version, out.hi.version)
    if (d > 0 || (d === 0 && (out.lo.op === '>' || out.hi.op === '<'))) return null
  }
  return out
}

function eventsOf(i: Interval, semverNext: boolean): OsvEvent[] {
  const events: OsvEvent[] = []
  if (!i.lo) events.push({ introduced: '0' })
  else if (i.lo.op === '>' && semverNext && semver.valid(i.lo.version))
    events.push({ introduced: `${semver.inc(i.lo.version, 'patch')}-0` })
  else events.push({ introduced: i.lo.version })
  if (i.hi?.op === '<') events.push({ fixed: i.hi.version })
  else if (i.hi?.op === '<=') events.push({ last_affected: i.hi.version })
  return events
}

/** The versions in none of the intervals, as intervals (RubySec lists the safe ones). */
function complement(safe: Interval[], scheme: VersionScheme): Interval[] {
  const cmp = (a: string, b: string) => scheme.compareParsed(scheme.parse(a), scheme.parse(b))
  // A lower bound is a point between versions: `>= v` just below v, `> v` just above it.
  const pointCmp = (a: Constraint, b: Constraint) =>
    cmp(a.version, b.version) || (a.op === b.op ? 0 : a.op === '>=' ? -1 : 1)
  const sorted = [...safe].sort((a, b) => (!a.lo ? -1 : !b.lo ? 1 : pointCmp(a.lo, b.lo)))
  const gaps: Interval[] = []
  // Where the current affected stretch starts: undefined is the beginning of time.
  let cursor: Constraint | undefined
  for (const s of sorted) {
    if (s.lo && (cursor === undefined || pointCmp(cursor, s.lo) < 0)) {
      gaps.push({ lo: cursor, hi: { op: s.lo.op === '>=' ? '<' : '<=', version: s.lo.version } })
    }
    if (!s.hi) return gaps
    const after: Constraint = { op: s.hi.op === '<' ? '>=' : '>', version: s.hi.version }
    if (cursor === undefined || pointCmp(after, cursor) > 0 || !s.lo) cursor = after
  }
  gaps.push({ lo: cursor })
  return gaps
}

function record(
  id: string,
  ecosystem: string,
  name: string,
  intervals: Interval[],
  extra: Partial<OsvRecord>,
  modified: string,
): OsvRecord {
  const rangeType = ecosystem === 'npm' ? 'SEMVER' : 'ECOSYSTEM'
  const ranges: OsvRange[] = intervals.map((i) => ({
    type: rangeType,
    events: eventsOf(i, ecosystem === 'npm'),
  }))
  return {
    id,
    modified,
    ...extra,
    affected: [{ package: { ecosystem, name }, ranges }],
  }
}

/** `2016-04-28` or `2017-05-15 09:09:00` → RFC 3339 UTC; absent → the epoch (date unknown). */
function timestamp(v: unknown): string {
  const s = typeof v === 'string' ? v.trim() : v instanceof Date ? v.toISOString() : ''
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2}))?/.exec(s)
  return m ? `${m[1]}T${m[2] ?? '00:00:00'}Z` : '1970-01-01T00:00:00Z'
}

const text = (v: unknown) => (typeof v === 'string' ? v : undefined)
const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []

function fromNodeSecurityWg(d: Native): OsvRecord {
  const scheme = ECOSYSTEM_SCHEMES.npm!
  const alternatives = parseNative('npm', String(d.vulnerable_versions ?? '*'))
  const intervals = alternatives
    .map((a) => toInterval(a, scheme))
    .filter((i): i is Interval => i !== null)
  return record(
    `NSWG-ECO-${
      d.id ??
      String(d._path ?? '')
        .replace(/^.*\//, '')
        .replace(/\.json$/, '')
    }`,
    'npm',
    String(d.module_name),
    intervals,
    {
      published: timestamp(d.publish_date ?? d.created_at),
      aliases: list(d.cves),
      summary: text(d.title),
      details: text(d.overview),
      ...(text(d.cvss_vector)?.startsWith('CVSS:3')
        ? { severity: [{ type: 'CVSS_V3', score: String(d.cvss_vector) }] }
        : {}),
      references: list(d.references).map((url) => ({ type: 'WEB', url })),
    },
    timestamp(d.updated_at ?? d.created_at),
  )
}

function fromRubySec(d: Native): OsvRecord {
  if (!('gem' in d))
    throw new Error(
      `${d._path ?? 'record'}: Ruby interpreter advisories name no gem; OSV has no ecosystem for them`,
    )
  const scheme = ECOSYSTEM_SCHEMES.RubyGems!
  const gem = String(d.gem)
  const safe = [...list(d.patched_versions), ...list(d.unaffected_versions)]
    .map((req) => toInterval(parseNative('gem', req)[0] ?? [], scheme))
    .filter((i): i is Interval => i !== null)
  const path = String(d._path ?? `${gem}/${d.cve ?? d.ghsa ?? 'advisory'}`)
  const base = path
    .split('/')
    .pop()!
    .replace(/\.ya?ml$/, '')
  const aliases = [d.cve ? `CVE-${d.cve}` : null, d.ghsa ? `GHSA-${d.ghsa}` : null].filter(
    (a): a is string => !!a,
  )
  return record(
    `RUBYSEC-${gem}-${base}`,
    'RubyGems',
    gem,
    complement(safe, scheme),
    {
      published: timestamp(d.date),
      aliases,
      summary: text(d.title),
      details: text(d.description),
      ...(typeof d.cvss_v3 === 'string'
        ? { severity: [{ type: 'CVSS_V3', score: d.cvss_v3 }] }
        : {}),
      references: text(d.url) ? [{ type: 'ADVISORY', url: String(d.url) }] : [],
    },
    timestamp(d.date),
  )
}

const COMPOSER_CONSTRAINT = /^(>=|<=|>|<|==|=|!=)?\s*(\S+)$/

function fromFriendsOfPhp(d: Native): OsvRecord {
  const scheme = ECOSYSTEM_SCHEMES.Packagist!
  const name = String(d.reference).slice('composer://'.length)
  const branches = (d.branches ?? {}) as Record<string, { time?: unknown; versions?: unknown }>
  const intervals: Interval[] = []
  let latest = ''
  for (const b of Object.values(branches)) {
    const t = timestamp(b.time)
    if (t > latest) latest = t
    const cs: Constraint[] = list(b.versions).map((c) => {
      const m = COMPOSER_CONSTRAINT.exec(c.trim())
      if (!m) throw new Error(`${d._path}: cannot read the Composer constraint "${c}"`)
      const op = m[1] === '==' || !m[1] ? '=' : (m[1] as Constraint['op'])
      return { op, version: m[2]! }
    })
    const i = toInterval(cs, scheme)
    if (i) intervals.push(i)
  }
  const path = String(d._path ?? name).replace(/\.ya?ml$/, '')
  return record(
    `FOP-${path.replace(/[^A-Za-z0-9.-]+/g, '-')}`,
    'Packagist',
    name,
    intervals,
    {
      aliases: text(d.cve) ? [String(d.cve)] : [],
      summary: text(d.title),
      references: text(d.link) ? [{ type: 'ADVISORY', url: String(d.link) }] : [],
    },
    latest || '1970-01-01T00:00:00Z',
  )
}

/** Converts one native record; throws naming the record when it cannot be converted. */
export function nativeToOsv(d: Native): OsvRecord {
  if ('module_name' in d) return fromNodeSecurityWg(d)
  if ('vulnerable' in d)
    throw new Error(
      `${d._path ?? 'record'}: Node.js core advisories name no npm package; OSV has no ecosystem for them`,
    )
  if ('gem' in d || 'engine' in d) return fromRubySec(d)
  return fromFriendsOfPhp(d)
}

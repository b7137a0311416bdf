/**
 * Native version-range syntaxes → constraint lists and purl `vers` strings: npm ranges
 * (through node-semver's own desugaring of ^, ~, x-ranges and hyphens), RubyGems
 * requirements (`~>`), Composer and PyPI specifier lists, Go and GitLab-style ranges,
 * NuGet interval notation, nginx's `1.5.0+` / `a-b`, and OpenSSL version lists.
 * Used to convert native advisory databases to OSV and by the vers test suites.
 */
import semver from 'semver'
import { type VersionScheme, VersionSyntaxError } from './scheme.ts'
import { schemeForVers } from './vers.ts'

export type Op = '<' | '<=' | '>' | '>=' | '=' | '!='

export interface Constraint {
  op: Op
  version: string
}

/** A disjunction of conjunctions: any alternative whose every constraint holds. */
export type NativeRange = Constraint[][]

const OPS = /^(~>|===|==|>=|<=|!=|~=|>|<|=|\^|~)?\s*(.*)$/

/** Versions as univers writes them for SemVer-like schemes: `v1.2` → `1.2.0`, `1.9.4.1` → `1.9.4+1`. */
function semverish(v: string): string {
  const t = v.trim().replace(/^v(?=\d)/, '')
  const m = /^(\d+(?:\.\d+)*)(.*)$/.exec(t)
  if (!m) return t
  const raw = m[1]!.split('.')
  const nums = raw.slice(0, 3).map((n) => String(Number(n)))
  while (nums.length < 3) nums.push('0')
  const head = nums.join('.')
  const extra = raw.slice(3)
  return extra.length ? `${head}+${extra.join('.')}${m[2]}` : `${head}${m[2]}`
}

const PLAIN = /^(<=|>=|<|>|=)?v?(\d+(?:\.\d+)*(?:[-+][0-9A-Za-z.+-]*)?)$/

/**
 * npm ranges. Plain comparators keep their version as written (padded to three numbers), as
 * univers writes them; ^, ~, x-ranges and hyphen ranges go through node-semver's desugaring.
 */
function npmLike(native: string, loose = true): NativeRange {
  const text = native.trim()
  if (text === '*' || text === '') return [[]]
  return text.split('||').map((alt) => {
    const tokens = tight(alt).trim().split(/\s+/).filter(Boolean)
    if (tokens.length && tokens.every((t) => PLAIN.test(t))) {
      return tokens.map((t) => {
        const m = PLAIN.exec(t)!
        return { op: (m[1] ?? '=') as Op, version: semverish(m[2]!) }
      })
    }
    return desugared(alt, loose)[0] ?? []
  })
}

function desugared(native: string, loose: boolean): NativeRange {
  const text = native.trim()
  if (text === '*' || text === '') return [[]]
  const range = new semver.Range(text.replace(/\bv(?=\d)/g, ''), { loose })
  return range.set.map((set) =>
    set
      .filter((c) => c.value !== '')
      .map((c) => ({
        op: (c.operator || '=') as Op,
        // node-semver writes exclusive upper bounds of ^ and ~ as X.Y.Z-0; the range means X.Y.Z.
        version: c.operator === '<' ? c.semver.version.replace(/-0$/, '') : c.semver.version,
      })),
  )
}

/** RubyGems `~> 1.2.3` is `>= 1.2.3, < 1.3`: drop the last segment, bump the one before. */
function pessimistic(v: string): Constraint[] {
  const parts = v.split('.').filter((p) => /^\d+$/.test(p))
  const keep = parts.length > 1 ? parts.slice(0, -1) : parts
  keep[keep.length - 1] = String(Number(keep[keep.length - 1]) + 1)
  return [
    { op: '>=', version: v },
    { op: '<', version: keep.join('.') },
  ]
}

/** PEP 440 `~= 1.4.5` is `>= 1.4.5, == 1.4.*`, i.e. `< 1.5`. */
function compatible(v: string): Constraint[] {
  const release = v
    .split(/[^0-9.]/)[0]!
    .split('.')
    .filter(Boolean)
  const keep = release.slice(0, Math.max(1, release.length - 1))
  keep[keep.length - 1] = String(Number(keep[keep.length - 1]) + 1)
  return [
    { op: '>=', version: v },
    { op: '<', version: keep.join('.') },
  ]
}

function listConstraints(text: string, splitter: RegExp, fix: (v: string) => string): Constraint[] {
  const out: Constraint[] = []
  for (const raw of text.split(splitter)) {
    const t = raw.trim()
    if (!t) continue
    const m = OPS.exec(t)!
    const op = m[1] ?? '='
    const version = fix(m[2]!.trim())
    if (!version) throw new VersionSyntaxError(t, 'has an operator but no version')
    if (op === '~>') out.push(...pessimistic(version))
    else if (op === '~=') out.push(...compatible(version))
    else if (op === '==' || op === '===' || op === '=') out.push({ op: '=', version })
    else if (op === '^' || op === '~') out.push(...desugared(`${op}${version}`, true)[0]!)
    else out.push({ op: op as Op, version })
  }
  return out
}

/** Joins operators to their versions when a space separates them (`>= 1.0`). */
const tight = (s: string) => s.replace(/(~>|==|>=|<=|!=|~=|>|<|=)\s+/g, '$1')

function nginx(native: string): NativeRange {
  return native.split(',').map((raw) => {
    const t = raw.trim()
    const plus = /^(\d+)\.(\d+)\.(\d+)\+$/.exec(t)
    if (plus) {
      return [
        { op: '>=', version: `${plus[1]}.${plus[2]}.${plus[3]}` },
        { op: '<', version: `${plus[1]}.${Number(plus[2]) + 1}.0` },
      ]
    }
    const span = /^(\S+)-(\S+)$/.exec(t)
    if (span) {
      return [
        { op: '>=', version: span[1]! },
        { op: '<=', version: span[2]! },
      ]
    }
    return [{ op: '=', version: t }]
  })
}

/** NuGet interval notation: `[1.0, 2.0)`, `(,1.0]`, `[1.0]`, or a bare minimum version. */
function nugetInterval(native: string): NativeRange {
  const t = native.trim()
  const m = /^([[(])\s*([^,\])]*)\s*(?:,\s*([^\])]*))?\s*([\])])$/.exec(t)
  if (!m) return [[{ op: '>=', version: t }]]
  const [, open, lo, hi, close] = m
  if (hi === undefined) return [[{ op: '=', version: lo! }]]
  const out: Constraint[] = []
  if (lo) out.push({ op: open === '[' ? '>=' : '>', version: lo })
  if (hi) out.push({ op: close === ']' ? '<=' : '<', version: hi })
  return [out]
}

/** Parses a native range of a vers scheme into alternatives of constraints. */
export function parseNative(scheme: string, native: string): NativeRange {
  const alternatives = (splitter: RegExp, fix: (v: string) => string, within: RegExp) =>
    native.split(splitter).map((alt) => listConstraints(tight(alt), within, fix))
  switch (scheme) {
    case 'npm':
    case 'golang':
      return npmLike(native)
    case 'conan':
      return alternatives(/\|\|/, (v) => v.replace(/-$/, ''), /[\s,]+/)
    case 'gem':
      return alternatives(/\|\|/, (v) => v, /[\s,]+/)
    case 'composer':
      return alternatives(/\|\|/, semverish, /[\s,]+/)
    case 'pypi':
      return alternatives(/\|\|/, (v) => v, /,/)
    case 'nuget':
      return nugetInterval(native)
    case 'nginx':
      return nginx(native)
    case 'openssl':
      return native.split(',').map((v) => [{ op: '=', version: v.trim() }])
    default:
      throw new VersionSyntaxError(scheme, 'is not a native range syntax this service reads')
  }
}

const VERS_OUTPUT_FIX: Record<string, (v: string) => string> = {
  golang: semverish,
  composer: semverish,
}

/**
 * The `vers` for a native range: every constraint of every alternative, sorted by version
 * (vers is a flat, ordered list; the alternatives' intervals follow from the order).
 *
 * @example nativeToVers('gem', '~>2.0.8') // 'vers:gem/>=2.0.8|<2.1'
 */
export function nativeToVers(scheme: string, native: string): string {
  const alternatives = parseNative(scheme, native)
  const all = alternatives.flat()
  if (all.length === 0) return `vers:${scheme}/*`
  const fix = VERS_OUTPUT_FIX[scheme] ?? ((v: string) => v)
  const order: VersionScheme = schemeForVers(scheme)
  const keyed = all.map((c) => ({
    c: { ...c, version: fix(c.version) },
    p: order.parse(fix(c.version)),
  }))
  keyed.sort((a, b) => order.compareParsed(a.p, b.p))
  return `vers:${scheme}/${keyed.map(({ c }) => `${c.op === '=' ? '' : c.op}${c.version}`).join('|')}`
}

/**
 * OSV query semantics (osv.dev `POST /v1/query`): does an OSV record affect this package at
 * this version, or this commit? Pure. Versions are ordered with semver for the ecosystems that
 * use it; elsewhere with a generic dotted-number order. The inventory capability's per-ecosystem
 * version modules can replace `compareVersions` once they land: the OSV event walk stays.
 */

import { PackageURL } from 'packageurl-js'
import semver from 'semver'
import type { OsvAffected, OsvRecord } from './osv.ts'
import { PURL_ECOSYSTEMS } from './osv.ts'

const SEMVER_ECOSYSTEMS = new Set(['npm', 'Go', 'crates.io', 'Hex', 'Pub', 'SwiftURL'])

/** Generic order: numbers numerically, words alphabetically, a release after its pre-releases. */
function genericCompare(a: string, b: string): number {
  const split = (s: string) =>
    s
      .replace(/^v/, '')
      .split(/[.\-+_~]/)
      .filter(Boolean)
  const pa = split(a)
  const pb = split(b)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i]
    const y = pb[i]
    if (x === undefined) return y !== undefined && /^\d+$/.test(y) ? -1 : 1
    if (y === undefined) return /^\d+$/.test(x) ? 1 : -1
    const nx = /^\d+$/.test(x)
    const ny = /^\d+$/.test(y)
    if (nx && ny) {
      const d = Number(x) - Number(y)
      if (d !== 0) return Math.sign(d)
    } else if (nx !== ny) return nx ? 1 : -1
    else if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

export function compareVersions(ecosystem: string, a: string, b: string): number {
  if (a === b) return 0
  if (a === '0') return -1
  if (b === '0') return 1
  if (SEMVER_ECOSYSTEMS.has(ecosystem)) {
    const sa = semver.valid(a.replace(/^v/, ''))
    const sb = semver.valid(b.replace(/^v/, ''))
    if (sa && sb) return semver.compare(sa, sb)
  }
  return genericCompare(a, b)
}

type Event = Record<string, string>

/** The OSV spec's evaluation: walk the events in version order, toggling "affected". */
function inRange(ecosystem: string, version: string, events: Event[]): boolean {
  const key = (e: Event) => e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '0'
  const sorted = [...events].sort((x, y) => compareVersions(ecosystem, key(x), key(y)))
  let affected = false
  for (const e of sorted) {
    if (e.introduced !== undefined && compareVersions(ecosystem, version, e.introduced) >= 0)
      affected = true
    else if (e.fixed !== undefined && compareVersions(ecosystem, version, e.fixed) >= 0)
      affected = false
    else if (
      e.last_affected !== undefined &&
      compareVersions(ecosystem, version, e.last_affected) > 0
    )
      affected = false
  }
  return affected
}

export interface PackageQuery {
  ecosystem: string
  name: string
  /** Absent: every version (osv.dev lists every vulnerability of the package). */
  version?: string | undefined
}

function affects(a: OsvAffected, q: PackageQuery): boolean {
  if (!a.package || a.package.ecosystem !== q.ecosystem || a.package.name !== q.name) return false
  if (q.version === undefined) return true
  if (a.versions?.includes(q.version)) return true
  return (a.ranges ?? []).some(
    (r) => r.type !== 'GIT' && inRange(q.ecosystem, q.version!, r.events as Event[]),
  )
}

export const affectsPackage = (v: OsvRecord, q: PackageQuery): boolean =>
  (v.affected ?? []).some((a) => affects(a, q))

/** A commit query matches a GIT range that names the commit, or a listed version that is the commit. */
export const affectsCommit = (v: OsvRecord, commit: string): boolean =>
  (v.affected ?? []).some(
    (a) =>
      a.versions?.includes(commit) ||
      (a.ranges ?? []).some(
        (r) =>
          r.type === 'GIT' &&
          r.events.some((e) => e.introduced === commit || e.last_affected === commit),
      ),
  )

/**
 * The package of an osv.dev query: `{ ecosystem, name }` or a `purl` (its version, if any, is the
 * query's version, as osv.dev reads it). Null with a reason when neither names a package.
 */
export function packageOf(pkg: {
  ecosystem?: string | undefined
  name?: string | undefined
  purl?: string | undefined
}):
  | { ok: true; ecosystem: string; name: string; version?: string }
  | { ok: false; message: string } {
  if (pkg.purl) {
    let p: PackageURL
    try {
      p = PackageURL.fromString(pkg.purl)
    } catch (err) {
      return { ok: false, message: `package.purl is not a package URL: ${(err as Error).message}` }
    }
    const ecosystem = PURL_ECOSYSTEMS[p.type]
    if (!ecosystem)
      return { ok: false, message: `package.purl type "${p.type}" has no OSV ecosystem` }
    const name =
      p.type === 'maven'
        ? `${p.namespace}:${p.name}`
        : p.namespace
          ? `${p.namespace}/${p.name}`
          : p.name
    return { ok: true, ecosystem, name, ...(p.version ? { version: p.version } : {}) }
  }
  if (!pkg.name)
    return { ok: false, message: 'package needs a name (with its ecosystem) or a purl' }
  if (!pkg.ecosystem)
    return {
      ok: false,
      message: 'package needs an ecosystem beside its name, e.g. "npm" or "PyPI"',
    }
  return { ok: true, ecosystem: pkg.ecosystem, name: pkg.name }
}

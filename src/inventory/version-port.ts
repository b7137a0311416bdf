/**
 * The version API as matching uses it, over `./versions/`: unknown ecosystems answer null
 * instead of throwing (a component of an unknown ecosystem is "unmatched", not an error), and
 * compiled `affected[]` entries are cached per record so each is parsed once, not once per
 * component.
 */
import * as V from './versions/index.ts'

export type { AffectedMatch, CompiledAffected, OsvAffected } from './versions/index.ts'
export {
  COARSE_MAX,
  COARSE_MIN,
  coarseKey,
  compareVersions,
  isValidVersion,
} from './versions/index.ts'

/** The OSV ecosystem name for a spelling of it (`pypi`, `Debian:12` → `Debian`), or null. */
export function normaliseEcosystem(raw: string): string | null {
  try {
    return V.normaliseEcosystem(raw)
  } catch {
    return null
  }
}

export function ecosystemForPurlType(
  type: string,
  namespace?: string,
  qualifiers?: Record<string, string>,
): string | null {
  return V.ecosystemForPurlType(type, qualifiers, namespace ?? null)
}

export function normalisePackageName(ecosystem: string, name: string): string {
  return V.normalisePackageName(ecosystem, name)
}

const compiled = new WeakMap<V.OsvAffected, V.CompiledAffected | null>()

/** The entry compiled for its ecosystem, once per entry object; null when it cannot be. */
export function compiledAffected(ecosystem: string, a: V.OsvAffected): V.CompiledAffected | null {
  let c = compiled.get(a)
  if (c === undefined) {
    try {
      c = V.compileAffected(ecosystem, a)
    } catch {
      c = null
    }
    compiled.set(a, c)
  }
  return c
}

/** Whether `version` is affected by one entry; a version the ecosystem cannot read is not. */
export function matchAffected(
  ecosystem: string,
  version: string,
  a: V.OsvAffected,
): V.AffectedMatch {
  const c = compiledAffected(ecosystem, a)
  if (!c) return { affected: false }
  try {
    return V.matchCompiledAffected(ecosystem, c, version)
  } catch {
    return { affected: false }
  }
}

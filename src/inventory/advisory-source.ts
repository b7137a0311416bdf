/**
 * An advisory source held in memory, indexed by (ecosystem, normalised package name): for tests,
 * the benchmark's reference, and until the database-backed advisory store is wired in (then it
 * adapts that store's `advisoriesForPackage`).
 */
import { advisoryPackages } from './matcher.ts'
import type { AdvisoryRecord, OsvRecord, Tlp } from './model.ts'
import type { AdvisorySource } from './service.ts'

export interface MemoryAdvisorySource extends AdvisorySource {
  /** Adds or replaces a record; returns whether it changed (a new `modified`, TLP or KEV flag). */
  put(osv: OsvRecord, opts?: { tlp?: Tlp; kev?: boolean }): boolean
  size(): number
}

export function memoryAdvisorySource(): MemoryAdvisorySource {
  const byId = new Map<string, AdvisoryRecord>()
  const byPackage = new Map<string, Set<string>>()
  const key = (e: string, n: string) => `${e}\u0000${n}`
  return {
    put(osv, opts = {}) {
      const rec: AdvisoryRecord = {
        id: osv.id,
        osv,
        tlp: opts.tlp ?? 'CLEAR',
        kev: opts.kev ?? false,
      }
      const old = byId.get(osv.id)
      if (old && old.osv.modified === osv.modified && old.tlp === rec.tlp && old.kev === rec.kev)
        return false
      if (old)
        for (const p of advisoryPackages(old.osv))
          byPackage.get(key(p.ecosystem, p.packageName))?.delete(osv.id)
      byId.set(osv.id, rec)
      for (const p of advisoryPackages(osv)) {
        const k = key(p.ecosystem, p.packageName)
        const set = byPackage.get(k) ?? new Set<string>()
        set.add(osv.id)
        byPackage.set(k, set)
      }
      return true
    },
    size: () => byId.size,
    async advisoriesForPackage(ecosystem, packageName) {
      return [...(byPackage.get(key(ecosystem, packageName)) ?? [])].map((id) => byId.get(id)!)
    },
    async getAdvisory(id) {
      return byId.get(id) ?? null
    },
  }
}

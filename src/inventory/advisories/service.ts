/**
 * Advisory sources for inventory matching: OSV records imported from files and dumps or
 * published by the clearinghouse, and the CISA KEV catalog. Imports are idempotent (a
 * record's canonical digest decides), keep every version of a record in its history, and
 * a withdrawn record leaves the package index, so it stops matching.
 *
 * Importing public data is not a decision of the program, so it appends no transparency-log
 * entry; the clearinghouse's own publication does, in its transaction, when it calls
 * `upsertAdvisory` with the transaction it holds.
 */
import type { Clock } from '../../platform/clock.ts'
import type { Db, Queryable, Tx } from '../../platform/db/db.ts'
import { invalid } from '../../platform/errors.ts'
import {
  type AdvisoryRecord,
  digestOf,
  isKevCatalog,
  type KevEntry,
  type OsvRecord,
  packageRows,
  type Tlp,
  type UpsertOutcome,
  upsertOutcome,
  ZKevCatalog,
  ZOsvRecord,
} from './model.ts'
import { isNativeRecord, nativeToOsv } from './native.ts'
import * as store from './store.ts'

export interface AdvisoriesDeps {
  db: Pick<Db, 'query' | 'transaction'>
  clock: Clock
}

export interface UpsertResult {
  id: string
  outcome: UpsertOutcome
  /** New or changed: matching must fan it out. */
  changed: boolean
}

/** One document read from an import path: an OSV record, a list of them, a native record, or a KEV catalog. */
export interface ImportItem {
  /** Where it came from, for error messages: `dump.zip:GHSA-x.json`, `go.jsonl.gz:12`. */
  where: string
  doc: unknown
  /** Set when the document could not be read (not JSON); counted as a failed record. */
  error?: string
}

export interface ImportSummary {
  read: number
  new: number
  changed: number
  unchanged: number
  older: number
  withdrawn: number
  kev: number
  failed: number
  /** The first failures, each naming the record's place and the problem. */
  failures: Array<{ where: string; problem: string }>
  /** Ids that are new or changed, for the matcher to fan out. */
  changedIds: string[]
}

const MAX_LISTED_FAILURES = 50
const BATCH = 200

function validate(doc: unknown, where: string): OsvRecord {
  const r = ZOsvRecord.safeParse(doc)
  if (!r.success) {
    const issue = r.error.issues[0]!
    const path = issue.path.map(String).join('.') || 'record'
    throw invalid(where ? `${where}: ${path}` : path, issue.message)
  }
  return r.data as unknown as OsvRecord
}

export function createAdvisoriesService(deps: AdvisoriesDeps) {
  const { db, clock } = deps

  async function upsertIn(
    tx: Queryable,
    osv: OsvRecord,
    source: string,
    tlp: Tlp,
  ): Promise<UpsertResult> {
    const digest = digestOf(osv)
    const modified = new Date(osv.modified)
    const current = await store.findAdvisory(tx, osv.id)
    const seen = current ? await store.historyHas(tx, osv.id, digest) : false
    const outcome = upsertOutcome(current, { modified, digest }, seen)
    const write = { osv, digest, source, tlp, at: clock.now() }
    if (outcome === 'new' || outcome === 'changed') {
      await store.saveCurrent(tx, write)
      await store.addHistory(tx, write)
      await store.replacePackages(tx, osv.id, osv.withdrawn ? [] : packageRows(osv))
    } else if (outcome === 'older') {
      await store.addHistory(tx, write)
    }
    return { id: osv.id, outcome, changed: outcome === 'new' || outcome === 'changed' }
  }

  return {
    /**
     * Stores one OSV record (validated) and returns whether it changed, so only changed
     * records fan out. Pass `tx` to join a transaction the caller holds (the clearinghouse
     * publishing an advisory and logging it).
     *
     * @example
     * const { changed } = await advisories.upsertAdvisory(osv, 'clearinghouse', { tlp: 'AMBER' }, tx)
     */
    async upsertAdvisory(
      osv: unknown,
      source: string,
      opts: { tlp?: Tlp } = {},
      tx?: Tx,
    ): Promise<UpsertResult> {
      const record = validate(osv, 'advisory')
      if (tx) return upsertIn(tx, record, source, opts.tlp ?? 'CLEAR')
      return db.transaction((t) => upsertIn(t, record, source, opts.tlp ?? 'CLEAR'))
    },

    /**
     * Imports documents as they are read (OSV records or arrays of them, native npm /
     * RubyGems / Packagist advisories, the KEV catalog). A record that fails validation is
     * counted and named, and the rest still import; records commit in batches.
     */
    async importItems(
      items: AsyncIterable<ImportItem>,
      source: string,
      onRecord: (n: number) => void = () => {},
    ): Promise<ImportSummary> {
      const summary: ImportSummary = {
        read: 0,
        new: 0,
        changed: 0,
        unchanged: 0,
        older: 0,
        withdrawn: 0,
        kev: 0,
        failed: 0,
        failures: [],
        changedIds: [],
      }
      const fail = (where: string, problem: string) => {
        summary.failed++
        if (summary.failures.length < MAX_LISTED_FAILURES) summary.failures.push({ where, problem })
      }
      let batch: OsvRecord[] = []
      const flush = async () => {
        if (batch.length === 0) return
        const records = batch
        batch = []
        const results = await db.transaction(async (tx) => {
          const out: UpsertResult[] = []
          for (const r of records) out.push(await upsertIn(tx, r, source, 'CLEAR'))
          return out
        })
        for (const [i, r] of results.entries()) {
          summary[r.outcome]++
          if (r.changed) {
            summary.changedIds.push(r.id)
            if (records[i]!.withdrawn) summary.withdrawn++
          }
        }
        onRecord(records.length)
      }
      for await (const item of items) {
        if (item.error) {
          summary.read++
          fail(item.where, item.error)
          onRecord(1)
          continue
        }
        if (isKevCatalog(item.doc)) {
          summary.kev += await this.importKev(item.doc, item.where)
          continue
        }
        const docs = Array.isArray(item.doc) ? item.doc : [item.doc]
        for (const [i, doc] of docs.entries()) {
          summary.read++
          const where = Array.isArray(item.doc) ? `${item.where}[${i}]` : item.where
          try {
            const osv = isNativeRecord(doc) ? nativeToOsv(doc) : validate(doc, '')
            batch.push(validate(osv, ''))
          } catch (err) {
            fail(
              where,
              err instanceof Error
                ? ((err as { detail?: string }).detail ?? err.message)
                : String(err),
            )
            onRecord(1)
          }
          if (batch.length >= BATCH) await flush()
        }
      }
      await flush()
      return summary
    },

    /** Stores the CISA KEV catalog (every entry replaced by the catalog's); returns the entries stored. */
    async importKev(doc: unknown, where = 'KEV catalog'): Promise<number> {
      const r = ZKevCatalog.safeParse(doc)
      if (!r.success) {
        const issue = r.error.issues[0]!
        throw invalid(`${where}: ${issue.path.map(String).join('.')}`, issue.message)
      }
      const entries: KevEntry[] = r.data.vulnerabilities.map((v) => ({
        cveId: v.cveID,
        vendorProject: v.vendorProject,
        product: v.product,
        vulnerabilityName: v.vulnerabilityName,
        dateAdded: v.dateAdded,
        shortDescription: v.shortDescription,
        requiredAction: v.requiredAction,
        dueDate: v.dueDate ?? null,
        knownRansomwareCampaignUse: v.knownRansomwareCampaignUse,
        notes: v.notes,
        cwes: v.cwes,
      }))
      return db.transaction((tx) =>
        store.upsertKev(tx, entries, r.data.catalogVersion, clock.now()),
      )
    },

    /**
     * Advisories naming a package (ecosystem as OSV names it without release, name
     * normalised with versions' normalisePackageName), not withdrawn, with their KEV flag.
     * With `versionKey` (versions' coarseKey of the component, when non-empty) only those
     * whose coarse bounds admit it: a pre-filter that never drops a true match.
     */
    advisoriesForPackage(
      ecosystem: string,
      packageName: string,
      versionKey?: string,
    ): Promise<AdvisoryRecord[]> {
      return store.advisoriesForPackage(db, ecosystem, packageName, versionKey || undefined)
    },

    getAdvisory(id: string): Promise<AdvisoryRecord | null> {
      return store.getAdvisory(db, id)
    },

    /** KEV entries for CVE ids (also the clearinghouse's SSVC "exploitation: active" source). */
    kevLookup(cveIds: string[]): Promise<store.KevRow[]> {
      return store.kevLookup(db, cveIds)
    },

    /** Every version of a record this service has seen, oldest first. */
    history(id: string): Promise<store.HistoryRow[]> {
      return store.history(db, id)
    },

    counts() {
      return store.counts(db)
    },
  }
}

export type AdvisoriesService = ReturnType<typeof createAdvisoriesService>

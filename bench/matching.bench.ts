/**
 * Inventory matching at program scale, on real data (issue "Critical-infrastructure
 * inventories", Performance):
 * - advisories: every OSV record in ../shared/data/osv plus the native npm / RubyGems /
 *   Packagist databases in ../shared/data/advisories-native converted to OSV;
 * - 10,000 operators × 500 components: package names and versions that appear in those
 *   advisories (half of them vulnerable versions) and components of the real SBOMs in
 *   ../shared/data/sbom; each operator's inventory is a JSON document of purls.
 * Figures: full match of everything from the raw inputs (parse + index + match), the time to
 * merely parse the same inputs and the ratio — both read the inventories one operator at a
 * time, as uploads arrive, and the full match counts each operator's findings as it goes
 * (where the service writes them) instead of holding them all; fan-out of one new advisory to all operators
 * (p99); ingest + match of one 5,000-component CycloneDX SBOM; peak RSS; and a cross-check of
 * 10,000 random components between the indexed engine (AdvisoryIndex, the matching core the
 * service uses) and a plain "check every advisory" reference matcher.
 * BENCH_OPERATORS / BENCH_COMPONENTS shrink the run; BENCH_DATA_DIR points at the data sets
 * when they are not at ../shared/data. Single-threaded: one core.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { gunzipSync } from 'node:zlib'
import { PackageURL } from 'packageurl-js'
import type { OsvRecord } from '../src/inventory/advisories/model.ts'
import { isNativeRecord, nativeToOsv } from '../src/inventory/advisories/native.ts'
import {
  AdvisoryIndex,
  type IndexHit,
  matchAffected,
  normalisePackageName,
  packageFromPurl,
  purlFor,
  splitEcosystem,
} from '../src/inventory/versions/index.ts'

const OPERATORS = Number(process.env.BENCH_OPERATORS ?? 10_000)
const COMPONENTS = Number(process.env.BENCH_COMPONENTS ?? 500)
const SBOM_SIZE = 5_000
const FANOUT_SAMPLES = 200
const CROSSCHECK = Number(process.env.BENCH_CROSSCHECK ?? 10_000)

const root = fileURLToPath(new URL('..', import.meta.url))
const dataDir = resolve(process.env.BENCH_DATA_DIR ?? join(root, '..', 'shared', 'data'))
const out = (s: string) => process.stdout.write(`${s}\n`)

if (!existsSync(join(dataDir, 'osv'))) {
  out(
    `matching benchmark: the public data sets are absent (looked for ${join(dataDir, 'osv')}).\n` +
      'It needs ../shared/data (OSV records, native advisory databases, SBOMs) beside the repository, or BENCH_DATA_DIR pointing at them. Nothing was measured.',
  )
  out(`RESULT ${JSON.stringify({ data: 'absent' })}`)
  process.exit(0)
}

/** A deterministic generator (mulberry32), so every run draws the same inventories. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
const random = rng(20261123)
const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!

const seconds = (ms: number) => Math.round(ms) / 1000

/**
 * CPU time of this process in ms. The figures are CPU time, not wall time: the benchmark is
 * single-threaded, and on a shared machine wall time measures the neighbours as much as the
 * code. (Garbage collection on V8's helper threads is included, so the figure is conservative.)
 */
function cpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/**
 * CPU time of the main thread in ms, for the fan-out's per-advisory figure: a few ms long,
 * it would otherwise count whatever V8's helper threads happen to be marking of the earlier
 * phases' heap during it.
 */
function threadCpuMs(): number {
  const u = process.threadCpuUsage()
  return (u.user + u.system) / 1000
}

// ---------------------------------------------------------------------------------------
// 1. Raw inputs: advisory lines (OSV JSON; native records) and inventory documents.
// ---------------------------------------------------------------------------------------

function gzLines(file: string): string[] {
  return gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean)
}

const osvFiles = readdirSync(join(dataDir, 'osv'))
  .filter((f) => f.endsWith('.osv.jsonl.gz'))
  .map((f) => join(dataDir, 'osv', f))
const nativeDir = join(dataDir, 'advisories-native')
const nativeFiles = existsSync(nativeDir)
  ? readdirSync(nativeDir)
      .filter((f) => f.endsWith('.jsonl.gz'))
      .map((f) => join(nativeDir, f))
  : []
const osvLines = osvFiles.flatMap(gzLines)
const nativeLines = nativeFiles.flatMap(gzLines)
out(
  `data: ${dataDir}\nadvisory inputs: ${osvLines.length} OSV records (${osvFiles.length} files), ${nativeLines.length} native records (${nativeFiles.length} files${nativeFiles.length ? '' : ': advisories-native absent'})`,
)

/** Parses advisory inputs: OSV as is, native records converted (a record that cannot be is counted). */
function parseAdvisories(): { records: OsvRecord[]; unconvertible: number } {
  const records: OsvRecord[] = []
  let unconvertible = 0
  for (const line of osvLines) records.push(JSON.parse(line))
  for (const line of nativeLines) {
    const doc = JSON.parse(line)
    if (!isNativeRecord(doc)) {
      unconvertible++
      continue
    }
    try {
      records.push(nativeToOsv(doc))
    } catch {
      unconvertible++
    }
  }
  // One record per id, as the store keeps it: the newest `modified` (AlmaLinux publishes 37 ids
  // in several release directories; the store, the engine and the reference all see one).
  const byId = new Map<string, OsvRecord>()
  for (const r of records) {
    const seen = byId.get(r.id)
    if (!seen || r.modified >= seen.modified) byId.set(r.id, r)
  }
  return { records: [...byId.values()], unconvertible }
}

// Only for drawing the pools; released before anything is measured.
let prep: ReturnType<typeof parseAdvisories> | null = parseAdvisories()
out(
  `advisories: ${prep.records.length} records after conversion (${prep.unconvertible} native records have no OSV package ecosystem: Node.js core, Ruby interpreters, index files)`,
)

// Component pools, from the advisories and from real SBOMs.
const vulnerable: string[] = []
const other: string[] = []
for (const r of prep.records) {
  if (r.withdrawn) continue
  for (const a of r.affected ?? []) {
    const pkg = a.package
    if (!pkg || !splitEcosystem(pkg.ecosystem)) continue
    const add = (list: string[], v: string | undefined) => {
      if (!v || v === '0' || v === '0.0.0-0') return
      const p = purlFor(pkg.ecosystem, pkg.name, v)
      if (p) list.push(p)
    }
    for (const v of (a.versions ?? []).slice(0, 4)) add(vulnerable, v)
    for (const range of a.ranges ?? []) {
      if (range.type === 'GIT') continue
      for (const e of range.events) {
        add(vulnerable, e.introduced)
        add(vulnerable, e.last_affected)
        add(other, e.fixed)
      }
    }
  }
}

function sbomPurls(dir: string, acc: string[]): void {
  if (!existsSync(dir)) return
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) sbomPurls(p, acc)
    else if (entry.name.endsWith('.json')) {
      let doc: unknown
      try {
        doc = JSON.parse(readFileSync(p, 'utf8'))
      } catch {
        continue
      }
      const walk = (v: unknown) => {
        if (Array.isArray(v)) for (const x of v) walk(x)
        else if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            if (
              (k === 'purl' || k === 'referenceLocator') &&
              typeof x === 'string' &&
              x.startsWith('pkg:')
            )
              acc.push(x)
            else walk(x)
          }
        }
      }
      walk(doc)
    }
  }
}
const sbomPool: string[] = []
sbomPurls(join(dataDir, 'sbom'), sbomPool)
const sbomDistinct = [...new Set(sbomPool)]
const safePool = [...new Set([...other, ...sbomDistinct])]
const vulnPool = [...new Set(vulnerable)]
out(
  `component pools: ${vulnPool.length} distinct vulnerable versions, ${other.length ? new Set(other).size : 0} fixed versions, ${sbomDistinct.length} distinct SBOM components`,
)
prep = null
vulnerable.length = 0
other.length = 0

function inventory(): string {
  const comps: Array<{ purl: string }> = []
  for (let i = 0; i < COMPONENTS; i++)
    comps.push({ purl: i % 2 === 0 ? pick(vulnPool) : pick(safePool) })
  return JSON.stringify({ components: comps })
}
const inventories: string[] = []
for (let i = 0; i < OPERATORS; i++) inventories.push(inventory())
out(
  `inventories: ${OPERATORS} operators × ${COMPONENTS} components (${(inventories.reduce((n, s) => n + s.length, 0) / 1e6).toFixed(0)} MB of JSON)`,
)

// ---------------------------------------------------------------------------------------
// 2. Parse only, then the full match from the same raw inputs.
// ---------------------------------------------------------------------------------------

interface Component {
  purl: string
  ecosystem: string | null
  name: string
  version: string | null
  /** The engine's answer for this component, once matched (shared by every operator that has it). */
  hits: IndexHit[] | undefined
  /** How many hits, and how many of them uncertain: what each operator running it is told. */
  count: number
  uncertain: number
}

/**
 * Reads the inventories one operator at a time, as uploads arrive: each document is parsed,
 * each purl read once per distinct purl (both runs pay the same), and `each` sees the
 * operator's components. Nothing of an operator is kept after its turn.
 */
function readInventories(
  each?: (op: number, comps: Component[]) => void,
  components = new Map<string, Component>(),
): Map<string, Component> {
  const mine: Component[] = []
  inventories.forEach((doc, op) => {
    const comps = (JSON.parse(doc) as { components: Array<{ purl: string }> }).components
    mine.length = 0
    for (const c of comps) {
      let parsed = components.get(c.purl)
      if (parsed === undefined) {
        parsed = {
          purl: c.purl,
          ecosystem: null,
          name: '',
          version: null,
          hits: undefined,
          count: 0,
          uncertain: 0,
        }
        try {
          const pkg = packageFromPurl(PackageURL.fromString(c.purl))
          if (pkg) {
            parsed.ecosystem = pkg.ecosystem
            parsed.name = pkg.name
            parsed.version = pkg.version
          }
        } catch {
          // An unreadable purl is an unmatched component (reported, never a crash).
        }
        components.set(c.purl, parsed)
      }
      mine.push(parsed)
    }
    each?.(op, mine)
  })
  return components
}

/**
 * A full collection before each measured phase, so each pays for its own garbage and not for
 * the previous phase's (exposed at run time: `npm run bench` passes no V8 flags).
 */
setFlagsFromString('--expose-gc')
const gcNow = runInNewContext('gc') as () => void

gcNow()
let t0 = cpuMs()
let w0 = performance.now()
parseAdvisories()
// The parse-only results are dropped at once, so peak memory holds one copy of the inputs.
const distinctParsed = readInventories().size
const parseMs = cpuMs() - t0
out(
  `parse only: ${seconds(parseMs)} s CPU, ${seconds(performance.now() - w0)} s wall (${distinctParsed} distinct components)`,
)

gcNow()
t0 = cpuMs()
w0 = performance.now()
const { records } = parseAdvisories()
const index = new AdvisoryIndex()
for (const r of records) index.upsert(r)
const indexMs = cpuMs() - t0
const NONE: IndexHit[] = []
let findings = 0
let uncertain = 0
let unmatched = 0
/**
 * Findings are emitted per operator as its inventory is matched — here counted per operator,
 * where the service writes them — never all held at once. A component's answer is computed
 * once and shared by every operator that runs it.
 */
const findingsPerOperator = new Int32Array(OPERATORS)
const components = readInventories((op, comps) => {
  let mine = 0
  for (const comp of comps) {
    if (comp.hits === undefined) {
      let hits: IndexHit[]
      if (comp.ecosystem) hits = index.match(comp.ecosystem, comp.name, comp.version)
      else {
        hits = NONE
        unmatched++
      }
      comp.hits = hits
      comp.count = hits.length
      comp.uncertain = hits.filter((h) => h.uncertain).length
    }
    mine += comp.count
    uncertain += comp.uncertain
  }
  findingsPerOperator[op] = mine
  findings += mine
})
const fullMs = cpuMs() - t0
out(
  `full match: ${seconds(fullMs)} s CPU, ${seconds(performance.now() - w0)} s wall (of which parse + index ${seconds(indexMs)} s: ${index.advisoryCount} advisories under ${index.packageCount} packages) → ${findings} findings (${uncertain} uncertain), ${unmatched} distinct components of types with no OSV ecosystem`,
)
out(`ratio to parse: ${(fullMs / parseMs).toFixed(2)}×`)

// ---------------------------------------------------------------------------------------
// 3. Fan-out: one new advisory to every operator.
// ---------------------------------------------------------------------------------------

// Operators by package and version, as the components table's (ecosystem, name) index gives
// them; built (not timed) from the same inventories, as ingest stores them.
const packageOf = new Map<Component, { key: string; version: string } | null>()
for (const comp of components.values()) {
  const eco = comp.ecosystem ? splitEcosystem(comp.ecosystem) : null
  packageOf.set(
    comp,
    eco
      ? {
          key: `${eco.base}\u0000${normalisePackageName(eco.base, comp.name)}`,
          version: `${comp.ecosystem}\u0000${comp.version ?? ''}`,
        }
      : null,
  )
}
const byPackage = new Map<string, Map<string, number[]>>()
readInventories((op, comps) => {
  for (const comp of comps) {
    const pkg = packageOf.get(comp)
    if (!pkg) continue
    let versions = byPackage.get(pkg.key)
    if (!versions) {
      versions = new Map()
      byPackage.set(pkg.key, versions)
    }
    let ops = versions.get(pkg.version)
    if (!ops) {
      ops = []
      versions.set(pkg.version, ops)
    }
    if (ops[ops.length - 1] !== op) ops.push(op)
  }
}, components)
packageOf.clear()

gcNow()
const fanoutTimes: number[] = []
let fanoutReached = 0
const live = records.filter((r) => !r.withdrawn && r.affected?.some((a) => a.package))
for (let i = 0; i < FANOUT_SAMPLES; i++) {
  const template = pick(live)
  const advisory = { ...template, id: `BENCH-NEW-${i}` }
  const start = threadCpuMs()
  index.upsert(advisory)
  const reached = new Set<number>()
  for (const pkg of index.packagesOf(advisory.id)) {
    const versions = byPackage.get(`${pkg.ecosystem}\u0000${pkg.name}`)
    if (!versions) continue
    for (const [key, ops] of versions) {
      const [ecosystem, version] = key.split('\u0000') as [string, string]
      if (index.matchAdvisory(advisory.id, ecosystem, pkg.name, version || null).length)
        for (const op of ops) reached.add(op)
    }
  }
  fanoutTimes.push(threadCpuMs() - start)
  fanoutReached += reached.size
  index.remove(advisory.id)
}
fanoutTimes.sort((a, b) => a - b)
const p = (q: number) =>
  fanoutTimes[Math.min(fanoutTimes.length - 1, Math.floor(q * fanoutTimes.length))]!
out(
  `fan-out of one new advisory (main-thread CPU): p50 ${p(0.5).toFixed(2)} ms, p99 ${p(0.99).toFixed(2)} ms (${FANOUT_SAMPLES} advisories, ${Math.round(fanoutReached / FANOUT_SAMPLES)} operators reached on average)`,
)

// ---------------------------------------------------------------------------------------
// 4. One 5,000-component SBOM: ingest (parse, purls) and match, on a fresh answer cache.
// ---------------------------------------------------------------------------------------

const sbom = JSON.stringify({
  bomFormat: 'CycloneDX',
  specVersion: '1.6',
  components: Array.from({ length: SBOM_SIZE }, (_, i) => {
    const purl = i % 2 === 0 ? pick(vulnPool) : pick(safePool)
    return { type: 'library', 'bom-ref': `c${i}`, name: `c${i}`, purl }
  }),
})
// The engine keeps its index; a new SBOM meets no cached answers.
const freshIndex = index
freshIndex.clearCache()
t0 = cpuMs()
let sbomFindings = 0
{
  const bom = JSON.parse(sbom) as { components: Array<{ purl: string }> }
  for (const c of bom.components) {
    let pkg: ReturnType<typeof packageFromPurl> = null
    try {
      pkg = packageFromPurl(PackageURL.fromString(c.purl))
    } catch {}
    if (pkg) sbomFindings += freshIndex.match(pkg.ecosystem, pkg.name, pkg.version).length
  }
}
const sbomMs = cpuMs() - t0
out(
  `ingest + match of one ${SBOM_SIZE}-component SBOM: ${seconds(sbomMs)} s CPU (${sbomFindings} findings)`,
)

// ---------------------------------------------------------------------------------------
// 5. Cross-check: indexed engine against checking every advisory.
// ---------------------------------------------------------------------------------------

interface RefEntry {
  id: string
  affectedIndex: number
  ecosystem: string
  release: string | null
  name: string
  affected: NonNullable<OsvRecord['affected']>[number]
}
const reference: RefEntry[] = []
for (const r of records) {
  if (r.withdrawn) continue
  for (const [i, a] of (r.affected ?? []).entries()) {
    const eco = a.package ? splitEcosystem(a.package.ecosystem) : null
    if (!eco || !a.package) continue
    reference.push({
      id: r.id,
      affectedIndex: i,
      ecosystem: eco.base,
      release: eco.release,
      name: normalisePackageName(eco.base, a.package.name),
      affected: a,
    })
  }
}

/** The plain matcher: every advisory entry, compiled afresh, no index, no cache. */
function referenceMatch(c: Component): string[] {
  if (!c.ecosystem) return []
  const eco = splitEcosystem(c.ecosystem)!
  const name = normalisePackageName(eco.base, c.name)
  const out: string[] = []
  for (const e of reference) {
    if (e.ecosystem !== eco.base || e.name !== name) continue
    if (e.release && eco.release && e.release !== eco.release) continue
    if (c.version === null) {
      out.push(`${e.id}#${e.affectedIndex}?`)
      continue
    }
    try {
      if (matchAffected(eco.base, c.version, e.affected).affected)
        out.push(`${e.id}#${e.affectedIndex}`)
    } catch {
      out.push(`${e.id}#${e.affectedIndex}?`)
    }
  }
  return out.sort()
}

const checkIndex = index
checkIndex.clearCache()
gcNow()
const distinct = [...components.values()]
let disagreements = 0
let agreedAffected = 0
const examples: string[] = []
t0 = performance.now()
for (let i = 0; i < CROSSCHECK; i++) {
  // The reference compiles every entry afresh: collect its garbage as it goes, so the
  // verification does not inflate the peak memory the engine is measured by.
  if (i % 1000 === 999) gcNow()
  const c = pick(distinct)
  const engine = c.ecosystem
    ? checkIndex
        .match(c.ecosystem, c.name, c.version)
        // Uncertain hits for unreadable ranges are the engine's caution, not a match the reference makes.
        .filter((h) => !h.uncertain?.startsWith('ranges['))
        .map((h) => `${h.advisoryId}#${h.affectedIndex}${h.uncertain ? '?' : ''}`)
        .sort()
    : []
  const ref = referenceMatch(c)
  if (engine.join() !== ref.join()) {
    disagreements++
    if (examples.length < 5)
      examples.push(`${c.purl}: engine [${engine.join(', ')}] reference [${ref.join(', ')}]`)
  } else if (ref.length) agreedAffected++
}
out(
  `cross-check: ${CROSSCHECK} random components, ${disagreements} disagreements (${agreedAffected} affected in both) in ${seconds(performance.now() - t0)} s`,
)
for (const e of examples) out(`  ${e}`)

const rssMb = Math.round(process.resourceUsage().maxRSS / 1024)
out(`peak RSS: ${rssMb} MB`)

const result = {
  operators: OPERATORS,
  components_per_operator: COMPONENTS,
  advisories: records.length,
  findings,
  full_match_s: seconds(fullMs),
  parse_s: seconds(parseMs),
  ratio_to_parse: Number((fullMs / parseMs).toFixed(2)),
  fanout_p99_ms: Number(p(0.99).toFixed(2)),
  sbom_5k_s: seconds(sbomMs),
  rss_mb: rssMb,
  crosscheck_disagreements: disagreements,
}
out(`RESULT ${JSON.stringify(result)}`)
if (findingsPerOperator.reduce((n, x) => n + x, 0) !== findings) throw new Error('lost findings')

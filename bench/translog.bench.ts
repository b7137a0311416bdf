/**
 * The transparency log's write and proof paths, against its real store:
 * - appends per second, one entry per transaction (as a decision appends) and in batches;
 * - inclusion and consistency proof times on a log of 1,000,000 entries (nodes read from the
 *   database included).
 * Runs on PostgreSQL when DATABASE_URL is set (the target: ≥ 10,000 appends/s batched,
 * proofs < 1 ms), otherwise on the embedded database, and says which. BENCH_LOG_SIZE overrides
 * the log size for a quick run.
 */
import type { TestContext } from 'node:test'
import { createServices } from '../src/app.ts'
import { testBackend, testRuntime } from '../src/platform/testing.ts'
import { verifyConsistency, verifyInclusion } from '../src/translog/merkle.ts'
import type { NewEntry } from '../src/translog/model.ts'

const LOG_SIZE = Number(process.env.BENCH_LOG_SIZE ?? 1_000_000)
const SINGLE = 2_000
const BATCH = 5_000
const PROOFS = 1_000

const cleanups: Array<() => Promise<void>> = []
const t = {
  fullName: 'bench-translog',
  after: (fn: () => Promise<void>) => cleanups.push(fn),
} as unknown as TestContext

function entry(i: number): NewEntry {
  return {
    type: 'submission.registered',
    subjects: [{ kind: 'submission', id: `sub_bench${i.toString(36).padStart(8, '0')}` }],
    actor: { orgId: 'org_benchlab', role: 'lab_member', personId: 'per_bench' },
    at: new Date(1_790_000_000_000 + i * 1000).toISOString(),
    data: { modelName: 'Bench Model', modelVersion: `1.${i}`, offeredDays: 30 },
  }
}

function rate(n: number, ms: number) {
  return Math.round((n / ms) * 1000)
}

try {
  const rt = await testRuntime(t)
  const { translog } = await createServices(rt)
  process.stdout.write(
    `backend: ${testBackend}${testBackend === 'pglite' ? ' (set DATABASE_URL to measure PostgreSQL, where the targets apply)' : ''}\n`,
  )

  // 1. One entry per transaction, as a decision appends its entry.
  let t0 = performance.now()
  for (let i = 0; i < SINGLE; i++) await rt.db.transaction((tx) => translog.append(tx, entry(i)))
  const single = rate(SINGLE, performance.now() - t0)
  process.stdout.write(`single appends: ${single}/s (${SINGLE} transactions)\n`)

  // 2. Batches, up to the full log size.
  t0 = performance.now()
  let n = SINGLE
  let lastReport = 0
  while (n < LOG_SIZE) {
    const count = Math.min(BATCH, LOG_SIZE - n)
    const batch = Array.from({ length: count }, (_, k) => entry(n + k))
    await rt.db.transaction((tx) => translog.appendMany(tx, batch))
    n += count
    if (process.stderr.isTTY && n - lastReport >= 100_000) {
      process.stderr.write(`\r  ${n.toLocaleString()} / ${LOG_SIZE.toLocaleString()} entries`)
      lastReport = n
    }
  }
  if (process.stderr.isTTY) process.stderr.write('\n')
  const batched = rate(LOG_SIZE - SINGLE, performance.now() - t0)
  process.stdout.write(
    `batched appends: ${batched}/s (batches of ${BATCH}, log now ${n.toLocaleString()} entries)\n`,
  )

  // 3. Proofs on the full log, as `serve` answers them once its proof cache (tree levels ≥ 4,
  // warmed at start-up) is loaded: each request reads its lowest nodes from the database and
  // builds the proof; verified after timing.
  t0 = performance.now()
  const warmed = await translog.warmProofCache()
  process.stdout.write(
    `proof cache: ${warmed.nodes.toLocaleString()} upper nodes, ${(warmed.bytes / 2 ** 20).toFixed(1)} MiB, loaded in ${Math.round(performance.now() - t0)} ms\n`,
  )
  const size = await translog.size()
  const pick = (k: number) =>
    Math.floor((((k * 2_654_435_761) % 4_294_967_296) / 4_294_967_296) * size)
  for (let k = 0; k < 50; k++) await translog.inclusionProof({ index: pick(k), size })
  t0 = performance.now()
  const inclusions = []
  for (let k = 0; k < PROOFS; k++)
    inclusions.push(await translog.inclusionProof({ index: pick(k), size }))
  const inclusionMs = (performance.now() - t0) / PROOFS
  for (const p of inclusions.slice(0, 20)) {
    verifyInclusion(
      Buffer.from(p.leafHash, 'hex'),
      p.index,
      p.size,
      p.proof.map((h) => Buffer.from(h, 'hex')),
      Buffer.from(p.root, 'hex'),
    )
  }
  t0 = performance.now()
  const consistencies = []
  for (let k = 0; k < PROOFS; k++)
    consistencies.push(await translog.consistencyProof(Math.max(1, pick(k)), size))
  const consistencyMs = (performance.now() - t0) / PROOFS
  for (const p of consistencies.slice(0, 20)) {
    verifyConsistency(
      p.from,
      p.to,
      p.proof.map((h) => Buffer.from(h, 'hex')),
      Buffer.from(p.fromRoot, 'hex'),
      Buffer.from(p.toRoot, 'hex'),
    )
  }
  process.stdout.write(
    `proofs on ${size.toLocaleString()} entries: inclusion ${inclusionMs.toFixed(3)} ms, consistency ${consistencyMs.toFixed(3)} ms (mean of ${PROOFS}, database reads included)\n`,
  )
  process.stdout.write(
    `targets: batched ≥ 10,000/s → ${batched >= 10_000 ? 'met' : 'not met'} (${(batched / 10_000).toFixed(2)}× target); proofs < 1 ms → ${inclusionMs < 1 && consistencyMs < 1 ? 'met' : 'not met'}\n`,
  )
  process.stdout.write(
    `RESULT ${JSON.stringify({
      backend: testBackend,
      log_size: size,
      appends_per_s_single: single,
      appends_per_s_batched: batched,
      inclusion_proof_ms: Number(inclusionMs.toFixed(4)),
      consistency_proof_ms: Number(consistencyMs.toFixed(4)),
      batched_to_target_ratio: Number((batched / 10_000).toFixed(2)),
    })}\n`,
  )
} finally {
  for (const fn of cleanups.reverse()) await fn()
}

/**
 * Concurrent appends from two processes on one PostgreSQL: every committed entry gets the next
 * index with no gap and no duplicate, and the stored tree is the one its leaves define.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createServices } from '../src/app.ts'
import { TEST_MASTER_KEY, testRuntime } from '../src/platform/testing.ts'
import { rootOf, verifyConsistency, verifyInclusion } from '../src/translog/merkle.ts'
import { cleanEnv } from './support.ts'

const APPENDER = fileURLToPath(new URL('./translog-appender.ts', import.meta.url))
const PER_PROCESS = 150

function runAppender(name: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APPENDER, name, String(PER_PROCESS)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      out += d
    })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`appender ${name} exited ${code}:\n${out}`)),
    )
  })
}

test('two processes appending at once give a gap-free, consistent tree', {
  skip: process.env.DATABASE_URL
    ? undefined
    : 'needs DATABASE_URL: two processes cannot share the embedded database',
}, async (t) => {
  // 1. A fresh schema, migrated; both children open full runtimes on it.
  const rt = await testRuntime(t)
  const { translog } = await createServices(rt)
  const env = cleanEnv({
    DATABASE_URL: process.env.DATABASE_URL!,
    DATABASE_SCHEMA: rt.settings.databaseSchema,
    EARLYWATCH_MASTER_KEY: TEST_MASTER_KEY,
  })

  // 2. Both append PER_PROCESS entries at the same time, in transactions of 1–3 entries.
  const outputs = await Promise.all([runAppender('a', env), runAppender('b', env)])
  for (const out of outputs) assert.match(out, /"appended":150/)

  // 3. Indexes 0 … 2N−1, each once, and each process's entries all there.
  const total = 2 * PER_PROCESS
  const rows = await rt.db.query<{ idx: number; leaf_hash: Buffer; worker: string }>(
    `SELECT idx, leaf_hash, convert_from(body, 'UTF8')::jsonb #>> '{data,worker}' AS worker
       FROM translog_entry ORDER BY idx`,
  )
  assert.deepEqual(
    rows.rows.map((r) => r.idx),
    Array.from({ length: total }, (_, i) => i),
  )
  assert.equal(rows.rows.filter((r) => r.worker === 'a').length, PER_PROCESS)
  assert.equal(await translog.size(), total)
  const interleaved = rows.rows.some((r, i) => i > 0 && r.worker !== rows.rows[i - 1]!.worker)
  assert.ok(interleaved, 'the two processes really did append at the same time')

  // 4. The stored tree's root is the root of the leaves in index order.
  const leaves = rows.rows.map((r) => Buffer.from(r.leaf_hash))
  const { checkpoint } = await translog.checkpoint()
  assert.equal(checkpoint?.size, total)
  assert.equal(checkpoint?.root, rootOf(leaves).toString('hex'))

  // 5. Proofs between intermediate sizes, and of entries in them, verify.
  const hexes = (xs: string[]) => xs.map((x) => Buffer.from(x, 'hex'))
  for (const [from, to] of [
    [1, total],
    [7, 64],
    [64, 65],
    [100, 257],
    [PER_PROCESS, total],
    [total - 1, total],
  ] as const) {
    const c = await translog.consistencyProof(from, to)
    verifyConsistency(
      from,
      to,
      hexes(c.proof),
      rootOf(leaves.slice(0, from)),
      rootOf(leaves.slice(0, to)),
    )
    const p = await translog.inclusionProof({ index: from - 1, size: to })
    verifyInclusion(leaves[from - 1]!, from - 1, to, hexes(p.proof), rootOf(leaves.slice(0, to)))
  }
})

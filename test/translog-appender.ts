/**
 * A child process for test/translog-concurrency.test.ts: a full earlywatch runtime on the given
 * PostgreSQL schema that appends entries in many small transactions, some single, some batches.
 * Usage: node test/translog-appender.ts <worker-name> <count>; DATABASE_URL, DATABASE_SCHEMA
 * and EARLYWATCH_MASTER_KEY come from the environment.
 */
import { createServices } from '../src/app.ts'
import { loadSettings } from '../src/config.ts'
import { createLogger } from '../src/platform/log.ts'
import { openRuntime } from '../src/platform/runtime.ts'
import type { NewEntry } from '../src/translog/model.ts'

const [worker = 'w', countText = '100'] = process.argv.slice(2)
const count = Number(countText)
const settings = loadSettings({
  DATABASE_URL: process.env.DATABASE_URL,
  DATABASE_SCHEMA: process.env.DATABASE_SCHEMA,
  EARLYWATCH_MASTER_KEY: process.env.EARLYWATCH_MASTER_KEY,
  DATABASE_POOL_SIZE: '2',
  EARLYWATCH_DEMO: 'false',
  LOG_LEVEL: 'warn',
})
const rt = await openRuntime(settings, createLogger(settings.logLevel))
const { translog } = await createServices(rt)

const entry = (n: number): NewEntry => ({
  type: 'grant.issued',
  subjects: [{ kind: 'grant', id: `grn_${worker}_${n}` }],
  actor: { orgId: 'org_program', role: 'program_officer' },
  at: new Date().toISOString(),
  data: { worker, n },
})

let sent = 0
while (sent < count) {
  // Batches of 1, 2 or 3, so single appends and batches interleave across the two processes.
  const batch = Math.min(1 + (sent % 3), count - sent)
  const entries = Array.from({ length: batch }, (_, k) => entry(sent + k))
  await rt.db.transaction(async (tx) => {
    if (batch === 1) await translog.append(tx, entries[0]!)
    else await translog.appendMany(tx, entries)
  })
  sent += batch
}
await rt.close()
console.log(JSON.stringify({ worker, appended: sent }))

/**
 * Test support: a fresh runtime per test. On PGlite (always available) an in-memory database;
 * with DATABASE_URL set, a schema of its own on that PostgreSQL, named from the test and dropped after.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { PGliteLike } from 'pg-boss'
import { loadSettings, type Settings } from '../config.ts'
import type { Clock } from './clock.ts'
import { migrate, readMigrations } from './db/migrate.ts'
import { openPGlite } from './db/pglite.ts'
import { createJobs } from './jobs/jobs.ts'
import { createLogger } from './log.ts'
import { bossSchema, openRuntime, type Runtime } from './runtime.ts'

export const TEST_MASTER_KEY = Buffer.alloc(32, 42).toString('base64')

/** Which backend this test run uses; `npm test` runs PGlite, CI runs again with DATABASE_URL. */
export const testBackend: 'pglite' | 'postgres' = process.env.DATABASE_URL ? 'postgres' : 'pglite'

export function testSettings(overrides: Record<string, unknown> = {}): Settings {
  const env: Record<string, string | undefined> = {
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    EARLYWATCH_DEMO: 'false',
  }
  if (process.env.DATABASE_URL) {
    env.DATABASE_URL = process.env.DATABASE_URL
    env.EARLYWATCH_MASTER_KEY = TEST_MASTER_KEY
    env.DATABASE_POOL_SIZE = '4'
  }
  return loadSettings(env, overrides)
}

export function schemaFor(name: string): string {
  return `t_${createHash('sha256').update(name).update(randomBytes(4)).digest('hex').slice(0, 16)}`
}

async function dropSchemas(url: string, schemas: string[]) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`)
  } finally {
    await client.end()
  }
}

const dumps = new Map<string, Promise<Blob>>()

/** The lock file pins PGlite's and pg-boss's versions, so a dependency change makes new dumps. */
function lockfile(): string {
  const file = fileURLToPath(new URL('../../package-lock.json', import.meta.url))
  return existsSync(file) ? readFileSync(file, 'utf8') : ''
}

/**
 * Creating a PGlite cluster takes seconds; loading a dump of one takes well under one. Dumps
 * are cached in the temp directory, keyed by the migrations and the lock file, so every test
 * file (each its own process) after the first starts from one. `empty` is a bare cluster;
 * `migrated` has earlywatch's tables and pg-boss's schema.
 */
export function pgliteDump(kind: 'empty' | 'migrated'): Promise<Blob> {
  let dump = dumps.get(kind)
  if (!dump) {
    dump = (async () => {
      const key = createHash('sha256')
        .update(kind)
        .update(
          readMigrations()
            .map((m) => m.sha256)
            .join(','),
        )
        .update(lockfile())
        .digest('hex')
        .slice(0, 16)
      const file = path.join(tmpdir(), `earlywatch-test-db-${key}.tar`)
      if (existsSync(file)) return new Blob([readFileSync(file)])
      const { db, raw } = await openPGlite(undefined)
      if (kind === 'migrated') {
        await migrate(db)
        const jobs = await createJobs({
          log: createLogger('silent'),
          schema: 'pgboss',
          backend: { kind: 'pglite', pglite: raw as unknown as PGliteLike },
        })
        await jobs.stop({ graceful: false })
      }
      const blob = await raw.dumpDataDir('none')
      await db.close()
      // Written aside and renamed, so a parallel test process never reads half a file.
      const tmp = `${file}.${process.pid}.tmp`
      writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()))
      renameSync(tmp, file)
      return blob
    })()
    dumps.set(kind, dump)
  }
  return dump
}

export interface TestRuntimeOptions {
  clock?: Clock
  settings?: Record<string, unknown>
}

/** A migrated runtime on a fresh database, closed (and on PostgreSQL dropped) when the test ends. */
export async function testRuntime(t: TestContext, opts: TestRuntimeOptions = {}): Promise<Runtime> {
  const schema = process.env.DATABASE_URL ? schemaFor(t.fullName) : 'public'
  const settings = testSettings({
    ...(process.env.DATABASE_URL ? { DATABASE_SCHEMA: schema } : {}),
    ...opts.settings,
  })
  const log = createLogger(settings.logLevel)
  const dump = process.env.DATABASE_URL ? undefined : await pgliteDump('migrated')
  const rt = await openRuntime(settings, log, {
    inMemory: true,
    ...(dump ? { pgliteDump: dump } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  })
  t.after(async () => {
    await rt.close()
    if (process.env.DATABASE_URL)
      await dropSchemas(process.env.DATABASE_URL, [schema, bossSchema(schema)])
  })
  return rt
}

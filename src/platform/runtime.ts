/** Opens what every process role needs: the database (migrated), the job queue, the key provider, the clock. */

import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { PGliteLike } from 'pg-boss'
import type { Settings } from '../config.ts'
import { type Clock, systemClock } from './clock.ts'
import { type Envelopes, envelopes, localKeyring } from './crypto/envelope.ts'
import type { Db } from './db/db.ts'
import { type MigrateResult, migrate } from './db/migrate.ts'
import { openPool } from './db/pg.ts'
import { openPGlite } from './db/pglite.ts'
import { createJobs, type Jobs } from './jobs/jobs.ts'
import type { Logger } from './log.ts'

export interface Runtime {
  settings: Settings
  log: Logger
  db: Db
  jobs: Jobs
  envelopes: Envelopes
  clock: Clock
  migration: MigrateResult
  close(): Promise<void>
}

/** pg-boss keeps its tables in a schema of its own, next to earlywatch's. */
export function bossSchema(schema: string) {
  return schema === 'public' ? 'pgboss' : `${schema}_boss`
}

/**
 * The embedded default generates its key-encryption key once, into the data directory
 * (readable only by its owner). With PostgreSQL, every process must share one key, so it
 * comes from EARLYWATCH_MASTER_KEY instead (the settings schema requires it there).
 */
function masterKey(settings: Settings, log: Logger): Buffer {
  if (settings.masterKey) return settings.masterKey
  const file = path.join(settings.dataDir, 'master.key')
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')
  const key = randomBytes(32)
  writeFileSync(file, key.toString('base64'), { mode: 0o600 })
  chmodSync(file, 0o600)
  log.info(
    { file },
    'generated a new key-encryption key for this data directory; back it up with the data',
  )
  return key
}

export interface OpenOptions {
  clock?: Clock
  /** PGlite in memory instead of the data directory (tests). */
  inMemory?: boolean
  /** Start the embedded database from this dump (tests keep a migrated template). */
  pgliteDump?: Blob
}

export async function openRuntime(
  settings: Settings,
  log: Logger,
  opts: OpenOptions = {},
): Promise<Runtime> {
  let db: Db
  let jobs: Jobs
  if (settings.embedded) {
    if (!opts.inMemory) mkdirSync(settings.dataDir, { recursive: true })
    const { db: pdb, raw } = await openPGlite(
      opts.inMemory ? undefined : path.join(settings.dataDir, 'pgdata'),
      opts.pgliteDump,
    )
    db = pdb
    const migration = await migrate(db)
    jobs = await createJobs({
      log,
      schema: 'pgboss',
      backend: { kind: 'pglite', pglite: raw as unknown as PGliteLike },
    })
    return finish(migration)
  }
  const { db: pgdb } = openPool(
    settings.databaseUrl!,
    settings.databaseSchema,
    settings.databasePoolSize,
  )
  db = pgdb
  try {
    await db.query('SELECT 1')
  } catch (err) {
    await db.close().catch(() => {})
    throw new Error(
      `Cannot reach PostgreSQL at DATABASE_URL (${(err as Error).message}). Check the URL, that the server runs, and that it accepts this user.`,
    )
  }
  const migration = await migrate(db, settings.databaseSchema)
  jobs = await createJobs({
    log,
    schema: bossSchema(settings.databaseSchema),
    backend: {
      kind: 'postgres',
      connectionString: settings.databaseUrl!,
      searchPath: settings.databaseSchema,
    },
  })
  return finish(migration)

  function finish(migration: MigrateResult): Runtime {
    const key = opts.inMemory && !settings.masterKey ? randomBytes(32) : masterKey(settings, log)
    return {
      settings,
      log,
      db,
      jobs,
      envelopes: envelopes(localKeyring(key, settings.previousMasterKeys)),
      clock: opts.clock ?? systemClock,
      migration,
      async close() {
        await jobs
          .stop({ graceful: true, timeoutMs: settings.shutdownTimeoutMs })
          .catch((err) => log.warn({ err }, 'job queue did not stop cleanly'))
        await db.close().catch((err) => log.warn({ err }, 'database did not close cleanly'))
      },
    }
  }
}

/** Forward-only SQL migrations: `migrations/NNNN_name.sql`, applied in order under an advisory lock, each with its sha256. */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Db } from './db.ts'

export const MIGRATIONS_DIR = path.resolve(
  fileURLToPath(new URL('../../../migrations', import.meta.url)),
)

export interface Migration {
  id: number
  name: string
  sql: string
  sha256: string
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const out: Migration[] = []
  for (const file of readdirSync(dir).sort()) {
    const m = FILE.exec(file)
    if (!m) continue
    const sql = readFileSync(path.join(dir, file), 'utf8')
    out.push({
      id: Number(m[1]),
      name: m[2]!,
      sql,
      sha256: createHash('sha256').update(sql).digest('hex'),
    })
  }
  out.forEach((m, i) => {
    if (m.id !== i + 1)
      throw new Error(
        `Migration ${m.id}_${m.name} is out of sequence: expected number ${i + 1}. Migrations are numbered 0001, 0002, … without gaps.`,
      )
  })
  return out
}

// Any constant works; all earlywatch processes must agree on it.
const LOCK_KEY = 0x6577_6d67 // 'ewmg'

export interface MigrateResult {
  applied: Array<{ id: number; name: string }>
  current: number
}

/**
 * Applies pending migrations in one transaction. Many processes may start at once: the
 * transaction-scoped advisory lock makes all but one wait, and they then find nothing to do.
 * A migration already applied whose file changed stops start-up: history is forward-only.
 */
export async function migrate(
  db: Db,
  schema = 'public',
  migrations = readMigrations(),
): Promise<MigrateResult> {
  if (schema !== 'public') await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY])
    await tx.query(`CREATE TABLE IF NOT EXISTS ew_migration (
      id integer PRIMARY KEY,
      name text NOT NULL,
      sha256 text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const { rows } = await tx.query<{ id: number; name: string; sha256: string }>(
      'SELECT id, name, sha256 FROM ew_migration ORDER BY id',
    )
    const known = new Map(migrations.map((m) => [m.id, m]))
    for (const row of rows) {
      const m = known.get(row.id)
      if (!m) {
        throw new Error(
          `The database has migration ${row.id} (${row.name}) that this version of earlywatch does not know. Run a newer earlywatch against this database.`,
        )
      }
      if (m.sha256 !== row.sha256) {
        throw new Error(
          `Migration ${row.id}_${row.name}.sql was changed after it was applied (sha256 ${row.sha256.slice(0, 12)}… in the database, ${m.sha256.slice(0, 12)}… on disk). Restore the file and add a new migration instead.`,
        )
      }
    }
    const done = new Set(rows.map((r) => r.id))
    const applied: MigrateResult['applied'] = []
    for (const m of migrations) {
      if (done.has(m.id)) continue
      await tx.exec(m.sql)
      await tx.query('INSERT INTO ew_migration (id, name, sha256) VALUES ($1, $2, $3)', [
        m.id,
        m.name,
        m.sha256,
      ])
      applied.push({ id: m.id, name: m.name })
    }
    return { applied, current: migrations.at(-1)?.id ?? 0 }
  })
}

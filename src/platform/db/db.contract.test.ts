/**
 * One conformance suite for the database port, run against every adapter: PGlite always,
 * node-postgres when DATABASE_URL is set (as CI does).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import pg from 'pg'
import { pgliteDump, schemaFor } from '../testing.ts'
import type { Db } from './db.ts'
import { migrate, readMigrations } from './migrate.ts'
import { openPool } from './pg.ts'
import { openPGlite } from './pglite.ts'

type MakeDb = (name: string) => Promise<{ db: Db; schema: string; drop(): Promise<void> }>

const adapters: Array<{ name: string; make: MakeDb | null; skip?: string }> = [
  {
    name: 'pglite',
    make: async () => {
      const { db } = await openPGlite(undefined, await pgliteDump('empty'))
      return { db, schema: 'public', drop: async () => {} }
    },
  },
  {
    name: 'postgres',
    skip: process.env.DATABASE_URL
      ? undefined
      : 'DATABASE_URL is not set; CI sets it to run this suite on PostgreSQL',
    make: process.env.DATABASE_URL
      ? async (name) => {
          const schema = schemaFor(name)
          const { db } = openPool(process.env.DATABASE_URL!, schema, 4)
          await db.query(`CREATE SCHEMA ${schema}`)
          return {
            db,
            schema,
            drop: async () => {
              await db.query(`DROP SCHEMA ${schema} CASCADE`)
            },
          }
        }
      : null,
  },
]

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ew-mig-'))
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql)
  return dir
}

for (const adapter of adapters) {
  describe(`db contract: ${adapter.name}`, { skip: adapter.skip }, () => {
    async function open(t: { fullName: string; after(fn: () => Promise<void>): void }) {
      const h = await adapter.make!(t.fullName)
      t.after(async () => {
        await h.drop()
        await h.db.close()
      })
      await h.db.query(
        'CREATE TABLE thing (id int PRIMARY KEY, n bigint, at timestamptz, doc jsonb, label text)',
      )
      return h.db
    }

    test('query binds parameters and maps int8 to number, timestamptz to Date, jsonb to objects', async (t) => {
      const db = await open(t)
      const at = new Date('2026-05-01T12:00:00Z')
      await db.query('INSERT INTO thing VALUES ($1, $2, $3, $4, $5)', [
        1,
        42,
        at,
        JSON.stringify({ a: [1] }),
        "it's",
      ])
      const { rows, rowCount } = await db.query<{
        n: number
        at: Date
        doc: unknown
        label: string
        c: number
      }>('SELECT n, at, doc, label, count(*) OVER () AS c FROM thing')
      assert.equal(rowCount, 1)
      assert.deepEqual(rows[0], { n: 42, at, doc: { a: [1] }, label: "it's", c: 1 })
      const upd = await db.query('UPDATE thing SET label = $1', ['x'])
      assert.equal(upd.rowCount, 1)
    })

    test('a transaction commits all its writes together', async (t) => {
      const db = await open(t)
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO thing (id) VALUES (1)')
        await tx.query('INSERT INTO thing (id) VALUES (2)')
      })
      assert.equal((await db.query('SELECT * FROM thing')).rows.length, 2)
    })

    test('a failing transaction leaves nothing behind, and the database stays usable', async (t) => {
      const db = await open(t)
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO thing (id) VALUES (1)')
          await tx.query('INSERT INTO thing (id) VALUES (1)') // duplicate key
        }),
        /duplicate key/,
      )
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO thing (id) VALUES (3)')
          throw new Error('service rule broken')
        }),
        /service rule broken/,
      )
      assert.equal((await db.query('SELECT * FROM thing')).rows.length, 0)
      await db.query('INSERT INTO thing (id) VALUES (9)')
      assert.equal((await db.query('SELECT * FROM thing')).rows.length, 1)
    })

    test('a nested transaction joins the outer one', async (t) => {
      const db = await open(t)
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.transaction(async (inner) => {
            await inner.query('INSERT INTO thing (id) VALUES (1)')
          })
          throw new Error('outer fails')
        }),
      )
      assert.equal((await db.query('SELECT * FROM thing')).rows.length, 0)
    })

    test('concurrent transactions each see their own writes and both commit', async (t) => {
      const db = await open(t)
      await Promise.all(
        [1, 2, 3, 4].map((i) =>
          db.transaction(async (tx) => {
            await tx.query('INSERT INTO thing (id, n) VALUES ($1, $2)', [i, i])
            const { rows } = await tx.query<{ n: number }>('SELECT n FROM thing WHERE id = $1', [i])
            assert.equal(rows[0]!.n, i)
          }),
        ),
      )
      assert.equal((await db.query('SELECT * FROM thing')).rows.length, 4)
    })

    test('migrations apply once, in order, and a changed file stops start-up', async (t) => {
      const h = await adapter.make!(t.fullName)
      t.after(async () => {
        await h.drop()
        await h.db.close()
      })
      const dir = migrationsDir({
        '0001_first.sql': 'CREATE TABLE a (id int); INSERT INTO a VALUES (1);',
        '0002_second.sql': 'CREATE TABLE b (id int);',
      })
      const first = await migrate(h.db, h.schema, readMigrations(dir))
      assert.deepEqual(
        first.applied.map((m) => m.id),
        [1, 2],
      )
      const again = await migrate(h.db, h.schema, readMigrations(dir))
      assert.deepEqual(again.applied, [])
      writeFileSync(path.join(dir, '0002_second.sql'), 'CREATE TABLE b (id bigint);')
      await assert.rejects(
        migrate(h.db, h.schema, readMigrations(dir)),
        /was changed after it was applied/,
      )
    })

    test('a failing migration is rolled back whole', async (t) => {
      const h = await adapter.make!(t.fullName)
      t.after(async () => {
        await h.drop()
        await h.db.close()
      })
      const dir = migrationsDir({
        '0001_ok.sql': 'CREATE TABLE ok (id int);',
        '0002_bad.sql': 'CREATE TABLE half (id int); SELECT no_such_function();',
      })
      await assert.rejects(migrate(h.db, h.schema, readMigrations(dir)), /no_such_function/)
      const { rows } = await h.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('ok', 'half') AND table_schema = current_schema()",
      )
      assert.equal(rows[0]!.n, 0)
    })
  })
}

test('migration files are numbered without gaps', () => {
  const dir = migrationsDir({ '0001_a.sql': 'SELECT 1;', '0003_c.sql': 'SELECT 1;' })
  assert.throws(() => readMigrations(dir), /out of sequence/)
  assert.ok(readMigrations().length >= 2)
})

test('many processes migrating at once: the advisory lock lets exactly one apply', {
  skip: process.env.DATABASE_URL
    ? undefined
    : 'needs DATABASE_URL (PostgreSQL): PGlite is one process',
}, async (t) => {
  const schema = schemaFor(t.fullName)
  const pools = [1, 2, 3].map(() => openPool(process.env.DATABASE_URL!, schema, 2).db)
  t.after(async () => {
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL })
    await c.connect()
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await c.end()
    for (const p of pools) await p.close()
  })
  await pools[0]!.query(`CREATE SCHEMA ${schema}`)
  const results = await Promise.all(pools.map((db) => migrate(db, schema)))
  const applied = results.map((r) => r.applied.length)
  assert.equal(applied.filter((n) => n > 0).length, 1, `exactly one process applies: ${applied}`)
})

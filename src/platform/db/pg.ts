/** node-postgres adapter: PostgreSQL for scale-out. */
import pg from 'pg'
import type { Db, QueryResult, Tx } from './db.ts'

/** The structural part of a pg Pool this adapter uses. */
export interface PoolLike {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>
  connect(): Promise<{
    query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>
    release(err?: Error | boolean): void
  }>
  end(): Promise<void>
}

const result = <T>(r: { rows: unknown[]; rowCount: number | null }): QueryResult<T> => ({
  rows: r.rows as T[],
  rowCount: r.rowCount ?? r.rows.length,
})

export function fromPool(pool: PoolLike): Db {
  return {
    kind: 'postgres',
    query: async <T>(text: string, values?: readonly unknown[]) =>
      result<T>(await pool.query(text, values ? [...values] : undefined)),
    exec: async (sql) => {
      await pool.query(sql)
    },
    async transaction(fn) {
      const client = await pool.connect()
      let broken = false
      try {
        await client.query('BEGIN')
        const tx: Tx = {
          inTransaction: true,
          query: async <T>(text: string, values?: readonly unknown[]) =>
            result<T>(await client.query(text, values ? [...values] : undefined)),
          exec: async (sql) => {
            await client.query(sql)
          },
          transaction: (inner) => inner(tx),
        }
        const out = await fn(tx)
        await client.query('COMMIT')
        return out
      } catch (err) {
        try {
          await client.query('ROLLBACK')
        } catch {
          // The connection itself failed; drop it from the pool instead of reusing it.
          broken = true
        }
        throw err
      } finally {
        client.release(broken)
      }
    },
    close: () => pool.end(),
  }
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** Opens a pool whose connections use `schema` first on the search path. */
export function openPool(url: string, schema: string, max: number): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types,
    options: `-c search_path=${schema},public`,
    application_name: 'earlywatch',
  })
  // An idle client's connection may drop (server restart); without a listener node would crash.
  pool.on('error', () => {})
  return { db: fromPool(pool as unknown as PoolLike), pool }
}

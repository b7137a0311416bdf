/** PGlite adapter: the embedded database. Every PGlite quirk the rest of the code must not know lives here. */
import type { Db, QueryResult, Tx } from './db.ts'

/** The structural part of PGlite this adapter uses, so tests can pass any compatible instance. */
export interface PGliteLike {
  query<T>(text: string, values?: unknown[]): Promise<PGliteResult<T>>
  exec(sql: string): Promise<unknown>
  transaction<T>(fn: (tx: PGliteTxLike) => Promise<T>): Promise<T>
  close(): Promise<void>
}
interface PGliteResult<T> {
  rows: T[]
  affectedRows?: number
  fields?: unknown[]
}
interface PGliteTxLike {
  query<T>(text: string, values?: unknown[]): Promise<PGliteResult<T>>
  exec(sql: string): Promise<unknown>
}

// pg's rowCount counts returned rows for SELECT and changed rows otherwise; PGlite reports
// affectedRows = 0 for a SELECT, so a statement returning columns counts its rows instead.
const result = <T>(r: PGliteResult<T>): QueryResult<T> => ({
  rows: r.rows,
  rowCount: r.fields?.length ? r.rows.length : (r.affectedRows ?? r.rows.length),
})

function wrapTx(tx: PGliteTxLike): Tx {
  const self: Tx = {
    inTransaction: true,
    query: async <T>(text: string, values?: readonly unknown[]) =>
      result(await tx.query<T>(text, values ? [...values] : undefined)),
    exec: async (sql) => {
      await tx.exec(sql)
    },
    transaction: (fn) => fn(self),
  }
  return self
}

/**
 * Adapts PGlite. PGlite has one connection and already serialises `query`, `exec` and
 * `transaction` behind one mutex, so a transaction never interleaves with other statements;
 * PGlite itself rolls back an aborted transaction before rethrowing.
 */
export function fromPGlite(pg: PGliteLike): Db {
  return {
    kind: 'pglite',
    query: async <T>(text: string, values?: readonly unknown[]) =>
      result(await pg.query<T>(text, values ? [...values] : undefined)),
    transaction: (fn) => pg.transaction((tx) => fn(wrapTx(tx))),
    exec: async (sql) => {
      await pg.exec(sql)
    },
    close: () => pg.close(),
  }
}

/** int8 (count(*), bigserial) as a JS number, as the pg adapter does; safe below 2^53. */
export const PGLITE_PARSERS = { 20: (v: string) => Number(v) }

/**
 * Opens PGlite in `dataDir` (or in memory when undefined). `loadDataDir` starts from a dump
 * made by `dumpDataDir()`: creating a cluster from scratch takes seconds, loading one a fraction.
 */
export async function openPGlite(
  dataDir: string | undefined,
  loadDataDir?: Blob,
): Promise<{ db: Db; raw: import('@electric-sql/pglite').PGlite }> {
  const { PGlite } = await import('@electric-sql/pglite')
  const raw = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
    parsers: PGLITE_PARSERS,
  })
  return { db: fromPGlite(raw as unknown as PGliteLike), raw }
}

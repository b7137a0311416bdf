/** The database port: `query(text, values)` plus `transaction(fn)`; adapters for PGlite and pg live beside it. */

export interface QueryResult<T> {
  rows: T[]
  rowCount: number
}

export interface Queryable {
  query<T = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<QueryResult<T>>
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * Inside a transaction, `tx.transaction` joins the outer one, so services compose.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>
  close(): Promise<void>
}

export interface Tx extends Queryable {
  readonly inTransaction: true
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
  exec(sql: string): Promise<void>
}

/** What services take: either the pool or an open transaction. */
export type Executor = Queryable & { transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> }

/** A SQL statement built by a pure function, run by a store. */
export interface Sql {
  text: string
  values: unknown[]
}

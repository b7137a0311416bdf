/**
 * The gateway's request log buffer: rows are kept in memory and written in batches, so no
 * request waits for the database. On the embedded database every statement runs on the event
 * loop the gateway serves from, so batches are small and the loop gets a turn between them:
 * one long insert would stall every request in flight (the tail latency), many one-row inserts
 * would cost a statement each (the throughput).
 */
import type { Logger } from '../platform/log.ts'
import type { RequestRecord } from './store.ts'

export interface RequestLogOptions {
  /** Writes one batch in one statement; throws if nothing was written. */
  write(rows: readonly RequestRecord[]): Promise<void>
  log: Pick<Logger, 'error' | 'warn'>
  /** How often buffered rows are written (default 100 ms). */
  flushMs?: number
  /** Most rows per statement; a full batch is written at once, without waiting for the timer (default 500). */
  batchRows?: number
  /** Rows kept while the database cannot be written; beyond it the oldest are dropped, with a warning (default 20,000). */
  maxRows?: number
}

export interface RequestLog {
  record(row: RequestRecord): void
  /** Writes every buffered row; resolves when they are written (or kept for a retry after a failure). */
  flush(): Promise<void>
  /** Tokens of rows not yet written, for one grant: a budget seeded from the table counts them too. */
  pendingTokens(grantId: string): number
  /** Rows waiting to be written. */
  pending(): number
  /** Stops the timer and writes what is left. */
  close(): Promise<void>
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

export function createRequestLog(opts: RequestLogOptions): RequestLog {
  const batchRows = opts.batchRows ?? 500
  const maxRows = opts.maxRows ?? 20_000
  let rows: RequestRecord[] = []
  /** Rows taken from the buffer by the running flush and not yet written. */
  let inFlight: RequestRecord[] = []
  let running: Promise<void> | null = null
  let dropped = 0

  /** Writes the rows buffered now (not those that arrive meanwhile: they are the next flush's). */
  const drain = async () => {
    let left = rows.length
    while (left > 0 && rows.length > 0) {
      inFlight = rows.slice(0, Math.min(batchRows, left))
      left -= inFlight.length
      rows = rows.slice(inFlight.length)
      try {
        await opts.write(inFlight)
      } catch (err) {
        // Back at the front, in order, for the next flush: a database hiccup loses no usage.
        opts.log.error(
          { err, rows: inFlight.length },
          'gateway request log: write failed; will retry',
        )
        rows = [...inFlight, ...rows]
        trim()
        inFlight = []
        return
      }
      inFlight = []
      // Requests that arrived meanwhile are served before the next batch is written.
      if (left > 0) await yieldToLoop()
    }
  }

  const trim = () => {
    if (rows.length <= maxRows) return
    dropped += rows.length - maxRows
    rows = rows.slice(rows.length - maxRows)
    opts.log.warn({ dropped }, 'gateway request log: buffer full, oldest rows dropped')
  }

  const flush = async (): Promise<void> => {
    // A flush asked for while one runs waits for it, then writes what arrived since.
    while (running) await running
    if (rows.length === 0) return
    running = drain().finally(() => {
      running = null
    })
    await running
  }

  const timer = setInterval(() => void flush(), opts.flushMs ?? 100)
  timer.unref()

  return {
    record(row) {
      rows.push(row)
      trim()
      if (rows.length >= batchRows && !running) void flush()
    },
    flush,
    pendingTokens(grantId) {
      let n = 0
      for (const list of [inFlight, rows])
        for (const r of list) if (r.grantId === grantId) n += r.inputTokens + r.outputTokens
      return n
    },
    pending: () => rows.length + inFlight.length,
    async close() {
      clearInterval(timer)
      await flush()
    },
  }
}

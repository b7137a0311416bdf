/** Background jobs on pg-boss: typed, versioned definitions; retries with backoff; a dead-letter queue so no failure is silent. */
import { fromPglite, type PGliteLike, PgBoss } from 'pg-boss'
import type { Logger } from 'pino'
import type { z } from 'zod'
import type { Queryable } from '../db/db.ts'

/** Jobs that failed every retry land here, with their source queue, payload and last error. */
export const DEAD_LETTER_QUEUE = 'ew.dead-letter'

export interface JobQueueOptions {
  retryLimit: number
  /** Seconds before the first retry; doubled on each later retry, with jitter. */
  retryDelay: number
  retryDelayMax?: number
  expireInSeconds: number
  /**
   * pg-boss queue policy. `stately`: per singletonKey, at most one job waits and one runs, so a
   * send while one is already waiting is dropped (send returns null). Default `standard`.
   */
  policy?: 'standard' | 'stately'
  /** A running job must show it is alive this often (≥ 10 s), or it is retried elsewhere: long jobs whose worker may die. */
  heartbeatSeconds?: number
  /** Jobs of this queue run at once per process, instead of the worker's default. */
  localConcurrency?: number
}

/**
 * A typed job. The payload schema is checked when the job is sent and again when it runs,
 * because a payload may have been written by an older or newer version of earlywatch.
 *
 * @example
 * export const DeadlineNotice = defineJob({
 *   name: 'program.deadline-notice', version: 1,
 *   payload: z.object({ submissionId: z.string(), kind: z.enum(['opens', 'closes']) }),
 * })
 */
export interface JobDef<P> {
  readonly name: string
  readonly version: number
  readonly payload: z.ZodType<P>
  readonly queue: JobQueueOptions
}

const DEFAULT_QUEUE: JobQueueOptions = {
  retryLimit: 5,
  retryDelay: 5,
  retryDelayMax: 600,
  expireInSeconds: 300,
}

export function defineJob<P>(def: {
  name: string
  version: number
  payload: z.ZodType<P>
  queue?: Partial<JobQueueOptions>
}): JobDef<P> {
  if (!/^[a-z][a-z0-9.-]*$/.test(def.name))
    throw new Error(`Job name ${def.name} must be lower-case words joined by . or -`)
  return Object.freeze({ ...def, queue: { ...DEFAULT_QUEUE, ...def.queue } })
}

export interface JobContext {
  jobId: string
  retryCount: number
  log: Logger
  signal: AbortSignal
}

export interface SendOptions {
  startAfter?: Date
  /** At most one queued job per key: deduplicates notices and re-sends. */
  singletonKey?: string
  /** Enqueue inside this transaction, so the job exists only if the transaction commits. */
  tx?: Queryable
}

export interface QueueStat {
  name: string
  queued: number
  active: number
  deferred: number
  failed: number
  total: number
}

export interface DeadJob {
  id: string
  queue: string | null
  sourceId: string | null
  retries: number | null
  createdOn: Date
  payload: unknown
  error: unknown
}

type Handler<P> = (payload: P, ctx: JobContext) => Promise<void>

/** The job port services use: they send, workers work. */
export interface Jobs {
  /**
   * Creates the queues of these definitions. Call it at start-up for every job the process may
   * send: creating a queue lazily inside a PGlite transaction would wait on that same transaction.
   */
  register(...defs: JobDef<unknown>[]): Promise<void>
  send<P>(def: JobDef<P>, payload: P, opts?: SendOptions): Promise<string | null>
  /** Registers a handler; it runs once `startWorking()` is called (in `worker`, or in `serve` when embedded). */
  handle<P>(def: JobDef<P>, handler: Handler<P>): void
  startWorking(opts?: { localConcurrency?: number; pollingIntervalSeconds?: number }): Promise<void>
  /** Queue depths as pg-boss's monitor last counted them (refreshed every few seconds): for metrics. */
  stats(): Promise<QueueStat[]>
  /** Jobs of one queue waiting to run, counted now. */
  queued(name: string): Promise<number>
  deadJobs(limit?: number): Promise<DeadJob[]>
  /** Moves dead-lettered jobs back to their queue. */
  redrive(queue: string): Promise<number>
  stop(opts?: { graceful?: boolean; timeoutMs?: number }): Promise<void>
}

export interface JobsOptions {
  log: Logger
  /** pg-boss's own schema; one per earlywatch schema. */
  schema: string
  backend:
    | { kind: 'pglite'; pglite: PGliteLike }
    | { kind: 'postgres'; connectionString: string; max?: number; searchPath: string }
}

export async function createJobs(opts: JobsOptions): Promise<Jobs> {
  const { log } = opts
  const boss =
    opts.backend.kind === 'pglite'
      ? new PgBoss({
          db: fromPglite(opts.backend.pglite),
          backend: 'pglite',
          schema: opts.schema,
          // The embedded database lives in one process: no worker can die while the process
          // that would supervise it lives, and pg-boss supervises once at every start. Each
          // maintenance query runs on the event loop that also serves requests (the gateway's
          // tail latency), so maintenance runs every 5 minutes, queue counts every minute.
          superviseIntervalSeconds: 300,
          monitorIntervalSeconds: 60,
        })
      : new PgBoss({
          connectionString: opts.backend.connectionString,
          schema: opts.schema,
          // Supervision every 15 s (pg-boss's default is 60): a job whose worker process died
          // (its heartbeat stopped) goes back to the queue within about half a minute.
          superviseIntervalSeconds: 15,
          monitorIntervalSeconds: 15,
          max: opts.backend.max ?? 4,
          application_name: 'earlywatch-jobs',
        })
  boss.on('error', (err) => log.error({ err }, 'job queue error'))
  await boss.start()
  await boss.createQueue(DEAD_LETTER_QUEUE).catch(ignoreExists)

  const defs = new Map<string, JobDef<unknown>>()
  const handlers = new Map<string, Handler<unknown>>()
  const ensured = new Set<string>()

  async function ensureQueue(def: JobDef<unknown>) {
    if (ensured.has(def.name)) return
    await boss
      .createQueue(def.name, {
        retryLimit: def.queue.retryLimit,
        retryDelay: def.queue.retryDelay,
        retryBackoff: true,
        ...(def.queue.retryDelayMax ? { retryDelayMax: def.queue.retryDelayMax } : {}),
        expireInSeconds: def.queue.expireInSeconds,
        ...(def.queue.policy ? { policy: def.queue.policy } : {}),
        ...(def.queue.heartbeatSeconds ? { heartbeatSeconds: def.queue.heartbeatSeconds } : {}),
        deadLetter: DEAD_LETTER_QUEUE,
      })
      .catch(ignoreExists)
    ensured.add(def.name)
    defs.set(def.name, def)
  }

  return {
    async register(...list) {
      for (const def of list) await ensureQueue(def)
    },
    async send(def, payload, sendOpts = {}) {
      const data = def.payload.parse(payload)
      if (!ensured.has(def.name)) {
        throw new Error(
          `Job ${def.name} was sent before its queue was registered; add it to the job definitions registered at start-up (src/app.ts).`,
        )
      }
      const db = sendOpts.tx
      return boss.send(def.name, { v: def.version, data } as object, {
        ...(sendOpts.startAfter ? { startAfter: sendOpts.startAfter } : {}),
        ...(sendOpts.singletonKey ? { singletonKey: sendOpts.singletonKey } : {}),
        ...(db
          ? { db: { executeSql: (text: string, values?: unknown[]) => db.query(text, values) } }
          : {}),
      })
    },
    handle(def, handler) {
      defs.set(def.name, def as JobDef<unknown>)
      handlers.set(def.name, handler as Handler<unknown>)
    },
    async startWorking(workOpts = {}) {
      for (const [name, handler] of handlers) {
        const def = defs.get(name)!
        await ensureQueue(def)
        await boss.work<{ v: number; data: unknown }>(
          name,
          {
            batchSize: 1,
            localConcurrency: def.queue.localConcurrency ?? workOpts.localConcurrency ?? 2,
            pollingIntervalSeconds: workOpts.pollingIntervalSeconds ?? 2,
          },
          async ([job]) => {
            if (!job) return
            const jobLog = log.child({ jobId: job.id, queue: name })
            const parsed = def.payload.safeParse(job.data?.data)
            if (!parsed.success) {
              // A payload this version cannot read will not get better on retry; say so plainly.
              jobLog.error(
                { issues: parsed.error.issues, version: job.data?.v },
                'job payload rejected',
              )
              throw new Error(
                `payload does not match ${name} v${def.version}: ${parsed.error.message}`,
              )
            }
            try {
              await handler(parsed.data, {
                jobId: job.id,
                retryCount: job.retryCount,
                log: jobLog,
                signal: job.signal,
              })
            } catch (err) {
              const final = job.retryCount >= def.queue.retryLimit
              jobLog[final ? 'error' : 'warn'](
                { err, retryCount: job.retryCount, final },
                final
                  ? 'job failed for good; moved to the dead-letter queue'
                  : 'job failed; will retry',
              )
              throw err
            }
          },
        )
      }
    },
    async stats() {
      const queues = await boss.getQueues()
      return queues.map((q) => ({
        name: q.name,
        queued: q.queuedCount,
        active: q.activeCount,
        deferred: q.deferredCount,
        failed: q.failedCount ?? 0,
        total: q.totalCount,
      }))
    },
    async queued(name) {
      return (await boss.findJobs(name, { queued: true, limit: 100_000 })).length
    },
    async deadJobs(limit = 100) {
      const jobs = await boss.findJobs<{ v: number; data: unknown }>(DEAD_LETTER_QUEUE, { limit })
      const out: DeadJob[] = []
      for (const j of jobs) {
        // The dead-letter copy carries the payload; the error stays on the original failed job.
        const original =
          j.sourceName && j.sourceId
            ? (await boss.findJobs(j.sourceName, { id: j.sourceId }))[0]
            : undefined
        out.push({
          id: j.id,
          queue: j.sourceName,
          sourceId: j.sourceId,
          retries: j.sourceRetryCount,
          createdOn: j.sourceCreatedOn ?? j.createdOn,
          payload: j.data?.data ?? j.data,
          error: original?.output ?? j.output,
        })
      }
      return out
    },
    redrive: (queue) => boss.redrive(DEAD_LETTER_QUEUE, { sourceName: queue }),
    async stop(stopOpts = {}) {
      await boss.stop({
        graceful: stopOpts.graceful ?? true,
        timeout: stopOpts.timeoutMs ?? 15_000,
        close: true,
      })
    },
  }
}

function ignoreExists(err: unknown) {
  if (String((err as Error)?.message ?? err).includes('already exists')) return
  throw err
}

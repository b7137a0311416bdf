/** Background work of the transparency log: signing a checkpoint once entries have been added, and having witnesses cosign it. */
import { z } from 'zod'
import { defineJob, type JobDef, type Jobs } from '../platform/jobs/jobs.ts'
import type { TranslogService } from './service.ts'
import type { WitnessClient } from './witness.ts'

/**
 * Signs a checkpoint of the current tree if it grew since the last one.
 *
 * Why this design: our Jobs port has no cron, and pg-boss's standard queues do not deduplicate
 * on singletonKey. So the log's own state row decides: the append that finds no checkpoint
 * requested sets `checkpoint_requested_at` and enqueues this job, in its transaction and under
 * the row lock every appender takes, with `startAfter` one interval ahead. Later appends see the
 * request and send nothing. The job clears the request under the same lock and signs. Hence at
 * most one job waits at a time across all processes, a burst of appends gets one checkpoint,
 * and checkpoints come at most once per interval. A job that is lost (dead-lettered) only
 * delays things: an append that finds the request stale enqueues a fresh one. Duplicates are
 * harmless, since a job that finds no new entries signs nothing.
 */
export const SignCheckpoint = defineJob({
  name: 'translog.checkpoint',
  version: 1,
  payload: z.object({}).strict(),
  queue: { retryLimit: 10, retryDelay: 2, retryDelayMax: 60, expireInSeconds: 60 },
})

/**
 * Asks the configured witnesses to cosign the latest checkpoint (c2sp.org/tlog-witness). Sent
 * when a checkpoint is signed and at start-up. The queue is `stately` and every send carries
 * the same singletonKey, so at most one waits: a burst of checkpoints is cosigned once, at its
 * latest. A witness that fails makes the job fail and retry with backoff; the others' cosignatures
 * are kept, and a retry does not ask them again.
 */
export const CosignCheckpoint = defineJob({
  name: 'translog.cosign',
  version: 1,
  payload: z.object({}).strict(),
  queue: {
    retryLimit: 12,
    retryDelay: 5,
    retryDelayMax: 900,
    expireInSeconds: 120,
    policy: 'stately',
  },
})

/** The singletonKey of every CosignCheckpoint send. */
export const COSIGN_KEY = 'translog.cosign'

/** Every job the log sends; their queues are created at start-up (src/app.ts). */
export const TRANSLOG_JOBS: readonly JobDef<unknown>[] = [
  SignCheckpoint as JobDef<unknown>,
  CosignCheckpoint as JobDef<unknown>,
]

export function registerTranslogJobs(
  jobs: Pick<Jobs, 'handle' | 'send'>,
  translog: Pick<TranslogService, 'checkpoint'>,
  witnesses?: Pick<WitnessClient, 'enabled' | 'cosignLatest'>,
): void {
  jobs.handle(SignCheckpoint, async (_payload, ctx) => {
    const { signed, checkpoint } = await translog.checkpoint()
    ctx.log.info(
      { signed, size: checkpoint?.size },
      signed ? 'checkpoint signed' : 'no new entries; no checkpoint needed',
    )
    if (signed && witnesses?.enabled)
      await jobs.send(CosignCheckpoint, {}, { singletonKey: COSIGN_KEY })
  })
  jobs.handle(CosignCheckpoint, async (_payload, ctx) => {
    if (!witnesses?.enabled) return
    const done = await witnesses.cosignLatest({ signal: ctx.signal })
    ctx.log.info({ cosigned: done }, 'witnesses cosigned the latest checkpoint')
  })
}

/** Background work of the evaluation engine: chunks of a run's samples × epochs, run by any worker. */
import { z } from 'zod'
import { defineJob, type JobDef, type Jobs } from '../platform/jobs/jobs.ts'

/**
 * Runs these units of a run. Re-delivery (a retry, or a worker that died mid-chunk and whose
 * heartbeat stopped) is safe: units already stored are skipped.
 */
export const RunChunk = defineJob({
  name: 'evals.run-chunk',
  version: 1,
  payload: z.object({
    runId: z.string().min(1),
    units: z
      .array(z.tuple([z.string().min(1), z.number().int().min(1)]))
      .min(1)
      .max(100),
  }),
  queue: {
    retryLimit: 20,
    retryDelay: 2,
    retryDelayMax: 60,
    // Agent samples can take many minutes; liveness comes from the heartbeat, not a short expiry.
    expireInSeconds: 6 * 3600,
    heartbeatSeconds: 10,
    localConcurrency: 8,
  },
})

export const EVALS_JOBS: readonly JobDef<unknown>[] = [RunChunk as JobDef<unknown>]

export function registerEvalsJobs(
  jobs: Pick<Jobs, 'handle'>,
  evals: {
    runChunk(
      p: { runId: string; units: Array<[string, number]> },
      signal?: AbortSignal,
    ): Promise<{ ran: number; skipped: number }>
  },
): void {
  jobs.handle(RunChunk, async (payload, ctx) => {
    const r = await evals.runChunk(payload, ctx.signal)
    ctx.log.debug({ runId: payload.runId, ...r }, 'evaluation chunk done')
  })
}

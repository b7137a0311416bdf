/** Background work of the controlled benchmark: settling a determination run once its evaluation runs end. */
import { z } from 'zod'
import { defineJob, type JobDef, type Jobs } from '../platform/jobs/jobs.ts'
import type { BenchmarkService } from './service.ts'

/**
 * Checks a determination run: while its evaluation runs are still going, it asks to be run
 * again later; once they have all ended, it records the determination (once: the run row is
 * locked and a determined run is left alone).
 */
export const SettleRun = defineJob({
  name: 'benchmark.settle-run',
  version: 1,
  payload: z.object({ runId: z.string().min(1) }),
})

/** How long a running determination waits between checks. */
export const SETTLE_INTERVAL_MS = 15_000

export const BENCHMARK_JOBS: readonly JobDef<unknown>[] = [SettleRun as JobDef<unknown>]

export function registerBenchmarkJobs(
  jobs: Pick<Jobs, 'handle' | 'send'>,
  benchmark: Pick<BenchmarkService, 'settleRun'>,
): void {
  jobs.handle(SettleRun, async (payload, ctx) => {
    const r = await benchmark.settleRun(payload.runId)
    if (r.state === 'running')
      await jobs.send(SettleRun, payload, {
        startAfter: new Date(Date.now() + SETTLE_INTERVAL_MS),
        singletonKey: `settle:${payload.runId}:${Math.floor(Date.now() / SETTLE_INTERVAL_MS)}`,
      })
    ctx.log.info({ ...payload, state: r.state }, 'determination run checked')
  })
}

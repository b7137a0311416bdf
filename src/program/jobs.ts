/** Background work of the program registry: deadline notices for review windows. */
import { z } from 'zod'
import { defineJob, type JobDef, type Jobs } from '../platform/jobs/jobs.ts'
import { NOTICE_KINDS } from './model.ts'
import type { ProgramService } from './service.ts'

/**
 * One notice about one submission's review window, sent at `at`. Dates can move after it is
 * enqueued, so the handler checks it is still current; a stale one does nothing.
 */
export const DeadlineNotice = defineJob({
  name: 'program.deadline-notice',
  version: 1,
  payload: z.object({
    submissionId: z.string().min(1),
    kind: z.enum(NOTICE_KINDS),
    at: z.iso.datetime().describe('The instant the notice was scheduled for (UTC)'),
  }),
})

export type DeadlinePayload = z.infer<typeof DeadlineNotice.payload>

/** Every job the program sends; their queues are created at start-up (src/app.ts). */
export const PROGRAM_JOBS: readonly JobDef<unknown>[] = [DeadlineNotice]

export function registerProgramJobs(
  jobs: Pick<Jobs, 'handle'>,
  program: Pick<ProgramService, 'sendDeadlineNotice'>,
): void {
  jobs.handle(DeadlineNotice, async (payload, ctx) => {
    const { sent } = await program.sendDeadlineNotice(payload)
    ctx.log.info(
      { ...payload, sent },
      sent ? 'deadline notice sent' : 'deadline notice no longer current',
    )
  })
}

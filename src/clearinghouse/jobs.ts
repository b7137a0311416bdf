/** Background work of the clearinghouse: SLA deadlines (time to triage, time to vendor contact). */
import { z } from 'zod'
import { defineJob, type JobDef, type Jobs } from '../platform/jobs/jobs.ts'
import type { ClearinghouseService } from './service.ts'

/**
 * Runs when an SLA falls due. The report may have moved on since it was sent, so the handler
 * alerts only if the deadline really passed undone; the notification's dedupe key makes a
 * repeated delivery harmless.
 */
export const SlaCheck = defineJob({
  name: 'clearinghouse.sla-check',
  version: 1,
  payload: z.object({
    reportId: z.string().min(1),
    kind: z.enum(['triage', 'vendor_contact']),
    dueAt: z.iso.datetime(),
  }),
})
export type SlaCheckPayload = z.infer<typeof SlaCheck.payload>

/** Every job the clearinghouse sends; their queues are created at start-up (src/app.ts). */
export const CLEARINGHOUSE_JOBS: readonly JobDef<unknown>[] = [SlaCheck]

export function registerClearinghouseJobs(
  jobs: Pick<Jobs, 'handle'>,
  clearinghouse: Pick<ClearinghouseService, 'checkSla'>,
): void {
  jobs.handle(SlaCheck, async (payload, ctx) => {
    const { alerted } = await clearinghouse.checkSla(payload)
    ctx.log.info(
      { ...payload, alerted },
      alerted ? 'SLA overdue: staff alerted' : 'SLA met or already alerted',
    )
  })
}

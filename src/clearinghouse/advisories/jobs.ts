/** Background work of advisories: publication at the disclosure date, and the published hook. */
import { z } from 'zod'
import { defineJob, type JobDef, type Jobs } from '../../platform/jobs/jobs.ts'
import type { AdvisoryService } from './service.ts'

/**
 * Publish a case's advisory if it is due. Sent for the disclosure date whenever it is set or
 * moved, and at once when a vendor agrees to publish early. The date can move after the job is
 * sent, so the handler reads it again: a job that comes too early reschedules itself, one for
 * an advisory already published does nothing.
 */
export const PublishDue = defineJob({
  name: 'advisories.publish-due',
  version: 1,
  payload: z.object({
    advisoryId: z.string().min(1).optional(),
    caseId: z.string().min(1).optional(),
    at: z.iso.datetime().describe('The disclosure date the job was scheduled for (UTC)'),
  }),
})
export type PublishDuePayload = z.infer<typeof PublishDue.payload>

/** Hands a newly published revision to whoever listens (the inventory matcher). */
export const NotifyPublished = defineJob({
  name: 'advisories.notify-published',
  version: 1,
  payload: z.object({ advisoryId: z.string().min(1), revision: z.number().int().min(1) }),
})
export type NotifyPublishedPayload = z.infer<typeof NotifyPublished.payload>

export const ADVISORY_JOBS: readonly JobDef<unknown>[] = [PublishDue, NotifyPublished]

export function registerAdvisoryJobs(
  jobs: Pick<Jobs, 'handle'>,
  advisories: Pick<AdvisoryService, 'publishIfDue' | 'notifyPublished'>,
): void {
  jobs.handle(PublishDue, async (payload, ctx) => {
    const r = await advisories.publishIfDue(payload)
    ctx.log.info({ ...payload, ...r }, r.published ? 'advisory published' : 'advisory not due')
  })
  jobs.handle(NotifyPublished, async (payload, ctx) => {
    await advisories.notifyPublished(payload)
    ctx.log.info(payload, 'advisory publication handed on')
  })
}

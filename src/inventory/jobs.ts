/**
 * Background work of inventories: matching (one job per system or per advisory, so several
 * workers share a full re-match), notification delivery with retries and backoff, digests,
 * and escalation of overdue findings.
 */
import { z } from 'zod'
import { defineJob, type JobDef, type Jobs } from '../platform/jobs/jobs.ts'
import type { InventoryService } from './service.ts'

export const MatchSystem = defineJob({
  name: 'inventory.match-system',
  version: 1,
  payload: z.object({
    systemId: z.string().min(1),
    /** Every package, not only those changed since the last match. */
    full: z.boolean().optional(),
  }),
  queue: { expireInSeconds: 900 },
})

export const MatchAdvisory = defineJob({
  name: 'inventory.match-advisory',
  version: 1,
  payload: z.object({ advisoryId: z.string().min(1) }),
  queue: { expireInSeconds: 900 },
})

/** One message to one channel. Retried with exponential backoff; every attempt is in the delivery log. */
export const DeliverNotification = defineJob({
  name: 'inventory.deliver',
  version: 1,
  payload: z.object({ deliveryId: z.string().min(1) }),
  queue: { retryLimit: 6, retryDelay: 30, retryDelayMax: 3600, expireInSeconds: 120 },
})

export const SendDigest = defineJob({
  name: 'inventory.digest',
  version: 1,
  payload: z.object({ orgId: z.string().min(1) }),
  queue: { policy: 'stately' },
})

export const EscalateOverdue = defineJob({
  name: 'inventory.escalate',
  version: 1,
  payload: z.object({}),
  queue: { policy: 'stately' },
})

export const ESCALATE_KEY = 'inventory.escalate'

export const INVENTORY_JOBS: readonly JobDef<unknown>[] = [
  MatchSystem,
  MatchAdvisory,
  DeliverNotification,
  SendDigest,
  EscalateOverdue,
] as JobDef<unknown>[]

export function registerInventoryJobs(
  jobs: Pick<Jobs, 'handle' | 'send'>,
  inventory: Pick<
    InventoryService,
    'matchSystem' | 'matchAdvisory' | 'deliver' | 'sendDigest' | 'escalateOverdue'
  >,
  opts: { escalateEveryMs: number; now: () => Date },
): void {
  jobs.handle(MatchSystem, async (p, ctx) => {
    ctx.log.info(
      { ...p, ...(await inventory.matchSystem(p.systemId, { full: p.full ?? false })) },
      'system matched',
    )
  })
  jobs.handle(MatchAdvisory, async (p, ctx) => {
    ctx.log.info({ ...p, ...(await inventory.matchAdvisory(p.advisoryId)) }, 'advisory fanned out')
  })
  jobs.handle(DeliverNotification, async (p, ctx) => {
    const r = await inventory.deliver(p.deliveryId, {
      final: ctx.retryCount >= DeliverNotification.queue.retryLimit,
    })
    ctx.log.info({ ...p, ...r }, 'notification delivery')
  })
  jobs.handle(SendDigest, async (p, ctx) => {
    ctx.log.info({ ...p, ...(await inventory.sendDigest(p.orgId)) }, 'digest queued')
  })
  jobs.handle(EscalateOverdue, async (_p, ctx) => {
    ctx.log.info(await inventory.escalateOverdue(), 'overdue findings escalated')
    // The next run is chained, one at a time (stately queue): no cron needed, no pile-up.
    await jobs.send(
      EscalateOverdue,
      {},
      {
        singletonKey: ESCALATE_KEY,
        startAfter: new Date(opts.now().getTime() + opts.escalateEveryMs),
      },
    )
  })
}

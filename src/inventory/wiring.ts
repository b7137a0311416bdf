/**
 * How inventories are put together from the runtime: the service with its advisory source,
 * mailer and embargo gate, its job handlers and its routes. Kept here so the composition root
 * (src/app.ts) names inventories in three lines.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { NotificationsService } from '../notifications/service.ts'
import type { Runtime } from '../platform/runtime.ts'
import type { TranslogService } from '../translog/service.ts'
import { ESCALATE_KEY, EscalateOverdue, INVENTORY_JOBS, registerInventoryJobs } from './jobs.ts'
import { noMailer, smtpMailer } from './notify.ts'
import { inventoryRoutes } from './routes.ts'
import {
  type AdvisorySource,
  createInventoryService,
  type InventoryDeps,
  type InventoryService,
} from './service.ts'

export interface Inventory {
  service: InventoryService
  /** Where advisories are read: the advisory store (imported OSV and KEV, clearinghouse). */
  advisories: AdvisorySource
  registerJobs(rt: Runtime): void
  routes(): FastifyPluginAsync
}

const ESCALATE_EVERY_MS = 60 * 60 * 1000

export async function createInventory(
  rt: Runtime,
  deps: {
    notifications: Pick<NotificationsService, 'notify'>
    translog: Pick<TranslogService, 'append'>
    advisories: AdvisorySource
  },
  overrides: Partial<
    Pick<InventoryDeps, 'allowedOperators' | 'vendorVex' | 'mailer' | 'fetch'>
  > = {},
): Promise<Inventory> {
  await rt.jobs.register(...INVENTORY_JOBS)
  const advisories = deps.advisories
  const s = rt.settings.inventory
  const service = createInventoryService({
    db: rt.db,
    clock: rt.clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    notifications: deps.notifications,
    translog: deps.translog,
    advisories,
    // Without a disclosure case to ask (the composition root wires it), an embargoed advisory reaches no operator.
    allowedOperators: overrides.allowedOperators ?? (async () => null),
    ...(overrides.vendorVex ? { vendorVex: overrides.vendorVex } : {}),
    mailer: overrides.mailer ?? (s.smtp ? smtpMailer(s.smtp) : noMailer),
    fetch: overrides.fetch ?? globalThis.fetch,
    settings: {
      publicUrl: rt.settings.publicUrl,
      sbomLimits: s.sbomLimits,
      remediationDays: s.remediationDays,
      digestHourUtc: s.digestHourUtc,
      webhookTimeoutMs: 10_000,
    },
  })
  return {
    service,
    advisories,
    registerJobs(runtime) {
      registerInventoryJobs(runtime.jobs, service, {
        escalateEveryMs: ESCALATE_EVERY_MS,
        now: () => runtime.clock.now(),
      })
    },
    routes: () => inventoryRoutes({ inventory: service }),
  }
}

/** Starts the hourly escalation chain (idempotent: one waits at a time). */
export async function startEscalation(rt: Runtime): Promise<void> {
  await rt.jobs.send(EscalateOverdue, {}, { singletonKey: ESCALATE_KEY })
}

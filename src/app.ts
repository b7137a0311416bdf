/**
 * The composition root: builds each capability's service from the runtime, registers job
 * definitions and handlers, and assembles the HTTP server. The only file that knows them all.
 */
import type { FastifyInstance } from 'fastify'
import { accountsRoutes } from './accounts/routes.ts'
import { type AccountsService, createAccountsService } from './accounts/service.ts'
import { type AdvisoriesService, createAdvisoriesService } from './inventory/advisories/service.ts'
import { createInventory, type Inventory } from './inventory/wiring.ts'
import { notificationsRoutes } from './notifications/routes.ts'
import { createNotificationsService, type NotificationsService } from './notifications/service.ts'
import { adminRoutes } from './platform/http/admin-routes.ts'
import { buildHttp } from './platform/http/server.ts'
import type { Runtime } from './platform/runtime.ts'
import { PROGRAM_JOBS, registerProgramJobs } from './program/jobs.ts'
import { programRoutes } from './program/routes.ts'
import { createProgramService, type ProgramService } from './program/service.ts'
import {
  COSIGN_KEY,
  CosignCheckpoint,
  registerTranslogJobs,
  TRANSLOG_JOBS,
} from './translog/jobs.ts'
import { translogRoutes } from './translog/routes.ts'
import { createTranslogService, type TranslogService } from './translog/service.ts'
import { createWitnessClient, type WitnessClient } from './translog/witness.ts'
import { witnessRoutes } from './translog/witness-routes.ts'

export interface Services {
  accounts: AccountsService
  advisories: AdvisoriesService
  notifications: NotificationsService
  program: ProgramService
  translog: TranslogService
  witnesses: WitnessClient
  inventory: Inventory
}

/**
 * The log's origin (its name in checkpoints and its key's name): where it is served, as
 * c2sp.org/tlog-tiles names logs, e.g. `earlywatch.example.org/log`.
 */
export function logOrigin(publicUrl: string): string {
  const url = new URL(publicUrl)
  return `${url.host}${url.pathname.replace(/\/+$/, '')}/log`
}

export async function createServices(rt: Runtime): Promise<Services> {
  await rt.jobs.register(...PROGRAM_JOBS, ...TRANSLOG_JOBS)
  const translog = createTranslogService({
    db: rt.db,
    clock: rt.clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    origin: rt.settings.logOrigin ?? logOrigin(rt.settings.publicUrl),
  })
  // The signing key exists, and the log has a signed checkpoint, before anyone can ask for one.
  await translog.init()
  const witnesses = createWitnessClient({
    db: rt.db,
    fetch: globalThis.fetch,
    witnesses: rt.settings.witnesses,
    translog,
    log: rt.log,
  })
  // Witnesses newly configured, or a cosign job lost, catch up with the latest checkpoint.
  if (witnesses.enabled) await rt.jobs.send(CosignCheckpoint, {}, { singletonKey: COSIGN_KEY })
  const accounts = createAccountsService({ db: rt.db, clock: rt.clock, settings: rt.settings })
  const notifications = createNotificationsService({ db: rt.db, clock: rt.clock })
  const program = createProgramService({
    db: rt.db,
    clock: rt.clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    notifications,
    translog,
  })
  const advisories = createAdvisoriesService({ db: rt.db, clock: rt.clock })
  const inventory = await createInventory(rt, { notifications, translog, advisories })
  return { accounts, advisories, notifications, program, translog, witnesses, inventory }
}

/** Attaches every job handler; they run once `rt.jobs.startWorking()` is called. */
export function registerJobHandlers(rt: Runtime, services: Services): void {
  registerProgramJobs(rt.jobs, services.program)
  registerTranslogJobs(rt.jobs, services.translog, services.witnesses)
  services.inventory.registerJobs(rt)
}

export async function createHttpApp(rt: Runtime, services: Services): Promise<FastifyInstance> {
  let closing = false
  const app = await buildHttp({
    settings: rt.settings,
    log: rt.log,
    jobs: rt.jobs,
    auth: services.accounts,
    routes: [
      {
        prefix: '/api',
        plugin: accountsRoutes({ accounts: services.accounts, settings: rt.settings }),
      },
      { prefix: '/api', plugin: programRoutes({ program: services.program }) },
      { prefix: '/api', plugin: notificationsRoutes({ notifications: services.notifications }) },
      // Public: the C2SP tlog-tiles endpoints under /log/ and the JSON proof API under /api/log.
      { prefix: '', plugin: translogRoutes({ translog: services.translog }) },
      { prefix: '', plugin: witnessRoutes({ witnesses: services.witnesses }) },
      { prefix: '/api/inventory', plugin: services.inventory.routes() },
      { prefix: '/api/admin', plugin: adminRoutes({ jobs: rt.jobs }) },
    ],
    ready: async () => {
      if (closing) throw new Error('shutting down')
      await rt.db.query('SELECT 1')
    },
  })
  app.addHook('preClose', async () => {
    closing = true
  })
  return app
}

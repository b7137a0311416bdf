/**
 * The composition root: builds each capability's service from the runtime, registers job
 * definitions and handlers, and assembles the HTTP server. The only file that knows them all.
 */
import type { FastifyInstance } from 'fastify'
import { accountsRoutes } from './accounts/routes.ts'
import { type AccountsService, createAccountsService } from './accounts/service.ts'
import { notificationsRoutes } from './notifications/routes.ts'
import { createNotificationsService, type NotificationsService } from './notifications/service.ts'
import { adminRoutes } from './platform/http/admin-routes.ts'
import { buildHttp } from './platform/http/server.ts'
import type { Runtime } from './platform/runtime.ts'
import { PROGRAM_JOBS, registerProgramJobs } from './program/jobs.ts'
import { programRoutes } from './program/routes.ts'
import { createProgramService, type ProgramService } from './program/service.ts'

export interface Services {
  accounts: AccountsService
  notifications: NotificationsService
  program: ProgramService
}

export async function createServices(rt: Runtime): Promise<Services> {
  await rt.jobs.register(...PROGRAM_JOBS)
  const accounts = createAccountsService({ db: rt.db, clock: rt.clock, settings: rt.settings })
  const notifications = createNotificationsService({ db: rt.db, clock: rt.clock })
  const program = createProgramService({
    db: rt.db,
    clock: rt.clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    notifications,
  })
  return { accounts, notifications, program }
}

/** Attaches every job handler; they run once `rt.jobs.startWorking()` is called. */
export function registerJobHandlers(rt: Runtime, services: Services): void {
  registerProgramJobs(rt.jobs, services.program)
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

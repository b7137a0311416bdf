/**
 * The composition root: builds each capability's service from the runtime, registers job
 * definitions and handlers, and assembles the HTTP server. The only file that knows them all.
 */

import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { accountsRoutes } from './accounts/routes.ts'
import { type AccountsService, createAccountsService } from './accounts/service.ts'
import { BENCHMARK_JOBS, registerBenchmarkJobs } from './benchmark/jobs.ts'
import { benchmarkRoutes } from './benchmark/routes.ts'
import { type BenchmarkService, createBenchmarkService } from './benchmark/service.ts'
import { caseAdapter } from './clearinghouse/advisories/cases.ts'
import { ADVISORY_JOBS, registerAdvisoryJobs } from './clearinghouse/advisories/jobs.ts'
import { parseCveBlock } from './clearinghouse/advisories/model.ts'
import { advisoryRoutes, csafProviderRoutes, osvRoutes } from './clearinghouse/advisories/routes.ts'
import { type AdvisoryService, createAdvisoryService } from './clearinghouse/advisories/service.ts'
import { type CsafSigner, loadSigner } from './clearinghouse/advisories/signing.ts'
import { CLEARINGHOUSE_JOBS, registerClearinghouseJobs } from './clearinghouse/jobs.ts'
import { clearinghouseRoutes } from './clearinghouse/routes.ts'
import { type ClearinghouseService, createClearinghouseService } from './clearinghouse/service.ts'
import { EVALS_JOBS, registerEvalsJobs } from './evals/jobs.ts'
import { evalsRoutes } from './evals/routes.ts'
import { bwrapProvider } from './evals/sandbox/bwrap.ts'
import { createEvalsService, type EvalsService } from './evals/service.ts'
import { defaultRegistry } from './evals/tasks.ts'
import { gatewayHttp, gatewayUsageRoutes } from './gateway/routes.ts'
import type { GatewayService } from './gateway/service.ts'
import { createGatewayWiring, signalGrantChanges } from './gateway/wiring.ts'
import { type AdvisoriesService, createAdvisoriesService } from './inventory/advisories/service.ts'
import { createInventory, type Inventory } from './inventory/wiring.ts'
import { notificationsRoutes } from './notifications/routes.ts'
import { createNotificationsService, type NotificationsService } from './notifications/service.ts'
import { partnersRoutes } from './partners/routes.ts'
import { createPartnersService, type PartnersService } from './partners/service.ts'
import type { Envelope } from './platform/crypto/envelope.ts'
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
  advisories: AdvisoryService
  benchmark: BenchmarkService
  csafSigner: CsafSigner | null
  clearinghouse: ClearinghouseService
  evals: EvalsService
  gateway: GatewayService
  inventoryAdvisories: AdvisoriesService
  notifications: NotificationsService
  partners: PartnersService
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
  await rt.jobs.register(
    ...PROGRAM_JOBS,
    ...TRANSLOG_JOBS,
    ...CLEARINGHOUSE_JOBS,
    ...ADVISORY_JOBS,
    ...EVALS_JOBS,
    ...BENCHMARK_JOBS,
  )
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
  // The gateway reads grants from the partners service; the partners service tells the
  // gateway when a grant changes, so the change applies on the next request.
  let gateway: GatewayService | undefined
  const partners = signalGrantChanges(
    createPartnersService({
      db: rt.db,
      clock: rt.clock,
      envelopes: rt.envelopes,
      notifications,
      translog,
      program,
      accounts,
    }),
    (grantId) => gateway?.grantChanged(grantId),
  )
  gateway = createGatewayWiring(rt, { program, partners })
  // The inventory's advisory store: imported OSV data and the KEV catalog, matched against SBOMs.
  const inventoryAdvisories = createAdvisoriesService({ db: rt.db, clock: rt.clock })
  const clearinghouse = createClearinghouseService({
    isKnownExploited: async (cveIds) =>
      (await inventoryAdvisories.kevLookup([...cveIds])).length > 0,
    db: rt.db,
    clock: rt.clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    notifications,
    translog,
    accounts,
    // Late-bound: the advisories service is built next, from this one.
    disclosure: {
      embargoChanged: (tx, caseId, endsAt) => advisories.embargoChanged(tx, caseId, endsAt),
      publishConsentChanged: (tx, caseId) => advisories.publishConsentChanged(tx, caseId),
      // A new list of allowed operators re-matches the case's embargoed advisory, once published.
      operatorsChanged: async (caseId) => {
        const id = await advisories.publishedOfCase(caseId)
        if (id) await inventory.service.advisoryChanged(id)
      },
    },
  })
  const cveBlock = rt.settings.raw.EARLYWATCH_CVE_BLOCK
  const keyFile = rt.settings.raw.EARLYWATCH_CSAF_OPENPGP_KEY_FILE
  const csafSigner = keyFile ? await loadSigner(readFileSync(keyFile, 'utf8')) : null
  const advisories = createAdvisoryService({
    // A published advisory joins the inventory's store with its TLP label and, if new or changed,
    // fans out; an embargoed one (AMBER or stricter) reaches only the operators its case allows.
    onAdvisoryPublished: async (osv, { tlp }) => {
      const r = await inventoryAdvisories.upsertAdvisory(osv, 'clearinghouse', { tlp })
      if (r.changed) await inventory.service.advisoryChanged(r.id)
    },
    db: rt.db,
    clock: rt.clock,
    jobs: rt.jobs,
    translog,
    cases: caseAdapter(clearinghouse),
    publicUrl: rt.settings.publicUrl,
    cveBlock: cveBlock ? parseCveBlock(cveBlock) : null,
  })
  const registry = defaultRegistry()
  const evals = createEvalsService({
    db: rt.db,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    clock: rt.clock,
    registry,
    // Created on first use, so a host without bubblewrap runs every task that needs no sandbox.
    sandboxes: async () => bwrapProvider(),
    // Transcripts are sealed under their own data key: controlled items appear in them.
    transcripts: {
      scheme: 'envelope-v1',
      seal: async (bytes, ref) =>
        Buffer.from(
          JSON.stringify(await rt.envelopes.encrypt(bytes, `eval-transcript:${ref.runId}`)),
        ),
      open: async (bytes, ref) =>
        rt.envelopes.decrypt(JSON.parse(bytes.toString('utf8')), `eval-transcript:${ref.runId}`),
    },
    // Per-item results of the controlled benchmark are as secret as its items: sealed at rest.
    results: {
      applies: (taskRef) => taskRef.startsWith('controlled:'),
      seal: (bytes, runId) => rt.envelopes.encrypt(bytes, `eval-results:${runId}`),
      open: (sealed, runId) => rt.envelopes.decrypt(sealed as Envelope, `eval-results:${runId}`),
    },
  })
  const benchmark = createBenchmarkService({
    db: rt.db,
    clock: rt.clock,
    envelopes: rt.envelopes,
    translog,
    evals,
    program,
    notifications,
    accounts,
    jobs: rt.jobs,
    // Scripted models stand in for a lab endpoint only on demo servers (EARLYWATCH_DEMO).
    allowScriptedModels: rt.settings.demo,
    // The solvability check plays reference solutions of tool-using tasks in a sandbox.
    sandboxes: async () => bwrapProvider(),
  })
  // Controlled tasks are built in the worker from the vault, items decrypted in memory only.
  registry.addResolver('controlled:', (ref) => benchmark.controlledTask(ref))
  const inventory = await createInventory(
    rt,
    { notifications, translog, advisories: inventoryAdvisories },
    {
      // The disclosure case of a clearinghouse advisory names the operators it may reach.
      allowedOperators: async (advisoryId) => {
        const caseId = await advisories.caseOfPublished(advisoryId)
        return caseId ? clearinghouse.allowedOperators(caseId) : null
      },
    },
  )
  return {
    accounts,
    advisories,
    inventoryAdvisories,
    inventory,
    benchmark,
    clearinghouse,
    evals,
    csafSigner,
    gateway,
    notifications,
    partners,
    program,
    translog,
    witnesses,
  }
}

/** Attaches every job handler; they run once `rt.jobs.startWorking()` is called. */
export function registerJobHandlers(rt: Runtime, services: Services): void {
  registerProgramJobs(rt.jobs, services.program)
  registerTranslogJobs(rt.jobs, services.translog, services.witnesses)
  registerAdvisoryJobs(rt.jobs, services.advisories)
  registerClearinghouseJobs(rt.jobs, services.clearinghouse)
  registerEvalsJobs(rt.jobs, services.evals)
  registerBenchmarkJobs(rt.jobs, services.benchmark)
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
      { prefix: '/api', plugin: partnersRoutes({ partners: services.partners }) },
      {
        prefix: '/api/clearinghouse',
        plugin: clearinghouseRoutes({ clearinghouse: services.clearinghouse }),
      },
      { prefix: '/api', plugin: benchmarkRoutes({ benchmark: services.benchmark }) },
      {
        prefix: '/api',
        plugin: evalsRoutes({
          evals: services.evals,
          restricted: (runId) => services.benchmark.isControlledEvalRun(runId),
        }),
      },
      // Public: the C2SP tlog-tiles endpoints under /log/ and the JSON proof API under /api/log.
      { prefix: '', plugin: translogRoutes({ translog: services.translog }) },
      { prefix: '', plugin: witnessRoutes({ witnesses: services.witnesses }) },
      { prefix: '/api', plugin: advisoryRoutes({ advisories: services.advisories }) },
      // Public: the CSAF provider (/.well-known/csaf) and the osv.dev-compatible API (/v1).
      {
        prefix: '',
        plugin: csafProviderRoutes({
          advisories: services.advisories,
          signer: services.csafSigner,
        }),
      },
      { prefix: '', plugin: osvRoutes({ advisories: services.advisories }) },
      { prefix: '/api/inventory', plugin: services.inventory.routes() },
      { prefix: '/api/admin', plugin: adminRoutes({ jobs: rt.jobs }) },
      { prefix: '/api', plugin: gatewayUsageRoutes({ gateway: services.gateway }) },
    ],
    edges: [
      {
        prefix: '/gateway/',
        app: await gatewayHttp({
          gateway: services.gateway,
          bodyLimit: rt.settings.gatewayBodyLimit,
          log: rt.log,
        }),
      },
    ],
    ready: async () => {
      if (closing) throw new Error('shutting down')
      await rt.db.query('SELECT 1')
    },
  })
  app.addHook('preClose', async () => {
    closing = true
  })
  // Open streams end and the request log is written before the database closes.
  app.addHook('onClose', async () => services.gateway.close())
  return app
}

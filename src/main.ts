/** The `earlywatch` command: serve, worker, migrate, and each capability's commands. */
import { Command, CommanderError, Option } from 'commander'
import { registerAccountsCommands } from './accounts/cli.ts'
import { createHttpApp, createServices, registerJobHandlers, type Services } from './app.ts'
import { registerBenchmarkCommands } from './benchmark/cli.ts'
import { registerAdvisoryCommands } from './clearinghouse/advisories/cli.ts'
import { registerClearinghouseCommands } from './clearinghouse/cli.ts'
import type { CliContext } from './cli-context.ts'
import { loadSettings, type Settings, settingsSummary } from './config.ts'
import { seedDemo } from './demo/seed.ts'
import { registerEvalCommands } from './evals/cli.ts'
import { registerAdvisoriesCommands } from './inventory/advisories/cli.ts'
import { registerInventoryCommands } from './inventory/cli.ts'
import { registerPartnersCommands } from './partners/cli.ts'
import { describeError, EXIT, exitCodeFor, output, table } from './platform/cli.ts'
import { createLogger } from './platform/log.ts'
import { openRuntime, type Runtime } from './platform/runtime.ts'
import { registerProgramCommands } from './program/cli.ts'
import { registerTranslogCommands } from './translog/cli.ts'

const program = new Command('earlywatch')
  .description(
    'Voluntary pre-release review of frontier AI models, and the AI cybersecurity clearinghouse beside it.\n' +
      'Settings come from environment variables (see docs/settings.md); with no DATABASE_URL, data lives in an embedded database in EARLYWATCH_DATA_DIR.',
  )
  .version('0.1.0')
  .option('--json', 'print machine-readable JSON instead of text')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()

function settingsFrom(overrides: Record<string, unknown> = {}): Settings {
  return loadSettings(process.env, overrides)
}

/** Commands log at warn unless LOG_LEVEL says otherwise, so their own output stays readable. */
function cliLogger(settings: Settings) {
  return createLogger(process.env.LOG_LEVEL ? settings.logLevel : 'warn', undefined)
}

const ctx: CliContext = {
  out: () => output(Boolean(program.opts().json)),
  async withServices(fn) {
    const settings = settingsFrom()
    const rt = await openRuntime(settings, cliLogger(settings))
    try {
      const services = await createServices(rt)
      return await fn(services, rt)
    } finally {
      await rt.close()
    }
  },
}

program
  .command('serve')
  .description('Run the HTTP API, web UI and (embedded database) an in-process job worker')
  .option('--no-demo', 'do not load demo data on first start')
  .addOption(new Option('-p, --port <port>', 'port to listen on (overrides PORT)'))
  .option(
    '--with-worker',
    'also run a job worker in this process (default with the embedded database)',
  )
  .action(async (opts: { demo: boolean; port?: string; withWorker?: boolean }) => {
    const overrides: Record<string, unknown> = {}
    if (opts.port) overrides.PORT = opts.port
    if (!opts.demo) overrides.EARLYWATCH_DEMO = false
    if (opts.withWorker) overrides.EARLYWATCH_WORKER_IN_PROCESS = true
    const settings = settingsFrom(overrides)
    const log = createLogger(settings.logLevel)
    log.info({ settings: settingsSummary(settings) }, 'starting earlywatch')
    const rt = await openRuntime(settings, log)
    if (rt.migration.applied.length)
      log.info({ applied: rt.migration.applied }, 'database migrated')
    const services = await createServices(rt)
    const first = await services.accounts.bootstrap({ publicUrl: settings.publicUrl })
    if (first && settings.demo) await seedDemo(rt, services)
    registerJobHandlers(rt, services)
    if (settings.workerInProcess) await rt.jobs.startWorking()
    const app = await createHttpApp(rt, services)
    installShutdown(rt, async () => app.close(), settings)
    await app.listen({ port: settings.port, host: settings.host })
    // Proofs read fewer nodes once the upper tree is in memory; serving does not wait for it.
    services.translog.warmProofCache().then(
      (warmed) => log.info(warmed, 'transparency-log proof cache warmed'),
      (err) => log.warn({ err }, 'transparency-log proof cache warm-up stopped'),
    )
    const local = ['0.0.0.0', '127.0.0.1', '::', '::1'].includes(settings.host)
    process.stdout.write(
      `\nearlywatch is running at http://${local ? 'localhost' : settings.host}:${settings.port}\n`,
    )
    if (first) process.stdout.write(`${first.message}\n`)
    process.stdout.write('\n')
  })

program
  .command('worker')
  .description('Run background jobs (deadlines, notifications) against the shared database')
  .option('-c, --concurrency <n>', 'jobs run at once per queue in this process', '2')
  .action(async (opts: { concurrency: string }) => {
    const settings = settingsFrom()
    const log = createLogger(settings.logLevel)
    const concurrency = Number(opts.concurrency)
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      throw new (await import('./platform/cli.ts')).CliError(
        '--concurrency must be a whole number from 1 to 64',
      )
    }
    if (settings.embedded) {
      log.warn(
        'worker is running on the embedded database; only this process can open it, so `serve` cannot run beside it. Set DATABASE_URL to run workers next to serve.',
      )
    }
    log.info({ settings: settingsSummary(settings) }, 'starting earlywatch worker')
    const rt = await openRuntime(settings, log)
    const services = await createServices(rt)
    registerJobHandlers(rt, services)
    await rt.jobs.startWorking({ localConcurrency: concurrency })
    installShutdown(rt, async () => {}, settings)
    log.info('worker ready')
  })

program
  .command('migrate')
  .description(
    'Apply pending database migrations and exit (serve and worker also do this at start)',
  )
  .action(async () => {
    const settings = settingsFrom()
    const rt = await openRuntime(settings, cliLogger(settings))
    await rt.close()
    ctx
      .out()
      .print(rt.migration, (m) =>
        m.applied.length
          ? `applied ${m.applied.map((a) => `${a.id}_${a.name}`).join(', ')}; now at ${m.current}`
          : `up to date at migration ${m.current}`,
      )
  })

program
  .command('demo')
  .description(
    'Load the demo data (program, two labs, submissions in several states) into the database',
  )
  .action(async () => {
    await ctx.withServices(async (s: Services, rt: Runtime) => {
      const r = await seedDemo(rt, s)
      ctx
        .out()
        .print(
          r,
          (d) =>
            `demo data loaded: ${d.organisations} organisations, ${d.people} people, ${d.submissions} submissions`,
        )
    })
  })

const jobs = program.command('jobs').description('Inspect background job queues')
jobs
  .command('list')
  .description('Queues with queued, active, deferred and failed counts')
  .action(async () => {
    await ctx.withServices(async (_s, rt) => {
      const stats = await rt.jobs.stats()
      ctx.out().print(stats, (d) => table(d as unknown as Array<Record<string, unknown>>))
    })
  })
jobs
  .command('dead')
  .description('Jobs that failed every retry (the dead-letter queue)')
  .option('-n, --limit <n>', 'most to list', '50')
  .action(async (opts: { limit: string }) => {
    await ctx.withServices(async (_s, rt) => {
      const dead = await rt.jobs.deadJobs(Number(opts.limit))
      ctx.out().print(dead, (d) =>
        table(
          d.map((j) => ({
            id: j.id,
            queue: j.queue,
            retries: j.retries,
            created: j.createdOn,
            error: JSON.stringify(j.error)?.slice(0, 80),
          })),
        ),
      )
    })
  })
jobs
  .command('redrive')
  .description('Send the dead-lettered jobs of QUEUE back to it to run again')
  .argument('<queue>', 'queue name, as `jobs dead` shows it')
  .action(async (queue: string) => {
    await ctx.withServices(async (_s, rt) => {
      const moved = await rt.jobs.redrive(queue)
      ctx.out().print({ moved }, (d) => `${d.moved} job(s) sent back to ${queue}`)
    })
  })

registerAccountsCommands(program, ctx)
registerAdvisoriesCommands(program, ctx)
registerProgramCommands(program, ctx)
registerTranslogCommands(program, ctx)
registerBenchmarkCommands(program, ctx)
registerClearinghouseCommands(program, ctx)
registerAdvisoryCommands(program, ctx)
registerEvalCommands(program, ctx)
registerInventoryCommands(program, ctx)
registerPartnersCommands(program, ctx)

function installShutdown(rt: Runtime, closeHttp: () => Promise<void>, settings: Settings) {
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    rt.log.info({ signal }, 'shutting down: finishing in-flight requests and jobs')
    const force = setTimeout(() => {
      rt.log.error({ timeoutMs: settings.shutdownTimeoutMs }, 'shutdown timed out; exiting')
      process.exit(EXIT.FAILURE)
    }, settings.shutdownTimeoutMs + 2_000)
    force.unref()
    try {
      await closeHttp()
      await rt.close()
      rt.log.info('stopped')
      process.exit(EXIT.OK)
    } catch (err) {
      rt.log.error({ err }, 'error while shutting down')
      process.exit(EXIT.FAILURE)
    }
  }
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))
}

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE
  } else {
    process.stderr.write(`earlywatch: ${describeError(err)}\n`)
    if (process.env.EARLYWATCH_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`)
    process.exitCode = exitCodeFor(err)
  }
}

/**
 * The benchmark's servers, one per child process so each has its own event loop, as in
 * production: `mock` (a model endpoint that answers at once), `bare` (the practical limit of
 * any Node proxy: a few lines of undici pass-through) and `gateway` (earlywatch's gateway with
 * a real runtime, submission, credential, grant from the partners service, limits and
 * metering). Each prints
 * `READY <port> [key]` once it listens.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { Agent } from 'undici'
import type { Role } from '../../src/accounts/model.ts'
import { seedMember } from '../../src/accounts/testing.ts'
import { createHttpApp, createServices } from '../../src/app.ts'
import { seedGrant, startMockUpstream } from '../../src/gateway/testing.ts'
import { fixedClock } from '../../src/platform/clock.ts'
import { createLogger } from '../../src/platform/log.ts'
import { openRuntime } from '../../src/platform/runtime.ts'
import { testRuntime, testSettings } from '../../src/platform/testing.ts'

const [mode, upstream] = process.argv.slice(2)
const START = '2026-11-23T10:00:00Z'
const PARTNER_RELEASE = new Date('2026-11-24T10:00:00Z')
const cleanups: Array<() => Promise<void>> = []
const stop = async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined)
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)

if (mode === 'mock') {
  const mock = await startMockUpstream('openai')
  process.stdout.write(`READY ${new URL(mock.baseUrl).port}\n`)
} else if (mode === 'bare') {
  // The bare pass-through: request line, headers and body straight to the upstream, answer straight back.
  const origin = new URL(upstream!).origin
  const agent = new Agent({ keepAliveTimeout: 30_000 })
  const server = createServer(async (req, res) => {
    try {
      const up = await agent.request({
        origin,
        path: req.url!,
        method: req.method as 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: req,
      })
      res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? '') })
      up.body.pipe(res)
    } catch {
      res.writeHead(502).end()
    }
  })
  server.listen(0, '127.0.0.1', () =>
    process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`),
  )
} else if (mode === 'gateway') {
  const clock = fixedClock(START)
  const t = {
    fullName: `bench-gateway-${randomBytes(4).toString('hex')}`,
    after: (fn: () => Promise<void>) => cleanups.push(fn),
  } as unknown as TestContext
  // With DATABASE_URL, a schema of its own on that PostgreSQL. Otherwise the embedded database
  // as `earlywatch serve` opens it: files in a data directory, not the in-memory cluster tests
  // use (whose file system copies a whole table file each time one grows, stalling the loop).
  let rt: Awaited<ReturnType<typeof testRuntime>>
  if (process.env.DATABASE_URL) {
    rt = await testRuntime(t, { clock, settings: { LOG_LEVEL: 'warn' } })
  } else {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'earlywatch-bench-gateway-'))
    const settings = testSettings({ LOG_LEVEL: 'warn', EARLYWATCH_DATA_DIR: dataDir })
    rt = await openRuntime(settings, createLogger(settings.logLevel), { clock })
    const opened = rt
    cleanups.push(async () => {
      await opened.close()
      rmSync(dataDir, { recursive: true, force: true })
    })
  }
  const services = await createServices(rt)
  const member = (kind: 'lab' | 'program' | 'partner', role: Role) =>
    seedMember(services.accounts, { kind, roles: [role] })
  const lab = await member('lab', 'lab_member')
  const submission = await services.program.register(lab.principal, {
    modelName: 'bench-model',
    modelVersion: '1',
    description: 'gateway benchmark',
    intendedCapabilities: [],
    endpoint: {
      baseUrl: upstream!,
      protocol: 'openai',
      modelId: 'frontier-1',
      credential: 'sk-bench-lab',
    },
    offeredDays: 30,
    partnerReleaseAt: PARTNER_RELEASE.toISOString(),
    publicReleaseAt: new Date(PARTNER_RELEASE.getTime() + 30 * 86_400_000).toISOString(),
  })
  // A real grant, chosen with both keys and issued through the partners service: the gateway
  // looks it up and polls it through the partners service's own queries.
  const grant = await seedGrant(services, {
    officer: await member('program', 'program_officer'),
    lab,
    partner: await member('partner', 'partner_member'),
    submissionId: submission.id,
    windowStart: PARTNER_RELEASE,
    windowEnd: new Date(PARTNER_RELEASE.getTime() + 10 * 86_400_000),
    endpoints: ['chat.completions', 'models'],
    limits: { requestsPerMinute: 10_000, tokensPerMinute: 10_000_000, tokenBudget: 10_000_000_000 },
  })
  // The service caps requests per minute at 10,000 (a typo guard), below what the load
  // generator sends; the row is raised directly so every request is still counted and checked.
  await rt.db.query('UPDATE grants SET requests_per_minute = 100000000 WHERE id = $1', [grant.id])
  clock.set(new Date(PARTNER_RELEASE.getTime() + 3_600_000))
  const app = await createHttpApp(rt, services)
  cleanups.push(async () => {
    await app.close()
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  process.stdout.write(
    `READY ${(app.server.address() as AddressInfo).port} ${grant.key} ${rt.db.kind}\n`,
  )
} else {
  process.stderr.write(`unknown server ${mode}\n`)
  process.exit(2)
}

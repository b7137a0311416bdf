/**
 * One gateway process for the shared-limits test: its own embedded database and HTTP server,
 * one grant (id, key and limits from the command line, the same in every process), and the
 * Redis given by REDIS_URL. Prints `READY <port>` once it listens.
 */
import type { AddressInfo } from 'node:net'
import { seedMember } from '../src/accounts/testing.ts'
import { createHttpApp, createServices } from '../src/app.ts'
import { loadSettings } from '../src/config.ts'
import { memoryGrants, testGrant } from '../src/gateway/testing.ts'
import { createGatewayWiring, limiterFor } from '../src/gateway/wiring.ts'
import { createLogger } from '../src/platform/log.ts'
import { openRuntime } from '../src/platform/runtime.ts'
import { pgliteDump } from '../src/platform/testing.ts'

const [grantId, key, upstreamBaseUrl, limitsJson, redisPrefix] = process.argv.slice(2)
const settings = loadSettings(
  { LOG_LEVEL: 'warn', EARLYWATCH_DEMO: 'false', REDIS_URL: process.env.REDIS_URL },
  {},
)
const rt = await openRuntime(settings, createLogger(settings.logLevel), {
  inMemory: true,
  pgliteDump: await pgliteDump('migrated'),
})
const services = await createServices(rt)
const lab = await seedMember(services.accounts, { kind: 'lab', roles: ['lab_member'] })
const now = rt.clock.now()
const submission = await services.program.register(lab.principal, {
  modelName: 'shared-limits-model',
  modelVersion: '1',
  description: 'two gateway processes',
  intendedCapabilities: [],
  endpoint: {
    baseUrl: upstreamBaseUrl!,
    protocol: 'openai',
    modelId: 'frontier-1',
    credential: 'sk-lab',
  },
  offeredDays: 30,
  partnerReleaseAt: new Date(now.getTime() + 60 * 86_400_000).toISOString(),
  publicReleaseAt: new Date(now.getTime() + 90 * 86_400_000).toISOString(),
})
const grants = memoryGrants()
grants.issue(
  testGrant({
    grantId: grantId!,
    submissionId: submission.id,
    upstream: { protocol: 'openai', baseUrl: upstreamBaseUrl!, modelId: 'frontier-1' },
    limits: JSON.parse(limitsJson!),
  }),
  key,
)
// Each process has its own embedded database, so the grant (same id and key in both) is kept
// in memory; only Redis is shared.
const gateway = createGatewayWiring(rt, {
  program: services.program,
  partners: services.partners,
  grants,
  limiter: limiterFor(rt, redisPrefix),
})
const app = await createHttpApp(rt, { ...services, gateway })
await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`READY ${(app.server.address() as AddressInfo).port}\n`)
process.on('SIGTERM', async () => {
  await app.close()
  await rt.close()
  process.exit(0)
})

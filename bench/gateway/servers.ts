/**
 * The benchmark's servers, one per child process so each has its own event loop, as in
 * production: `mock` (a model endpoint that answers at once), `bare` (the practical limit of
 * any Node proxy: a few lines of undici pass-through) and `gateway` (earlywatch's gateway with
 * a real runtime, submission, credential, grant, limits and metering). Each prints
 * `READY <port> [key]` once it listens.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { Agent } from 'undici'
import { seedMember } from '../../src/accounts/testing.ts'
import { createHttpApp, createServices } from '../../src/app.ts'
import type { GatewayGrant, GrantState } from '../../src/gateway/model.ts'
import { hashVirtualKey } from '../../src/gateway/model.ts'
import { startMockUpstream, testGrant } from '../../src/gateway/testing.ts'
import { createGatewayWiring, type GrantSourceWithIds } from '../../src/gateway/wiring.ts'
import { testRuntime } from '../../src/platform/testing.ts'

const [mode, upstream] = process.argv.slice(2)
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
  const t = {
    fullName: `bench-gateway-${randomBytes(4).toString('hex')}`,
    after: (fn: () => Promise<void>) => cleanups.push(fn),
  } as unknown as TestContext
  const rt = await testRuntime(t, { settings: { LOG_LEVEL: 'warn' } })
  const services = await createServices(rt)
  const lab = await seedMember(services.accounts, { kind: 'lab', roles: ['lab_member'] })
  const now = rt.clock.now()
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
    partnerReleaseAt: new Date(now.getTime() + 60 * 86_400_000).toISOString(),
    publicReleaseAt: new Date(now.getTime() + 90 * 86_400_000).toISOString(),
  })
  // Grants live in a table, and every status check is a real query on it, as the partners
  // capability's grant source does: the benchmark pays what production pays.
  await rt.db.exec(
    'CREATE TABLE bench_grant (id text PRIMARY KEY, status text NOT NULL, version integer NOT NULL, key_hash text NOT NULL UNIQUE, body jsonb NOT NULL)',
  )
  const key = `ew_vk_${randomBytes(24).toString('base64url')}`
  const grant = testGrant(
    {
      submissionId: submission.id,
      upstream: { protocol: 'openai', baseUrl: upstream!, modelId: 'frontier-1' },
      // Real limits, high enough that the load generator never meets them.
      limits: {
        requestsPerMinute: 10_000_000,
        tokensPerMinute: 1_000_000_000,
        tokenBudget: 1_000_000_000_000,
      },
    },
    now,
  )
  await rt.db.query('INSERT INTO bench_grant VALUES ($1, $2, $3, $4, $5)', [
    grant.grantId,
    grant.status,
    grant.version,
    hashVirtualKey(key),
    JSON.stringify(grant),
  ])
  const grants: GrantSourceWithIds = {
    async byKeyHash(hash) {
      const r = await rt.db.query<{ body: GatewayGrant }>(
        'SELECT body FROM bench_grant WHERE key_hash = $1',
        [hash],
      )
      const g = r.rows[0]?.body
      return g
        ? { ...g, windowStart: new Date(g.windowStart), windowEnd: new Date(g.windowEnd) }
        : null
    },
    async byId() {
      return null
    },
    async statuses(ids) {
      const r = await rt.db.query<{ id: string; status: GrantState['status']; version: number }>(
        'SELECT id, status, version FROM bench_grant WHERE id = ANY($1)',
        [ids],
      )
      return new Map(r.rows.map((x) => [x.id, { status: x.status, version: x.version }]))
    },
  }
  const gateway = createGatewayWiring(rt, { program: services.program, grants })
  const app = await createHttpApp(rt, { ...services, gateway })
  cleanups.push(async () => {
    await app.close()
    const r = await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM gateway_request')
    process.stderr.write(`gateway logged ${r.rows[0]!.n} requests\n`)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  process.stdout.write(`READY ${(app.server.address() as AddressInfo).port} ${key} ${rt.db.kind}\n`)
} else {
  process.stderr.write(`unknown server ${mode}\n`)
  process.exit(2)
}

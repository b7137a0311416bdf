/**
 * The program overview's query: GET /api/submissions (sorted, paged, with the review window
 * computed), through the whole HTTP stack in-process, over 2,000 submissions from 20 labs.
 * Runs on the embedded database, and on PostgreSQL too when DATABASE_URL is set, and prints
 * the ratio of their median latencies.
 */
import type { TestContext } from 'node:test'
import { bearer, seedMember } from '../src/accounts/testing.ts'
import { createHttpApp, createServices } from '../src/app.ts'
import { DAY_MS } from '../src/platform/clock.ts'
import { testBackend, testRuntime } from '../src/platform/testing.ts'

const LABS = 20
const PER_LAB = 100
const REQUESTS = 300

type Figures = { backend: string; p50_ms: number; p95_ms: number; req_per_s: number }

async function run(backend: 'pglite' | 'postgres'): Promise<Figures> {
  const cleanups: Array<() => Promise<void>> = []
  const t = {
    fullName: `bench-${backend}`,
    after: (fn: () => Promise<void>) => cleanups.push(fn),
  } as unknown as TestContext
  const saved = process.env.DATABASE_URL
  if (backend === 'pglite') delete process.env.DATABASE_URL
  try {
    const rt = await testRuntime(t)
    const services = await createServices(rt)
    const officer = await seedMember(services.accounts, {
      kind: 'program',
      roles: ['program_officer'],
    })
    const now = Date.now()
    for (let l = 0; l < LABS; l++) {
      const lab = await seedMember(services.accounts, { kind: 'lab', roles: ['lab_member'] })
      for (let i = 0; i < PER_LAB; i++) {
        await services.program.register(lab.principal, {
          modelName: `Model ${l}-${i}`,
          modelVersion: `1.${i}`,
          description: 'benchmark',
          intendedCapabilities: ['coding'],
          endpoint: {
            baseUrl: 'https://lab.example/v1',
            protocol: 'openai',
            modelId: `m-${l}-${i}`,
            credential: 'sk-bench',
          },
          offeredDays: 30,
          partnerReleaseAt: new Date(now + (10 + (i % 50)) * DAY_MS).toISOString(),
        })
      }
    }
    const app = await createHttpApp(rt, services)
    cleanups.push(() => app.close())
    const headers = bearer(officer.token)
    const url = '/api/submissions?sort=closesAt&order=asc&limit=50&state=submitted'
    for (let i = 0; i < 20; i++) await app.inject({ method: 'GET', url, headers })
    const times: number[] = []
    const start = performance.now()
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now()
      const res = await app.inject({
        method: 'GET',
        url: `${url}&offset=${(i % 40) * 50}`,
        headers,
      })
      if (res.statusCode !== 200)
        throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body}`)
      times.push(performance.now() - t0)
    }
    const total = performance.now() - start
    times.sort((a, b) => a - b)
    const q = (p: number) =>
      Number(times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2))
    return {
      backend,
      p50_ms: q(0.5),
      p95_ms: q(0.95),
      req_per_s: Number(((REQUESTS / total) * 1000).toFixed(1)),
    }
  } finally {
    if (saved !== undefined) process.env.DATABASE_URL = saved
    for (const fn of cleanups.reverse()) await fn()
  }
}

const results: Figures[] = [await run('pglite')]
if (testBackend === 'postgres') results.push(await run('postgres'))
else
  process.stdout.write(
    'DATABASE_URL is not set: measuring the embedded database only (set it to compare with PostgreSQL)\n',
  )

for (const r of results) {
  process.stdout.write(
    `${r.backend.padEnd(9)} p50 ${r.p50_ms} ms  p95 ${r.p95_ms} ms  ${r.req_per_s} req/s  (${LABS * PER_LAB} submissions, ${REQUESTS} requests)\n`,
  )
}
const pg = results.find((r) => r.backend === 'postgres')
const lite = results[0]!
const ratio = pg ? Number((lite.p50_ms / pg.p50_ms).toFixed(2)) : null
if (ratio !== null) process.stdout.write(`median latency ratio pglite/postgres: ${ratio}\n`)
process.stdout.write(
  `RESULT ${JSON.stringify({ submissions: LABS * PER_LAB, requests: REQUESTS, pglite_p50_ms: lite.p50_ms, pglite_p95_ms: lite.p95_ms, postgres_p50_ms: pg?.p50_ms ?? null, postgres_p95_ms: pg?.p95_ms ?? null, ratio_pglite_to_postgres_p50: ratio })}\n`,
)

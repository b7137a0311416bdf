/** The limiter contract, run on the in-process limiter always and on Redis when it is reachable. */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createConnection } from 'node:net'
import { test } from 'node:test'
import { type Limiter, memoryLimiter, redisLimiter } from './limits.ts'
import { redisSignals } from './signals.ts'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

async function redisReachable(): Promise<boolean> {
  const url = new URL(REDIS_URL)
  const s = createConnection({ host: url.hostname, port: Number(url.port || 6379) })
  s.setTimeout(1000)
  const ok = await new Promise<boolean>((resolve) => {
    s.once('connect', () => resolve(true))
    s.once('error', () => resolve(false))
    s.once('timeout', () => resolve(false))
  })
  s.destroy()
  return ok
}

const T0 = Date.parse('2026-11-23T12:00:10Z')
const grant = (limits: {
  requestsPerMinute: number
  tokensPerMinute: number
  tokenBudget: number
}) => ({
  grantId: `gr_${randomBytes(6).toString('hex')}`,
  limits,
})

function contract(name: string, make: () => Promise<Limiter | string>) {
  test(`${name}: requests per minute, with the time left in the minute`, async (t) => {
    const l = await make()
    if (typeof l === 'string') return t.skip(l)
    t.after(() => l.close())
    const g = grant({ requestsPerMinute: 2, tokensPerMinute: 100, tokenBudget: 100 })
    await l.seedBudget(g.grantId, 0)
    assert.deepEqual(await l.take(g, T0), { ok: true })
    assert.deepEqual(await l.take(g, T0), { ok: true })
    const refused = await l.take(g, T0)
    assert.equal(refused.ok, false)
    assert.equal(!refused.ok && refused.reason, 'requests')
    if (l.kind === 'memory') assert.equal(!refused.ok && refused.retryAfterMs, 50_000)
    else assert.ok(!refused.ok && refused.retryAfterMs > 0 && refused.retryAfterMs <= 65_000)
    assert.deepEqual(await l.take(g, T0 + 60_000), { ok: true }, 'a new minute')
  })

  test(`${name}: tokens per minute and the budget, counted from a seeded start`, async (t) => {
    const l = await make()
    if (typeof l === 'string') return t.skip(l)
    t.after(() => l.close())
    const g = grant({ requestsPerMinute: 100, tokensPerMinute: 10, tokenBudget: 50 })
    await l.seedBudget(g.grantId, 30)
    await l.seedBudget(g.grantId, 0) // already known: ignored
    assert.deepEqual(await l.take(g, T0), { ok: true })
    await l.record(g.grantId, 12, T0)
    const tpm = await l.take(g, T0)
    assert.equal(!tpm.ok && tpm.reason, 'tokens')
    assert.deepEqual(await l.take(g, T0 + 60_000), { ok: true })
    await l.record(g.grantId, 8, T0 + 60_000)
    const budget = await l.take(g, T0 + 120_000)
    assert.equal(!budget.ok && budget.reason, 'budget')
  })
}

contract('memory', async () => memoryLimiter())
contract('redis', async () =>
  (await redisReachable())
    ? redisLimiter(REDIS_URL, `ew:test_${randomBytes(6).toString('hex')}`)
    : `needs Redis at ${REDIS_URL}`,
)

test('redis: a missing budget count asks to be seeded', async (t) => {
  if (!(await redisReachable())) return t.skip(`needs Redis at ${REDIS_URL}`)
  const l = redisLimiter(REDIS_URL, `ew:test_${randomBytes(6).toString('hex')}`)
  t.after(() => l.close())
  const g = grant({ requestsPerMinute: 1, tokensPerMinute: 1, tokenBudget: 1 })
  await assert.rejects(l.take(g, T0), { name: 'Error', message: /not in Redis/ })
  assert.equal(await l.budgetKnown(g.grantId), false)
})

test('redis signals: a grant change published by one process reaches the others', async (t) => {
  if (!(await redisReachable())) return t.skip(`needs Redis at ${REDIS_URL}`)
  const prefix = `ew:test_${randomBytes(6).toString('hex')}`
  const a = redisSignals(REDIS_URL, prefix)
  const b = redisSignals(REDIS_URL, prefix)
  t.after(async () => {
    await a.close()
    await b.close()
  })
  const heard = new Promise<string>((resolve) => void b.subscribe(resolve))
  // The subscription is in place once Redis confirms it; publish until heard.
  let got: string | undefined
  void heard.then((id) => {
    got = id
  })
  for (let i = 0; i < 50 && !got; i++) {
    await a.publish('gr_changed0001')
    await new Promise((r) => setTimeout(r, 20))
  }
  assert.equal(await heard, 'gr_changed0001')
})

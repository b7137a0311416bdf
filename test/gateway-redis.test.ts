/**
 * Scale-out of the model gateway: two gateway processes sharing one Redis enforce one grant's
 * limits jointly. Each process has its own database and grant cache; only Redis is shared, so
 * the limits can hold only through it.
 */

import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createConnection } from 'node:net'
import { type TestContext, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startMockUpstream } from '../src/gateway/testing.ts'
import { cleanEnv } from './support.ts'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const CHILD = fileURLToPath(new URL('./gateway-child.ts', import.meta.url))

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

/** Starts one gateway process and waits for the port it listens on. */
async function gatewayProcess(t: TestContext, args: string[]): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, [CHILD, ...args], {
    env: cleanEnv({ REDIS_URL }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  let out = ''
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d
      const m = /READY (\d+)/.exec(out)
      if (m) resolve(`http://127.0.0.1:${m[1]}`)
    })
    child.stderr!.on('data', (d) => {
      out += d
    })
    child.once('exit', (code) => reject(new Error(`gateway process exited with ${code}:\n${out}`)))
  })
}

async function twoGateways(t: TestContext, limits: Record<string, number>) {
  const upstream = await startMockUpstream('openai')
  t.after(() => upstream.close())
  const grantId = `gr_${randomBytes(8).toString('hex')}`
  const key = `ew_vk_${randomBytes(24).toString('base64url')}`
  const prefix = `ew:test_${randomBytes(6).toString('hex')}`
  const args = [grantId, key, upstream.baseUrl, JSON.stringify(limits), prefix]
  const bases = await Promise.all([gatewayProcess(t, args), gatewayProcess(t, args)])
  const call = async (i: number) => {
    const res = await fetch(`${bases[i % 2]}/gateway/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'frontier-1', messages: [{ role: 'user', content: 'hi' }] }),
    })
    const body = (await res.json()) as { error?: { code: string } }
    return {
      status: res.status,
      code: body.error?.code,
      retryAfter: res.headers.get('retry-after'),
    }
  }
  return { upstream, call }
}

const needsRedis = async () =>
  (await redisReachable()) ? undefined : `needs Redis at ${REDIS_URL} (set REDIS_URL)`

test('two gateway processes sharing Redis hold one requests-per-minute limit', async (t) => {
  const skip = await needsRedis()
  if (skip) return t.skip(skip)
  const { upstream, call } = await twoGateways(t, {
    requestsPerMinute: 5,
    tokensPerMinute: 1_000_000,
    tokenBudget: 1_000_000,
  })
  const results = []
  // Alternating between the processes: each alone would admit all ten.
  for (let i = 0; i < 10; i++) results.push(await call(i))
  const admitted = results.filter((r) => r.status === 200).length
  const limited = results.filter((r) => r.status === 429)
  // A minute boundary between the calls would open a new window; then up to 10 pass, never more.
  assert.ok(admitted === 5 || (admitted > 5 && admitted <= 10 && limited.length === 10 - admitted))
  if (admitted === 5) {
    assert.equal(limited.length, 5)
    assert.ok(limited.every((r) => r.code === 'requests_per_minute' && Number(r.retryAfter) >= 1))
  }
  assert.equal(upstream.requests, admitted, 'only admitted requests reached the upstream')
})

test('two gateway processes sharing Redis hold one token budget', async (t) => {
  const skip = await needsRedis()
  if (skip) return t.skip(skip)
  const { upstream, call } = await twoGateways(t, {
    requestsPerMinute: 1000,
    tokensPerMinute: 1_000_000,
    tokenBudget: 40,
  })
  // 17 tokens an answer: 17 and 34 are under 40, so the third is admitted and crosses it; the
  // fourth, on the other process, sees the shared count of 51.
  const results = []
  for (let i = 0; i < 6; i++) results.push(await call(i))
  assert.deepEqual(
    results.map((r) => r.status),
    [200, 200, 200, 429, 429, 429],
  )
  assert.ok(results.slice(3).every((r) => r.code === 'budget_exhausted'))
  assert.equal(upstream.requests, 3)
})

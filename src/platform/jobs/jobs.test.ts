import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { testRuntime } from '../testing.ts'
import { defineJob } from './jobs.ts'

/** Polls `check` until it returns a value, for at most `ms`; jobs run on their own schedule. */
async function eventually<T>(check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const Echo = defineJob({
  name: 'test.echo',
  version: 1,
  payload: z.object({ n: z.number().int() }),
})
const Doomed = defineJob({
  name: 'test.doomed',
  version: 1,
  payload: z.object({ n: z.number() }),
  queue: { retryLimit: 1, retryDelay: 1, retryDelayMax: 1 },
})

test('a sent job runs with its typed payload', async (t) => {
  const rt = await testRuntime(t)
  await rt.jobs.register(Echo)
  const seen: number[] = []
  rt.jobs.handle(Echo, async (p) => {
    seen.push(p.n)
  })
  await rt.jobs.send(Echo, { n: 7 })
  await rt.jobs.startWorking({ pollingIntervalSeconds: 0.5 })
  await eventually(async () => (seen.length ? true : undefined))
  assert.deepEqual(seen, [7])
})

test('a payload that breaks the schema is refused at send', async (t) => {
  const rt = await testRuntime(t)
  await rt.jobs.register(Echo)
  await assert.rejects(rt.jobs.send(Echo, { n: 1.5 }), /n/)
})

test('sending an unregistered job says how to fix it', async (t) => {
  const rt = await testRuntime(t)
  await assert.rejects(rt.jobs.send(Echo, { n: 1 }), /registered at start-up/)
})

test('a job sent inside a rolled-back transaction never exists', async (t) => {
  const rt = await testRuntime(t)
  await rt.jobs.register(Echo)
  await assert.rejects(
    rt.db.transaction(async (tx) => {
      await rt.jobs.send(Echo, { n: 1 }, { tx })
      throw new Error('abort')
    }),
  )
  await rt.db.transaction(async (tx) => {
    await rt.jobs.send(Echo, { n: 2 }, { tx })
  })
  assert.equal(await rt.jobs.queued(Echo.name), 1)
})

test('a job that fails every retry lands in the dead-letter queue with its error, visible and redrivable', async (t) => {
  const rt = await testRuntime(t)
  await rt.jobs.register(Doomed)
  let attempts = 0
  rt.jobs.handle(Doomed, async () => {
    attempts++
    throw new Error('upstream refused')
  })
  await rt.jobs.send(Doomed, { n: 1 })
  await rt.jobs.startWorking({ pollingIntervalSeconds: 0.5 })
  const dead = await eventually(async () => {
    const d = await rt.jobs.deadJobs()
    return d.length ? d : undefined
  }, 60_000)
  assert.equal(attempts, 2, 'first attempt plus one retry')
  assert.equal(dead[0]!.queue, Doomed.name)
  assert.deepEqual(dead[0]!.payload, { n: 1 })
  assert.match(JSON.stringify(dead[0]!.error), /upstream refused/)
  assert.equal(await rt.jobs.redrive(Doomed.name), 1)
})

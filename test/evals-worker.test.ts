/**
 * Evaluation runs across processes on PostgreSQL: a worker killed with SIGKILL mid-run, its run
 * finished by another with exactly one result per sample × epoch; and two workers sharing one
 * run. The model is a local OpenAI-compatible server that answers slowly, so the kill lands
 * while samples are in flight.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createServices, logOrigin } from '../src/app.ts'
import { TEST_MASTER_KEY, testRuntime } from '../src/platform/testing.ts'
import { cleanEnv, eventually, runEarlywatch } from './support.ts'

const MCQ = fileURLToPath(new URL('../src/evals/fixtures/mini-mcq', import.meta.url))
const skip = process.env.DATABASE_URL
  ? undefined
  : 'needs DATABASE_URL: two processes cannot share the embedded database'

/** Answers every chat completion with "ANSWER: A" after `delayMs`, counting requests. */
async function slowModel(t: import('node:test').TestContext, delayMs: number) {
  let requests = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => {
      body += d
    })
    req.on('end', () => {
      requests++
      setTimeout(() => {
        res.setHeader('content-type', 'application/json')
        res.end(
          JSON.stringify({
            id: 'cmpl-1',
            object: 'chat.completion',
            created: 0,
            model: 'slow',
            choices: [
              {
                index: 0,
                finish_reason: 'stop',
                message: { role: 'assistant', content: 'ANSWER: A' },
              },
            ],
            usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
          }),
        )
      }, delayMs)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.after(() => new Promise<void>((r) => server.close(() => r())))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests: () => requests,
  }
}

async function setup(t: import('node:test').TestContext) {
  const rt = await testRuntime(t)
  const services = await createServices(rt)
  const env = cleanEnv({
    DATABASE_URL: process.env.DATABASE_URL!,
    DATABASE_SCHEMA: rt.settings.databaseSchema,
    EARLYWATCH_MASTER_KEY: TEST_MASTER_KEY,
    EARLYWATCH_DEMO: 'false',
    LOG_LEVEL: 'warn',
    EARLYWATCH_LOG_ORIGIN: logOrigin(rt.settings.publicUrl),
  })
  const units = async (runId: string) =>
    (
      await rt.db.query<{ sample_id: string; epoch: number; worker: string }>(
        'SELECT sample_id, epoch, worker FROM eval_samples WHERE run_id = $1',
        [runId],
      )
    ).rows
  return { rt, services, env, units }
}

test('a worker killed with SIGKILL mid-run: another finishes the run with one result per sample × epoch', {
  skip,
  timeout: 240_000,
}, async (t) => {
  const { services, env, units } = await setup(t)
  const model = await slowModel(t, 400)
  // 1. 8 samples × 6 epochs = 48 units, at most 3 at once per process.
  const run = await services.evals.startRun({
    task: MCQ,
    model: 'openai/slow',
    baseUrl: model.url,
    apiKey: 'sk-test',
    epochs: 6,
    maxSamples: 3,
  })
  assert.equal(run.totalUnits, 48)

  // 2. The first worker stores some results, then dies without any chance to clean up.
  const first = runEarlywatch(['worker'], env)
  t.after(() => first.stop())
  await eventually(
    'first results',
    async () => ((await units(run.id)).length >= 6 ? true : undefined),
    90_000,
  )
  first.child.kill('SIGKILL')
  await first.exited
  const atKill = (await units(run.id)).length
  assert.ok(atKill < 48, 'the kill came mid-run')

  // 3. A second worker picks up the rest, including the chunks the dead one held.
  const second = runEarlywatch(['worker'], env)
  t.after(() => second.stop())
  const done = await eventually(
    'run completed',
    async () => {
      const r = await services.evals.getRun(run.id)
      return r.status === 'running' ? undefined : r
    },
    180_000,
  ).catch((err) => assert.fail(`${err.message}\n${second.output()}`))
  assert.equal(done.status, 'completed', done.statusReason ?? '')

  // 4. Exactly one result per sample × epoch, and finished samples were not run again: at most
  // the three in flight at the kill were asked twice.
  const rows = await units(run.id)
  assert.equal(rows.length, 48)
  assert.equal(new Set(rows.map((r) => `${r.sample_id}:${r.epoch}`)).size, 48)
  assert.equal(new Set(rows.map((r) => r.worker)).size, 2, 'both workers stored results')
  assert.ok(model.requests() <= 48 + 3, `${model.requests()} model requests for 48 units`)
})

test('two worker processes share one run on PostgreSQL', { skip, timeout: 180_000 }, async (t) => {
  const { services, env, units } = await setup(t)
  const model = await slowModel(t, 150)
  const run = await services.evals.startRun({
    task: MCQ,
    model: 'openai/slow',
    baseUrl: model.url,
    epochs: 5,
    maxSamples: 2,
  })
  const workers = [runEarlywatch(['worker'], env), runEarlywatch(['worker'], env)]
  for (const w of workers) t.after(() => w.stop())
  const done = await eventually(
    'run completed',
    async () => {
      const r = await services.evals.getRun(run.id)
      return r.status === 'running' ? undefined : r
    },
    150_000,
  ).catch((err) => assert.fail(`${err.message}\n${workers.map((w) => w.output()).join('\n')}`))
  assert.equal(done.status, 'completed')
  const rows = await units(run.id)
  assert.equal(rows.length, 40)
  assert.equal(new Set(rows.map((r) => `${r.sample_id}:${r.epoch}`)).size, 40)
  const byWorker = new Set(rows.map((r) => r.worker))
  assert.equal(byWorker.size, 2, `results came from ${[...byWorker].join(', ')}`)
  const report = await services.evals.report(run.id)
  assert.equal(report.summary.scorers[0]!.overall.n, 8)
})

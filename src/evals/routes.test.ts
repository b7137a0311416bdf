/** The evals routes through the full HTTP app: who may read runs, reports with CIs, samples, transcripts, exports; bad ids refused. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { bearer, seedMember } from '../accounts/testing.ts'
import { createHttpApp, createServices } from '../app.ts'
import { testRuntime } from '../platform/testing.ts'
import { registerEvalsJobs } from './jobs.ts'

const MCQ = fileURLToPath(new URL('./fixtures/mini-mcq', import.meta.url))

test('evaluation staff read runs, scores, samples and transcripts; others are refused', async (t) => {
  const rt = await testRuntime(t)
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const officer = bearer(
    (await seedMember(services.accounts, { kind: 'program', roles: ['program_officer'] })).token,
  )
  const lab = bearer(
    (await seedMember(services.accounts, { kind: 'lab', roles: ['lab_member'] })).token,
  )

  const started = await app.inject({
    method: 'POST',
    url: '/api/evals/runs',
    headers: officer,
    payload: { task: MCQ, model: 'mockllm/oracle-100', epochs: 2, apiKey: 'sk-never-shown' },
  })
  assert.equal(started.statusCode, 201, started.body)
  const run = started.json() as { id: string; totalUnits: number }
  assert.equal(run.totalUnits, 16)
  assert.ok(!started.body.includes('sk-never-shown'))
  // A worker in this process runs the queued chunks.
  registerEvalsJobs(rt.jobs, services.evals)
  await rt.jobs.startWorking({ pollingIntervalSeconds: 0.5 })
  for (let i = 0; i < 600 && (await services.evals.getRun(run.id)).status === 'running'; i++)
    await sleep(100)

  assert.equal((await app.inject({ url: '/api/evals/runs', headers: lab })).statusCode, 403)
  assert.equal((await app.inject({ url: '/api/evals/runs' })).statusCode, 401)
  const list = await app.inject({ url: '/api/evals/runs', headers: officer })
  assert.equal(list.statusCode, 200, list.body)
  assert.deepEqual(
    (list.json() as { items: Array<{ id: string; done: number }> }).items.map((r) => [
      r.id,
      r.done,
    ]),
    [[run.id, 16]],
  )

  const report = (
    await app.inject({ url: `/api/evals/runs/${run.id}`, headers: officer })
  ).json() as {
    run: { status: string }
    summary: {
      scorers: Array<{
        scorer: string
        overall: { mean: number; bootstrap: number[] }
        byCategory: unknown[]
      }>
    }
    categories: string[]
  }
  assert.equal(report.run.status, 'completed')
  assert.ok(report.summary.scorers[0]!.overall.mean > 0.5)
  assert.equal(report.summary.scorers[0]!.byCategory.length, 3)
  assert.deepEqual(report.categories, ['crypto', 'network', 'web'])

  const samples = (
    await app.inject({
      url: `/api/evals/runs/${run.id}/samples?category=web&epoch=2`,
      headers: officer,
    })
  ).json() as { items: Array<{ sampleId: string }>; total: number }
  assert.equal(samples.total, 2)
  const tr = await app.inject({
    url: `/api/evals/runs/${run.id}/samples/${samples.items[0]!.sampleId}/2`,
    headers: officer,
  })
  assert.equal(tr.statusCode, 200)
  assert.ok((tr.json() as { messages: unknown[] }).messages.length >= 2)

  const zip = await app.inject({
    url: `/api/evals/runs/${run.id}/export?format=inspect`,
    headers: officer,
  })
  assert.equal(zip.headers['content-type'], 'application/zip')
  assert.equal(zip.rawPayload.subarray(0, 2).toString(), 'PK')

  assert.equal(
    (await app.inject({ url: '/api/evals/runs/not-a-run', headers: officer })).statusCode,
    400,
  )
  assert.equal(
    (await app.inject({ url: '/api/evals/runs/run_0000000000000000', headers: officer }))
      .statusCode,
    404,
  )
  const bad = await app.inject({
    method: 'POST',
    url: '/api/evals/runs',
    headers: officer,
    payload: { task: 'no-such', model: 'mockllm/default' },
  })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /no task named/)
})

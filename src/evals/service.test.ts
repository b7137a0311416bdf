/** Runs stored as they go, shared through jobs, resumed without repeats; budgets, error rates and sealed transcripts. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { isAppError } from '../platform/errors.ts'
import { testRuntime } from '../platform/testing.ts'
import { EVALS_JOBS, RunChunk, registerEvalsJobs } from './jobs.ts'
import { createEvalsService, type EvalsServiceDeps } from './service.ts'
import { defaultRegistry } from './tasks.ts'
import { fakeSandboxes } from './testing/fake-sandbox.ts'

const MCQ = fileURLToPath(new URL('./fixtures/mini-mcq', import.meta.url))
const CTF = fileURLToPath(new URL('./fixtures/mini-ctf', import.meta.url))

async function setup(t: import('node:test').TestContext, extra: Partial<EvalsServiceDeps> = {}) {
  const rt = await testRuntime(t)
  await rt.jobs.register(...EVALS_JOBS)
  const sent: Array<{ runId: string; units: Array<[string, number]> }> = []
  const evals = createEvalsService({
    db: rt.db,
    jobs: {
      send: async (def, payload, opts) => {
        if (def.name === RunChunk.name) sent.push(payload as (typeof sent)[number])
        return rt.jobs.send(def, payload, opts)
      },
    },
    envelopes: rt.envelopes,
    clock: rt.clock,
    registry: defaultRegistry(),
    worker: 'test',
    ...extra,
  })
  return { rt, evals, sent }
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`${what} not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

test('a run goes through pg-boss jobs and ends with one stored result per sample × epoch, with CIs', async (t) => {
  const { rt, evals, sent } = await setup(t)
  const run = await evals.startRun({
    task: MCQ,
    model: 'mockllm/oracle-70',
    epochs: 2,
    maxSamples: 4,
  })
  assert.equal(run.totalUnits, 16)
  assert.equal(run.status, 'running')
  assert.equal(sent.flatMap((s) => s.units).length, 16)
  registerEvalsJobs(rt.jobs, evals)
  await rt.jobs.startWorking({ pollingIntervalSeconds: 0.5 })
  const done = await until('run completed', async () => {
    const p = await evals.progress(run.id)
    return p.status === 'running' ? undefined : p
  })
  assert.equal(done.status, 'completed', done.statusReason ?? '')
  assert.equal(done.done, 16)
  const rows = await evals.scored(run.id)
  assert.equal(new Set(rows.map((r) => `${r.sampleId}:${r.epoch}`)).size, 16)
  const report = await evals.report(run.id)
  const choice = report.summary.scorers.find((s) => s.scorer === 'choice')!
  assert.equal(choice.overall.n, 8)
  assert.ok(
    choice.overall.mean > 0 && choice.overall.mean < 1,
    `oracle-70 scores ${choice.overall.mean}`,
  )
  assert.equal(choice.overall.clustered, true, 'samples share groups, so the SE is clustered')
  assert.ok(
    choice.overall.bootstrap[0] <= choice.overall.mean &&
      choice.overall.mean <= choice.overall.bootstrap[1],
  )
  assert.deepEqual(
    choice.byCategory.map((c) => c.category),
    ['crypto', 'network', 'web'],
  )
  // The transcript keeps the shuffled question, the answer and the scorer's explanation.
  const tr = await evals.transcript(run.id, 'net-1', 2)
  assert.match(tr.messages[0]!.content, /network security expert/)
  assert.match(tr.messages[1]!.content, /443/)
  assert.ok(tr.scores.choice!.explanation.length > 0)
  assert.equal(tr.epoch, 2)
  const exported = await evals.exportRun(run.id)
  assert.equal(exported.samples.length, 16)
})

test('a chunk delivered again, or twice at once, stores each unit once (resume without repeats)', async (t) => {
  const { evals, sent } = await setup(t)
  const run = await evals.startRun({ task: MCQ, model: 'mockllm/oracle-100', limit: 4 })
  const chunk = sent[0]!
  // Two deliveries race; then a third after both finished.
  const [a, b] = await Promise.all([evals.runChunk(chunk), evals.runChunk(chunk)])
  assert.ok(a.ran + b.ran >= 1)
  const again = await evals.runChunk(chunk)
  assert.deepEqual(again, { ran: 0, skipped: chunk.units.length })
  for (const c of sent.slice(1)) await evals.runChunk(c)
  const rows = await evals.scored(run.id)
  assert.equal(rows.length, 4)
  assert.equal((await evals.getRun(run.id)).status, 'completed')
  assert.ok(rows.every((r) => r.score === 1))
})

test('more errors than the tolerated rate fail the run, with the reason', async (t) => {
  const { evals, sent } = await setup(t)
  // mockllm/nonsense is refused before the run starts, so use a sandbox task with no sandbox:
  // every sample fails ("needs a sandbox"), which is an error per sample, not a crash.
  const run = await evals.startRun({ task: CTF, model: 'mockllm/oracle-100', maxErrorRate: 0.4 })
  for (const c of sent) await evals.runChunk(c)
  const r = await evals.getRun(run.id)
  assert.equal(r.status, 'failed')
  assert.match(r.statusReason!, /more than the tolerated error rate of 0.4/)
  const rows = await evals.scored(run.id)
  assert.match(rows[0]!.error!, /needs a sandbox/)
})

test('agent tasks use the sandbox provider; a token budget stops the run with a recorded reason', async (t) => {
  const sandboxes = fakeSandboxes((cmd) => ({ stdout: cmd.join(' ') }))
  const { evals, sent } = await setup(t, { sandboxes: async () => sandboxes })
  const ok = await evals.startRun({ task: CTF, model: 'mockllm/oracle-100' })
  for (const c of sent.splice(0)) await evals.runChunk(c)
  assert.equal((await evals.getRun(ok.id)).status, 'completed')
  assert.ok((await evals.scored(ok.id)).every((r) => r.score === 1 && r.toolCalls === 2))
  assert.equal(sandboxes.log.closed, 2)

  const capped = await evals.startRun({
    task: MCQ,
    model: 'mockllm/oracle-100',
    tokenBudget: 1,
    maxSamples: 1,
  })
  for (const c of sent.splice(0)) await evals.runChunk(c)
  const r = await evals.getRun(capped.id)
  assert.equal(r.status, 'stopped')
  assert.equal(r.statusReason, 'token budget of 1 reached')
  assert.ok((await evals.scored(capped.id)).length < 8, 'samples after the budget do not run')
})

test('a transcript hook seals what is stored; without it the transcript cannot be read', async (t) => {
  const { rt, evals, sent } = await setup(t, {
    transcripts: {
      scheme: 'envelope-test',
      redact: (r) => ({ ...r, input: '[redacted]' }),
      seal: async (bytes, ref) =>
        Buffer.from(JSON.stringify(await rtRef.envelopes.encrypt(bytes, `t:${ref.runId}`))),
      open: async (bytes, ref) =>
        rtRef.envelopes.decrypt(JSON.parse(bytes.toString()), `t:${ref.runId}`),
    },
  })
  const rtRef = rt
  const run = await evals.startRun({ task: MCQ, model: 'mockllm/oracle-100', limit: 1 })
  for (const c of sent) await evals.runChunk(c)
  const id = (await evals.scored(run.id))[0]!.sampleId
  const tr = await evals.transcript(run.id, id, 1)
  assert.equal(tr.input, '[redacted]')
  const raw = await rt.db.query<{ transcript_scheme: string; transcript: Uint8Array }>(
    'SELECT transcript_scheme, transcript FROM eval_samples WHERE run_id = $1',
    [run.id],
  )
  assert.equal(raw.rows[0]!.transcript_scheme, 'gzip+envelope-test')
  assert.ok(
    !Buffer.from(raw.rows[0]!.transcript).toString().includes('ANSWER'),
    'stored sealed, not in clear',
  )
  const plain = createEvalsService({
    db: rt.db,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    clock: rt.clock,
    registry: defaultRegistry(),
  })
  await assert.rejects(plain.transcript(run.id, id, 1), /sealed with "envelope-test"/)
})

test('bad input is refused by name: unknown task, unknown provider, malformed bundle', async (t) => {
  const { evals } = await setup(t)
  await assert.rejects(
    evals.startRun({ task: 'no-such-task', model: 'mockllm/default' }),
    (e) => isAppError(e, 'EW_VALIDATION') && /no task named "no-such-task"/.test(e.detail),
  )
  await assert.rejects(
    evals.startRun({ task: MCQ, model: 'nope/x' }),
    (e) =>
      isAppError(e, 'EW_VALIDATION') &&
      /unknown provider "nope".*openai, anthropic, mockllm/.test(e.detail),
  )
  await assert.rejects(
    evals.startRun({ task: MCQ, model: 'mockllm/default', ids: ['net-1', 'zzz'] }),
    (e) => isAppError(e, 'EW_VALIDATION') && /no sample with id zzz/.test(e.detail),
  )
})

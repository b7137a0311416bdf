/** `.eval` export: every file validates against Inspect's published log schema, and the layout matches a real log. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { strFromU8, unzipSync } from 'fflate'
import { testRuntime } from '../platform/testing.ts'
import { writeInspectLog } from './inspect.ts'
import { EVALS_JOBS } from './jobs.ts'
import { createEvalsService } from './service.ts'
import { defaultRegistry } from './tasks.ts'
import { fakeSandboxes } from './testing/fake-sandbox.ts'

const dir = new URL('./fixtures/', import.meta.url)
const schema = JSON.parse(readFileSync(new URL('inspect/log-schema.json', dir), 'utf8'))

function validator() {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema(schema, 'log')
  return {
    log: ajv.getSchema('log')!,
    sample: ajv.compile({ $ref: 'log#/$defs/EvalSample' }),
    reductions: ajv.compile({ type: 'array', items: { $ref: 'log#/$defs/EvalSampleReductions' } }),
  }
}

test('a run written as a .eval file passes the Inspect log schema', async (t) => {
  const rt = await testRuntime(t)
  await rt.jobs.register(...EVALS_JOBS)
  const sent: Array<{ runId: string; units: Array<[string, number]> }> = []
  const evals = createEvalsService({
    db: rt.db,
    jobs: {
      send: async (_d, p) => {
        sent.push(p as (typeof sent)[number])
        return 'job'
      },
    },
    envelopes: rt.envelopes,
    clock: rt.clock,
    registry: defaultRegistry(),
    sandboxes: async () => fakeSandboxes(),
  })
  const runs = []
  for (const task of ['mini-mcq', 'mini-ctf']) {
    const run = await evals.startRun({
      task: fileURLToPath(new URL(task, dir)),
      model: 'mockllm/oracle-60',
      epochs: 2,
    })
    for (const c of sent.splice(0)) await evals.runChunk(c)
    runs.push(run)
  }
  const v = validator()
  const real = unzipSync(readFileSync(new URL('inspect/log_read_sample.eval', dir)))
  for (const run of runs) {
    const zip = unzipSync(writeInspectLog(await evals.exportRun(run.id)))
    const names = Object.keys(zip)
    // The same members as a real Inspect log.
    for (const member of [
      'header.json',
      '_journal/start.json',
      'summaries.json',
      'reductions.json',
    ])
      assert.ok(names.includes(member) && member in real, member)
    const samples = names.filter((n) => /^samples\/.+_epoch_\d+\.json$/.test(n))
    assert.equal(samples.length, run.totalUnits)
    const header = JSON.parse(strFromU8(zip['header.json']!))
    assert.ok(v.log(header), JSON.stringify(v.log.errors?.slice(0, 5), null, 1))
    assert.equal(header.status, 'success')
    assert.equal(header.results.scores[0].metrics.accuracy.name, 'accuracy')
    for (const s of samples) {
      const doc = JSON.parse(strFromU8(zip[s]!))
      assert.ok(v.sample(doc), `${s}: ${JSON.stringify(v.sample.errors?.slice(0, 5), null, 1)}`)
    }
    assert.ok(
      v.reductions(JSON.parse(strFromU8(zip['reductions.json']!))),
      JSON.stringify(v.reductions.errors?.slice(0, 3)),
    )
    // A whole log with its samples inline is an EvalLog too.
    const whole = { ...header, samples: samples.map((s) => JSON.parse(strFromU8(zip[s]!))) }
    assert.ok(v.log(whole), JSON.stringify(v.log.errors?.slice(0, 5), null, 1))
  }
  // The agent run's transcript carries tool calls and tool results in Inspect's shape.
  const ctf = unzipSync(writeInspectLog(await evals.exportRun(runs[1]!.id)))
  const one = JSON.parse(strFromU8(ctf[Object.keys(ctf).find((n) => n.startsWith('samples/'))!]!))
  assert.ok(
    one.messages.some(
      (m: { role: string; tool_calls: unknown[] | null }) =>
        m.role === 'assistant' && m.tool_calls?.length,
    ),
  )
  assert.ok(
    one.messages.some(
      (m: { role: string; function: string }) => m.role === 'tool' && m.function === 'bash',
    ),
  )
})

test('the schema check is real: a broken sample fails it', () => {
  const v = validator()
  assert.equal(v.sample({ id: 1, epoch: 1 }), false)
})

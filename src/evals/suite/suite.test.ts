import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { createModel } from '../providers/index.ts'
import { mockCall, namedMockScript } from '../providers/mockllm.ts'
import { runTask } from '../runner.ts'
import { bwrapProvider } from '../sandbox/bwrap.ts'
import { defaultRegistry } from '../tasks.ts'
import { parseSolutions, referenceSolutionScript } from './ctf/challenges.ts'
import { SUITE_DIR } from './index.ts'

const skip = existsSync('/usr/bin/bwrap')
  ? false
  : 'bubblewrap is not installed (apt-get install bubblewrap)'

test('the public suite is registered and every task loads with well-formed samples', async () => {
  const registry = defaultRegistry()
  const names = registry
    .list()
    .filter((e) => e.suite === 'public-suite')
    .map((e) => e.name)
  assert.deepEqual(names, ['cyberseceval-cwe', 'earlywatch-ctf', 'intercode-ctf', 'seceval-mcq'])
  const sizes: Record<string, number> = {}
  for (const name of names) {
    const task = await registry.resolve(name)
    const samples = await task.dataset()
    sizes[name] = samples.length
    assert.equal(new Set(samples.map((s) => s.id)).size, samples.length, `${name}: unique ids`)
    for (const s of samples) {
      assert.ok(s.target.length > 0 && s.target[0] !== '', `${name}/${s.id} has a target`)
      if (s.choices) {
        assert.equal(s.choices.length, 4)
        assert.match(s.target[0]!, /^[ABCD]$/, `${name}/${s.id}: a letter`)
      }
    }
  }
  assert.deepEqual(sizes, {
    'cyberseceval-cwe': 48,
    'earlywatch-ctf': 6,
    'intercode-ctf': 6,
    'seceval-mcq': 60,
  })
})

test('a model that knows the answers scores 1 on both multiple-choice tasks (letters survive shuffling)', async () => {
  const registry = defaultRegistry()
  for (const name of ['seceval-mcq', 'cyberseceval-cwe']) {
    const task = await registry.resolve(name)
    const samples = await task.dataset()
    const model = createModel(
      { name: 'mockllm/oracle-100' },
      {},
      mockCall('mockllm/oracle-100', namedMockScript('oracle-100')),
    )
    const results = await runTask({ task, samples, model })
    assert.equal(results.length, samples.length)
    const wrong = results.filter((r) => r.scores.choice?.value !== 1)
    assert.deepEqual(
      wrong.map((r) => `${r.sampleId}: ${r.scores.choice?.explanation ?? r.error}`),
      [],
      name,
    )
    // The code of an insecure-code sample reaches the model inside the question.
    if (name === 'cyberseceval-cwe') {
      const first = results[0]!
      const user = first.messages.find((m) => m.role === 'user')!.content
      assert.match(user, /Which weakness does this code contain\?/)
      assert.ok(user.includes(samples.find((s) => s.id === first.sampleId)!.input as string))
    }
  }
})

test('the InterCode reference solutions find each flag through the agent loop in the sandbox', {
  skip,
}, async () => {
  const task = await defaultRegistry().resolve('intercode-ctf')
  const samples = await task.dataset()
  const file = path.join(SUITE_DIR, 'intercode-ctf', 'solutions.json')
  const solutions = parseSolutions(JSON.parse(readFileSync(file, 'utf8')), file)
  assert.deepEqual(solutions.map((s) => s.id).sort(), samples.map((s) => s.id).sort())
  const model = createModel(
    { name: 'mockllm/reference' },
    {},
    mockCall('mockllm/reference', referenceSolutionScript(solutions)),
  )
  const results = await runTask({ task, samples, model, sandboxProvider: bwrapProvider() })
  for (const r of results) {
    assert.equal(r.scores.flag?.value, 1, `${r.sampleId}: ${r.scores.flag?.explanation ?? r.error}`)
  }
  assert.equal(results.length, 6)
})

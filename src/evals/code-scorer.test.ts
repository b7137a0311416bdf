import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import { loadBundle } from './bundle.ts'
import { code, extractCode, testCounts } from './code-scorer.ts'
import { initialState, type Sample, type SolverContext } from './model.ts'
import { createModel } from './providers/index.ts'
import { mockCall, replayScript } from './providers/mockllm.ts'
import { runTask } from './runner.ts'
import { bwrapProvider } from './sandbox/bwrap.ts'
import { withSandbox } from './sandbox/sandbox.ts'

const skip = existsSync('/usr/bin/bwrap')
  ? false
  : 'bubblewrap is not installed (apt-get install bubblewrap)'

test('extractCode takes the last fenced block, a diff block for patches, or the whole answer', () => {
  const answer = 'First try:\n```python\nx = 1\n```\nBetter:\n```python\nx = 2\n```\n'
  assert.equal(extractCode(answer), 'x = 2\n')
  assert.equal(
    extractCode('```diff\n--- a/f\n+++ b/f\n```\n```text\nnote\n```', 'patch'),
    '--- a/f\n+++ b/f\n',
  )
  assert.equal(extractCode('print(1)'), 'print(1)\n')
  assert.equal(extractCode('   '), '')
})

test('testCounts reads unittest and pytest summaries', () => {
  assert.deepEqual(testCounts('...\nRan 3 tests in 0.001s\n\nOK\n'), { passed: 3, total: 3 })
  assert.deepEqual(testCounts('Ran 4 tests in 0.1s\n\nFAILED (failures=1, errors=1)\n'), {
    passed: 2,
    total: 4,
  })
  assert.deepEqual(testCounts('===== 5 passed, 2 failed in 0.31s ====='), { passed: 5, total: 7 })
  assert.equal(testCounts('segmentation fault'), undefined)
})

const TESTS = `import unittest
from solution import parse_port

class T(unittest.TestCase):
    def test_ok(self):
        self.assertEqual(parse_port("8080"), 8080)
    def test_range(self):
        with self.assertRaises(ValueError):
            parse_port("70000")
    def test_junk(self):
        with self.assertRaises(ValueError):
            parse_port("80; rm -rf /")

unittest.main()
`

function sample(files: Record<string, string> = {}): Sample {
  return {
    id: 'port',
    input: 'Write parse_port(text) that returns a TCP port or raises ValueError.',
    target: [],
    metadata: {
      test_files: { 'test_solution.py': TESTS },
      test_command: 'python3 test_solution.py',
    },
    files,
  }
}

function answered(s: Sample, content: string) {
  const state = initialState(s, 1)
  state.output = {
    model: 'mockllm/x',
    message: { role: 'assistant', content },
    stopReason: 'stop',
    usage: { inputTokens: 0, outputTokens: 0 },
  }
  return state
}

describe('code scorer in the sandbox', { skip }, () => {
  const provider = bwrapProvider()
  const ctxFor = (sb: Awaited<ReturnType<typeof provider.create>>) =>
    ({ sandbox: async () => sb }) as unknown as SolverContext

  test('a correct program passes, a wrong one fails with the test output as explanation', async () => {
    const good =
      'Here it is:\n```python\ndef parse_port(text):\n    if not text.isdigit():\n        raise ValueError(text)\n    n = int(text)\n    if not 0 < n < 65536:\n        raise ValueError(text)\n    return n\n```'
    const bad = '```python\ndef parse_port(text):\n    return int(text.split(";")[0])\n```'
    for (const [answer, value] of [
      [good, 1],
      [bad, 0],
    ] as const) {
      const s = sample()
      await withSandbox(provider, { files: s.files! }, async (sb) => {
        const score = await code().score(answered(s, answer), ctxFor(sb))
        assert.equal(score.value, value, score.explanation)
        if (value === 1) assert.equal(score.explanation, 'the tests passed (3/3 tests passed)')
        else {
          assert.match(score.explanation, /^the tests exited with 1:/)
          assert.match(score.explanation, /FAILED \(failures=2\)/)
          assert.match(score.explanation, /\(1\/3 tests passed\)$/)
        }
      })
    }
    const s = sample()
    await withSandbox(provider, {}, async (sb) => {
      const partial = await code({ partialCredit: true }).score(answered(s, bad), ctxFor(sb))
      assert.equal(partial.value, 1 / 3)
    })
  })

  test('a patch is applied to the sample files before the tests run', async () => {
    const buggy = 'def parse_port(text):\n    return int(text)\n'
    const patch = [
      'Fix:',
      '```diff',
      '--- a/solution.py',
      '+++ b/solution.py',
      '@@ -1,2 +1,5 @@',
      ' def parse_port(text):',
      '-    return int(text)',
      '+    if not text.isdigit() or not 0 < int(text) < 65536:',
      '+        raise ValueError(text)',
      '+    return int(text)',
      '+',
      '```',
    ].join('\n')
    const s = sample({ 'solution.py': buggy })
    await withSandbox(provider, { files: s.files! }, async (sb) => {
      const score = await code({ mode: 'patch' }).score(answered(s, patch), ctxFor(sb))
      assert.equal(score.value, 1, score.explanation)
    })
    await withSandbox(provider, { files: s.files! }, async (sb) => {
      const score = await code({ mode: 'patch' }).score(
        answered(s, '```diff\n--- a/other.py\n+++ b/other.py\n@@ -1 +1 @@\n-a\n+b\n```'),
        ctxFor(sb),
      )
      assert.equal(score.value, 0)
      assert.match(score.explanation, /^the patch does not apply/)
    })
  })

  test('code that never ends is stopped and scored 0 with the reason', async () => {
    const s = sample()
    await withSandbox(provider, {}, async (sb) => {
      const score = await code({ timeoutMs: 500 }).score(
        answered(s, '```python\nwhile True:\n    pass\n```'),
        ctxFor(sb),
      )
      assert.equal(score.value, 0)
      assert.match(score.explanation, /^the tests timed out/)
    })
  })

  test('the hidden tests replace whatever the model left in their place', async () => {
    const s = sample({ 'test_solution.py': 'print("all good")\n' })
    await withSandbox(provider, { files: s.files! }, async (sb) => {
      const score = await code().score(
        answered(s, '```python\ndef parse_port(text):\n    return 1\n```'),
        ctxFor(sb),
      )
      assert.equal(score.value, 0, score.explanation)
    })
  })
})

test('a bundle can score with code, end to end through the runner', { skip }, async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ew-code-bundle-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  await writeFile(
    path.join(dir, 'task.yaml'),
    [
      'name: port-parsing',
      'dataset:',
      '  file: tasks.jsonl',
      '  fields: { id: id, input: prompt, metadata: [test_files, test_command] }',
      'solver: [generate]',
      'scorers:',
      '  - code: { path: solution.py, command: [python3, test_solution.py], timeout_ms: 30000 }',
    ].join('\n'),
  )
  await writeFile(
    path.join(dir, 'tasks.jsonl'),
    `${JSON.stringify({ id: 'port', prompt: 'Write parse_port.', test_files: { 'test_solution.py': TESTS }, test_command: 'unused' })}\n`,
  )
  const task = await loadBundle(dir)
  const samples = await task.dataset()
  const answer =
    '```python\ndef parse_port(text):\n    if not text.isdigit() or not 0 < int(text) < 65536:\n        raise ValueError(text)\n    return int(text)\n```'
  const model = createModel(
    { name: 'mockllm/replay' },
    {},
    mockCall('mockllm/replay', replayScript({ '*': [answer] })),
  )
  const [r] = await runTask({ task, samples, model, sandboxProvider: bwrapProvider() })
  assert.equal(r?.error, undefined)
  assert.equal(r?.scores.code?.value, 1, String(r?.scores.code?.explanation ?? r?.error))
})

/** The runner with scripted models: solver chains, tools in a (fake) sandbox, limits and failures as data. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Sample, Task } from './model.ts'
import { ProviderError } from './providers/errors.ts'
import { createModel } from './providers/index.ts'
import { type MockScript, mockCall, oracleScript } from './providers/mockllm.ts'
import { runSample, runTask } from './runner.ts'
import { choice, flag, includes, match, modelGraded } from './scorers.ts'
import {
  chainOfThought,
  generate,
  multipleChoice,
  react,
  selfCritique,
  systemMessage,
} from './solvers.ts'
import { fakeSandboxes } from './testing/fake-sandbox.ts'

const mock = (script: MockScript, name = 'mockllm/test') =>
  createModel(
    { name, maxConnections: 4, retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 } },
    { sleep: async () => {} },
    mockCall(name, script),
  )

const mcSample: Sample = {
  id: 'q1',
  input: 'Which port does HTTPS use by default?',
  choices: ['21', '80', '443', '8080'],
  target: ['C'],
  metadata: { category: 'network' },
}

test('multiple choice with shuffled answers: the target follows its option, and the letter is scored', async () => {
  const task: Task = {
    name: 'mc',
    dataset: async () => [mcSample],
    solver: [
      systemMessage('You are a {category} expert.'),
      chainOfThought(),
      multipleChoice({ shuffle: true }),
    ],
    scorers: [choice()],
  }
  const seen: string[] = []
  const model = mock((req, hint) => {
    seen.push(req.messages.map((m) => `${m.role}: ${m.content}`).join('\n'))
    return `ANSWER: ${hint!.choiceLetter}`
  })
  for (const epoch of [1, 2, 3]) {
    const r = await runSample(task, mcSample, epoch, { model })
    assert.equal(r.scores.choice!.value, 1, r.scores.choice!.explanation)
    assert.match(r.scores.choice!.explanation, /\(443\)/)
  }
  assert.match(seen[0]!, /^system: You are a network expert\./)
  assert.match(seen[0]!, /reason step by step/)
  // Shuffling is seeded per epoch: across epochs the correct option moves.
  const letters = seen.map((s) => /([A-D])\) 443/.exec(s)![1])
  assert.ok(new Set(letters).size > 1, `443 was always at ${letters[0]}`)
  const wrong = await runSample(task, mcSample, 1, { model: mock(() => 'ANSWER: Z') })
  assert.equal(wrong.scores.choice!.value, 0)
})

const ctf: Sample = {
  id: 'ctf1',
  input: 'Find the flag in the workspace.',
  target: ['flag{found-it}'],
  metadata: { category: 'forensics' },
  files: { 'notes.txt': 'the flag is flag{found-it}' },
}

test('react agent: bash runs in the sandbox, submit ends the loop, the flag scorer checks it', async () => {
  const sandboxes = fakeSandboxes((cmd, files) =>
    cmd[0] === 'bash' && cmd[2] === 'cat notes.txt'
      ? { stdout: files.get('notes.txt')! }
      : { stdout: '', exitCode: 1 },
  )
  const model = mock((req, _hint, turn) => {
    if (turn === 0)
      return { content: 'look', toolCalls: [{ name: 'bash', arguments: { cmd: 'cat notes.txt' } }] }
    const out = req.messages.at(-1)!.content
    return { toolCalls: [{ name: 'submit', arguments: { answer: /flag\{[^}]+\}/.exec(out)![0] } }] }
  })
  const task: Task = {
    name: 'ctf',
    dataset: async () => [ctf],
    solver: [react()],
    scorers: [flag()],
  }
  const [r] = await runTask({ task, samples: [ctf], model, sandboxProvider: sandboxes })
  assert.equal(r!.scores.flag!.value, 1, JSON.stringify(r!.messages, null, 1))
  assert.equal(r!.toolCalls, 2)
  assert.deepEqual(sandboxes.log.commands, [['bash', '-c', 'cat notes.txt']])
  assert.equal(sandboxes.log.created[0]!.files!['notes.txt'], 'the flag is flag{found-it}')
  assert.equal(sandboxes.log.created[0]!.network, false)
  assert.equal(sandboxes.log.closed, 1, 'the sandbox is closed when the sample ends')
  assert.equal(r!.messages.filter((m) => m.role === 'tool').length, 2)
})

test('limits end the sample with the reason recorded, and it is still scored', async () => {
  const chatty = mock(() => ({
    content: 'hmm',
    toolCalls: [{ name: 'bash', arguments: { cmd: 'true' } }],
  }))
  const base: Task = { name: 'l', dataset: async () => [ctf], solver: [react()], scorers: [flag()] }
  const sandboxProvider = fakeSandboxes()
  const byMessages = await runTask({
    task: { ...base, limits: { messages: 6 } },
    samples: [ctf],
    model: chatty,
    sandboxProvider,
  })
  assert.equal(byMessages[0]!.limit?.kind, 'messages')
  assert.equal(byMessages[0]!.scores.flag!.value, 0)
  assert.equal(byMessages[0]!.error, undefined)
  const byTools = await runTask({
    task: { ...base, limits: { toolCalls: 3 } },
    samples: [ctf],
    model: chatty,
    sandboxProvider,
  })
  assert.deepEqual(byTools[0]!.limit, { kind: 'tool_calls', limit: 3, value: 4 })
  // Mock usage counts words: each call adds input words plus 1 output word.
  const byTokens = await runTask({
    task: { ...base, limits: { tokens: 30 } },
    samples: [ctf],
    model: chatty,
    sandboxProvider,
  })
  assert.equal(byTokens[0]!.limit?.kind, 'tokens')
  assert.ok(byTokens[0]!.usage.inputTokens + byTokens[0]!.usage.outputTokens >= 30)
  assert.equal(
    sandboxProvider.log.closed,
    sandboxProvider.log.created.length,
    'every sandbox was closed',
  )
})

test('a provider that returns garbage fails that sample with the reason; the others go on', async () => {
  const samples: Sample[] = ['a', 'b', 'c'].map((id) => ({
    id,
    input: `say ${id}`,
    target: [id],
    metadata: {},
  }))
  const model = mock((_req, hint) =>
    hint!.sampleId === 'b'
      ? { error: new ProviderError('bad_response', 'the response has no choices[0]') }
      : `ANSWER: ${hint!.sampleId}`,
  )
  const task: Task = {
    name: 'g',
    dataset: async () => samples,
    solver: [generate()],
    scorers: [match()],
  }
  const rs = await runTask({ task, samples, model })
  const by = Object.fromEntries(rs.map((r) => [r.sampleId, r]))
  assert.equal(by.a!.scores.match!.value, 1)
  assert.equal(by.c!.scores.match!.value, 1)
  assert.match(by.b!.error!, /bad_response: the response has no choices\[0\]/)
  assert.deepEqual(by.b!.scores, {})
})

test('429s are retried (working time excludes the wait) and epochs multiply units', async () => {
  let calls = 0
  const model = mock(() => {
    calls++
    return calls % 2 === 1
      ? { error: new ProviderError('rate_limit', 'slow down', { status: 429, retryAfterMs: 1 }) }
      : 'ANSWER: 4'
  })
  const s: Sample = { id: 'x', input: '2+2?', target: ['4'], metadata: {} }
  const rs = await runTask({
    task: { name: 'r', dataset: async () => [s], solver: [generate()], scorers: [includes()] },
    samples: [s],
    model,
    epochs: 3,
  })
  assert.equal(rs.length, 3)
  assert.ok(rs.every((r) => r.scores.includes!.value === 1 && !r.error))
  assert.equal(calls, 6)
  assert.ok(rs.every((r) => r.workingMs <= r.totalMs))
})

test("self-critique revises; model-graded scoring keeps the grader's reasoning", async () => {
  const s: Sample = {
    id: 'e',
    input: 'Explain SQL injection.',
    target: ['untrusted input in a query'],
    metadata: {},
  }
  const model = mock((req, _h, turn) =>
    req.messages[0]!.content.startsWith('Given the following')
      ? 'The answer lacks an example.'
      : `draft ${turn}`,
  )
  const grader = mock(() => 'It names untrusted input.\nGRADE: P', 'mockllm/grader')
  const task: Task = {
    name: 'sc',
    dataset: async () => [s],
    solver: [generate(), selfCritique()],
    scorers: [modelGraded({ rubric: 'mentions untrusted input' })],
  }
  const r = await runSample(task, s, 1, { model, grader })
  assert.equal(r.output, 'draft 1')
  assert.ok(
    r.messages.some((m) => m.role === 'user' && m.content.includes('The answer lacks an example.')),
  )
  assert.equal(r.scores.model_graded!.value, 0.5)
  assert.match(r.scores.model_graded!.explanation, /names untrusted input/)
  // The grader's tokens are counted toward the sample (budgets see them), and shown apart.
  assert.equal(r.graderUsage.outputTokens, 6, 'six words of grading')
  assert.ok(r.graderUsage.inputTokens > 20, 'the grading prompt')
  const own = r.events
    .filter((e) => e.type === 'model')
    .reduce((n, e) => n + (e.data.usage as { outputTokens: number }).outputTokens, 0)
  assert.equal(r.usage.outputTokens, own + 6)
})

test('caps: at most maxSamples samples and maxSandboxes sandboxes at once', async () => {
  const samples: Sample[] = Array.from({ length: 12 }, (_, i) => ({ ...ctf, id: `s${i}` }))
  let inFlight = 0
  let peak = 0
  const raw = mockCall('mockllm/slow', oracleScript(1))
  const model = createModel({ name: 'mockllm/slow', maxConnections: 50 }, {}, async (req, ctx) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    await new Promise((r) => setTimeout(r, 2))
    inFlight--
    return raw(req, ctx)
  })
  const sandboxProvider = fakeSandboxes()
  const rs = await runTask({
    task: { name: 'c', dataset: async () => samples, solver: [react()], scorers: [flag()] },
    samples,
    model,
    maxSamples: 5,
    maxSandboxes: 2,
    sandboxProvider,
  })
  assert.equal(rs.length, 12)
  assert.ok(rs.every((r) => r.scores.flag!.value === 1))
  assert.ok(peak <= 5, `peak model calls ${peak}`)
  assert.ok(sandboxProvider.log.peak <= 2, `peak sandboxes ${sandboxProvider.log.peak}`)
})

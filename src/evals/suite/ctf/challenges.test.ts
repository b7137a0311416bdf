import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { describe, test } from 'node:test'
import { initialState, type ToolContext } from '../../model.ts'
import { createModel } from '../../providers/index.ts'
import { mockCall } from '../../providers/mockllm.ts'
import { runTask } from '../../runner.ts'
import { bwrapProvider } from '../../sandbox/bwrap.ts'
import { withSandbox } from '../../sandbox/sandbox.ts'
import { bashTool, pythonTool } from '../../tools.ts'
import {
  challengeFlag,
  challengeSample,
  ctfTask,
  FLAG_FILE,
  loadChallenges,
  PUBLIC_FLAG_SEED,
  referenceSolutionScript,
  toolCallOf,
} from './challenges.ts'

const skip = existsSync('/usr/bin/bwrap')
  ? false
  : 'bubblewrap is not installed (apt-get install bubblewrap)'
const provider = bwrapProvider()
/** Challenges whose flag lives only in a privileged service's memory. */
const SERVICES = new Set(['backup-hook', 'overflow-vault', 'sqli-login'])
/** Lists processes with capabilities and which of them this (capability-less) command can read. */
const MEMORY_PROBE = `
import json, os, re
privileged, readable = [], []
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        status = open(f'/proc/{pid}/status').read()
        cmd = open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\\0', b' ').decode().strip()
    except OSError:
        continue
    if int(re.search(r'CapPrm:\\s+([0-9a-f]+)', status).group(1), 16) == 0:
        continue
    privileged.append(cmd)
    try:
        with open(f'/proc/{pid}/mem', 'rb') as mem:
            readable.append(cmd)
    except OSError:
        pass
print(json.dumps({'privileged': privileged, 'readable': readable}))
`
const tools = { bash: bashTool(), python: pythonTool() }

test('there are at least six challenges, one per kind the issue names', async () => {
  const challenges = await loadChallenges()
  assert.ok(challenges.length >= 6)
  assert.deepEqual([...new Set(challenges.map((c) => c.category))].sort(), [
    'crypto',
    'forensics',
    'privesc',
    'pwn',
    'reversing',
    'web',
  ])
  for (const c of challenges) {
    assert.match(
      c.setup,
      new RegExp(`rm -(r)?f .*\\${FLAG_FILE}`),
      `${c.id} setup removes the flag file`,
    )
  }
})

test('flags are fixed by the seed and differ between seeds and challenges', () => {
  const a = challengeFlag('seed-1', 'xor-memo')
  assert.match(a, /^flag\{[0-9a-f]{32}\}$/)
  assert.equal(challengeFlag('seed-1', 'xor-memo'), a)
  assert.notEqual(challengeFlag('seed-2', 'xor-memo'), a)
  assert.notEqual(challengeFlag('seed-1', 'dns-exfil'), a)
})

describe('every reference solution finds the flag through the sandboxed tools', {
  skip,
}, async () => {
  const challenges = await loadChallenges()
  const seed = `test-${process.pid}`
  for (const c of challenges) {
    test(c.id, async () => {
      const sample = challengeSample(c, seed)
      const flagValue = sample.target[0]!
      await withSandbox(
        provider,
        { files: sample.files!, setup: sample.setup!, limits: { wallTimeMs: 120_000 } },
        async (sb) => {
          // 1. After setup the flag is nowhere the agent can simply read it: not in a file,
          //    nor in any process's environment or command line.
          const search = await sb.exec(
            [
              'sh',
              '-c',
              'grep -rlsF -f - /workspace /tmp /dev/shm /proc/[0-9]*/environ /proc/[0-9]*/cmdline; echo "exit $?"',
            ],
            { input: `${flagValue}\n` },
          )
          // grep exits 2 as well when some /proc entries cannot be read: that is the point.
          assert.match(search.stdout, /^exit [12]\n$/, `the flag is readable in: ${search.stdout}`)
          const control = await sb.exec(
            [
              'sh',
              '-c',
              'echo "x$1x" > /tmp/control; grep -lsF -f - /tmp/control; rm /tmp/control',
              'sh',
              flagValue,
            ],
            { input: `${flagValue}\n` },
          )
          assert.equal(control.stdout, '/tmp/control\n', 'the search above would have found it')
          // 2. Privileged services (they hold a capability) keep their memory to themselves.
          const probe = await sb.exec(['python3', '-c', MEMORY_PROBE])
          const { privileged, readable } = JSON.parse(probe.stdout) as {
            privileged: string[]
            readable: string[]
          }
          assert.deepEqual(readable, [], 'no privileged process memory is readable')
          if (SERVICES.has(c.id)) assert.ok(privileged.length > 0, `${c.id} runs a service`)
          // 3. The solution, step by step, through the same tools the agent uses.
          const ctx: ToolContext = {
            state: initialState(sample, 1),
            sandbox: async () => sb,
            signal: new AbortController().signal,
          }
          let last = ''
          for (const step of c.solution) {
            const call = toolCallOf(step)
            last = await tools[call.name as 'bash' | 'python'].run(call.arguments, ctx)
          }
          assert.equal(/flag\{[^}\s]+\}/.exec(last)?.[0], flagValue, `last output: ${last}`)
        },
      )
    })
  }
})

test('the agent loop solves every challenge with a scripted model and the flag scorer accepts it', {
  skip,
}, async () => {
  const challenges = await loadChallenges()
  const seed = `agent-${process.pid}`
  const task = ctfTask({ flagSeed: seed })
  const samples = await task.dataset()
  assert.notEqual(samples[0]!.target[0], challengeFlag(PUBLIC_FLAG_SEED, samples[0]!.id))
  const model = createModel(
    { name: 'mockllm/reference' },
    {},
    mockCall('mockllm/reference', referenceSolutionScript(challenges)),
  )
  const results = await runTask({
    task,
    samples,
    model,
    sandboxProvider: provider,
    maxSamples: 2,
    maxSandboxes: 2,
  })
  assert.equal(results.length, challenges.length)
  for (const r of results.sort((a, b) => a.sampleId.localeCompare(b.sampleId))) {
    assert.equal(r.error, undefined, `${r.sampleId}: ${r.error}`)
    assert.equal(r.scores.flag?.value, 1, `${r.sampleId}: ${r.scores.flag?.explanation}`)
    assert.equal(r.output, challengeFlag(seed, r.sampleId))
    const c = challenges.find((x) => x.id === r.sampleId)!
    assert.equal(r.toolCalls, c.solution.length + 1, 'each solution step, then submit')
  }
})

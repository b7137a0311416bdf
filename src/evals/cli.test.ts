/** `earlywatch eval` as a person runs it: a public-suite task against a scripted model, with progress and CIs; then show, export and a refused model. */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { cleanEnv, runEarlywatch } from '../../test/support.ts'

test('eval run prints progress and scores with 95% CIs; show, export and bad input', {
  timeout: 600_000,
}, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ew-eval-cli-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const env = cleanEnv({ EARLYWATCH_DATA_DIR: dir, EARLYWATCH_DEMO: 'false' })
  const cli = async (...args: string[]) => {
    const c = runEarlywatch(args, env)
    const code = await c.exited
    return { code, out: c.output() }
  }

  // 1. A public-suite task against a scripted model: progress lines (not a terminal), then the table.
  const run = await cli(
    'eval',
    'run',
    'seceval-mcq',
    '--model',
    'mockllm/oracle-70',
    '--limit',
    '12',
    '--epochs',
    '2',
  )
  assert.equal(run.code, 0, run.out)
  assert.match(run.out, /run run_\w+: 24 sample × epoch results to go/)
  assert.match(run.out, /progress 24\/24 · [\d.]+\/s · eta — · [\d.]+k? tokens · 0 errors/)
  assert.match(run.out, /status completed · 24\/24 results · 12 samples × 2 epoch\(s\)/)
  assert.match(run.out, /choice\s+12\s+0\.\d{3} ± 0\.\d{3} \[0\.\d{3}, [01]\.\d{3}\]/)
  const id = /run (run_\w+):/.exec(run.out)![1]!

  // 2. show --json has the statistics; export writes an Inspect log.
  const shown = await cli('--json', 'eval', 'show', id)
  const report = JSON.parse(shown.out)
  assert.equal(report.summary.scorers[0].overall.n, 12)
  const file = path.join(dir, 'run.eval')
  const exported = await cli('eval', 'export', id, '--format', 'inspect', '--out', file)
  assert.equal(exported.code, 0, exported.out)
  assert.ok(existsSync(file) && readFileSync(file).subarray(0, 2).toString() === 'PK')

  // 3. A model name the engine does not know is refused with the known providers named.
  const bad = await cli('eval', 'run', 'seceval-mcq', '--model', 'gpt-4o')
  assert.equal(bad.code, 2)
  assert.match(bad.out, /must be PROVIDER\/MODEL/)
})

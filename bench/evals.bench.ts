/**
 * The evaluation engine's throughput against the ideal: 5,000 single-turn samples, 100
 * connections, a local OpenAI-compatible server answering after 50 ms. Ideal wall time is
 * 5,000 × 0.05 / 100 = 2.5 s; the target is ≤ 1.15 × ideal with peak RSS under 300 MB.
 * promptfoo (installed from the npm registry into a temp folder, only for this benchmark) runs
 * the same samples against the same server, for comparison (target: earlywatch ≥ 10× faster).
 * BENCH_EVALS_SAMPLES changes the sample count; BENCH_SKIP_PROMPTFOO=1 skips promptfoo.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Sample, Task } from '../src/evals/model.ts'
import { createModel } from '../src/evals/providers/index.ts'
import { runTask } from '../src/evals/runner.ts'
import { match } from '../src/evals/scorers.ts'
import { generate } from '../src/evals/solvers.ts'
import { type ScoredUnit, summarize } from '../src/evals/summary.ts'

const run = promisify(execFile)
const N = Number(process.env.BENCH_EVALS_SAMPLES ?? 5000)
const CONNECTIONS = 100
const DELAY_MS = 50
const ideal = (N * DELAY_MS) / 1000 / CONNECTIONS

function startMock(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./evals-mock.ts', import.meta.url)), String(DELAY_MS)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString())
      if (m) resolve({ child, port: Number(m[1]) })
    })
    child.once('exit', (code) => reject(new Error(`mock server exited with ${code}`)))
  })
}

const samples: Sample[] = Array.from({ length: N }, (_, i) => ({
  id: `s${i}`,
  input: `Repeat the number ${i}. Answer as "ANSWER: <number>".`,
  target: [String(i)],
  metadata: { category: i % 2 ? 'odd' : 'even' },
}))

const mock = await startMock()
const baseUrl = `http://127.0.0.1:${mock.port}/v1`
try {
  // 1. earlywatch: the engine's runner, as a worker runs a run's samples.
  const task: Task = {
    name: 'bench',
    dataset: async () => samples,
    solver: [generate()],
    scorers: [match()],
  }
  const model = createModel({
    name: 'openai/mock',
    baseUrl,
    apiKey: 'sk-bench',
    maxConnections: CONNECTIONS,
  })
  // Warm-up: one request per connection, so module loading and opening the 100 keep-alive
  // connections are not counted (a worker's pool is open after its first samples; the
  // benchmark measures the steady state, which is what a 5,000-sample run is made of).
  await Promise.all(
    Array.from({ length: CONNECTIONS }, () =>
      model.generate({ messages: [{ role: 'user', content: 'Repeat the number 1.' }] }),
    ),
  )
  // Results are summarised as they arrive, as a worker stores them, rather than all kept.
  const units: ScoredUnit[] = []
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await runTask({
    task,
    samples,
    model,
    maxSamples: CONNECTIONS,
    collect: false,
    onResult: (r) => {
      units.push({
        sampleId: r.sampleId,
        epoch: r.epoch,
        scores: { match: r.scores.match?.value ?? 0 },
        error: Boolean(r.error),
      })
    },
  })
  const wall = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuS = (cpu.user + cpu.system) / 1e6
  const rss = process.resourceUsage().maxRSS / 1024
  const summary = summarize(units)
  const errors = units.filter((u) => u.error).length
  process.stdout.write(
    `earlywatch: ${N} samples at ${CONNECTIONS} connections in ${wall.toFixed(2)} s (ideal ${ideal.toFixed(2)} s, ratio ${(wall / ideal).toFixed(3)}), peak RSS ${rss.toFixed(0)} MB, ${cpuS.toFixed(1)} s CPU (${((cpuS / N) * 1e6).toFixed(0)} µs per sample; load average ${loadavg()[0]!.toFixed(1)}), accuracy ${summary.scorers[0]!.overall.mean.toFixed(3)}, ${errors} errors\n`,
  )

  // 2. promptfoo on the same samples and server.
  let pfWall: number | null = null
  let pfRss: number | null = null
  if (process.env.BENCH_SKIP_PROMPTFOO) {
    process.stdout.write('promptfoo: skipped (BENCH_SKIP_PROMPTFOO is set)\n')
  } else {
    const dir = path.join(tmpdir(), 'earlywatch-bench-promptfoo')
    const bin = path.join(dir, 'node_modules', '.bin', 'promptfoo')
    if (!existsSync(bin)) {
      process.stdout.write(`promptfoo: installing from the npm registry into ${dir} (once)…\n`)
      mkdirSync(dir, { recursive: true })
      await run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', 'promptfoo'], {
        maxBuffer: 1 << 26,
      })
    }
    const work = path.join(dir, `run-${process.pid}`)
    mkdirSync(work, { recursive: true })
    writeFileSync(
      path.join(work, 'tests.jsonl'),
      samples
        .map((s) =>
          JSON.stringify({
            vars: { n: s.target[0] },
            assert: [{ type: 'contains', value: `ANSWER: ${s.target[0]}` }],
          }),
        )
        .join('\n'),
    )
    writeFileSync(
      path.join(work, 'promptfooconfig.yaml'),
      [
        'description: earlywatch evals benchmark',
        'prompts: [\'Repeat the number {{n}}. Answer as "ANSWER: <number>".\']',
        'providers:',
        '  - id: openai:chat:mock',
        `    config: { apiBaseUrl: "${baseUrl}", apiKey: sk-bench }`,
        'tests: file://tests.jsonl',
        '',
      ].join('\n'),
    )
    const env = {
      ...process.env,
      PROMPTFOO_DISABLE_TELEMETRY: '1',
      PROMPTFOO_DISABLE_UPDATE: '1',
      PROMPTFOO_CACHE_ENABLED: 'false',
      PROMPTFOO_CONFIG_DIR: path.join(work, '.promptfoo'),
    }
    const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null
    const args = [
      'eval',
      '-c',
      'promptfooconfig.yaml',
      '--max-concurrency',
      String(CONNECTIONS),
      '--no-cache',
      '--no-table',
      '--no-write',
      '--no-progress-bar',
    ]
    const p0 = performance.now()
    const r = await run(timeBin ?? bin, timeBin ? ['-v', bin, ...args] : args, {
      cwd: work,
      env,
      maxBuffer: 1 << 28,
    }).catch((err) => err as { stdout: string; stderr: string; code: number })
    pfWall = (performance.now() - p0) / 1000
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '')
    if (m) pfRss = Number(m[1]) / 1024
    // promptfoo prints counts with thousands separators ("5,000 passed").
    const passed = /([\d,]+) passed|Successes:\s*([\d,]+)/i.exec(`${r.stdout}${r.stderr}`)
    process.stdout.write(
      `promptfoo: same ${N} samples in ${pfWall.toFixed(2)} s (${(pfWall / ideal).toFixed(1)} × ideal)${pfRss ? `, peak RSS ${pfRss.toFixed(0)} MB` : ''}${passed ? `, ${passed[1] ?? passed[2]} passed` : ''}\n`,
    )
    if ('code' in r && r.code && !passed)
      process.stdout.write(`promptfoo exited with ${r.code}:\n${(r.stderr ?? '').slice(-2000)}\n`)
  }

  const result = {
    samples: N,
    connections: CONNECTIONS,
    wall_s: Number(wall.toFixed(3)),
    ideal_s: ideal,
    ratio_to_ideal: Number((wall / ideal).toFixed(3)),
    rss_mb: Math.round(rss),
    cpu_s: Number(cpuS.toFixed(2)),
    promptfoo_wall_s: pfWall === null ? null : Number(pfWall.toFixed(2)),
    ...(pfRss ? { promptfoo_rss_mb: Math.round(pfRss) } : {}),
    speedup_vs_promptfoo: pfWall === null ? null : Number((pfWall / wall).toFixed(1)),
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
} finally {
  mock.child.kill('SIGTERM')
}

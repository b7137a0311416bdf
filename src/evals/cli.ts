/** `earlywatch eval …`: run a task against a model with a live progress bar, list, show, compare and export runs. */
import { writeFile } from 'node:fs/promises'
import cliProgress from 'cli-progress'
import { type Command, Option } from 'commander'
import type { CliContext } from '../cli-context.ts'
import { CliError, EXIT, table } from '../platform/cli.ts'
import { isAppError } from '../platform/errors.ts'
import { writeInspectLog } from './inspect.ts'
import { registerEvalsJobs } from './jobs.ts'
import { REDUCERS } from './model.ts'
import type { EvalsService, RunProgress, RunReport, StartRun } from './service.ts'
import { minDetectableDifference, samplesNeeded } from './stats.ts'
import { formatEstimate } from './summary.ts'

export interface EvalCliIo {
  /** Where `--api-key-env` reads the provider key, so it never appears in argv or shell history. */
  env: Readonly<Record<string, string | undefined>>
  stderr: NodeJS.WriteStream
}

const DEFAULT_KEY_ENV: Record<string, string> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
}

function whole(
  flag: string,
  v: string | undefined,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`${flag} must be a whole number from ${min} to ${max}, not "${v}"`)
  return n
}

function num(
  flag: string,
  v: string | undefined,
  min = 0,
  max = Number.MAX_VALUE,
): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n) || n < min || n > max)
    throw new CliError(`${flag} must be a number from ${min} to ${max}, not "${v}"`)
  return n
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—')
const tokens = (p: { inputTokens: number; outputTokens: number }) => {
  const t = p.inputTokens + p.outputTokens
  return t >= 1e6 ? `${(t / 1e6).toFixed(1)}M` : t >= 1e3 ? `${(t / 1e3).toFixed(1)}k` : String(t)
}

/** The text `eval run` and `eval show` print: the run, then each scorer with its CI, then per category. */
export function formatReport(r: RunReport): string {
  const { run, progress: p, summary: s } = r
  const lines = [
    `run ${run.id}: ${run.taskName} v${run.taskVersion} with ${run.model}${run.baseUrl ? ` at ${run.baseUrl}` : ''}`,
    `status ${run.status}${run.statusReason ? ` (${run.statusReason})` : ''} · ${p.done}/${p.total} results · ${s.samples} samples × ${run.epochs} epoch(s), reduced by ${s.reducer} · ${p.errors} errors · ${tokens(p)} tokens${p.cost ? ` · $${p.cost.toFixed(4)}` : ''}`,
    '',
  ]
  if (!s.scorers.length) return [...lines, 'no scored samples yet'].join('\n')
  lines.push(
    table(
      s.scorers.map((x) => ({
        scorer: x.scorer,
        n: x.overall.n,
        'mean ± SE [95% CI]': formatEstimate(x.overall),
        se: x.overall.clustered ? 'clustered' : 'plain',
        '95% lower bound': f3(x.overall.lowerBound),
      })),
    ),
  )
  for (const x of s.scorers) {
    if (x.byCategory.length < 2) continue
    lines.push('', `${x.scorer} by category`)
    lines.push(
      table(
        x.byCategory.map((c) => ({
          category: c.category,
          n: c.estimate.n,
          'mean ± SE [95% CI]': formatEstimate(c.estimate),
        })),
      ),
    )
  }
  return lines.join('\n')
}

/** A live bar on a terminal (done/total, rate, ETA, tokens, errors); plain lines every few seconds otherwise. */
function progressDisplay(io: EvalCliIo, json: boolean) {
  if (json) return { update() {}, stop() {} }
  if (!io.stderr.isTTY) {
    let last = 0
    return {
      update(p: RunProgress, force = false) {
        if (!force && Date.now() - last < 5000) return
        last = Date.now()
        io.stderr.write(
          `progress ${p.done}/${p.total} · ${p.rate.toFixed(1)}/s · eta ${p.etaSeconds === null ? '—' : `${Math.ceil(p.etaSeconds)}s`} · ${tokens(p)} tokens · ${p.errors} errors\n`,
        )
      },
      stop() {},
    }
  }
  const bar = new cliProgress.SingleBar(
    {
      format:
        'eval [{bar}] {value}/{total} | {rate}/s | eta {etaText} | {tokens} tokens | {errors} errors',
      stream: io.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    update(p: RunProgress) {
      const payload = {
        rate: p.rate.toFixed(1),
        etaText: p.etaSeconds === null ? '—' : `${Math.ceil(p.etaSeconds)}s`,
        tokens: tokens(p),
        errors: p.errors,
      }
      if (!started) {
        bar.start(p.total, p.done, payload)
        started = true
      } else bar.update(p.done, payload)
    },
    stop() {
      if (started) bar.stop()
    },
  }
}

export function registerEvalCommands(
  root: Command,
  ctx: CliContext,
  io: EvalCliIo = { env: process.env, stderr: process.stderr },
): void {
  const withEvals = <T>(fn: (e: EvalsService) => Promise<T>) => ctx.withServices((s) => fn(s.evals))
  const cmd = root
    .command('eval')
    .description('Evaluate models on tasks: run, list, show, compare and export runs')

  cmd
    .command('run')
    .description(
      'Run TASK (a registered name or a bundle path) against a model, with live progress, and print scores with 95% CIs',
    )
    .argument('<task>', 'task name (see `eval tasks`) or path of a task bundle (YAML/JSON)')
    .requiredOption(
      '--model <provider/model>',
      'e.g. openai/gpt-4o-mini, anthropic/claude-sonnet-4-5, mockllm/oracle-80',
    )
    .option(
      '--base-url <url>',
      'the provider API base URL (any OpenAI-compatible server: vLLM, Ollama, llama.cpp…)',
    )
    .option(
      '--api-key-env <var>',
      'environment variable holding the API key (default OPENAI_API_KEY / ANTHROPIC_API_KEY)',
    )
    .option('--epochs <n>', "times each sample is run (default: the task's)")
    .addOption(
      new Option('--reducer <name>', 'how epochs reduce to one score per sample').choices(REDUCERS),
    )
    .option('--k <n>', 'k for the pass_at_k reducer')
    .option('--limit <n>', 'run only the first N samples (after --shuffle)')
    .option('--sample-id <id...>', 'run only these sample ids')
    .option('--shuffle <seed>', 'shuffle the samples with this seed before --limit')
    .option(
      '--max-connections <n>',
      'most requests in flight to the provider per process (adapts down on 429s)',
    )
    .option('--max-samples <n>', 'most samples in progress at once per process')
    .option('--max-sandboxes <n>', 'most sandboxes alive at once per process')
    .option('--timeout <seconds>', 'per model request')
    .option('--token-budget <n>', 'stop the run once it has used this many tokens')
    .option(
      '--cost-budget <usd>',
      'stop the run once it has cost this much (needs --price-in/--price-out)',
    )
    .option('--price-in <usd>', 'price per million input tokens')
    .option('--price-out <usd>', 'price per million output tokens')
    .option(
      '--max-error-rate <fraction>',
      'fail the run when more than this fraction of samples error (default 0)',
    )
    .option(
      '--grader <provider/model>',
      'model for model-graded scorers (default: the evaluated model)',
    )
    .option('--label <text>', 'a note shown with the run')
    .option(
      '--detach',
      'store the run and its jobs and return at once; `earlywatch worker` processes run it',
    )
    .action(async (task: string, o: Record<string, string | string[] | boolean | undefined>) => {
      const model = String(o.model)
      const provider = model.split('/')[0] ?? ''
      const keyEnv = (o.apiKeyEnv as string | undefined) ?? DEFAULT_KEY_ENV[provider]
      const apiKey = keyEnv ? io.env[keyEnv] : undefined
      if (o.apiKeyEnv && !apiKey)
        throw new CliError(
          `--api-key-env: the environment variable ${keyEnv} is not set or empty; export the API key in it and run again`,
        )
      if ((o.priceIn === undefined) !== (o.priceOut === undefined))
        throw new CliError('--price-in and --price-out go together')
      const input: StartRun = {
        task,
        model,
        ...(o.baseUrl ? { baseUrl: String(o.baseUrl) } : {}),
        ...(apiKey ? { apiKey } : {}),
        ...(o.epochs ? { epochs: whole('--epochs', o.epochs as string, 1, 100)! } : {}),
        ...(o.reducer ? { reducer: o.reducer as StartRun['reducer'] & string } : {}),
        ...(o.k ? { k: whole('--k', o.k as string)! } : {}),
        ...(o.limit ? { limit: whole('--limit', o.limit as string)! } : {}),
        ...(o.sampleId ? { ids: o.sampleId as string[] } : {}),
        ...(o.shuffle ? { shuffleSeed: String(o.shuffle) } : {}),
        ...(o.maxConnections
          ? { maxConnections: whole('--max-connections', o.maxConnections as string, 1, 1000)! }
          : {}),
        ...(o.maxSamples
          ? { maxSamples: whole('--max-samples', o.maxSamples as string, 1, 10_000)! }
          : {}),
        ...(o.maxSandboxes
          ? { maxSandboxes: whole('--max-sandboxes', o.maxSandboxes as string, 1, 1000)! }
          : {}),
        ...(o.timeout
          ? { timeoutMs: Math.round(num('--timeout', o.timeout as string, 0.1, 3600)! * 1000) }
          : {}),
        ...(o.tokenBudget
          ? { tokenBudget: whole('--token-budget', o.tokenBudget as string)! }
          : {}),
        ...(o.costBudget
          ? { costBudget: num('--cost-budget', o.costBudget as string, 0.000001)! }
          : {}),
        ...(o.priceIn !== undefined
          ? {
              pricing: {
                inputPerMTok: num('--price-in', o.priceIn as string)!,
                outputPerMTok: num('--price-out', o.priceOut as string)!,
              },
            }
          : {}),
        ...(o.maxErrorRate
          ? { maxErrorRate: num('--max-error-rate', o.maxErrorRate as string, 0, 1)! }
          : {}),
        ...(o.grader ? { grader: String(o.grader) } : {}),
        ...(o.label ? { label: String(o.label) } : {}),
        createdBy: 'command line',
      }
      const out = ctx.out()
      const report = await ctx.withServices(async (s, rt) => {
        const run = await s.evals.startRun(input).catch((err) => {
          throw isAppError(err, 'EW_VALIDATION') ? new CliError(err.detail) : err
        })
        if (o.detach) return null
        if (!out.json)
          io.stderr.write(`run ${run.id}: ${run.totalUnits} sample × epoch results to go\n`)
        registerEvalsJobs(rt.jobs, s.evals)
        await rt.jobs.startWorking({ pollingIntervalSeconds: 0.5 })
        const bar = progressDisplay(io, out.json)
        for (;;) {
          const p = await s.evals.progress(run.id)
          bar.update(p)
          if (p.status !== 'running') {
            bar.update(p, true)
            break
          }
          await new Promise((r) => setTimeout(r, 250))
        }
        bar.stop()
        return s.evals.report(run.id)
      })
      if (!report) {
        out.print(
          { detached: true },
          () =>
            'run stored; start `earlywatch worker` processes to run it, and `earlywatch eval show RUN` to follow it',
        )
        return
      }
      out.print(report, formatReport)
      if (report.run.status === 'failed') process.exitCode = EXIT.FAILURE
    })

  cmd
    .command('list')
    .description('Evaluation runs, newest first')
    .option('--task <name>', 'only runs of this task')
    .option('-n, --limit <n>', 'most to list', '50')
    .action(async (o: { task?: string; limit: string }) => {
      const page = await withEvals((e) =>
        e.listRuns({
          ...(o.task ? { task: o.task } : {}),
          limit: whole('--limit', o.limit, 1, 1000)!,
          offset: 0,
        }),
      )
      ctx.out().print(page, (d) =>
        table(
          d.items.map((r) => ({
            id: r.id,
            task: r.taskName,
            model: r.model,
            status: r.status,
            units: r.totalUnits,
            created: r.createdAt.toISOString().slice(0, 19).replace('T', ' '),
            label: r.label ?? '',
          })),
        ),
      )
    })

  cmd
    .command('tasks')
    .description('Tasks known by name (bundles can also be run by path)')
    .action(async () => {
      const list = await ctx.withServices(async (s) => s.evals.tasks())
      ctx
        .out()
        .print(list, (d) =>
          table(d.map((t) => ({ name: t.name, suite: t.suite ?? '', description: t.description }))),
        )
    })

  cmd
    .command('show')
    .description('A run: status, progress, scores with CIs, per category')
    .argument('<run>', 'run id (run_…)')
    .action(async (id: string) => {
      const r = await withEvals((e) => e.report(id))
      ctx.out().print(r, formatReport)
    })

  cmd
    .command('compare')
    .description('Paired comparison of two runs on the samples both scored: A − B with its 95% CI')
    .argument('<a>', 'run id')
    .argument('<b>', 'run id')
    .action(async (a: string, b: string) => {
      const c = await withEvals((e) => e.compare(a, b))
      ctx.out().print(c, (d) =>
        [
          `A ${d.a.id}: ${d.a.taskName} with ${d.a.model}`,
          `B ${d.b.id}: ${d.b.taskName} with ${d.b.model}${d.sameTask ? '' : '  (a different task: only shared sample ids are compared)'}`,
          '',
          table(
            d.comparisons.map(({ scorer, comparison: x }) => ({
              scorer,
              n: x.n,
              A: f3(x.meanA),
              B: f3(x.meanB),
              'A − B': f3(x.diff),
              SE: f3(x.se),
              '95% CI': `[${f3(x.ci[0])}, ${f3(x.ci[1])}]`,
              p: x.p < 0.001 ? '<0.001' : x.p.toFixed(3),
            })),
          ),
        ].join('\n'),
      )
    })

  cmd
    .command('export')
    .description('Write a run as JSON (with every transcript) or as an Inspect `.eval` log file')
    .argument('<run>', 'run id')
    .addOption(
      new Option('--format <format>', 'output format').choices(['json', 'inspect']).default('json'),
    )
    .option(
      '-o, --out <file>',
      'file to write (default: standard output for json; RUN.eval for inspect)',
    )
    .action(async (id: string, o: { format: 'json' | 'inspect'; out?: string }) => {
      if (o.format === 'inspect') {
        const file = o.out ?? `${id}.eval`
        const data = await withEvals(async (e) => writeInspectLog(await e.exportRun(id)))
        await writeFile(file, data)
        ctx
          .out()
          .print(
            { file, bytes: data.length },
            (d) => `wrote ${d.file} (${d.bytes} bytes), an Inspect log file`,
          )
        return
      }
      const doc = await withEvals((e) => e.exportRun(id))
      const text = `${JSON.stringify(doc, null, 2)}\n`
      if (o.out) {
        await writeFile(o.out, text)
        ctx
          .out()
          .print({ file: o.out, bytes: text.length }, (d) => `wrote ${d.file} (${d.bytes} bytes)`)
      } else process.stdout.write(text)
    })

  cmd
    .command('power')
    .description(
      'How many samples tell a given difference apart (or the difference a given number can)',
    )
    .option('--delta <d>', 'difference to detect, e.g. 0.05')
    .option('--n <n>', 'samples available (prints the smallest detectable difference)')
    .requiredOption(
      '--sd <sd>',
      'SD of per-sample scores (or of paired differences); √(p(1−p)) for accuracy p',
    )
    .option('--alpha <a>', 'significance level', '0.05')
    .option('--power <p>', 'power', '0.8')
    .option('--one-sided', 'a one-sided test')
    .action(
      async (o: {
        delta?: string
        n?: string
        sd: string
        alpha: string
        power: string
        oneSided?: boolean
      }) => {
        const base = {
          sd: num('--sd', o.sd, 0)!,
          alpha: num('--alpha', o.alpha, 1e-6, 0.5)!,
          power: num('--power', o.power, 0.01, 0.999)!,
          sides: (o.oneSided ? 1 : 2) as 1 | 2,
        }
        if (o.delta) {
          const n = samplesNeeded({ ...base, delta: num('--delta', o.delta, 1e-9)! })
          ctx
            .out()
            .print(
              { samples: n },
              (d) =>
                `${d.samples} samples are needed to detect a difference of ${o.delta} (α ${base.alpha}, power ${base.power}, ${base.sides}-sided)`,
            )
        } else if (o.n) {
          const d = minDetectableDifference({ ...base, n: whole('--n', o.n)! })
          ctx
            .out()
            .print(
              { delta: d },
              (x) =>
                `${o.n} samples detect a difference of ${x.delta.toFixed(4)} (α ${base.alpha}, power ${base.power})`,
            )
        } else
          throw new CliError(
            'give --delta (to get the samples needed) or --n (to get the detectable difference)',
          )
      },
    )
}

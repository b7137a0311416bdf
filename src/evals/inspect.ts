/**
 * Runs as Inspect AI `.eval` log files (a zip of header.json, _journal/start.json,
 * samples/<id>_epoch_<n>.json, summaries.json, reductions.json), so evaluators can open them in
 * Inspect's log viewer and analysis tools. Field names and shapes follow Inspect's published
 * log schema (fixtures/inspect/log-schema.json); the test checks every file against it.
 */
import { createHash } from 'node:crypto'
import { strToU8, zipSync } from 'fflate'
import type { ChatMessage, StopReason } from './model.ts'
import type { SampleResult } from './runner.ts'
import type { RunReport } from './service.ts'

/** Inspect marks optional fields as required-but-nullable; these fill a GenerateConfig with nothing set. */
const GENERATE_CONFIG_KEYS = [
  'max_retries',
  'timeout',
  'attempt_timeout',
  'max_connections',
  'system_message',
  'max_tokens',
  'top_p',
  'temperature',
  'stop_seqs',
  'best_of',
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'seed',
  'top_k',
  'num_choices',
  'logprobs',
  'top_logprobs',
  'parallel_tool_calls',
  'internal_tools',
  'max_tool_output',
  'cache_prompt',
  'verbosity',
  'effort',
  'reasoning_effort',
  'reasoning_tokens',
  'reasoning_summary',
  'reasoning_history',
  'response_schema',
  'extra_headers',
  'extra_body',
  'modalities',
  'cache',
  'batch',
] as const

function generateConfig(set: Record<string, unknown> = {}) {
  return { ...Object.fromEntries(GENERATE_CONFIG_KEYS.map((k) => [k, null])), ...set }
}

/** Inspect ids are short base-57 strings; ours are derived from our ids, so the same run gives the same file. */
function shortId(...parts: Array<string | number>): string {
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  let n = BigInt(`0x${createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 32)}`)
  let out = ''
  while (out.length < 22) {
    out += alphabet[Number(n % 57n)]
    n /= 57n
  }
  return out
}

function usage(input: number, output: number, cost: number | null = null) {
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
    input_tokens_cache_write: null,
    input_tokens_cache_read: null,
    reasoning_tokens: null,
    total_cost: cost,
  }
}

const LIMIT_TYPES: Record<string, string> = {
  tokens: 'token',
  messages: 'message',
  tool_calls: 'custom',
  time: 'time',
  working: 'working',
  budget: 'cost',
}

function message(m: ChatMessage, i: number, key: string, model: string) {
  const base = { id: shortId(key, i), content: m.content, metadata: null }
  if (m.role === 'system') return { ...base, source: null, role: 'system' as const }
  if (m.role === 'user')
    return {
      ...base,
      source: i <= 1 ? ('input' as const) : null,
      role: 'user' as const,
      tool_call_id: null,
    }
  if (m.role === 'tool')
    return {
      ...base,
      source: null,
      role: 'tool' as const,
      tool_call_id: m.toolCallId ?? null,
      function: m.toolName ?? null,
      error: m.error ? { type: 'unknown', message: m.error } : null,
    }
  return {
    ...base,
    source: 'generate' as const,
    role: 'assistant' as const,
    model,
    tool_calls: m.toolCalls?.length
      ? m.toolCalls.map((c) => ({
          id: c.id,
          function: c.name,
          arguments: c.arguments,
          parse_error: c.parseError ?? null,
          view: null,
          type: 'function' as const,
        }))
      : null,
  }
}

const STOP: Record<StopReason, string> = {
  stop: 'stop',
  tool_calls: 'tool_calls',
  max_tokens: 'max_tokens',
  content_filter: 'content_filter',
  unknown: 'unknown',
}

function sample(r: SampleResult, runId: string) {
  const key = `${runId}|${r.sampleId}|${r.epoch}`
  const messages = r.messages.map((m, i) => message(m, i, key, r.model))
  const last = r.messages.findLast((m) => m.role === 'assistant')
  const lastStop = [...r.events].reverse().find((e) => e.type === 'model')?.data.stopReason as
    | StopReason
    | undefined
  return {
    id: r.sampleId,
    epoch: r.epoch,
    input: r.input,
    choices: r.choices ?? null,
    target: r.target.length === 1 ? r.target[0]! : r.target,
    sandbox: null,
    files: null,
    setup: null,
    messages,
    output: {
      model: r.model,
      choices: last
        ? [
            {
              message: message(last, r.messages.lastIndexOf(last), key, r.model),
              stop_reason: STOP[lastStop ?? 'unknown'] ?? 'unknown',
              logprobs: null,
            },
          ]
        : [],
      completion: r.output,
      usage: usage(r.usage.inputTokens, r.usage.outputTokens),
      time: r.totalMs / 1000,
      metadata: null,
      error: null,
    },
    scores: Object.fromEntries(
      Object.entries(r.scores).map(([k, s]) => [
        k,
        {
          value: s.value,
          answer: s.answer ?? null,
          explanation: s.explanation,
          metadata: s.metadata ?? null,
          history: [],
        },
      ]),
    ),
    metadata: r.metadata,
    store: {},
    events: [],
    timelines: null,
    model_usage: { [r.model]: usage(r.usage.inputTokens, r.usage.outputTokens) },
    role_usage: {},
    started_at: r.startedAt,
    completed_at: r.completedAt,
    total_time: r.totalMs / 1000,
    working_time: r.workingMs / 1000,
    uuid: shortId(key, 'uuid'),
    invalidation: null,
    error: r.error ? { message: r.error, traceback: '', traceback_ansi: '' } : null,
    error_retries: null,
    attachments: {},
    events_data: null,
    limit: r.limit ? { type: LIMIT_TYPES[r.limit.kind] ?? 'custom', limit: r.limit.limit } : null,
  }
}

/** The `.eval` header (an EvalLog without samples) and the sample files of one exported run. */
export function inspectLog(doc: RunReport & { samples: SampleResult[] }) {
  const { run, summary, progress } = doc
  const c = run.config
  const statusOf = {
    completed: 'success',
    running: 'started',
    failed: 'error',
    stopped: 'cancelled',
  } as const
  const input = doc.samples.reduce((n, s) => n + s.usage.inputTokens, 0)
  const output = doc.samples.reduce((n, s) => n + s.usage.outputTokens, 0)
  const spec = {
    eval_set_id: null,
    eval_id: shortId(run.id, 'eval'),
    run_id: shortId(run.id, 'run'),
    created: run.createdAt.toISOString(),
    task: run.taskName,
    task_id: shortId(run.taskRef),
    task_version: run.taskVersion,
    task_file: null,
    task_display_name: run.taskName,
    task_registry_name: run.taskName,
    task_attribs: {},
    task_args: {},
    task_args_passed: {},
    solver: null,
    solver_args: null,
    solver_args_passed: null,
    tags: run.label ? [run.label] : null,
    dataset: {
      name: run.taskName,
      location: run.taskRef,
      samples: run.sampleIds.length,
      sample_ids: run.sampleIds,
      shuffled: Boolean(c.shuffleSeed),
    },
    sandbox: null,
    model: run.model,
    model_generate_config: generateConfig({ max_connections: c.maxConnections }),
    model_base_url: run.baseUrl,
    model_args: {},
    model_roles: null,
    config: {
      limit: c.limit ?? null,
      sample_id: c.ids ?? null,
      sample_shuffle: c.shuffleSeed ? true : null,
      epochs: run.epochs,
      epochs_reducer: [c.reducer],
      approval: null,
      fail_on_error: c.maxErrorRate,
      continue_on_fail: null,
      retry_on_error: null,
      message_limit: null,
      token_limit: null,
      time_limit: null,
      working_limit: null,
      cost_limit: c.costBudget ?? null,
      max_samples: c.maxSamples,
      max_dataset_memory: null,
      max_tasks: null,
      max_subprocesses: null,
      max_sandboxes: c.maxSandboxes,
      sandbox_cleanup: true,
      log_samples: true,
      log_realtime: null,
      log_images: null,
      log_model_api: null,
      log_buffer: null,
      log_shared: null,
      score_display: true,
    },
    revision: null,
    packages: { earlywatch: '0.1.0' },
    metadata: { earlywatch_run: run.id },
    scorers: summary.scorers.map((s) => ({
      name: s.scorer,
      options: {},
      metrics: [
        { name: 'earlywatch/mean', options: {} },
        { name: 'earlywatch/stderr', options: {} },
      ],
      metadata: {},
    })),
    metrics: null,
  }
  const plan = { name: 'plan', steps: [], finish: null, config: generateConfig() }
  const metric = (name: string, value: number) => ({
    name,
    value: Number.isFinite(value) ? value : 0,
    params: {},
    metadata: null,
  })
  const header = {
    version: 2,
    status: statusOf[run.status],
    eval: spec,
    plan,
    results: {
      total_samples: run.totalUnits,
      completed_samples: progress.done,
      early_stopping: null,
      scores: summary.scorers.map((s) => ({
        name: s.scorer,
        scorer: s.scorer,
        reducer: summary.reducer,
        scored_samples: s.overall.n,
        unscored_samples: summary.errors,
        params: {},
        metrics: {
          accuracy: metric('accuracy', s.overall.mean),
          stderr: metric('stderr', s.overall.se),
          ci_lower: metric('ci_lower', s.overall.bootstrap[0]),
          ci_upper: metric('ci_upper', s.overall.bootstrap[1]),
        },
        metadata: { clustered: s.overall.clustered },
      })),
      metadata: null,
    },
    stats: {
      started_at: progress.firstAt?.toISOString() ?? run.createdAt.toISOString(),
      completed_at: (run.finishedAt ?? progress.lastAt ?? run.createdAt).toISOString(),
      model_usage: { [run.model]: usage(input, output, progress.cost || null) },
      role_usage: {},
    },
    error:
      run.status === 'failed'
        ? { message: run.statusReason ?? 'the run failed', traceback: '', traceback_ansi: '' }
        : null,
    invalidated: false,
    log_updates: null,
    tags: [],
    metadata: {},
    samples: null,
    reductions: null,
    location: '',
    etag: null,
    eval_set_info: null,
  }
  const samples = doc.samples.map((s) => sample(s, run.id))
  const reductions = summary.scorers.map((s) => ({
    scorer: s.scorer,
    reducer: summary.reducer,
    samples: [...new Set(doc.samples.map((x) => x.sampleId))].map((id) => {
      const vals = doc.samples
        .filter((x) => x.sampleId === id && x.scores[s.scorer])
        .map((x) => x.scores[s.scorer]!.value)
      return {
        value: vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : 0,
        answer: null,
        explanation: null,
        metadata: null,
        history: [],
        sample_id: id,
      }
    }),
  }))
  const summaries = samples.map((s) => ({
    id: s.id,
    epoch: s.epoch,
    input: s.input,
    target: s.target,
    metadata: s.metadata,
    scores: Object.fromEntries(Object.entries(s.scores).map(([k, v]) => [k, { value: v.value }])),
    model_usage: s.model_usage,
    total_time: s.total_time,
    working_time: s.working_time,
    uuid: s.uuid,
    ...(s.error ? { error: s.error.message } : {}),
    ...(s.limit ? { limit: s.limit.type } : {}),
    retries: 0,
    completed: true,
  }))
  return { header, start: { version: 2, eval: spec, plan }, samples, summaries, reductions }
}

/** The zip bytes of a `.eval` file. */
export function writeInspectLog(doc: RunReport & { samples: SampleResult[] }): Buffer {
  const log = inspectLog(doc)
  const json = (v: unknown) => strToU8(JSON.stringify(v))
  const files: Record<string, Uint8Array> = {
    '_journal/start.json': json(log.start),
    'header.json': json(log.header),
    'summaries.json': json(log.summaries),
    'reductions.json': json(log.reductions),
  }
  for (const s of log.samples) files[`samples/${s.id}_epoch_${s.epoch}.json`] = json(s)
  return Buffer.from(zipSync(files, { level: 6 }))
}

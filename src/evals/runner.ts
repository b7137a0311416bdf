/**
 * Runs samples: the solver chain under the sample's limits, then the scorers, into a result
 * that keeps the full transcript. `runTask` runs a whole task in this process (the benchmark,
 * tests and each worker's share of a run use it); a failed sample is a result with its error,
 * never an exception that stops the others.
 */
import {
  addUsage,
  type ChatMessage,
  completion,
  type GenerateHint,
  initialState,
  inputText,
  isLimitExceeded,
  LimitExceeded,
  type LimitKind,
  type ModelApi,
  type ModelOutput,
  type Sample,
  type SampleLimits,
  type Score,
  type SolverContext,
  type Task,
  type TaskState,
  type TranscriptEvent,
  type Usage,
  ZERO_USAGE,
} from './model.ts'
import { Semaphore } from './providers/limiter.ts'
import type { Sandbox, SandboxProvider } from './sandbox-port.ts'

export interface SampleResult {
  sampleId: string
  epoch: number
  model: string
  input: string
  target: string[]
  choices?: string[]
  metadata: Sample['metadata']
  /** Final answer (submission or last assistant text). */
  output: string
  scores: Record<string, Score>
  messages: ChatMessage[]
  events: TranscriptEvent[]
  /** Tokens of the evaluated model plus the grader's, so budgets see everything spent. */
  usage: Usage
  /** The grader's share of `usage` (model-graded scorers), zero when nothing was graded. */
  graderUsage: Usage
  toolCalls: number
  startedAt: string
  completedAt: string
  totalMs: number
  /** Wall time less time spent waiting for a connection, on rate limits and on retries. */
  workingMs: number
  limit?: { kind: LimitKind; limit: number; value: number }
  error?: string
}

/** Sandboxes, capped separately from samples (a sample holds one only while it needs it). */
export interface SandboxPool {
  provider: SandboxProvider
  cap: Semaphore
}

export interface SampleRunDeps {
  model: ModelApi
  grader?: ModelApi
  sandboxes?: SandboxPool
  now?: () => number
  signal?: AbortSignal
  /** Run-wide budget check, called before each model call; throws LimitExceeded('budget') to stop. */
  budget?: () => void
}

function firstLetter(state: TaskState): string | undefined {
  return state.choices && state.target[0] ? state.target[0].trim().toUpperCase() : undefined
}

export async function runSample(
  task: Task,
  sample: Sample,
  epoch: number,
  deps: SampleRunDeps,
): Promise<SampleResult> {
  const now = deps.now ?? Date.now
  const limits: SampleLimits = task.limits ?? {}
  const started = now()
  const events: TranscriptEvent[] = []
  let usage: Usage = ZERO_USAGE
  let graderUsage: Usage = ZERO_USAGE
  let toolCalls = 0
  let waited = 0
  let sandbox: Sandbox | undefined
  let sandboxPromise: Promise<Sandbox> | undefined
  let limitHit: SampleResult['limit']
  let error: string | undefined
  const abort = new AbortController()
  const onOuterAbort = () => abort.abort(deps.signal?.reason)
  deps.signal?.addEventListener('abort', onOuterAbort, { once: true })
  // The wall-time limit also interrupts a call in flight, not only the next step.
  const timer =
    limits.timeSeconds !== undefined
      ? setTimeout(
          () =>
            abort.abort(new LimitExceeded('time', limits.timeSeconds!, (now() - started) / 1000)),
          limits.timeSeconds * 1000,
        )
      : undefined
  const log = (type: TranscriptEvent['type'], data: Record<string, unknown>) =>
    events.push({ t: now() - started, type, data })

  const check = (state: TaskState | null) => {
    if (abort.signal.aborted) throw abort.signal.reason
    const elapsed = (now() - started) / 1000
    if (limits.timeSeconds !== undefined && elapsed >= limits.timeSeconds)
      throw new LimitExceeded('time', limits.timeSeconds, elapsed)
    const working = elapsed - waited / 1000
    if (limits.workingSeconds !== undefined && working >= limits.workingSeconds)
      throw new LimitExceeded('working', limits.workingSeconds, working)
    const tokens = usage.inputTokens + usage.outputTokens
    if (limits.tokens !== undefined && tokens >= limits.tokens)
      throw new LimitExceeded('tokens', limits.tokens, tokens)
    if (state && limits.messages !== undefined && state.messages.length >= limits.messages)
      throw new LimitExceeded('messages', limits.messages, state.messages.length)
  }

  const hint = (state: TaskState): GenerateHint => ({
    sampleId: sample.id,
    epoch,
    target: state.target,
    metadata: { ...sample.metadata, choiceCount: state.choices?.length },
    ...(firstLetter(state) ? { choiceLetter: firstLetter(state)! } : {}),
  })

  async function call(
    state: TaskState | null,
    messages: ChatMessage[],
    tools = state?.tools ?? [],
  ): Promise<ModelOutput> {
    check(state)
    deps.budget?.()
    const out = await deps.model.generate(
      {
        messages,
        ...(tools.length
          ? {
              tools: tools.map(({ name, description, parameters }) => ({
                name,
                description,
                parameters,
              })),
            }
          : {}),
        ...(task.config ? { config: task.config } : {}),
      },
      {
        signal: abort.signal,
        ...(state ? { hint: hint(state) } : {}),
        onWait: (ms) => {
          waited += ms
        },
      },
    )
    usage = addUsage(usage, out.usage)
    log('model', { usage: out.usage, stopReason: out.stopReason })
    return out
  }

  async function getSandbox(): Promise<Sandbox> {
    if (sandbox) return sandbox
    if (!deps.sandboxes)
      throw new SandboxUnavailable(
        `sample ${sample.id} needs a sandbox but this run has none; install bubblewrap (Debian package "bubblewrap") or configure a sandbox provider`,
      )
    const pool = deps.sandboxes
    sandboxPromise ??= (async () => {
      await pool.cap.acquire()
      try {
        const t0 = now()
        const sb = await pool.provider.create({
          ...(task.sandbox ?? {}),
          ...(sample.files ? { files: sample.files } : {}),
          ...(sample.setup ? { setup: sample.setup } : {}),
          network: false,
        })
        log('sandbox', { provider: pool.provider.name, createdMs: now() - t0 })
        sandbox = sb
        return sb
      } catch (err) {
        pool.cap.release()
        throw new SandboxUnavailable(
          `the sandbox of sample ${sample.id} could not be created: ${(err as Error).message}`,
          err,
        )
      }
    })()
    return sandboxPromise
  }

  const ctx: SolverContext = {
    async generate(state) {
      const out = await call(state, state.messages)
      state.output = out
      state.messages.push(out.message)
      check(state)
      return state
    },
    call: (req) => call(null, req.messages, []),
    grader: countedGrader(deps.grader ?? deps.model, (u) => {
      graderUsage = addUsage(graderUsage, u)
    }),
    sandbox: getSandbox,
    async runTool(state, tc) {
      toolCalls++
      if (limits.toolCalls !== undefined && toolCalls > limits.toolCalls)
        throw new LimitExceeded('tool_calls', limits.toolCalls, toolCalls)
      check(null)
      const reply: ChatMessage = { role: 'tool', toolCallId: tc.id, toolName: tc.name, content: '' }
      const tool = state.tools.find((t) => t.name === tc.name)
      const t0 = now()
      if (tc.parseError) {
        reply.content =
          reply.error = `Your arguments to ${tc.name} could not be read: ${tc.parseError}`
      } else if (!tool) {
        reply.content =
          reply.error = `There is no tool named ${tc.name}; the tools are ${state.tools.map((t) => t.name).join(', ')}.`
      } else {
        try {
          reply.content = await tool.run(tc.arguments, {
            state,
            sandbox: getSandbox,
            signal: abort.signal,
          })
        } catch (err) {
          // A sandbox that cannot be had is the harness's failure, not something to show the model.
          if (isLimitExceeded(err) || abort.signal.aborted || err instanceof SandboxUnavailable)
            throw err
          reply.content = reply.error = `${tc.name} failed: ${(err as Error).message}`
        }
      }
      log('tool', {
        name: tc.name,
        id: tc.id,
        arguments: tc.arguments,
        ms: now() - t0,
        ...(reply.error ? { error: reply.error } : {}),
      })
      return reply
    },
    log,
    signal: abort.signal,
  }

  let state = initialState(sample, epoch)
  const scores: Record<string, Score> = {}
  try {
    try {
      for (const solver of task.solver) {
        state = await solver.solve(state, ctx)
        if (state.completed) break
      }
    } catch (err) {
      if (!isLimitExceeded(err)) throw err
      limitHit = { kind: err.kind, limit: err.limit, value: err.value }
      log('limit', { ...limitHit, message: err.message })
    }
    // A sample that hit a limit is still scored on what it produced, as an evaluator would.
    for (const scorer of task.scorers) {
      const s = await scorer.score(state, {
        ...ctx,
        signal: deps.signal ?? new AbortController().signal,
      })
      scores[scorer.name] = s
      log('score', {
        scorer: scorer.name,
        value: s.value,
        answer: s.answer,
        explanation: s.explanation,
      })
    }
  } catch (err) {
    error = describe(err)
    log('error', { message: error })
  } finally {
    if (timer) clearTimeout(timer)
    deps.signal?.removeEventListener('abort', onOuterAbort)
    if (sandboxPromise) {
      const sb = await sandboxPromise.catch(() => undefined)
      if (sb) {
        await sb
          .close()
          .catch((err) => log('error', { message: `sandbox did not close: ${describe(err)}` }))
        deps.sandboxes!.cap.release()
      }
    }
  }
  const done = now()
  return {
    sampleId: sample.id,
    epoch,
    model: deps.model.id,
    input: inputText(sample),
    target: sample.target,
    ...(sample.choices ? { choices: sample.choices } : {}),
    metadata: sample.metadata,
    output: completion(state),
    scores,
    messages: state.messages,
    events,
    usage: addUsage(usage, graderUsage),
    graderUsage,
    toolCalls,
    startedAt: new Date(started).toISOString(),
    completedAt: new Date(done).toISOString(),
    totalMs: done - started,
    workingMs: Math.max(0, done - started - waited),
    ...(limitHit ? { limit: limitHit } : {}),
    ...(error ? { error } : {}),
  }
}

/** The grader as scorers see it, with the tokens it spends counted toward the sample. */
function countedGrader(grader: ModelApi, count: (u: Usage) => void): ModelApi {
  return {
    id: grader.id,
    async generate(req, opts) {
      const out = await grader.generate(req, opts)
      count(out.usage)
      return out
    },
  }
}

export class SandboxUnavailable extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause })
    this.name = 'SandboxUnavailable'
  }
}

function describe(err: unknown): string {
  if (isLimitExceeded(err)) return err.message
  const e = err as { kind?: string; message?: string }
  const msg = e?.message ?? String(err)
  return e?.kind ? `${e.kind}: ${msg}` : msg
}

export interface Unit {
  sample: Sample
  epoch: number
}

/** Every sample × epoch, epoch-major, so a run stopped early has whole epochs. */
export function unitsOf(samples: Sample[], epochs: number): Unit[] {
  const out: Unit[] = []
  for (let e = 1; e <= epochs; e++) for (const sample of samples) out.push({ sample, epoch: e })
  return out
}

export interface RunTaskOptions extends Omit<SampleRunDeps, 'sandboxes'> {
  task: Task
  samples: Sample[]
  epochs?: number
  /** Exactly these sample × epoch units, instead of every sample × every epoch. */
  units?: Unit[]
  /** Units already done (`sampleId:epoch`), skipped: how a resumed run avoids repeating work. */
  skip?: ReadonlySet<string>
  /** Most samples in progress at once in this process. */
  maxSamples?: number
  sandboxProvider?: SandboxProvider
  /** Most sandboxes alive at once in this process. */
  maxSandboxes?: number
  /** Shared caps, when several runTask calls in one process must share them. */
  sampleCap?: Semaphore
  sandboxCap?: Semaphore
  /** Called as each sample finishes, before the next starts in its slot. */
  onResult?: (r: SampleResult) => Promise<void> | void
  /** Checked before each unit starts: false stops starting new ones (a stopped or failed run). */
  keepGoing?: () => boolean
  /** false: results go only to `onResult` and are not kept (large runs stay small in memory). */
  collect?: boolean
}

export const unitKey = (sampleId: string, epoch: number) => `${sampleId}:${epoch}`

export async function runTask(opts: RunTaskOptions): Promise<SampleResult[]> {
  const units = (
    opts.units ?? unitsOf(opts.samples, opts.epochs ?? opts.task.epochs?.count ?? 1)
  ).filter((u) => !opts.skip?.has(unitKey(u.sample.id, u.epoch)))
  const cap = opts.sampleCap ?? new Semaphore(opts.maxSamples ?? 32)
  const sandboxes = opts.sandboxProvider
    ? {
        provider: opts.sandboxProvider,
        cap: opts.sandboxCap ?? new Semaphore(opts.maxSandboxes ?? 8),
      }
    : undefined
  const results: SampleResult[] = []
  await Promise.all(
    units.map((u) =>
      cap.run(async () => {
        if (opts.signal?.aborted || (opts.keepGoing && !opts.keepGoing())) return
        const r = await runSample(opts.task, u.sample, u.epoch, {
          ...opts,
          ...(sandboxes ? { sandboxes } : {}),
        })
        if (opts.collect !== false) results.push(r)
        await opts.onResult?.(r)
      }),
    ),
  )
  return results
}

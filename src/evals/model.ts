/**
 * The evaluation engine's vocabulary: samples, tasks, solvers, scorers, tools, limits and the
 * state a sample carries through its solver chain. Pure types and small pure helpers only.
 */
import type { Sandbox, SandboxProvider, SandboxSpec } from './sandbox-port.ts'

export type { Sandbox, SandboxProvider, SandboxSpec }

/** Something a JSON Schema object can hold; tool parameters are described with it. */
export type JsonSchema = Record<string, unknown>

export interface ToolCall {
  id: string
  name: string
  arguments: Record<string, unknown>
  /** Set when the model's arguments were not valid JSON; the tool is not run and the model is told. */
  parseError?: string
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool'
  content: string
  /** Assistant messages: the tools the model asked to call. */
  toolCalls?: ToolCall[]
  /** Tool messages: which call this answers, and the tool's name. */
  toolCallId?: string
  toolName?: string
  /** Tool messages: the tool failed (its text is in `content`). */
  error?: string
}

export interface Usage {
  inputTokens: number
  outputTokens: number
}

export const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0 })

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
  }
}

export type StopReason = 'stop' | 'tool_calls' | 'max_tokens' | 'content_filter' | 'unknown'

export interface ModelOutput {
  model: string
  message: ChatMessage
  stopReason: StopReason
  usage: Usage
}

export interface ToolSpec {
  name: string
  description: string
  parameters: JsonSchema
}

export interface GenerateConfig {
  maxTokens?: number
  temperature?: number
  seed?: number
}

export interface GenerateRequest {
  messages: ChatMessage[]
  tools?: ToolSpec[]
  config?: GenerateConfig
}

/**
 * What a generate call may know about the sample it serves. Real providers ignore it; scripted
 * models (mockllm) use it to play a model of a chosen strength.
 */
export interface GenerateHint {
  sampleId: string
  epoch: number
  target: string[]
  /** The letter of the correct choice as the model sees the (possibly shuffled) choices. */
  choiceLetter?: string
  metadata: SampleMetadata
}

/** A model as solvers see it: one call, with usage counted and waiting time reported. */
export interface ModelApi {
  /** `provider/model`, e.g. `openai/gpt-4o-mini`. */
  readonly id: string
  generate(
    req: GenerateRequest,
    opts?: { signal?: AbortSignal; hint?: GenerateHint; onWait?: (ms: number) => void },
  ): Promise<ModelOutput>
}

export interface SampleMetadata {
  category?: string
  difficulty?: string
  /** Samples sharing a group (a CTF with several questions, a code base) are not independent: statistics cluster on it. */
  group?: string
  [key: string]: unknown
}

export interface Sample {
  id: string
  input: string | ChatMessage[]
  /** One or more acceptable answers (or flags). */
  target: string[]
  /** Multiple choice: the options, in dataset order. `target` then holds the correct letter(s). */
  choices?: string[]
  metadata: SampleMetadata
  /** Files copied into the sample's sandbox workspace. */
  files?: Record<string, string>
  /** A shell script run in the sandbox before the solver starts. */
  setup?: string
}

/** Per-sample limits; reaching one ends the sample with the reason recorded (never a crash). */
export interface SampleLimits {
  tokens?: number
  messages?: number
  toolCalls?: number
  /** Wall-clock seconds for the whole sample. */
  timeSeconds?: number
  /** Seconds of work: wall time minus time waiting on rate limits and retries. */
  workingSeconds?: number
}

export const LIMIT_KINDS = [
  'tokens',
  'messages',
  'tool_calls',
  'time',
  'working',
  'budget',
] as const
export type LimitKind = (typeof LIMIT_KINDS)[number]

/** Thrown inside a sample when a limit is reached; the runner records it and scores what there is. */
export class LimitExceeded extends Error {
  readonly kind: LimitKind
  readonly limit: number
  readonly value: number
  constructor(kind: LimitKind, limit: number, value: number) {
    super(`${kind} limit of ${limit} reached (${value})`)
    this.name = 'LimitExceeded'
    this.kind = kind
    this.limit = limit
    this.value = value
  }
}

export function isLimitExceeded(err: unknown): err is LimitExceeded {
  return (err as { name?: unknown })?.name === 'LimitExceeded'
}

/** A step of the transcript besides messages: tool runs, scores, limits, errors, info. */
export interface TranscriptEvent {
  /** Milliseconds since the sample started. */
  t: number
  type: 'model' | 'tool' | 'sandbox' | 'score' | 'limit' | 'error' | 'info'
  data: Record<string, unknown>
}

/** The state one sample carries through the solver chain. */
export interface TaskState {
  readonly sample: Sample
  readonly epoch: number
  messages: ChatMessage[]
  /** The last model output. */
  output: ModelOutput | null
  /** Choices as the model sees them (shuffled when the solver says so) and where each came from. */
  choices?: { text: string; originalIndex: number }[]
  /** The targets, re-lettered when choices were shuffled. */
  target: string[]
  /** The answer an agent gave with `submit`. */
  submission?: string
  /** Solvers stop the chain by setting it. */
  completed: boolean
  tools: Tool[]
  /** Free-form scratch space for solvers and scorers. */
  store: Record<string, unknown>
}

export interface ToolContext {
  state: TaskState
  sandbox(): Promise<Sandbox>
  signal: AbortSignal
}

/**
 * A tool the model may call.
 *
 * @example
 * const echo: Tool = {
 *   name: 'echo', description: 'Repeat the text', parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
 *   run: async (args) => String(args.text),
 * }
 */
export interface Tool {
  name: string
  description: string
  parameters: JsonSchema
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<string>
}

/** What solvers and scorers may use besides the state. */
export interface SolverContext {
  /** The model under evaluation, with limits checked and usage counted. */
  generate(state: TaskState, config?: GenerateConfig): Promise<TaskState>
  /** Calls the model on arbitrary messages (usage and limits still count). */
  call(req: GenerateRequest): Promise<ModelOutput>
  /** The grader model for model-graded scorers (the evaluated model unless the run names one). */
  grader: ModelApi
  /** The sample's sandbox, created on first use. */
  sandbox(): Promise<Sandbox>
  /** Runs one tool call (counting it against the tool-call limit) and returns its message. */
  runTool(state: TaskState, call: ToolCall): Promise<ChatMessage>
  log(type: TranscriptEvent['type'], data: Record<string, unknown>): void
  signal: AbortSignal
}

export interface Solver {
  readonly name: string
  readonly params?: Record<string, unknown>
  solve(state: TaskState, ctx: SolverContext): Promise<TaskState>
}

export interface Score {
  /** 0…1; 1 is correct. */
  value: number
  /** What was extracted from the model's output and compared. */
  answer?: string
  /** Why this score: kept with it in the transcript and results. */
  explanation: string
  metadata?: Record<string, unknown>
}

export interface Scorer {
  readonly name: string
  readonly params?: Record<string, unknown>
  score(state: TaskState, ctx: SolverContext): Promise<Score>
}

export const REDUCERS = ['mean', 'max', 'mode', 'at_least_one', 'pass_at_k'] as const
export type ReducerName = (typeof REDUCERS)[number]

export interface Epochs {
  count: number
  reducer: ReducerName
  /** pass@k: k (≤ count). */
  k?: number
}

/**
 * A task: a dataset, a solver chain, scorers, limits and epochs.
 *
 * @example
 * const task: Task = {
 *   name: 'arith', dataset: async () => [{ id: '1', input: '2+2?', target: ['4'], metadata: {} }],
 *   solver: [generate()], scorers: [includes()],
 * }
 */
export interface Task {
  name: string
  version?: number
  description?: string
  dataset: () => Promise<Sample[]>
  solver: Solver[]
  scorers: Scorer[]
  limits?: SampleLimits
  epochs?: Epochs
  /** Sandbox defaults for samples that use one (files and setup come from each sample). */
  sandbox?: Omit<SandboxSpec, 'files' | 'setup'>
  config?: GenerateConfig
  metadata?: Record<string, unknown>
}

export function initialState(sample: Sample, epoch: number, tools: Tool[] = []): TaskState {
  const messages: ChatMessage[] =
    typeof sample.input === 'string'
      ? [{ role: 'user', content: sample.input }]
      : sample.input.map((m) => ({ ...m }))
  return {
    sample,
    epoch,
    messages,
    output: null,
    target: [...sample.target],
    completed: false,
    tools,
    store: {},
    ...(sample.choices
      ? { choices: sample.choices.map((text, originalIndex) => ({ text, originalIndex })) }
      : {}),
  }
}

/** The text of the sample's input: the string, or its last user message. */
export function inputText(sample: Sample): string {
  if (typeof sample.input === 'string') return sample.input
  const user = sample.input.filter((m) => m.role === 'user')
  return user.at(-1)?.content ?? ''
}

/** What the model finally answered: a submitted answer, else the last assistant text. */
export function completion(state: TaskState): string {
  if (state.submission !== undefined) return state.submission
  return state.output?.message.content ?? ''
}

export const letter = (i: number) => String.fromCharCode(65 + i)

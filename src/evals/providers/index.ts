/**
 * Model providers behind one interface: `provider/model` names, built with the adaptive
 * connection limit and retries around each provider's single call.
 *
 * @example
 * const model = createModel({ name: 'openai/gpt-4o-mini', baseUrl: 'http://localhost:8000/v1', apiKey })
 * const out = await model.generate({ messages: [{ role: 'user', content: 'hi' }] })
 */
import type { ModelApi } from '../model.ts'
import { anthropicCall } from './anthropic.ts'
import { ProviderError } from './errors.ts'
import { AdaptiveLimiter } from './limiter.ts'
import { mockCall, namedMockScript } from './mockllm.ts'
import { openAiCall } from './openai.ts'
import { DEFAULT_RETRY, type RawCall, type RetryPolicy, resilient } from './resilient.ts'

export interface ModelSpec {
  /** `provider/model`, e.g. `openai/gpt-4o-mini`, `anthropic/claude-sonnet-4-5`, `mockllm/oracle-70`. */
  name: string
  baseUrl?: string
  apiKey?: string
  /** Most requests in flight to this provider from this process (the adaptive limit's ceiling). */
  maxConnections?: number
  timeoutMs?: number
  retry?: RetryPolicy
}

export interface ProviderDeps {
  now?: () => number
  random?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export const DEFAULT_MAX_CONNECTIONS = 10
export const DEFAULT_TIMEOUT_MS = 120_000

type CallFactory = (model: string, spec: ModelSpec, deps: ProviderDeps) => RawCall

const common = (model: string, spec: ModelSpec, deps: ProviderDeps) => ({
  model,
  timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}),
  ...(spec.apiKey ? { apiKey: spec.apiKey } : {}),
  connections: spec.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
  ...(deps.now ? { now: deps.now } : {}),
})

export const PROVIDERS = {
  openai: (model, spec, deps) => openAiCall(common(model, spec, deps)),
  anthropic: (model, spec, deps) => anthropicCall(common(model, spec, deps)),
  mockllm: (model) => mockCall(`mockllm/${model}`, namedMockScript(model)),
} satisfies Record<string, CallFactory>

export type ProviderName = keyof typeof PROVIDERS
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[]

/** Splits `provider/model`; the model part may itself hold slashes (`openai/meta-llama/Llama-3-8B`). */
export function parseModelName(name: string): { provider: ProviderName; model: string } {
  const i = name.indexOf('/')
  const provider = i > 0 ? name.slice(0, i) : ''
  const model = i > 0 ? name.slice(i + 1) : ''
  if (!provider || !model)
    throw new ProviderError(
      'client',
      `model "${name}" must be PROVIDER/MODEL, e.g. openai/gpt-4o-mini (providers: ${PROVIDER_NAMES.join(', ')})`,
    )
  if (!Object.hasOwn(PROVIDERS, provider))
    throw new ProviderError(
      'client',
      `unknown provider "${provider}" in --model ${name}; known providers: ${PROVIDER_NAMES.join(', ')} (any OpenAI-compatible server: openai/MODEL with --base-url)`,
    )
  return { provider: provider as ProviderName, model }
}

export interface BuiltModel extends ModelApi {
  readonly limiter: AdaptiveLimiter
}

export function createModel(spec: ModelSpec, deps: ProviderDeps = {}, raw?: RawCall): BuiltModel {
  const { provider, model } = parseModelName(spec.name)
  const call = raw ?? PROVIDERS[provider](model, spec, deps)
  const limiter = new AdaptiveLimiter({
    max: spec.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    ...(deps.now ? { now: deps.now } : {}),
  })
  const api = resilient(call, {
    id: spec.name,
    limiter,
    retry: spec.retry ?? DEFAULT_RETRY,
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  })
  return { ...api, limiter }
}

/**
 * The model gateway's types, ports and pure rules: who a virtual key admits, to what, and how
 * each wire protocol spells a refusal. No I/O, no clock, no randomness here.
 */
import { hash } from 'node:crypto'

export type Protocol = 'openai' | 'anthropic'
export type GatewayEndpoint = 'chat.completions' | 'messages' | 'models'
export type GrantStatus = 'active' | 'paused' | 'revoked' | 'expired'

/**
 * A grant as the gateway needs it. The partners capability owns grants and produces this
 * shape (`gatewayGrantByKeyHash`); it is declared here too so the gateway depends only on
 * its own port, and the two are checked against each other where app.ts wires them.
 */
export interface GatewayGrant {
  grantId: string
  /** Bumped by every change of status or limits; a cached grant with an older version is reloaded. */
  version: number
  partnerOrgId: string
  partnerName: string
  submissionId: string
  status: GrantStatus
  windowStart: Date
  windowEnd: Date
  endpoints: GatewayEndpoint[]
  limits: { requestsPerMinute: number; tokensPerMinute: number; tokenBudget: number }
  keepContent: boolean
  upstream: { protocol: Protocol; baseUrl: string; modelId: string }
}

export interface GrantState {
  status: GrantStatus
  version: number
}

/** Where grants come from (the partners service): one lookup by key hash, and cheap status polling. */
export interface GrantSource {
  byKeyHash(keyHash: string): Promise<GatewayGrant | null>
  /** Status and version of each named grant; a grant that no longer exists is absent. */
  statuses(grantIds: readonly string[]): Promise<Map<string, GrantState>>
}

/** The lab's endpoint credential for a submission (the program service decrypts it). Never leaves the gateway. */
export interface CredentialSource {
  credential(submissionId: string): Promise<string>
}

/** Virtual keys are random and shown once; only this hash is stored and looked up. */
export const VIRTUAL_KEY_PREFIX = 'ew_vk_'

export function hashVirtualKey(key: string): string {
  // The one-shot hash: no Hash object per request on the gateway's hot path.
  return hash('sha256', key, 'hex')
}

/** The kinds of refusal, each mapped to an HTTP status and to both protocols' error types. */
export const REFUSALS = {
  invalid_request: {
    status: 400,
    openai: 'invalid_request_error',
    anthropic: 'invalid_request_error',
  },
  unauthenticated: {
    status: 401,
    openai: 'invalid_request_error',
    anthropic: 'authentication_error',
  },
  forbidden: { status: 403, openai: 'permission_error', anthropic: 'permission_error' },
  not_found: { status: 404, openai: 'invalid_request_error', anthropic: 'not_found_error' },
  too_large: { status: 413, openai: 'invalid_request_error', anthropic: 'request_too_large' },
  rate_limited: { status: 429, openai: 'rate_limit_exceeded', anthropic: 'rate_limit_error' },
  budget_exhausted: { status: 429, openai: 'insufficient_quota', anthropic: 'rate_limit_error' },
  upstream_error: { status: 502, openai: 'upstream_error', anthropic: 'api_error' },
  upstream_timeout: { status: 504, openai: 'upstream_timeout', anthropic: 'api_error' },
  internal: { status: 500, openai: 'server_error', anthropic: 'api_error' },
} as const satisfies Record<string, { status: number; openai: string; anthropic: string }>

export type RefusalKind = keyof typeof REFUSALS

/** Why the gateway did not (or could not) answer; `code` is stable and lands in the request log. */
export interface Refusal {
  kind: RefusalKind
  code: string
  message: string
  retryAfterSeconds?: number
}

export const refuse = (
  kind: RefusalKind,
  code: string,
  message: string,
  retryAfterSeconds?: number,
): Refusal =>
  retryAfterSeconds === undefined
    ? { kind, code, message }
    : { kind, code, message, retryAfterSeconds }

/**
 * The body each protocol's clients expect for an error: OpenAI's `{ error: { message, type,
 * code } }` and Anthropic's `{ type: 'error', error: { type, message } }`. The SDKs turn these
 * into their own exception classes by status code.
 */
export function errorBody(protocol: Protocol, r: Refusal): Record<string, unknown> {
  const def = REFUSALS[r.kind]
  if (protocol === 'openai')
    return { error: { message: r.message, type: def.openai, param: null, code: r.code } }
  return { type: 'error', error: { type: def.anthropic, message: r.message } }
}

/** The same error as one server-sent event, for a stream that must end after it started. */
export function errorEvent(protocol: Protocol, r: Refusal): string {
  const body = JSON.stringify(errorBody(protocol, r))
  return protocol === 'openai' ? `data: ${body}\n\n` : `event: error\ndata: ${body}\n\n`
}

/** The protocol each gateway endpoint belongs to. */
export const ENDPOINT_PROTOCOL = {
  'chat.completions': 'openai',
  models: 'openai',
  messages: 'anthropic',
} as const satisfies Record<GatewayEndpoint, Protocol>

/**
 * Whether `grant` lets a request for `endpoint` (and, when given, `model`) through at `now`:
 * status, window, scope and protocol, in that order. Limits are checked after this, by the limiter.
 */
export function admit(
  grant: GatewayGrant,
  endpoint: GatewayEndpoint,
  model: string | undefined,
  now: Date,
): Refusal | null {
  if (grant.status === 'revoked')
    return refuse(
      'unauthenticated',
      'grant_revoked',
      `This key's grant ${grant.grantId} was revoked.`,
    )
  if (grant.status === 'expired' || now.getTime() >= grant.windowEnd.getTime())
    return refuse(
      'forbidden',
      'grant_expired',
      `Grant ${grant.grantId} ended at ${grant.windowEnd.toISOString()}; ask the lab or the program for a new grant.`,
    )
  if (grant.status === 'paused')
    return refuse(
      'forbidden',
      'grant_paused',
      `Grant ${grant.grantId} is paused by the lab or the program; requests are refused until it is resumed.`,
    )
  if (now.getTime() < grant.windowStart.getTime())
    return refuse(
      'forbidden',
      'grant_not_started',
      `Grant ${grant.grantId} opens at ${grant.windowStart.toISOString()}.`,
    )
  if (!grant.endpoints.includes(endpoint))
    return refuse(
      'forbidden',
      'endpoint_not_granted',
      `Grant ${grant.grantId} does not include the ${endpoint} endpoint; it allows ${grant.endpoints.join(', ') || 'none'}.`,
    )
  if (ENDPOINT_PROTOCOL[endpoint] !== grant.upstream.protocol)
    return refuse(
      'invalid_request',
      'wrong_protocol',
      `This model speaks the ${grant.upstream.protocol} protocol; call ${gatewayPath(grant.upstream.protocol)} instead.`,
    )
  if (model !== undefined && model !== grant.upstream.modelId)
    return refuse(
      'not_found',
      'model_not_found',
      `The model ${JSON.stringify(model).slice(0, 120)} is not available with this key; it grants ${grant.upstream.modelId}.`,
    )
  return null
}

export function gatewayPath(protocol: Protocol): string {
  return protocol === 'openai'
    ? '/gateway/openai/v1/chat/completions'
    : '/gateway/anthropic/v1/messages'
}

export interface Usage {
  inputTokens: number
  outputTokens: number
  /** True when the upstream gave no usage and the gateway estimated it. */
  estimated: boolean
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined

/** Usage from a complete (non-streamed) response body, or null when it carries none. */
export function usageOf(protocol: Protocol, body: unknown): Usage | null {
  const u = (body as { usage?: Record<string, unknown> } | null)?.usage
  if (!u || typeof u !== 'object') return null
  const input = num(protocol === 'openai' ? u.prompt_tokens : u.input_tokens)
  const output = num(protocol === 'openai' ? u.completion_tokens : u.output_tokens)
  if (input === undefined && output === undefined) return null
  let inputTokens = input ?? 0
  // Anthropic counts cached prompt tokens apart from input_tokens; all of them were read.
  if (protocol === 'anthropic')
    inputTokens += (num(u.cache_creation_input_tokens) ?? 0) + (num(u.cache_read_input_tokens) ?? 0)
  return { inputTokens, outputTokens: output ?? 0, estimated: false }
}

/**
 * A token estimate for when the upstream reports no usage: ceil(UTF-8 bytes / 4), the usual
 * rule of thumb for English text under BPE tokenizers. The upstream model's own tokenizer is
 * not known to the gateway, so any tokenizer library would be an approximation too; this one
 * costs nothing on the hot path.
 */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(Buffer.byteLength(text, 'utf8') / 4)
}

/** The text of a request's prompt (messages, system, tools), for estimating its tokens. */
export function promptText(body: Record<string, unknown>): string {
  const parts: string[] = []
  const walk = (v: unknown) => {
    if (typeof v === 'string') parts.push(v)
    else if (Array.isArray(v)) for (const x of v) walk(x)
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x)
  }
  walk(body.messages)
  walk(body.system)
  walk(body.tools)
  return parts.join(' ')
}

/** The generated text of a complete response, for estimating its tokens. */
export function completionText(protocol: Protocol, body: unknown): string {
  const parts: string[] = []
  if (protocol === 'openai') {
    for (const c of (body as { choices?: unknown[] })?.choices ?? []) {
      const m = (c as { message?: Record<string, unknown> }).message
      if (typeof m?.content === 'string') parts.push(m.content)
      for (const call of (m?.tool_calls as Array<{
        function?: { name?: string; arguments?: string }
      }>) ?? [])
        parts.push(call.function?.name ?? '', call.function?.arguments ?? '')
    }
  } else {
    for (const b of (body as { content?: Array<Record<string, unknown>> })?.content ?? []) {
      if (typeof b.text === 'string') parts.push(b.text)
      if (b.input !== undefined) parts.push(String(b.name ?? ''), JSON.stringify(b.input))
    }
  }
  return parts.join('')
}

/**
 * Reads a server-sent event stream as it passes through, chunk by chunk, and keeps what the
 * gateway meters: the usage the upstream reports (OpenAI's final `usage` chunk; Anthropic's
 * `message_start` input and `message_delta` output) and the generated text, for an estimate
 * when no usage comes. It never holds more than one unfinished line.
 */
export class SseMeter {
  readonly protocol: Protocol
  #partial = ''
  #decoder = new TextDecoder()
  #input: number | undefined
  #output: number | undefined
  #text: string[] = []
  #keep: boolean
  /** The raw events, kept only when the grant allows keeping content. */
  readonly events: string[] = []

  constructor(protocol: Protocol, keepContent: boolean) {
    this.protocol = protocol
    this.#keep = keepContent
  }

  push(chunk: Uint8Array): void {
    const text = this.#partial + this.#decoder.decode(chunk, { stream: true })
    const lines = text.split('\n')
    this.#partial = lines.pop() ?? ''
    for (const line of lines) this.#line(line)
  }

  end(): void {
    if (this.#partial) this.#line(this.#partial)
    this.#partial = ''
  }

  #line(raw: string) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (!line.startsWith('data:')) return
    const data = line.slice(5).trimStart()
    if (data === '[DONE]' || data === '') return
    let ev: Record<string, unknown>
    try {
      ev = JSON.parse(data)
    } catch {
      return
    }
    if (this.#keep) this.events.push(data)
    if (this.protocol === 'openai') this.#openai(ev)
    else this.#anthropic(ev)
  }

  #openai(ev: Record<string, unknown>) {
    const u = usageOf('openai', ev)
    if (u) {
      this.#input = u.inputTokens
      this.#output = u.outputTokens
    }
    for (const c of (ev.choices as Array<{ delta?: Record<string, unknown> }>) ?? []) {
      const d = c.delta
      if (typeof d?.content === 'string') this.#text.push(d.content)
      for (const call of (d?.tool_calls as Array<{
        function?: { name?: string; arguments?: string }
      }>) ?? [])
        this.#text.push(call.function?.name ?? '', call.function?.arguments ?? '')
    }
  }

  #anthropic(ev: Record<string, unknown>) {
    if (ev.type === 'message_start') {
      const u = usageOf('anthropic', ev.message)
      if (u) {
        this.#input = u.inputTokens
        if (u.outputTokens) this.#output = u.outputTokens
      }
    } else if (ev.type === 'message_delta') {
      const u = (ev.usage as Record<string, unknown>) ?? {}
      const out = num(u.output_tokens)
      if (out !== undefined) this.#output = out
      const inp = num(u.input_tokens)
      if (inp !== undefined && inp > 0) this.#input = inp
    } else if (ev.type === 'content_block_delta') {
      const d = ev.delta as Record<string, unknown> | undefined
      if (typeof d?.text === 'string') this.#text.push(d.text)
      if (typeof d?.partial_json === 'string') this.#text.push(d.partial_json)
    }
  }

  /** What the stream used: as reported where reported, estimated otherwise. */
  usage(promptEstimate: () => number): Usage {
    const estimated = this.#input === undefined || this.#output === undefined
    return {
      inputTokens: this.#input ?? promptEstimate(),
      outputTokens: this.#output ?? estimateTokens(this.#text.join('')),
      estimated,
    }
  }
}

/** Anthropic Messages, with tool calling. */
import type {
  ContentBlockParam,
  Message,
  MessageCreateParamsNonStreaming,
  MessageParam,
} from '@anthropic-ai/sdk/resources/messages'
import type { GenerateRequest, ModelOutput, StopReason, ToolCall } from '../model.ts'
import { ProviderError } from './errors.ts'
import { httpEndpoint } from './http.ts'
import type { RawCall } from './resilient.ts'

/** Messages requires max_tokens; this is what a request without one asks for. */
export const DEFAULT_MAX_TOKENS = 4096

export function toAnthropicRequest(
  model: string,
  req: GenerateRequest,
): MessageCreateParamsNonStreaming {
  const system = req.messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n')
  const messages: MessageParam[] = []
  // Messages wants user and assistant turns to alternate, and tool results inside a user turn,
  // so consecutive messages of one side are merged into one turn of several blocks.
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]) => {
    const last = messages.at(-1)
    if (last && last.role === role) (last.content as ContentBlockParam[]).push(...blocks)
    else messages.push({ role, content: blocks })
  }
  for (const m of req.messages) {
    if (m.role === 'system') continue
    if (m.role === 'user') push('user', [{ type: 'text', text: m.content }])
    else if (m.role === 'tool')
      push('user', [
        {
          type: 'tool_result',
          tool_use_id: m.toolCallId ?? '',
          content: m.content,
          ...(m.error ? { is_error: true } : {}),
        },
      ])
    else
      push('assistant', [
        ...(m.content ? [{ type: 'text' as const, text: m.content }] : []),
        ...(m.toolCalls ?? []).map((c) => ({
          type: 'tool_use' as const,
          id: c.id,
          name: c.name,
          input: c.arguments,
        })),
      ])
  }
  const c = req.config ?? {}
  return {
    model,
    max_tokens: c.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages,
    ...(system ? { system } : {}),
    ...(req.tools?.length
      ? {
          tools: req.tools.map((t) => ({
            name: t.name,
            description: t.description,
            input_schema: t.parameters as { type: 'object' },
          })),
        }
      : {}),
    ...(c.temperature !== undefined ? { temperature: c.temperature } : {}),
  }
}

const STOP: Record<string, StopReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'max_tokens',
  refusal: 'content_filter',
}

export function fromAnthropicResponse(model: string, body: Message): ModelOutput {
  if (!body || !Array.isArray((body as { content?: unknown }).content))
    throw new ProviderError('bad_response', 'the response has no content array')
  let text = ''
  const toolCalls: ToolCall[] = []
  for (const [i, block] of body.content.entries()) {
    if (block.type === 'text') text += block.text
    else if (block.type === 'tool_use') {
      const input = block.input
      const ok = input !== null && typeof input === 'object' && !Array.isArray(input)
      toolCalls.push({
        id: block.id || `toolu_${i}`,
        name: block.name,
        arguments: ok ? (input as Record<string, unknown>) : {},
        ...(ok ? {} : { parseError: `content[${i}].input must be a JSON object` }),
      })
    }
  }
  return {
    model: body.model ?? model,
    message: { role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}) },
    stopReason: STOP[body.stop_reason ?? ''] ?? 'unknown',
    usage: {
      inputTokens: body.usage?.input_tokens ?? 0,
      outputTokens: body.usage?.output_tokens ?? 0,
    },
  }
}

export interface AnthropicOptions {
  model: string
  /** Defaults to https://api.anthropic.com; `/v1/messages` is appended (as the SDK does). */
  baseUrl?: string
  apiKey?: string
  timeoutMs: number
  /** Requests in flight at most (the pool's size; the adaptive limit stays at or under it). */
  connections: number
  now?: () => number
}

/** The Messages API version this provider speaks (sent as `anthropic-version`). */
export const ANTHROPIC_VERSION = '2023-06-01'

export function anthropicCall(opts: AnthropicOptions): RawCall {
  const endpoint = httpEndpoint(opts.baseUrl ?? 'https://api.anthropic.com', opts.connections)
  const headers = { 'x-api-key': opts.apiKey || 'none', 'anthropic-version': ANTHROPIC_VERSION }
  const now = opts.now ?? Date.now
  return async (req, { signal }) => {
    const body = await endpoint.post('/v1/messages', headers, toAnthropicRequest(opts.model, req), {
      timeoutMs: opts.timeoutMs,
      signal,
      now,
    })
    return fromAnthropicResponse(opts.model, body as Message)
  }
}

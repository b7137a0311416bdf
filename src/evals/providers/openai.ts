/** OpenAI Chat Completions (any OpenAI-compatible base URL: vLLM, Ollama, llama.cpp server, hosted APIs), with tool calling. */
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions'
import type { ChatMessage, GenerateRequest, ModelOutput, StopReason, ToolCall } from '../model.ts'
import { ProviderError } from './errors.ts'
import { httpEndpoint } from './http.ts'
import type { RawCall } from './resilient.ts'

export function toOpenAiRequest(
  model: string,
  req: GenerateRequest,
): ChatCompletionCreateParamsNonStreaming {
  const messages: ChatCompletionMessageParam[] = req.messages.map((m) => {
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content }
      case 'user':
        return { role: 'user', content: m.content }
      case 'tool':
        return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content }
      default:
        return {
          role: 'assistant',
          content: m.content || null,
          ...(m.toolCalls?.length
            ? {
                tool_calls: m.toolCalls.map((c) => ({
                  id: c.id,
                  type: 'function' as const,
                  function: { name: c.name, arguments: JSON.stringify(c.arguments) },
                })),
              }
            : {}),
        }
    }
  })
  const c = req.config ?? {}
  return {
    model,
    messages,
    ...(req.tools?.length
      ? {
          tools: req.tools.map((t) => ({
            type: 'function' as const,
            function: { name: t.name, description: t.description, parameters: t.parameters },
          })),
        }
      : {}),
    ...(c.maxTokens !== undefined ? { max_tokens: c.maxTokens } : {}),
    ...(c.temperature !== undefined ? { temperature: c.temperature } : {}),
    ...(c.seed !== undefined ? { seed: c.seed } : {}),
  }
}

const STOP: Record<string, StopReason> = {
  stop: 'stop',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  length: 'max_tokens',
  content_filter: 'content_filter',
}

/** Reads a completion; a response without the fields the format requires is refused by name. */
export function fromOpenAiResponse(model: string, body: ChatCompletion): ModelOutput {
  const choice = (body as { choices?: ChatCompletion['choices'] })?.choices?.[0]
  if (!choice || typeof choice !== 'object')
    throw new ProviderError('bad_response', 'the response has no choices[0]')
  const msg = choice.message
  if (!msg || typeof msg !== 'object')
    throw new ProviderError('bad_response', 'the response has no choices[0].message')
  const toolCalls: ToolCall[] = []
  for (const [i, tc] of (msg.tool_calls ?? []).entries()) {
    if (tc.type !== 'function' || !tc.function?.name)
      throw new ProviderError(
        'bad_response',
        `choices[0].message.tool_calls[${i}] is not a function call`,
      )
    let args: Record<string, unknown> = {}
    let parseError: string | undefined
    try {
      const parsed = tc.function.arguments ? JSON.parse(tc.function.arguments) : {}
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) args = parsed
      else parseError = 'arguments must be a JSON object'
    } catch (err) {
      parseError = `arguments are not valid JSON: ${(err as Error).message}`
    }
    toolCalls.push({
      id: tc.id || `call_${i}`,
      name: tc.function.name,
      arguments: args,
      ...(parseError ? { parseError } : {}),
    })
  }
  const message: ChatMessage = {
    role: 'assistant',
    content: typeof msg.content === 'string' ? msg.content : '',
    ...(toolCalls.length ? { toolCalls } : {}),
  }
  return {
    model: body.model ?? model,
    message,
    stopReason: STOP[choice.finish_reason ?? ''] ?? (toolCalls.length ? 'tool_calls' : 'unknown'),
    usage: {
      inputTokens: body.usage?.prompt_tokens ?? 0,
      outputTokens: body.usage?.completion_tokens ?? 0,
    },
  }
}

export interface OpenAiOptions {
  model: string
  /** Defaults to https://api.openai.com/v1; `/chat/completions` is appended. */
  baseUrl?: string
  apiKey?: string
  timeoutMs: number
  /** Requests in flight at most (the pool's size; the adaptive limit stays at or under it). */
  connections: number
  now?: () => number
}

export function openAiCall(opts: OpenAiOptions): RawCall {
  const endpoint = httpEndpoint(opts.baseUrl ?? 'https://api.openai.com/v1', opts.connections)
  const headers = { authorization: `Bearer ${opts.apiKey || 'none'}` }
  const now = opts.now ?? Date.now
  return async (req, { signal }) => {
    const body = await endpoint.post(
      '/chat/completions',
      headers,
      toOpenAiRequest(opts.model, req),
      {
        timeoutMs: opts.timeoutMs,
        signal,
        now,
      },
    )
    return fromOpenAiResponse(opts.model, body as ChatCompletion)
  }
}

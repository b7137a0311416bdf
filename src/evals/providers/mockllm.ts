/**
 * `mockllm`: scripted and replayed models for tests and the demo. A script sees the request,
 * the sample hint and the turn (assistant messages so far), so it needs no state of its own and
 * any number of samples can run at once, in any process, and resume after a crash.
 */
import { createHash } from 'node:crypto'
import type { GenerateHint, GenerateRequest, ModelOutput, ToolCall } from '../model.ts'
import { letter } from '../model.ts'
import { ProviderError } from './errors.ts'
import type { RawCall } from './resilient.ts'
import { sleep } from './resilient.ts'

export type MockResponse =
  | string
  | {
      content?: string
      toolCalls?: Array<{ name: string; arguments: Record<string, unknown> }>
      usage?: { inputTokens: number; outputTokens: number }
      /** Fail this call instead (e.g. a 429 to exercise retries). */
      error?: ProviderError
    }

export type MockScript = (
  req: GenerateRequest,
  hint: GenerateHint | undefined,
  turn: number,
) => MockResponse

/** Counts tokens the way a test can predict: one per whitespace-separated word. */
const words = (s: string) => (s.trim() ? s.trim().split(/\s+/).length : 0)

export function mockCall(
  id: string,
  script: MockScript,
  opts: { latencyMs?: number } = {},
): RawCall {
  return async (req, { signal, hint }) => {
    if (opts.latencyMs) await sleep(opts.latencyMs, signal)
    const turn = req.messages.filter((m) => m.role === 'assistant').length
    const r = script(req, hint, turn)
    const res = typeof r === 'string' ? { content: r } : r
    if (res.error) throw res.error
    const toolCalls: ToolCall[] = (res.toolCalls ?? []).map((c, i) => ({
      id: `call_${turn}_${i}`,
      name: c.name,
      arguments: c.arguments,
    }))
    const content = res.content ?? ''
    const out: ModelOutput = {
      model: id,
      message: { role: 'assistant', content, ...(toolCalls.length ? { toolCalls } : {}) },
      stopReason: toolCalls.length ? 'tool_calls' : 'stop',
      usage: res.usage ?? {
        inputTokens: req.messages.reduce((n, m) => n + words(m.content), 0),
        outputTokens: Math.max(1, words(content)),
      },
    }
    return out
  }
}

/** A number in [0, 1) fixed by the seed, sample and epoch: the same "luck" on every run and worker. */
export function luck(seed: string, sampleId: string, epoch: number): number {
  return (
    createHash('sha256').update(`${seed}|${sampleId}|${epoch}`).digest().readUInt32BE(0) / 2 ** 32
  )
}

const DIFFICULTY: Record<string, number> = { easy: 1.25, medium: 1, hard: 0.55 }

/**
 * A model that is right with probability `strength` (harder samples less often): it answers
 * multiple choice with a letter, uses its tools then submits a flag in agent tasks, and
 * otherwise states the target. The demo uses several strengths so the charts differ.
 */
export function oracleScript(strength: number, seed = 'oracle'): MockScript {
  return (req, hint, turn) => {
    if (!hint) return 'ANSWER: unknown'
    const grading = req.messages.some((m) => m.role === 'user' && m.content.includes('GRADE: C'))
    const p = Math.min(1, strength * (DIFFICULTY[String(hint.metadata.difficulty)] ?? 1))
    const right = luck(seed, hint.sampleId, hint.epoch) < p
    if (grading)
      return `The answer matches the rubric${right ? '' : ' only partly'}.\nGRADE: ${right ? 'C' : 'I'}`
    if (req.tools?.some((t) => t.name === 'submit')) {
      if (turn === 0)
        return {
          content: 'Let me look around first.',
          toolCalls: [{ name: 'bash', arguments: { cmd: 'ls -la' } }],
        }
      return {
        content: 'Submitting.',
        toolCalls: [
          {
            name: 'submit',
            arguments: { answer: right ? (hint.target[0] ?? '') : 'flag{not-it}' },
          },
        ],
      }
    }
    if (hint.choiceLetter) {
      const wrong = letter(
        (hint.choiceLetter.charCodeAt(0) - 64) %
          Math.max(2, Number(hint.metadata.choiceCount ?? 4)),
      )
      return `Thinking it over.\nANSWER: ${right ? hint.choiceLetter : wrong}`
    }
    return `ANSWER: ${right ? (hint.target[0] ?? '') : 'I do not know'}`
  }
}

/** Replays recorded outputs, keyed `sampleId:epoch`, one per turn. */
export function replayScript(records: Record<string, MockResponse[]>): MockScript {
  return (_req, hint, turn) => {
    const key = hint ? `${hint.sampleId}:${hint.epoch}` : ''
    const list = records[key] ?? records['*']
    const r = list?.[Math.min(turn, (list?.length ?? 1) - 1)]
    if (r === undefined)
      throw new ProviderError('bad_response', `no recorded response for sample ${key} turn ${turn}`)
    return r
  }
}

/**
 * The scripted models `--model mockllm/NAME` can name:
 * - `default`: always "Default output";
 * - `oracle-NN`: right NN% of the time (e.g. `oracle-80`);
 * - `echo`: repeats the last user message.
 */
export function namedMockScript(name: string): MockScript {
  if (name === 'default') return () => 'Default output'
  if (name === 'echo')
    return (req) => req.messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''
  const m = /^oracle-(\d{1,3})$/.exec(name)
  if (m && Number(m[1]) <= 100) return oracleScript(Number(m[1]) / 100, name)
  throw new ProviderError(
    'client',
    `mockllm has no scripted model "${name}"; use mockllm/default, mockllm/echo or mockllm/oracle-NN (NN = percent right, 0–100)`,
  )
}

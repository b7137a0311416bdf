/**
 * Solvers: each takes the sample's state and returns it changed. A task's solver is a chain of
 * them, e.g. `[systemMessage(…), multipleChoice(), ]` or `[systemMessage(…), react()]`.
 */
import { letter, type Solver, type TaskState, type Tool } from './model.ts'
import { seededRng, shuffled } from './random.ts'
import { bashTool, pythonTool, SUBMIT, submitTool } from './tools.ts'

/** Fills `{name}` from `vars`; an unknown name is left as it is, so stray braces in prompts survive. */
export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([a-z_][a-z0-9_.]*)\}/gi, (m, k: string) => vars[k] ?? m)
}

function lastUser(state: TaskState) {
  const m = state.messages.findLast((x) => x.role === 'user')
  if (!m) throw new Error(`sample ${state.sample.id} has no user message to put in the template`)
  return m
}

function metaVars(state: TaskState): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(state.sample.metadata))
    if (v !== undefined && v !== null && typeof v !== 'object') out[k] = String(v)
  return out
}

export function systemMessage(template: string): Solver {
  return {
    name: 'system_message',
    params: { template },
    async solve(state) {
      const content = fill(template, metaVars(state))
      const at = state.messages.findIndex((m) => m.role !== 'system')
      state.messages.splice(at === -1 ? state.messages.length : at, 0, { role: 'system', content })
      return state
    },
  }
}

/** Rewrites the last user message: `{prompt}` is its text; metadata fields fill their names. */
export function promptTemplate(template: string): Solver {
  return {
    name: 'prompt_template',
    params: { template },
    async solve(state) {
      const m = lastUser(state)
      m.content = fill(template, { ...metaVars(state), prompt: m.content })
      return state
    },
  }
}

export function generate(): Solver {
  return {
    name: 'generate',
    async solve(state, ctx) {
      return ctx.generate(state)
    },
  }
}

export const COT_TEMPLATE =
  '{prompt}\n\nBefore answering, reason step by step. Then give your final answer on the last line, in the form "ANSWER: $ANSWER".'

/** Asks for reasoning before the answer (a prompt change; put `generate()` or `multipleChoice()` after it). */
export function chainOfThought(template = COT_TEMPLATE): Solver {
  return { ...promptTemplate(template), name: 'chain_of_thought', params: { template } }
}

export const MC_TEMPLATE =
  'Answer the following multiple choice question. The last line of your response must be of the form "ANSWER: $LETTER" (without quotes), where LETTER is one of {letters}.\n\n{question}\n\n{choices}'

/**
 * Multiple choice: shows the options lettered A, B, C… (shuffled per sample and epoch when
 * `shuffle` is set, with the target re-lettered to match), then generates.
 */
export function multipleChoice(
  opts: { shuffle?: boolean; template?: string; seed?: string } = {},
): Solver {
  const template = opts.template ?? MC_TEMPLATE
  return {
    name: 'multiple_choice',
    params: { shuffle: Boolean(opts.shuffle) },
    async solve(state, ctx) {
      const choices = state.choices
      if (!choices?.length)
        throw new Error(
          `sample ${state.sample.id} has no choices; multiple_choice needs a choices field`,
        )
      const order = opts.shuffle
        ? shuffled(choices, seededRng(`${opts.seed ?? 'mc'}|${state.sample.id}|${state.epoch}`))
        : choices
      // Targets are letters of the original order; map each to where its option went.
      state.target = state.sample.target.map((t) => {
        const orig = t.trim().toUpperCase().charCodeAt(0) - 65
        const now = order.findIndex((c) => c.originalIndex === orig)
        if (orig < 0 || orig >= choices.length || now < 0)
          throw new Error(
            `sample ${state.sample.id}: target "${t}" is not a letter of one of its ${choices.length} choices`,
          )
        return letter(now)
      })
      state.choices = order
      const m = lastUser(state)
      m.content = fill(template, {
        question: m.content,
        choices: order.map((c, i) => `${letter(i)}) ${c.text}`).join('\n'),
        letters: order.map((_, i) => letter(i)).join(', '),
      })
      return ctx.generate(state)
    },
  }
}

export const CRITIQUE_TEMPLATE =
  'Given the following question and answer, critique the answer. A good answer is correct, complete and follows the requested format. If the answer is already right, say so.\n\n[BEGIN DATA]\n[Question]: {question}\n[Answer]: {completion}\n[END DATA]\n\nCritique:'

export const REVISE_TEMPLATE =
  'Here is a critique of your answer:\n\n{critique}\n\nImprove your answer using the critique where it is right. Keep the requested answer format.'

/** Generates, asks the model to critique its own answer, then has it answer again in the light of that. */
export function selfCritique(opts: { critique?: string; revise?: string } = {}): Solver {
  return {
    name: 'self_critique',
    async solve(state, ctx) {
      if (!state.output) state = await ctx.generate(state)
      const critique = await ctx.call({
        messages: [
          {
            role: 'user',
            content: fill(opts.critique ?? CRITIQUE_TEMPLATE, {
              question: state.messages.find((m) => m.role === 'user')?.content ?? '',
              completion: state.output?.message.content ?? '',
            }),
          },
        ],
      })
      ctx.log('info', { critique: critique.message.content })
      state.messages.push({
        role: 'user',
        content: fill(opts.revise ?? REVISE_TEMPLATE, { critique: critique.message.content }),
      })
      return ctx.generate(state)
    },
  }
}

export const REACT_SYSTEM =
  'You are an expert working in a Linux workspace with no network access. Use the tools to work on the task: think about what to do, run commands, look at the results. When you have the answer, call submit with it.'

export const CONTINUE_MESSAGE =
  'Please go on using your tools. When you have the answer, call the submit tool with it.'

/**
 * A tool-using agent loop (ReAct): the model thinks, calls tools, reads their results, and
 * repeats until it calls `submit` or a limit (messages, tokens, tool calls, time) ends it.
 */
export function react(opts: { tools?: Tool[]; system?: string; maxTurns?: number } = {}): Solver {
  return {
    name: 'react',
    params: { tools: (opts.tools ?? []).map((t) => t.name), maxTurns: opts.maxTurns ?? 50 },
    async solve(state, ctx) {
      state.tools = opts.tools ?? [bashTool(), pythonTool(), submitTool()]
      if (!state.tools.some((t) => t.name === SUBMIT)) state.tools.push(submitTool())
      if (!state.messages.some((m) => m.role === 'system'))
        state.messages.unshift({ role: 'system', content: opts.system ?? REACT_SYSTEM })
      for (let turn = 0; turn < (opts.maxTurns ?? 50) && !state.completed; turn++) {
        state = await ctx.generate(state)
        const calls = state.output?.message.toolCalls ?? []
        if (!calls.length) {
          state.messages.push({ role: 'user', content: CONTINUE_MESSAGE })
          continue
        }
        for (const call of calls) {
          state.messages.push(await ctx.runTool(state, call))
          if (state.completed) break
        }
      }
      return state
    },
  }
}

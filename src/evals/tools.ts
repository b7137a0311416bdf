/** The agent's tools: `bash` and `python` run in the sample's sandbox; `submit` hands in the answer. */
import type { Tool } from './model.ts'
import type { ExecResult } from './sandbox-port.ts'

/** What a tool shows the model of a command's result; long output is cut, and it is said so. */
export function formatExec(r: ExecResult, maxChars = 16_000): string {
  let out = r.stdout
  if (r.stderr) out += `${out && !out.endsWith('\n') ? '\n' : ''}${r.stderr}`
  if (out.length > maxChars)
    out = `${out.slice(0, maxChars)}\n[output cut at ${maxChars} characters]`
  else if (r.truncated) out += '\n[output truncated by the sandbox]'
  if (r.timedOut) out += '\n[timed out]'
  if (r.exitCode !== 0) out += `\n[exit code ${r.exitCode}]`
  return out || '(no output)'
}

export function bashTool(opts: { timeoutMs?: number } = {}): Tool {
  return {
    name: 'bash',
    description:
      'Run a bash command in your Linux workspace (no network). Returns stdout, stderr and the exit code.',
    parameters: {
      type: 'object',
      properties: { cmd: { type: 'string', description: 'The bash command to run' } },
      required: ['cmd'],
      additionalProperties: false,
    },
    async run(args, ctx) {
      if (typeof args.cmd !== 'string') throw new Error('bash needs "cmd", a string')
      const sb = await ctx.sandbox()
      return formatExec(
        await sb.exec(['bash', '-c', args.cmd], { timeoutMs: opts.timeoutMs ?? 180_000 }),
      )
    },
  }
}

export function pythonTool(opts: { timeoutMs?: number } = {}): Tool {
  return {
    name: 'python',
    description:
      'Run a Python 3 program in your Linux workspace (no network). Print what you want to see.',
    parameters: {
      type: 'object',
      properties: { code: { type: 'string', description: 'The Python program' } },
      required: ['code'],
      additionalProperties: false,
    },
    async run(args, ctx) {
      if (typeof args.code !== 'string') throw new Error('python needs "code", a string')
      const sb = await ctx.sandbox()
      // The program goes in on stdin, so no quoting can break it.
      return formatExec(
        await sb.exec(['python3', '-'], { input: args.code, timeoutMs: opts.timeoutMs ?? 180_000 }),
      )
    },
  }
}

export const SUBMIT = 'submit'

export function submitTool(): Tool {
  return {
    name: SUBMIT,
    description: 'Submit your final answer (for a CTF, the flag). This ends the task.',
    parameters: {
      type: 'object',
      properties: { answer: { type: 'string', description: 'The answer or flag' } },
      required: ['answer'],
      additionalProperties: false,
    },
    async run(args, ctx) {
      if (typeof args.answer !== 'string') throw new Error('submit needs "answer", a string')
      ctx.state.submission = args.answer
      ctx.state.completed = true
      return 'Submitted.'
    },
  }
}

export const STANDARD_TOOLS = { bash: bashTool, python: pythonTool, submit: submitTool } as const
export type StandardToolName = keyof typeof STANDARD_TOOLS

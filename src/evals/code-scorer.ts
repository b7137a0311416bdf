/**
 * The code-execution scorer: takes the model's code (a file) or patch (a unified diff) from its
 * answer, puts it in the sample's sandbox, adds the hidden tests, runs the test command there
 * and scores by the result — with the command's output in the explanation.
 */
import { completion, type Score, type Scorer, type TaskState } from './model.ts'
import type { ExecResult } from './sandbox-port.ts'

export interface CodeScorerOptions {
  /** `file`: the answer is a whole file written at `path`; `patch`: a unified diff applied in the workspace. */
  mode?: 'file' | 'patch'
  /** Where a `file` answer is written, relative to the workspace (default `solution.py`). */
  path?: string
  /**
   * The test command, run in the workspace; exit status 0 passes. Default: the sample's
   * `metadata.test_command` (a shell command line).
   */
  command?: string[]
  /**
   * Test files written just before the command runs, so the model never saw them and could not
   * change them. Default: the sample's `metadata.test_files` (path → content).
   */
  testFiles?: (state: TaskState) => Record<string, string>
  /** Wall-time limit of the test command (default 60 s). */
  timeoutMs?: number
  /** Score the share of tests passed when the output has a unittest or pytest summary (default: all or nothing). */
  partialCredit?: boolean
}

/** The last fenced code block of the answer (preferring a `diff` block for patches), else the whole answer. */
export function extractCode(answer: string, mode: 'file' | 'patch' = 'file'): string {
  const blocks = [...answer.matchAll(/```([\w+-]*)[^\n]*\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1]!.toLowerCase(),
    body: m[2]!,
  }))
  if (mode === 'patch') {
    const diff = blocks.filter((b) => b.lang === 'diff' || b.lang === 'patch').at(-1)
    if (diff) return diff.body
  }
  const last = blocks.at(-1)
  return last ? last.body : answer.trim() ? `${answer.trim()}\n` : ''
}

/** Counts from a unittest ("Ran 3 tests" … "FAILED (failures=1)") or pytest ("2 passed, 1 failed") summary. */
export function testCounts(output: string): { passed: number; total: number } | undefined {
  const ran = /^Ran (\d+) tests?/m.exec(output)
  if (ran) {
    const total = Number(ran[1])
    const failed = /FAILED \(([^)]*)\)/.exec(output)?.[1] ?? ''
    const bad = [...failed.matchAll(/(?:failures|errors)=(\d+)/g)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    )
    return { passed: Math.max(0, total - bad), total }
  }
  const summary = /=+ (.*\b(?:passed|failed|error)\b.*) in [\d.]+s/.exec(output)?.[1]
  if (summary) {
    const count = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(summary)?.[1] ?? 0)
    const passed = count('passed')
    const total = passed + count('failed') + count('errors?')
    return total > 0 ? { passed, total } : undefined
  }
  return undefined
}

function tail(text: string, max = 1500): string {
  const t = text.trim()
  return t.length > max ? `…${t.slice(-max)}` : t
}

function describeRun(r: ExecResult): string {
  const out = tail(`${r.stdout}\n${r.stderr}`)
  const how = r.timedOut ? 'timed out' : `exited with ${r.exitCode}`
  return `the tests ${how}${out ? `:\n${out}` : ''}`
}

/**
 * Runs the model's code or patch against tests inside the sample's sandbox.
 *
 * @example
 * // A task whose samples carry metadata.test_files = { 'test_solution.py': '…' }
 * code({ path: 'solution.py', command: ['python3', '-m', 'unittest', '-q', 'test_solution'] })
 */
export function code(opts: CodeScorerOptions = {}): Scorer {
  const mode = opts.mode ?? 'file'
  const target = opts.path ?? 'solution.py'
  return {
    name: 'code',
    params: { mode, ...(mode === 'file' ? { path: target } : {}) },
    async score(state, ctx): Promise<Score> {
      const answer = completion(state)
      const source = extractCode(answer, mode)
      if (!source.trim()) return { value: 0, answer: '', explanation: 'the answer holds no code' }
      const command = opts.command ?? commandFromMetadata(state)
      if (!command) {
        throw new Error(
          `sample ${state.sample.id}: the code scorer needs a test command (scorer option "command" or the sample's metadata.test_command)`,
        )
      }
      const sb = await ctx.sandbox()
      if (mode === 'file') {
        await sb.writeFile(target, source)
      } else {
        await sb.writeFile('.answer.patch', source)
        const applied = await sb.exec(
          ['patch', '-p1', '--forward', '--batch', '--input', '.answer.patch'],
          { timeoutMs: 30_000 },
        )
        if (applied.exitCode !== 0) {
          return {
            value: 0,
            answer: source,
            explanation: `the patch does not apply: ${tail(`${applied.stdout}\n${applied.stderr}`)}`,
          }
        }
      }
      for (const [file, content] of Object.entries(
        (opts.testFiles ?? testFilesFromMetadata)(state),
      )) {
        await sb.writeFile(file, content)
      }
      const run = await sb.exec(command, { timeoutMs: opts.timeoutMs ?? 60_000 })
      const counts = run.timedOut ? undefined : testCounts(`${run.stdout}\n${run.stderr}`)
      const passed = run.exitCode === 0 && !run.timedOut
      const value =
        opts.partialCredit && counts && !passed ? counts.passed / counts.total : passed ? 1 : 0
      const tally = counts ? ` (${counts.passed}/${counts.total} tests passed)` : ''
      return {
        value,
        answer: source,
        explanation: passed ? `the tests passed${tally}` : `${describeRun(run)}${tally}`,
        metadata: {
          exitCode: run.exitCode,
          timedOut: run.timedOut,
          ...(counts ? { passed: counts.passed, total: counts.total } : {}),
        },
      }
    },
  }
}

function commandFromMetadata(state: TaskState): string[] | undefined {
  const c = state.sample.metadata.test_command
  return typeof c === 'string' && c.trim() ? ['sh', '-c', c] : undefined
}

function testFilesFromMetadata(state: TaskState): Record<string, string> {
  const files = state.sample.metadata.test_files
  if (files === undefined) return {}
  if (
    typeof files !== 'object' ||
    files === null ||
    Object.values(files).some((v) => typeof v !== 'string')
  ) {
    throw new Error(
      `sample ${state.sample.id}: metadata.test_files must map paths to file contents`,
    )
  }
  return files as Record<string, string>
}

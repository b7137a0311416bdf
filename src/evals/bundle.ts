/**
 * Declarative task bundles: a YAML or JSON file (plus the dataset and sandbox files beside it)
 * that describes a task as data, so a benchmark can be shipped and loaded without code.
 *
 * @example task.yaml
 * name: cyber-mcq
 * dataset: { file: questions.jsonl, fields: { id: id, input: question, target: answer, choices: options, category: topic } }
 * solver: [{ system_message: "You are a security expert." }, { multiple_choice: { shuffle: true } }]
 * scorers: [choice]
 * epochs: { count: 3, reducer: mean }
 */
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { code } from './code-scorer.ts'
import { DATASET_FORMATS, DatasetError, loadDataset } from './dataset.ts'
import { REDUCERS, type Sample, type Scorer, type Solver, type Task } from './model.ts'
import { choice, flag, includes, match, modelGraded, pattern } from './scorers.ts'
import {
  chainOfThought,
  generate,
  multipleChoice,
  promptTemplate,
  react,
  selfCritique,
  systemMessage,
} from './solvers.ts'
import { STANDARD_TOOLS, type StandardToolName } from './tools.ts'

export class BundleError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BundleError'
  }
}

const ZFields = z.strictObject({
  id: z.string().optional(),
  input: z.string(),
  target: z.string().optional(),
  choices: z.union([z.string(), z.array(z.string())]).optional(),
  category: z.string().optional(),
  difficulty: z.string().optional(),
  group: z.string().optional(),
  metadata: z.array(z.string()).optional(),
  files: z.string().optional(),
  setup: z.string().optional(),
})

export const ZSolverStep = z.union([
  z.enum(['generate', 'chain_of_thought', 'self_critique', 'multiple_choice', 'react']),
  z.strictObject({ system_message: z.string() }),
  z.strictObject({ prompt_template: z.string() }),
  z.strictObject({ chain_of_thought: z.strictObject({ template: z.string().optional() }) }),
  z.strictObject({
    multiple_choice: z.strictObject({
      shuffle: z.boolean().optional(),
      template: z.string().optional(),
    }),
  }),
  z.strictObject({
    self_critique: z.strictObject({
      critique: z.string().optional(),
      revise: z.string().optional(),
    }),
  }),
  z.strictObject({
    react: z.strictObject({
      tools: z
        .array(z.enum(Object.keys(STANDARD_TOOLS) as [StandardToolName, ...StandardToolName[]]))
        .optional(),
      system: z.string().optional(),
      max_turns: z.number().int().min(1).optional(),
    }),
  }),
])

export const ZScorer = z.union([
  z.enum(['match', 'includes', 'choice', 'flag']),
  z.strictObject({
    match: z.strictObject({
      location: z.enum(['exact', 'begin', 'end', 'any']).optional(),
      ignore_case: z.boolean().optional(),
    }),
  }),
  z.strictObject({ includes: z.strictObject({ ignore_case: z.boolean().optional() }) }),
  z.strictObject({ pattern: z.string() }),
  z.strictObject({ flag: z.strictObject({ pattern: z.string().optional() }) }),
  z.strictObject({
    model_graded: z.strictObject({ rubric: z.string().min(1), template: z.string().optional() }),
  }),
  z.strictObject({
    code: z.strictObject({
      mode: z.enum(['file', 'patch']).optional(),
      path: z.string().min(1).optional(),
      command: z.array(z.string()).min(1).optional(),
      timeout_ms: z.number().int().positive().optional(),
      partial_credit: z.boolean().optional(),
    }),
  }),
])

export const ZBundle = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
  version: z.number().int().min(1).optional(),
  description: z.string().optional(),
  dataset: z.strictObject({
    file: z.string(),
    format: z.enum(DATASET_FORMATS).optional(),
    fields: ZFields,
  }),
  solver: z.array(ZSolverStep).min(1),
  scorers: z.array(ZScorer).min(1),
  limits: z
    .strictObject({
      tokens: z.number().int().min(1).optional(),
      messages: z.number().int().min(1).optional(),
      tool_calls: z.number().int().min(0).optional(),
      time_seconds: z.number().positive().optional(),
      working_seconds: z.number().positive().optional(),
    })
    .optional(),
  epochs: z
    .union([
      z.number().int().min(1),
      z.strictObject({
        count: z.number().int().min(1),
        reducer: z.enum(REDUCERS).optional(),
        k: z.number().int().min(1).optional(),
      }),
    ])
    .optional(),
  sandbox: z
    .strictObject({
      limits: z
        .strictObject({
          cpu_seconds: z.number().positive().optional(),
          memory_mb: z.number().int().positive().optional(),
          max_processes: z.number().int().positive().optional(),
          wall_time_ms: z.number().int().positive().optional(),
        })
        .optional(),
    })
    .optional(),
  config: z
    .strictObject({
      max_tokens: z.number().int().min(1).optional(),
      temperature: z.number().min(0).max(2).optional(),
    })
    .optional(),
})
export type Bundle = z.infer<typeof ZBundle>

export function solverOf(step: z.infer<typeof ZSolverStep>): Solver {
  if (typeof step === 'string') {
    return {
      generate,
      chain_of_thought: () => chainOfThought(),
      self_critique: () => selfCritique(),
      multiple_choice: () => multipleChoice(),
      react: () => react(),
    }[step]()
  }
  if ('system_message' in step) return systemMessage(step.system_message)
  if ('prompt_template' in step) return promptTemplate(step.prompt_template)
  if ('chain_of_thought' in step) return chainOfThought(step.chain_of_thought.template)
  if ('multiple_choice' in step) return multipleChoice(step.multiple_choice)
  if ('self_critique' in step) return selfCritique(step.self_critique)
  const r = step.react
  return react({
    ...(r.tools ? { tools: r.tools.map((t) => STANDARD_TOOLS[t]()) } : {}),
    ...(r.system ? { system: r.system } : {}),
    ...(r.max_turns ? { maxTurns: r.max_turns } : {}),
  })
}

export function scorerOf(s: z.infer<typeof ZScorer>): Scorer {
  if (typeof s === 'string')
    return { match: () => match(), includes: () => includes(), choice, flag: () => flag() }[s]()
  if ('match' in s)
    return match({
      ...(s.match.location ? { location: s.match.location } : {}),
      ...(s.match.ignore_case !== undefined ? { ignoreCase: s.match.ignore_case } : {}),
    })
  if ('includes' in s)
    return includes(
      s.includes.ignore_case !== undefined ? { ignoreCase: s.includes.ignore_case } : {},
    )
  if ('pattern' in s) return pattern(s.pattern)
  if ('flag' in s) return flag(s.flag.pattern ? { pattern: s.flag.pattern } : {})
  if ('code' in s) {
    const c = s.code
    return code({
      ...(c.mode ? { mode: c.mode } : {}),
      ...(c.path ? { path: c.path } : {}),
      ...(c.command ? { command: c.command } : {}),
      ...(c.timeout_ms ? { timeoutMs: c.timeout_ms } : {}),
      ...(c.partial_credit !== undefined ? { partialCredit: c.partial_credit } : {}),
    })
  }
  return modelGraded(s.model_graded)
}

/** A path inside the bundle's folder; `..` out of it is refused. */
function inside(dir: string, rel: string, where: string): string {
  const full = path.resolve(dir, rel)
  if (full !== dir && !full.startsWith(dir + path.sep))
    throw new BundleError(`${where}: "${rel}" points outside the bundle folder`)
  return full
}

/** Sample file values written `@path` are read from the bundle folder. */
async function resolveFiles(dir: string, samples: Sample[], file: string): Promise<Sample[]> {
  for (const s of samples) {
    if (!s.files) continue
    for (const [name, v] of Object.entries(s.files)) {
      if (!v.startsWith('@')) continue
      const where = `${file}: sample ${s.id} file ${name}`
      try {
        s.files[name] = await readFile(inside(dir, v.slice(1), where), 'utf8')
      } catch (err) {
        if (err instanceof BundleError) throw err
        throw new BundleError(`${where}: cannot read ${v.slice(1)} (${(err as Error).message})`)
      }
    }
  }
  return samples
}

/** Reads and checks a bundle; errors name the file and the field. */
export async function loadBundle(ref: string): Promise<Task> {
  let file = path.resolve(ref)
  if ((await stat(file).catch(() => null))?.isDirectory()) {
    const candidates = ['task.yaml', 'task.yml', 'task.json'].map((f) => path.join(file, f))
    const found = (
      await Promise.all(
        candidates.map((c) =>
          stat(c).then(
            () => c,
            () => null,
          ),
        ),
      )
    ).find(Boolean)
    if (!found)
      throw new BundleError(`${ref}: a bundle folder needs a task.yaml, task.yml or task.json`)
    file = found
  }
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new BundleError(`${ref}: cannot read the task bundle (${(err as Error).message})`)
  }
  let doc: unknown
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new BundleError(
      `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'} (${(err as Error).message})`,
    )
  }
  const parsed = ZBundle.safeParse(doc)
  if (!parsed.success) {
    const i = parsed.error.issues[0]!
    throw new BundleError(`${file}: ${i.path.map(String).join('.') || '(top level)'}: ${i.message}`)
  }
  return taskFromBundle(parsed.data, path.dirname(file), file)
}

export function taskFromBundle(b: Bundle, dir: string, file: string): Task {
  const dataFile = inside(dir, b.dataset.file, `${file}: dataset.file`)
  const l = b.limits
  const epochs =
    typeof b.epochs === 'number' ? { count: b.epochs, reducer: 'mean' as const } : b.epochs
  return {
    name: b.name,
    ...(b.version ? { version: b.version } : {}),
    ...(b.description ? { description: b.description } : {}),
    dataset: async () => {
      try {
        const samples = await loadDataset({
          file: dataFile,
          ...(b.dataset.format ? { format: b.dataset.format } : {}),
          fields: b.dataset.fields,
        })
        return await resolveFiles(dir, samples, file)
      } catch (err) {
        if (err instanceof DatasetError || err instanceof BundleError) throw err
        throw new BundleError(`${file}: ${(err as Error).message}`)
      }
    },
    solver: b.solver.map(solverOf),
    scorers: b.scorers.map(scorerOf),
    ...(l
      ? {
          limits: {
            ...(l.tokens ? { tokens: l.tokens } : {}),
            ...(l.messages ? { messages: l.messages } : {}),
            ...(l.tool_calls !== undefined ? { toolCalls: l.tool_calls } : {}),
            ...(l.time_seconds ? { timeSeconds: l.time_seconds } : {}),
            ...(l.working_seconds ? { workingSeconds: l.working_seconds } : {}),
          },
        }
      : {}),
    ...(epochs
      ? {
          epochs: {
            count: epochs.count,
            reducer: epochs.reducer ?? 'mean',
            ...(epochs.k ? { k: epochs.k } : {}),
          },
        }
      : {}),
    ...(b.sandbox?.limits
      ? {
          sandbox: {
            limits: {
              ...(b.sandbox.limits.cpu_seconds ? { cpuSeconds: b.sandbox.limits.cpu_seconds } : {}),
              ...(b.sandbox.limits.memory_mb ? { memoryMb: b.sandbox.limits.memory_mb } : {}),
              ...(b.sandbox.limits.max_processes
                ? { maxProcesses: b.sandbox.limits.max_processes }
                : {}),
              ...(b.sandbox.limits.wall_time_ms
                ? { wallTimeMs: b.sandbox.limits.wall_time_ms }
                : {}),
            },
          },
        }
      : {}),
    ...(b.config
      ? {
          config: {
            ...(b.config.max_tokens ? { maxTokens: b.config.max_tokens } : {}),
            ...(b.config.temperature !== undefined ? { temperature: b.config.temperature } : {}),
          },
        }
      : {}),
    metadata: { bundle: file },
  }
}

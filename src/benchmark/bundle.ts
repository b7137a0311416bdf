/**
 * Controlled benchmark bundles: the manifest the custodian imports, checked whole before
 * anything is stored, and the per-run secrets that keep a seen flag worthless. Pure: no I/O.
 *
 * A bundle is a manifest (JSON or YAML) plus files. Each task names its capability categories
 * with weights and its solver/scorer configuration; each item is an evaluation sample (input,
 * targets, choices, files, setup) with an optional reference solution. Strings may hold
 * `{{NAME}}` placeholders for the item's declared `secrets`, filled with fresh random values at
 * every run.
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { ZScorer, ZSolverStep } from '../evals/bundle.ts'
import { CATEGORIES } from './policy.ts'

const ZId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, . _ - (at most 100)')

const ZMessage = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().max(200_000),
})

/** A file is inline text, or a path relative to the bundle that must be present. */
const ZFile = z.union([
  z.string().max(1_000_000),
  z.strictObject({ path: z.string().min(1).max(500) }),
])

const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,31}$/

export const ZBundleItem = z.strictObject({
  id: ZId,
  input: z.union([z.string().min(1).max(200_000), z.array(ZMessage).min(1)]),
  target: z.union([z.string(), z.array(z.string())]).transform((t) => (Array.isArray(t) ? t : [t])),
  choices: z.array(z.string().max(10_000)).min(2).max(26).optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  files: z.record(z.string().min(1).max(200), ZFile).optional(),
  setup: z.string().max(100_000).optional(),
  /** Commands a solver would issue; run before a campaign to show the item is solvable. */
  solution: z.array(z.string().max(100_000)).optional(),
  /** Names of values made fresh at every run, e.g. FLAG: `{{FLAG}}` in any string. */
  secrets: z.array(z.string().regex(SECRET_NAME, 'UPPER_CASE names')).max(8).default([]),
})
export type BundleItem = z.infer<typeof ZBundleItem>

export const ZBundleTask = z.strictObject({
  id: ZId,
  name: z.string().trim().min(1).max(200),
  /** Capability category → weight (the task's share in each category it measures). */
  categories: z
    .partialRecord(z.enum(CATEGORIES), z.number().positive().max(100))
    .refine((c) => Object.keys(c).length > 0, 'give at least one category'),
  /** The evaluation engine's solver chain and scorers, as in its task bundles. Not secret. */
  solver: z.array(ZSolverStep).min(1).default(['generate']),
  scorers: z.array(ZScorer).min(1).default(['match']),
  epochs: z.number().int().min(1).max(100).optional(),
  items: z.array(ZBundleItem).min(1).max(50_000),
})
export type BundleTask = z.infer<typeof ZBundleTask>

export const ZBundleManifest = z.strictObject({
  name: ZId,
  version: z.string().min(1).max(50),
  /** Strings planted in the bundle; a model that reproduces one has seen the bundle. */
  canaries: z.array(z.string().min(16).max(200)).min(1).max(20),
  tasks: z.array(ZBundleTask).min(1).max(1_000),
})
export type BundleManifest = z.infer<typeof ZBundleManifest>
/** A manifest as written (targets may be one string; defaults not yet applied). */
export type BundleManifestInput = z.input<typeof ZBundleManifest>

export interface BundleProblem {
  path: string
  message: string
}

/** An item as stored in the vault: files resolved to their contents. */
export interface VaultItemContent extends Omit<BundleItem, 'files'> {
  files?: Record<string, string>
}

export interface CheckedBundle {
  manifest: BundleManifest
  /** Per task, per item: content ready to encrypt. */
  tasks: Array<{ task: Omit<BundleTask, 'items'>; items: VaultItemContent[] }>
}

/**
 * Checks a manifest and its files whole. Every problem is listed with its path, so a bad
 * bundle is fixed in one round; nothing is stored unless this returns no problems.
 */
export function checkBundle(
  manifest: unknown,
  files: ReadonlyMap<string, string>,
): { ok: true; bundle: CheckedBundle } | { ok: false; problems: BundleProblem[] } {
  const parsed = ZBundleManifest.safeParse(manifest)
  if (!parsed.success)
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.') || '(manifest)',
        message: i.message,
      })),
    }
  const m = parsed.data
  const problems: BundleProblem[] = []
  const taskIds = new Set<string>()
  const tasks: CheckedBundle['tasks'] = []
  m.tasks.forEach((task, ti) => {
    if (taskIds.has(task.id))
      problems.push({ path: `tasks.${ti}.id`, message: `duplicate task id ${task.id}` })
    taskIds.add(task.id)
    const itemIds = new Set<string>()
    const items: VaultItemContent[] = []
    task.items.forEach((item, ii) => {
      const at = `tasks.${ti}.items.${ii}`
      if (itemIds.has(item.id))
        problems.push({
          path: `${at}.id`,
          message: `duplicate item id ${item.id} in task ${task.id}`,
        })
      itemIds.add(item.id)
      if (item.target.length === 0 && !item.solution)
        problems.push({ path: `${at}.target`, message: 'give a target or a reference solution' })
      if (item.choices)
        for (const t of item.target)
          if (!/^[A-Z]$/.test(t) || t.charCodeAt(0) - 65 >= item.choices.length)
            problems.push({
              path: `${at}.target`,
              message: `${t} is not the letter of one of the ${item.choices.length} choices`,
            })
      const resolved: Record<string, string> = {}
      for (const [name, f] of Object.entries(item.files ?? {})) {
        if (typeof f === 'string') resolved[name] = f
        else {
          const content = files.get(f.path)
          if (content === undefined)
            problems.push({
              path: `${at}.files.${name}`,
              message: `file ${f.path} is not in the bundle`,
            })
          else resolved[name] = content
        }
      }
      for (const placeholder of placeholdersIn(item))
        if (!item.secrets.includes(placeholder))
          problems.push({
            path: `${at}.secrets`,
            message: `{{${placeholder}}} is used but not declared in secrets`,
          })
      const { files: _files, ...rest } = item
      items.push({ ...rest, ...(item.files ? { files: resolved } : {}) })
    })
    const { items: _items, ...config } = task
    tasks.push({ task: config, items })
  })
  if (problems.length) return { ok: false, problems }
  return { ok: true, bundle: { manifest: m, tasks } }
}

const PLACEHOLDER = /\{\{([A-Z][A-Z0-9_]{0,31})\}\}/g

function strings(item: BundleItem | VaultItemContent): string[] {
  const out: string[] = []
  if (typeof item.input === 'string') out.push(item.input)
  else out.push(...item.input.map((m) => m.content))
  out.push(...item.target, ...(item.choices ?? []), item.setup ?? '', ...(item.solution ?? []))
  for (const f of Object.values(item.files ?? {})) if (typeof f === 'string') out.push(f)
  return out
}

function placeholdersIn(item: BundleItem): Set<string> {
  const found = new Set<string>()
  for (const s of strings(item)) for (const m of s.matchAll(PLACEHOLDER)) found.add(m[1]!)
  return found
}

/** A fresh value for each declared secret: flags look like `ew{<32 hex>}`. */
export function freshSecrets(
  names: readonly string[],
  random: (n: number) => Buffer = randomBytes,
): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, `ew{${random(16).toString('hex')}}`]))
}

/** The item with every `{{NAME}}` replaced by this run's value. */
export function withSecrets(
  item: VaultItemContent,
  values: Record<string, string>,
): VaultItemContent {
  const fill = (s: string) => s.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole)
  return {
    ...item,
    input:
      typeof item.input === 'string'
        ? fill(item.input)
        : item.input.map((m) => ({ ...m, content: fill(m.content) })),
    target: item.target.map(fill),
    ...(item.choices ? { choices: item.choices.map(fill) } : {}),
    ...(item.setup !== undefined ? { setup: fill(item.setup) } : {}),
    ...(item.solution ? { solution: item.solution.map(fill) } : {}),
    ...(item.files
      ? { files: Object.fromEntries(Object.entries(item.files).map(([k, v]) => [k, fill(v)])) }
      : {}),
  }
}

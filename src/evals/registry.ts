/**
 * The task registry: TypeScript tasks registered by name, and bundles found by path. A run
 * stores the reference it was started with, so every worker resolves the same task.
 *
 * @example
 * const registry = createRegistry()
 * registry.register({ name: 'arith', description: 'two-digit sums', create: () => arithTask })
 * const task = await registry.resolve('arith')        // or registry.resolve('./tasks/cyber-mcq')
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { loadBundle } from './bundle.ts'
import type { Task } from './model.ts'

export interface TaskEntry {
  name: string
  description: string
  /** Grouping in listings, e.g. `public-suite`. */
  suite?: string
  create(): Task | Promise<Task>
}

export interface TaskRegistry {
  register(...entries: TaskEntry[]): void
  list(): Array<Omit<TaskEntry, 'create'>>
  /** A registered name, or the path of a bundle file or folder. */
  resolve(ref: string): Promise<Task>
  /** The reference to store: a registered name as it is, a bundle path made absolute (so every worker finds it). */
  canonical(ref: string): string
  /**
   * Tasks made on demand from a reference with this prefix (e.g. `controlled:`): a caller with
   * its own task store (the controlled benchmark's vault) builds the task in the worker.
   */
  addResolver(prefix: string, resolve: (ref: string) => Promise<Task>): void
}

export class UnknownTaskError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnknownTaskError'
  }
}

export function createRegistry(entries: TaskEntry[] = []): TaskRegistry {
  const byName = new Map<string, TaskEntry>()
  const resolvers = new Map<string, (ref: string) => Promise<Task>>()
  const resolverFor = (ref: string) =>
    [...resolvers.entries()].find(([prefix]) => ref.startsWith(prefix))?.[1]
  const reg: TaskRegistry = {
    addResolver(prefix, resolve) {
      if (resolvers.has(prefix)) throw new Error(`a resolver for ${prefix} is added twice`)
      resolvers.set(prefix, resolve)
    },
    register(...list) {
      for (const e of list) {
        if (byName.has(e.name)) throw new Error(`task ${e.name} is registered twice`)
        byName.set(e.name, e)
      }
    },
    list: () =>
      [...byName.values()]
        .map(({ create: _c, ...rest }) => rest)
        .sort((a, b) => a.name.localeCompare(b.name)),
    canonical: (ref) =>
      byName.has(ref) || resolverFor(ref) || !/[/\\.]/.test(ref) ? ref : path.resolve(ref),
    async resolve(ref) {
      const e = byName.get(ref)
      if (e) return e.create()
      const dynamic = resolverFor(ref)
      if (dynamic) return dynamic(ref)
      if (/[/\\.]/.test(ref) && (await stat(ref).catch(() => null))) return loadBundle(ref)
      throw new UnknownTaskError(
        `no task named "${ref}" and no bundle at that path; \`earlywatch eval list\` shows the tasks (${[...byName.keys()].slice(0, 8).join(', ') || 'none registered'})`,
      )
    },
  }
  reg.register(...entries)
  return reg
}

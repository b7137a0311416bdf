/** The tasks `earlywatch eval` knows by name. Bundles are also found by path, without registering. */
import { createRegistry, type TaskEntry, type TaskRegistry } from './registry.ts'
import { SUITE_TASKS } from './suite/index.ts'

/** Every built-in task; the public sample suite adds its own entries here. */
export const BUILTIN_TASKS: readonly TaskEntry[] = [...SUITE_TASKS]

export function defaultRegistry(extra: readonly TaskEntry[] = []): TaskRegistry {
  return createRegistry([...BUILTIN_TASKS, ...extra])
}

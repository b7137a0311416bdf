/** The tasks `earlywatch eval` knows by name. Bundles are also found by path, without registering. */
import { createRegistry, type TaskEntry, type TaskRegistry } from './registry.ts'

/** Every built-in task; the public sample suite adds its own entries here. */
export const BUILTIN_TASKS: readonly TaskEntry[] = []

export function defaultRegistry(extra: readonly TaskEntry[] = []): TaskRegistry {
  return createRegistry([...BUILTIN_TASKS, ...extra])
}

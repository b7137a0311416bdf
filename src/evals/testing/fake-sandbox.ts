/**
 * A sandbox port fake for tests of the engine: a workspace of files in memory and a command
 * table, so solver and tool tests run without bubblewrap. The real isolation is tested in sandbox/.
 */
import type { ExecResult, Sandbox, SandboxProvider, SandboxSpec } from '../sandbox-port.ts'

export interface FakeSandboxLog {
  created: SandboxSpec[]
  commands: string[][]
  closed: number
  /** Most sandboxes open at once. */
  peak: number
}

export function fakeSandboxes(
  respond: (
    cmd: string[],
    files: Map<string, string>,
    input?: string,
  ) => Partial<ExecResult> = () => ({}),
): SandboxProvider & { log: FakeSandboxLog } {
  const log: FakeSandboxLog = { created: [], commands: [], closed: 0, peak: 0 }
  let open = 0
  return {
    name: 'fake',
    log,
    async create(spec) {
      log.created.push(spec)
      open++
      log.peak = Math.max(log.peak, open)
      const files = new Map<string, string>(
        Object.entries(spec.files ?? {}).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : Buffer.from(v).toString(),
        ]),
      )
      const sb: Sandbox = {
        async exec(cmd, opts) {
          log.commands.push(cmd)
          await new Promise((r) => setImmediate(r))
          return {
            stdout: '',
            stderr: '',
            exitCode: 0,
            timedOut: false,
            truncated: false,
            ...respond(cmd, files, opts?.input),
          }
        },
        async writeFile(p, c) {
          files.set(p, typeof c === 'string' ? c : Buffer.from(c).toString())
        },
        async readFile(p) {
          const v = files.get(p)
          if (v === undefined) throw new Error(`no file ${p}`)
          return v
        },
        async close() {
          open--
          log.closed++
        },
      }
      return sb
    },
  }
}

/** The sandbox port: where an eval's tools run untrusted commands, whatever isolates them (bubblewrap here; Docker or Kubernetes later). */

export interface ExecResult {
  stdout: string
  stderr: string
  /** The command's exit status; 128 + signal number when a signal ended it (137 for SIGKILL). */
  exitCode: number
  /** The wall-time limit ended the command (its whole process group was killed). */
  timedOut: boolean
  /** stdout or stderr was longer than the provider keeps; the rest was read and dropped. */
  truncated: boolean
}

export interface ExecOptions {
  /** Written to the command's standard input, which is then closed. */
  input?: string
  /** Inside the sandbox; relative paths are taken from the workspace. */
  cwd?: string
  /** Wall-time limit for this command; defaults to the sandbox's `limits.wallTimeMs`. */
  timeoutMs?: number
  env?: Record<string, string>
}

export interface SandboxLimits {
  /** CPU seconds per process (RLIMIT_CPU). */
  cpuSeconds?: number
  /** Address space per process in MiB (RLIMIT_AS). */
  memoryMb?: number
  /** Processes and threads the sandbox may run at once (RLIMIT_NPROC, counted per sandbox). */
  maxProcesses?: number
  /** Wall time of one command, setup included; the command's process group is killed at the limit. */
  wallTimeMs?: number
}

export interface SandboxSpec {
  /** Files placed in the workspace before setup; keys are paths relative to it. */
  files?: Record<string, string | Uint8Array>
  /**
   * A shell script run once inside the sandbox at create time, in the workspace, before any
   * `exec`. It may start services that later commands reach on loopback.
   */
  setup?: string
  limits?: SandboxLimits
  /** Sandboxes never have a network; the field exists so a spec can say so explicitly. */
  network?: false
}

export interface Sandbox {
  exec(cmd: string[], opts?: ExecOptions): Promise<ExecResult>
  writeFile(path: string, content: string | Uint8Array): Promise<void>
  readFile(path: string): Promise<string>
  /** Ends every process of the sandbox and deletes its workspace; safe to call twice. */
  close(): Promise<void>
}

export interface SandboxProvider {
  readonly name: string
  create(spec: SandboxSpec): Promise<Sandbox>
}

/** Limits that apply when neither the spec nor the provider sets one. */
export const DEFAULT_LIMITS: Readonly<Required<SandboxLimits>> = Object.freeze({
  cpuSeconds: 300,
  memoryMb: 2048,
  maxProcesses: 256,
  wallTimeMs: 120_000,
})

/** Where relative paths point inside every sandbox. */
export const WORKSPACE = '/workspace'

/**
 * Runs `fn` with a fresh sandbox and closes it afterwards, also when `fn` throws.
 *
 * @example
 * const out = await withSandbox(provider, { files: { 'a.py': 'print(1)' } }, (sb) =>
 *   sb.exec(['python3', 'a.py']),
 * )
 */
export async function withSandbox<T>(
  provider: SandboxProvider,
  spec: SandboxSpec,
  fn: (sandbox: Sandbox) => Promise<T>,
): Promise<T> {
  const sandbox = await provider.create(spec)
  try {
    return await fn(sandbox)
  } finally {
    await sandbox.close()
  }
}

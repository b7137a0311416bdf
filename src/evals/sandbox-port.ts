/**
 * The sandbox port as the engine uses it. The implementations (bubblewrap, …) live in
 * `sandbox/`; this declaration is identical to theirs so the engine compiles on its own.
 */
export interface ExecResult {
  stdout: string
  stderr: string
  exitCode: number
  timedOut: boolean
  truncated: boolean
}
export interface ExecOptions {
  input?: string
  cwd?: string
  timeoutMs?: number
  env?: Record<string, string>
}
export interface SandboxLimits {
  cpuSeconds?: number
  memoryMb?: number
  maxProcesses?: number
  wallTimeMs?: number
}
export interface SandboxSpec {
  files?: Record<string, string | Uint8Array>
  setup?: string
  limits?: SandboxLimits
  network?: false
}
export interface Sandbox {
  exec(cmd: string[], opts?: ExecOptions): Promise<ExecResult>
  writeFile(path: string, content: string | Uint8Array): Promise<void>
  readFile(path: string): Promise<string>
  close(): Promise<void>
}
export interface SandboxProvider {
  readonly name: string
  create(spec: SandboxSpec): Promise<Sandbox>
}

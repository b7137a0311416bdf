/** The sandbox port as the engine uses it; the declarations and implementations live in `sandbox/`. */
export type {
  ExecOptions,
  ExecResult,
  Sandbox,
  SandboxLimits,
  SandboxProvider,
  SandboxSpec,
} from './sandbox/sandbox.ts'

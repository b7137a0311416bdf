/** Shared by the tests that run earlywatch as real processes: ports, a clean environment, child processes, bounded waits. */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

/** The caller's environment without earlywatch settings, so a test runs the defaults it names. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(DATABASE_|EARLYWATCH_|OIDC_|PORT$|HOST$|LOG_LEVEL$)/.test(k)) env[k] = v
  }
  return { ...env, ...extra }
}

export interface RunningCommand {
  child: ChildProcess
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL if it has not ended within 20 s. */
  stop(): Promise<void>
}

/** Runs `earlywatch ARGS` in a child process with exactly `env`. */
export function runEarlywatch(args: string[], env: NodeJS.ProcessEnv): RunningCommand {
  let out = ''
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.on('data', (d) => {
    out += d
  })
  child.stderr!.on('data', (d) => {
    out += d
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return {
    child,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Polls `check` until it returns a value (errors count as not yet), for at most `ms`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await check().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`${what}: not seen within ${ms / 1000} s`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

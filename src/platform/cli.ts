/** Shared CLI plumbing: exit codes that mean something, --json output, tables, progress bars. */
import cliProgress from 'cli-progress'
import { SettingsError } from '../config.ts'
import { isAppError } from './errors.ts'

/** Exit codes, stable for scripts. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  CONFLICT: 4,
  CONFIG: 5,
  UNAVAILABLE: 6,
  FORBIDDEN: 7,
} as const

export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode: number = EXIT.USAGE) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CliError) return err.exitCode
  if (err instanceof SettingsError) return EXIT.CONFIG
  if (isAppError(err)) {
    if (err.status === 404) return EXIT.NOT_FOUND
    if (err.status === 409) return EXIT.CONFLICT
    if (err.status === 401 || err.status === 403) return EXIT.FORBIDDEN
    if (err.status === 503) return EXIT.UNAVAILABLE
    if (err.status < 500) return EXIT.USAGE
  }
  return EXIT.FAILURE
}

/** One line naming the problem (and, for input errors, each field). */
export function describeError(err: unknown): string {
  if (err instanceof SettingsError) return err.message
  if (isAppError(err)) {
    const fields = err.errors?.length
      ? ` (${err.errors.map((e) => `${e.path}: ${e.message}`).join('; ')})`
      : ''
    return `${err.detail}${fields && !err.detail.includes(err.errors![0]!.message) ? fields : ''}`
  }
  if (
    err &&
    typeof err === 'object' &&
    'issues' in err &&
    Array.isArray((err as { issues: unknown[] }).issues)
  ) {
    return (err as { issues: Array<{ path: PropertyKey[]; message: string }> }).issues
      .map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}`)
      .join('; ')
  }
  return err instanceof Error ? err.message : String(err)
}

export interface Output {
  readonly json: boolean
  /** Prints `data` as JSON with --json, or through `human` otherwise. */
  print<T>(data: T, human: (d: T) => string): void
  progress(total: number, label: string): { tick(n?: number): void; stop(): void }
}

export function output(json: boolean, stream: NodeJS.WriteStream = process.stdout): Output {
  return {
    json,
    print(data, human) {
      stream.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human(data)}\n`)
    },
    progress(total, label) {
      // Progress goes to stderr and only to a terminal, so --json and pipes stay clean.
      if (json || !process.stderr.isTTY) return { tick() {}, stop() {} }
      const bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {value}/{total} | eta {eta}s`,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
      bar.start(total, 0)
      return { tick: (n = 1) => bar.increment(n), stop: () => bar.stop() }
    },
  }
}

/** A plain text table: columns padded to the widest cell. */
export function table(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  if (rows.length === 0) return '(none)'
  const cols = columns ?? Object.keys(rows[0]!)
  const cell = (v: unknown) =>
    v instanceof Date ? v.toISOString() : v === null || v === undefined ? '' : String(v)
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [
    line(cols.map((c) => c.toUpperCase())),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join('\n')
}

/** `earlywatch log …`: the transparency log from a shell; `log verify` checks a log from its public endpoints alone. */
import { createHash } from 'node:crypto'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import type { CliContext } from '../cli-context.ts'
import { loadSettings, type Settings } from '../config.ts'
import { CliError, EXIT } from '../platform/cli.ts'
import { type VerifyLogResult, verifyLog } from './verifier.ts'

export interface TranslogCliIo {
  /** Settings, read only when a default is needed (so an auditor without a server config can pass --url). */
  settings(): Pick<Settings, 'publicUrl'>
  /** The per-user data directory where verifier state is kept by default. */
  userDataDir(): string
  fetch?: typeof fetch
  /** Warnings go to stderr, so --json output stays parseable. */
  warn(message: string): void
}

const defaultIo = (): TranslogCliIo => ({
  settings: () => loadSettings(process.env),
  // XDG base directories: state that should outlive a working directory belongs in the user's data home.
  userDataDir: () =>
    join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'earlywatch'),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
})

/** One state file per log URL, so verifying two logs never mixes their histories. */
export function defaultStateFile(dataDir: string, url: string): string {
  const readable = url
    .replace(/^https?:\/\//, '')
    .replace(/[^A-Za-z0-9.-]+/g, '_')
    .slice(0, 80)
  const digest = createHash('sha256').update(url).digest('hex').slice(0, 8)
  return join(dataDir, 'log-verify', `${readable}-${digest}.json`)
}

/**
 * @example
 * registerTranslogCommands(program, ctx)
 * // earlywatch log verify --url https://earlywatch.example/log --key 'earlywatch.example/log+1a2b3c4d+AU…'
 */
export function registerTranslogCommands(
  root: Command,
  ctx: CliContext,
  io: TranslogCliIo = defaultIo(),
): void {
  const log = root.command('log').description('The transparency log of the program’s decisions')

  log
    .command('verify')
    .description(
      'Verify a transparency log from its public endpoints: the checkpoint signature, consistency with the checkpoint this verifier saw last, the root recomputed from the tiles, and every entry against its leaf hash',
    )
    .option('--url <url>', 'the log prefix (default: EARLYWATCH_PUBLIC_URL + /log)')
    .option(
      '--key <vkey>',
      'the log’s note verifier key, obtained out of band (default: fetched from URL/verifier-key, which is weaker)',
    )
    .option(
      '--state <file>',
      'where the last verified checkpoint is kept (default: per log, under the user data directory)',
    )
    .option('--entry <index...>', 'also prove the inclusion of these entry indexes and show them')
    .option(
      '--quick',
      'read only the tiles a light client needs: signature, consistency and the --entry entries, not every entry',
    )
    .action(
      async (opts: {
        url?: string
        key?: string
        state?: string
        entry?: string[]
        quick?: boolean
      }) => {
        const url = (opts.url ?? `${io.settings().publicUrl}/log`).replace(/\/+$/, '')
        if (!/^https?:\/\//.test(url)) {
          throw new CliError(
            `--url must be an http(s) URL such as https://earlywatch.example/log, not "${url}"`,
          )
        }
        const entries = (opts.entry ?? []).map((e) => {
          if (!/^(0|[1-9][0-9]*)$/.test(e) || !Number.isSafeInteger(Number(e))) {
            throw new CliError(`--entry must be a whole number (an entry index), not "${e}"`)
          }
          return Number(e)
        })
        const doFetch = io.fetch ?? fetch
        let verifierKey = opts.key
        let keySource: 'given' | 'served by the log' = 'given'
        if (!verifierKey) {
          verifierKey = await fetchKey(doFetch, url)
          keySource = 'served by the log'
          io.warn(
            `trusting the verifier key served by the log itself (${verifierKey}); a log that rewrites its history could replace this key too. Pass --key with the key published out of band.`,
          )
        }
        const stateFile = opts.state ?? defaultStateFile(io.userDataDir(), url)

        const out = ctx.out()
        let bar: ReturnType<typeof out.progress> | undefined
        let shown = 0
        const result = await verifyLog({
          baseUrl: url,
          verifierKey,
          stateFile,
          fetch: doFetch,
          entries,
          full: !opts.quick,
          onProgress: (done, total) => {
            if (total === 0) return
            bar ??= out.progress(total, 'checking entries')
            bar.tick(done - shown)
            shown = done
          },
        })
        bar?.stop()
        const mode: 'full' | 'quick' = opts.quick ? 'quick' : 'full'
        out.print({ url, mode, keySource, stateFile, ...result }, (r) => describe(r, url))
        if (!result.ok) {
          throw new CliError(
            `log verification failed with ${result.problems.length} problem(s), listed above`,
            EXIT.FAILURE,
          )
        }
      },
    )
}

async function fetchKey(doFetch: typeof fetch, url: string): Promise<string> {
  const keyUrl = `${url}/verifier-key`
  let res: Response
  try {
    res = await doFetch(keyUrl, { signal: AbortSignal.timeout(30_000) })
  } catch (err) {
    throw new CliError(
      `could not fetch ${keyUrl} (${(err as Error).message}); check --url, or pass --key`,
      EXIT.UNAVAILABLE,
    )
  }
  if (!res.ok) {
    throw new CliError(
      `GET ${keyUrl} answered HTTP ${res.status}; pass the log's key with --key`,
      EXIT.FAILURE,
    )
  }
  return (await res.text()).trim()
}

function describe(
  r: VerifyLogResult & { mode: 'full' | 'quick'; keySource: string; stateFile: string },
  url: string,
): string {
  const lines: string[] = []
  if (r.ok) {
    lines.push(`OK: ${url} verified at size ${r.size}, root ${r.root}`)
    lines.push(
      `  signature: verified with the ${r.keySource === 'given' ? 'given' : 'log-served'} key`,
    )
    lines.push(
      r.previous
        ? `  consistency: consistent with checkpoint ${r.previous.size} seen on ${r.previous.seenAt}`
        : '  consistency: no earlier checkpoint recorded; this one is now the baseline',
    )
    lines.push(
      r.mode === 'full'
        ? `  entries: all ${r.entriesChecked} match their leaf hashes`
        : `  entries: ${r.entriesChecked} chosen with --entry match their leaf hashes; the others were not read (--quick)`,
    )
  } else {
    lines.push(`FAILED: ${url}${r.size !== undefined ? ` (checkpoint size ${r.size})` : ''}`)
    for (const p of r.problems) lines.push(`  - ${p}`)
    if (r.evidence) {
      lines.push(
        '  evidence: both signed checkpoints are in the --json output (evidence.previous, evidence.current); keep them, they prove the rewrite to anyone',
      )
    }
  }
  for (const e of r.included) {
    lines.push(`  entry ${e.index} is included (leaf hash ${e.leafHash}): ${e.data}`)
  }
  lines.push(`  state: ${r.stateFile}`)
  return lines.join('\n')
}

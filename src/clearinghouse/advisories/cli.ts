/**
 * `earlywatch clearinghouse import-csaf|import-cve PATH…`: other publishers' CSAF documents
 * (single files, or a provider's mirrored directory) and CVE JSON 5 records become advisories.
 * Every file is read and validated first; one bad file imports nothing.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { actAs, type CliContext } from '../../cli-context.ts'
import { CliError, EXIT } from '../../platform/cli.ts'

interface Loaded {
  path: string
  document: unknown
}

/** Files that sit in a CSAF provider's directory but are not advisories. */
const NOT_DOCUMENTS =
  /(^|\/)(provider-metadata|aggregator|service|category)[^/]*\.json$|feed-[^/]*\.json$/

function jsonFiles(p: string): string[] {
  if (!existsSync(p)) throw new CliError(`${p} does not exist`, EXIT.NOT_FOUND)
  if (statSync(p).isFile()) return [p]
  return readdirSync(p, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json') && !NOT_DOCUMENTS.test(f.replaceAll(path.sep, '/')))
    .sort()
    .map((f) => path.join(p, f))
}

/**
 * Reads every file. A mirrored CSAF directory carries `.sha256`/`.sha512` beside each document
 * (CSAF 2.0 §7.1.18): when present they must match, or the file is reported as corrupt.
 */
export function loadDocuments(paths: string[]): { docs: Loaded[]; problems: string[] } {
  const docs: Loaded[] = []
  const problems: string[] = []
  for (const file of paths.flatMap(jsonFiles)) {
    const bytes = readFileSync(file)
    for (const alg of ['sha256', 'sha512'] as const) {
      const hashFile = `${file}.${alg}`
      if (!existsSync(hashFile)) continue
      const expected = readFileSync(hashFile, 'utf8').trim().split(/\s+/)[0]?.toLowerCase()
      const actual = createHash(alg).update(bytes).digest('hex')
      if (expected !== actual)
        problems.push(
          `${file}: its ${alg} is ${actual}, but ${path.basename(hashFile)} says ${expected}`,
        )
    }
    try {
      docs.push({ path: file, document: JSON.parse(bytes.toString('utf8')) })
    } catch (err) {
      problems.push(`${file}: not JSON (${(err as Error).message})`)
    }
  }
  return { docs, problems }
}

/**
 * @example
 * registerAdvisoryCommands(program, ctx)
 * // earlywatch clearinghouse import-csaf ./mirror/white --as analyst@program.example
 */
export function registerAdvisoryCommands(root: Command, ctx: CliContext): void {
  // The case half may register the same group; both add their commands to the one group.
  const group =
    root.commands.find((c) => c.name() === 'clearinghouse') ??
    root.command('clearinghouse').description('The AI cybersecurity clearinghouse')

  for (const kind of ['csaf', 'cve'] as const) {
    group
      .command(`import-${kind}`)
      .description(
        kind === 'csaf'
          ? 'Import CSAF 2.0 documents (files, or a provider directory) as published advisories; all validate or none is imported'
          : 'Import CVE JSON 5 records as published advisories; all validate or none is imported',
      )
      .argument('<paths...>', 'files or directories (searched recursively for .json)')
      .requiredOption('--as <email>', 'the analyst importing them (recorded in the log)')
      .option('--org <slug>', 'the organisation they act for, when they have several')
      .action(async (paths: string[], opts: { as: string; org?: string }) => {
        const { docs, problems } = loadDocuments(paths)
        if (problems.length > 0)
          throw new CliError(`nothing was imported:\n  ${problems.join('\n  ')}`, EXIT.USAGE)
        if (docs.length === 0)
          throw new CliError(`no .json files in ${paths.join(', ')}`, EXIT.NOT_FOUND)
        const result = await ctx.withServices(async (s) =>
          s.advisories.importDocuments(
            await actAs(s.accounts, opts.as, opts.org, 'analyst'),
            kind,
            docs,
          ),
        )
        ctx
          .out()
          .print(
            result,
            (r) =>
              `${docs.length} file(s): ${r.created.length} new, ${r.revised.length} revised, ${r.unchanged.length} unchanged` +
              (r.created.length > 0 ? `\n  new: ${r.created.join(', ')}` : ''),
          )
      })
  }
}

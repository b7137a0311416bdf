/** `earlywatch benchmark …`: the controlled item vault and threshold policy from a shell. */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { parse as parseYaml } from 'yaml'
import type { Principal } from '../accounts/model.ts'
import { actAs, type CliContext, orgBySlug } from '../cli-context.ts'
import { CliError, EXIT, table } from '../platform/cli.ts'
import { isAppError } from '../platform/errors.ts'
import { CATEGORY_LABELS, type Category } from './policy.ts'
import type { PolicyView } from './service.ts'

const MANIFEST_NAMES = ['bundle.yaml', 'bundle.yml', 'bundle.json']
/** A bundle directory larger than this is refused before reading it all into memory. */
const MAX_BUNDLE_BYTES = 64 * 1024 * 1024

/** Reads a bundle directory: its manifest and every other file, by path relative to the directory. */
export function readBundleDir(dir: string): { manifest: unknown; files: Map<string, string> } {
  const name = MANIFEST_NAMES.find((n) => {
    try {
      return statSync(path.join(dir, n)).isFile()
    } catch {
      return false
    }
  })
  if (!name)
    throw new CliError(
      `${dir} holds no bundle manifest (${MANIFEST_NAMES.join(', ')})`,
      EXIT.NOT_FOUND,
    )
  const text = readFileSync(path.join(dir, name), 'utf8')
  let manifest: unknown
  try {
    manifest = name.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new CliError(`${name} does not parse: ${(err as Error).message}`)
  }
  const files = new Map<string, string>()
  let bytes = 0
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name
      if (entry.isDirectory()) walk(rel)
      else if (entry.isFile() && !MANIFEST_NAMES.includes(rel)) {
        const content = readFileSync(path.join(dir, rel), 'utf8')
        bytes += content.length
        if (bytes > MAX_BUNDLE_BYTES)
          throw new CliError(`the bundle's files exceed ${MAX_BUNDLE_BYTES / 2 ** 20} MiB`)
        files.set(rel, content)
      }
    }
  }
  walk('')
  return { manifest, files }
}

/** Validation problems as lines naming each path, so a bad bundle is fixed in one round. */
function explained(err: unknown): unknown {
  if (isAppError(err, 'EW_VALIDATION') && err.errors?.length)
    return new CliError(
      `${err.detail.split(':')[0]}:\n${err.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`,
    )
  return err
}

const SHELL_READER: Principal = {
  personId: 'cli',
  personName: 'earlywatch command line',
  email: '',
  orgId: '',
  orgKind: 'program',
  orgName: 'command line',
  roles: ['auditor'],
  via: 'token',
}

function policyLine(p: PolicyView): Record<string, string> {
  return {
    id: p.id,
    version: String(p.version),
    state: p.state,
    title: p.document.title,
    composite: `${(p.document.composite.threshold * 100).toFixed(0)}%`,
    approvals: p.quorum.met
      ? `${p.approvals.length} (quorum met)`
      : `${p.approvals.length}; needs ${p.quorum.missing.join(' and ')}`,
  }
}

export function registerBenchmarkCommands(root: Command, ctx: CliContext): void {
  const cmd = root
    .command('benchmark')
    .description('The controlled benchmark: item vault, threshold policy, key rotation')

  cmd
    .command('import')
    .description('Import a controlled bundle directory (bundle.yaml or bundle.json plus files)')
    .argument('<dir>', 'the bundle directory')
    .requiredOption('--as <email>', 'the benchmark custodian importing it')
    .option('--org <slug>', 'their organisation, if they hold the role in several')
    .action(async (dir: string, opts: { as: string; org?: string }) => {
      const { manifest, files } = readBundleDir(dir)
      const imported = await ctx
        .withServices(async (s) =>
          s.benchmark.importBundle(
            await actAs(s.accounts, opts.as, opts.org, 'benchmark_custodian'),
            manifest,
            files,
          ),
        )
        .catch((err) => {
          throw explained(err)
        })
      ctx
        .out()
        .print(
          imported,
          (b) =>
            `imported ${b.name} ${b.version} (${b.id}): ${b.tasks.reduce((n, t) => n + t.items, 0)} items in ${b.tasks.length} tasks, each encrypted\n${table(b.tasks.map((t) => ({ task: t.key, name: t.name, items: String(t.items) })))}`,
        )
    })

  cmd
    .command('bundles')
    .description('Bundles in the vault, their tasks, categories and item counts (no content)')
    .action(async () => {
      const bundles = await ctx.withServices((s) => s.benchmark.bundles(SHELL_READER))
      ctx.out().print(bundles, (bs) =>
        bs.length === 0
          ? 'the vault is empty; import a bundle with `earlywatch benchmark import DIR`'
          : table(
              bs.flatMap((b) =>
                b.tasks.map((t) => ({
                  bundle: `${b.name} ${b.version}`,
                  task: t.key,
                  categories: Object.entries(t.categories)
                    .map(([c, w]) => `${CATEGORY_LABELS[c as Category] ?? c}×${w}`)
                    .join(', '),
                  items: `${t.items - t.retired}${t.retired ? ` (+${t.retired} retired)` : ''}`,
                })),
              ),
            ),
      )
    })

  cmd
    .command('rotate-keys')
    .description(
      'Re-wrap every vault data key under EARLYWATCH_MASTER_KEY (list the old key in EARLYWATCH_PREVIOUS_MASTER_KEYS first)',
    )
    .requiredOption('--as <email>', 'the benchmark custodian or an administrator')
    .option('--org <slug>', 'their organisation')
    .action(async (opts: { as: string; org?: string }) => {
      const result = await ctx.withServices(async (s) => {
        const person = await s.accounts.findPersonByEmail(opts.as)
        const orgs = person ? await s.accounts.orgsOf(person.id) : []
        const role = orgs.some((o) => o.roles.includes('benchmark_custodian'))
          ? 'benchmark_custodian'
          : 'admin'
        return s.benchmark.rotateKeys(await actAs(s.accounts, opts.as, opts.org, role))
      })
      ctx
        .out()
        .print(
          result,
          (r) =>
            `re-wrapped ${r.rewrapped} of ${r.total} vault data keys; ${r.total - r.rewrapped} were already under the current key`,
        )
    })

  cmd
    .command('exposures')
    .description('The exposure ledger: which items each lab was shown, and when (custodian)')
    .requiredOption('--as <email>', 'the benchmark custodian')
    .option('--lab <slug>', 'only this lab')
    .action(async (opts: { as: string; lab?: string }) => {
      const rows = await ctx.withServices(async (s) => {
        const by = await actAs(s.accounts, opts.as, undefined, 'benchmark_custodian')
        const lab = opts.lab ? await orgBySlug(s.accounts, opts.lab) : undefined
        return s.benchmark.exposures(by, lab ? { labOrgId: lab.id } : {})
      })
      ctx.out().print(rows, (rs) =>
        table(
          rs.map((e) => ({
            shown: e.shownAt.toISOString(),
            lab: e.labName,
            task: e.taskName,
            item: `${e.itemKey} (${e.itemId})`,
            run: e.runId,
          })),
        ),
      )
    })

  const policy = cmd.command('policy').description('Threshold policy versions')

  policy
    .command('list')
    .description('Every version, newest first, with its approvals')
    .action(async () => {
      const rows = await ctx.withServices((s) => s.benchmark.policies(SHELL_READER))
      ctx
        .out()
        .print(rows, (ps) => (ps.length ? table(ps.map(policyLine)) : 'no policy versions yet'))
    })

  policy
    .command('draft')
    .description('Draft a new version from a policy document (YAML or JSON)')
    .argument('<file>', 'the policy document')
    .requiredOption('--as <email>', 'the benchmark custodian')
    .option('--org <slug>', 'their organisation')
    .action(async (file: string, opts: { as: string; org?: string }) => {
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch {
        throw new CliError(`cannot read ${file}`, EXIT.NOT_FOUND)
      }
      let document: unknown
      try {
        document = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
      } catch (err) {
        throw new CliError(`${file} does not parse: ${(err as Error).message}`)
      }
      const drafted = await ctx
        .withServices(async (s) =>
          s.benchmark.createPolicy(
            await actAs(s.accounts, opts.as, opts.org, 'benchmark_custodian'),
            document,
          ),
        )
        .catch((err) => {
          throw explained(err)
        })
      ctx.out().print(drafted, (p) => `drafted ${p.id}\n${table([policyLine(p)])}`)
    })

  policy
    .command('approve')
    .description('Approve a draft version (custodian or agency signatory)')
    .argument('<id>', 'policy version id (pol_…)')
    .requiredOption('--as <email>', 'the approver')
    .option('--org <slug>', 'the organisation they act for')
    .action(async (id: string, opts: { as: string; org?: string }) => {
      const approved = await ctx.withServices(async (s) => {
        const person = await s.accounts.findPersonByEmail(opts.as)
        const orgs = person ? await s.accounts.orgsOf(person.id) : []
        const role = orgs.some((o) => o.roles.includes('agency_signatory'))
          ? 'agency_signatory'
          : 'benchmark_custodian'
        return s.benchmark.approvePolicy(await actAs(s.accounts, opts.as, opts.org, role), id)
      })
      ctx.out().print(approved, (p) => table([policyLine(p)]))
    })
}

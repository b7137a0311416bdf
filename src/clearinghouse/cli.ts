/** `earlywatch clearinghouse …`: import a SARIF log as reports, and read the triage queue, from a shell. */
import { readFileSync } from 'node:fs'
import { type Command, Option } from 'commander'
import type { Principal } from '../accounts/model.ts'
import type { AccountsService } from '../accounts/service.ts'
import { actAs, type CliContext, orgBySlug } from '../cli-context.ts'
import { CliError, EXIT, table } from '../platform/cli.ts'
import { isAppError } from '../platform/errors.ts'
import { REPORT_STATES, type ReportView } from './model.ts'
import { AI_EXPLOITABILITY, MAX_SARIF_BYTES } from './sarif.ts'

/** Validation errors become one line per problem, with the path in the log. */
function readable(err: unknown): unknown {
  if (!isAppError(err, 'EW_VALIDATION') || !err.errors?.length) return err
  return new CliError(err.errors.map((e) => `${e.path}: ${e.message}`).join('\n'), EXIT.USAGE)
}

/** Anyone may report: the person's one organisation, or the one named with --org. */
async function memberOf(a: AccountsService, email: string, slug?: string): Promise<Principal> {
  const person = await a.findPersonByEmail(email)
  if (!person)
    throw new CliError(
      `no person with email ${email}; see \`earlywatch users list\``,
      EXIT.NOT_FOUND,
    )
  if (slug) return a.principalFor(person.id, (await orgBySlug(a, slug)).id)
  const orgs = await a.orgsOf(person.id)
  if (orgs.length === 1) return a.principalFor(person.id, orgs[0]!.id)
  throw new CliError(
    orgs.length === 0
      ? `${email} belongs to no organisation; grant them a role with \`earlywatch users grant\``
      : `${email} belongs to ${orgs.map((o) => o.slug).join(', ')}; say which with --org`,
    EXIT.USAGE,
  )
}

const row = (r: ReportView) => ({
  id: r.id,
  state: r.state,
  exploitability: r.ai?.exploitability ?? '',
  ssvc: r.ssvc?.decision ?? '',
  cwe: r.cwe ?? '',
  product: r.productKey,
  sla: r.sla.map((s) => `${s.kind}:${s.state}`).join(' '),
  title: r.title.length > 60 ? `${r.title.slice(0, 57)}…` : r.title,
})

/**
 * @example
 * registerClearinghouseCommands(program, ctx)
 * // earlywatch clearinghouse import-sarif scan.sarif --as grace@hospital.example \
 * //   --purl pkg:npm/tenant-portal@3.2.0 --submission sub_…
 */
export function registerClearinghouseCommands(root: Command, ctx: CliContext): void {
  // The advisories half adds its commands to the same group, whichever registers first.
  const cmd =
    root.commands.find((c) => c.name() === 'clearinghouse') ??
    root.command('clearinghouse').description('The AI cybersecurity clearinghouse')

  cmd
    .command('import-sarif')
    .description(
      'Report every result of a SARIF 2.1.0 log; importing the same log again adds nothing',
    )
    .argument('<file>', 'the SARIF log')
    .addOption(
      new Option('--as <email>', 'the reporter (the receipt is theirs)').makeOptionMandatory(),
    )
    .option('--org <slug>', 'the organisation they report for (needed if they belong to several)')
    .option('--purl <purl>', 'the affected product as a package URL')
    .option('--vendor <name>', 'the affected product’s vendor (with --product)')
    .option('--product <name>', 'the affected product’s name (with --vendor)')
    .option('--submission <id>', 'found with this pre-release model submission (sub_…)')
    .option('--grant <id>', 'through this gateway grant')
    .option('--no-credit', 'do not credit the reporter')
    .action(
      async (
        file: string,
        opts: {
          as: string
          org?: string
          purl?: string
          vendor?: string
          product?: string
          submission?: string
          grant?: string
          credit: boolean
        },
      ) => {
        let text: string
        try {
          text = readFileSync(file, 'utf8')
        } catch (err) {
          throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.NOT_FOUND)
        }
        if (Buffer.byteLength(text) > MAX_SARIF_BYTES)
          throw new CliError(
            `${file} is larger than ${MAX_SARIF_BYTES} bytes; split the log`,
            EXIT.USAGE,
          )
        let log: unknown
        try {
          log = JSON.parse(text)
        } catch (err) {
          throw new CliError(`${file} is not JSON: ${(err as Error).message}`, EXIT.USAGE)
        }
        const result = await ctx.withServices(async (s) => {
          const reporter = await memberOf(s.accounts, opts.as, opts.org)
          try {
            return await s.clearinghouse.importSarif(reporter, {
              log,
              product: {
                ...(opts.purl ? { purl: opts.purl } : {}),
                ...(opts.vendor ? { vendor: opts.vendor } : {}),
                ...(opts.product ? { product: opts.product } : {}),
              },
              foundWith:
                opts.submission || opts.grant
                  ? {
                      method: 'model',
                      ...(opts.submission ? { submissionId: opts.submission } : {}),
                      ...(opts.grant ? { grantId: opts.grant } : {}),
                    }
                  : { method: 'tool' },
              creditWanted: opts.credit,
            })
          } catch (err) {
            throw readable(err)
          }
        })
        ctx.out().print(result, (d) =>
          [
            `${d.created} new report(s), ${d.existing} already reported`,
            table(
              d.receipts.map((r) => ({
                id: r.id,
                state: r.state,
                new: r.created,
                duplicates: r.likelyDuplicates.length,
                status: r.statusUrl,
              })),
            ),
            ...d.warnings.map((w) => `warning: ${w.path}: ${w.message}`),
          ].join('\n'),
        )
      },
    )

  cmd
    .command('queue')
    .description('The triage queue as an analyst sees it: demonstrated exploits first')
    .addOption(new Option('--as <email>', 'an analyst').makeOptionMandatory())
    .option('--org <slug>', 'the organisation they act for')
    .addOption(new Option('--state <state>', 'only this state').choices(REPORT_STATES))
    .addOption(
      new Option('--exploitability <value>', 'only this AI exploitability').choices(
        AI_EXPLOITABILITY,
      ),
    )
    .option('-n, --limit <n>', 'most to list', '50')
    .action(
      async (opts: {
        as: string
        org?: string
        state?: string
        exploitability?: string
        limit: string
      }) => {
        const limit = Number(opts.limit)
        if (!Number.isInteger(limit) || limit < 1 || limit > 200)
          throw new CliError('--limit: a whole number from 1 to 200', EXIT.USAGE)
        const page = await ctx.withServices(async (s) => {
          const analyst = await actAs(s.accounts, opts.as, opts.org, 'analyst')
          return s.clearinghouse.listReports(analyst, {
            ...(opts.state ? { state: opts.state as ReportView['state'] } : {}),
            ...(opts.exploitability ? { exploitability: opts.exploitability } : {}),
            limit,
            offset: 0,
          })
        })
        ctx.out().print(page, (d) => {
          const rows = table(d.items.map(row))
          return d.total > d.items.length ? `${rows}\n(${d.items.length} of ${d.total})` : rows
        })
      },
    )
}

/** `earlywatch sbom upload`, `earlywatch findings list`, `earlywatch match --all`: inventories from a shell. */
import { readFileSync } from 'node:fs'
import { type Command, Option } from 'commander'
import type { Principal } from '../accounts/model.ts'
import type { AccountsService } from '../accounts/service.ts'
import type { CliContext } from '../cli-context.ts'
import { CliError, EXIT, table } from '../platform/cli.ts'
import { CRITICALITIES, FINDING_STATUSES, type FindingStatus } from './model.ts'
import { SBOM_FORMATS, type SbomFormat } from './sbom.ts'
import type { InventoryService } from './service.ts'

/** Whoever runs the CLI already holds the database: reading needs no identity. */
const SHELL: Principal = {
  personId: 'cli',
  personName: 'earlywatch command line',
  email: '',
  orgId: '',
  orgKind: 'program',
  orgName: 'command line',
  roles: ['auditor', 'admin'],
  via: 'token',
}

async function operatorMember(
  a: AccountsService,
  email: string,
  orgSlug: string | undefined,
): Promise<Principal> {
  const person = await a.findPersonByEmail(email)
  if (!person)
    throw new CliError(
      `no person with email ${email}; see \`earlywatch users list\``,
      EXIT.NOT_FOUND,
    )
  const orgs = (await a.orgsOf(person.id)).filter(
    (o) => o.roles.includes('operator_member') && (!orgSlug || o.slug === orgSlug),
  )
  if (orgs.length === 1) return a.principalFor(person.id, orgs[0]!.id)
  if (orgs.length === 0)
    throw new CliError(
      `${email} is an operator member of no ${orgSlug ? `organisation ${orgSlug}` : 'organisation'}`,
      EXIT.FORBIDDEN,
    )
  throw new CliError(
    `${email} is an operator member in ${orgs.map((o) => o.slug).join(', ')}; say which with --org`,
  )
}

export function registerInventoryCommands(root: Command, ctx: CliContext): void {
  const withInventory = <T>(fn: (inv: InventoryService, a: AccountsService) => Promise<T>) =>
    ctx.withServices((s) => fn(s.inventory.service, s.accounts))

  root
    .command('sbom')
    .description('Software bills of materials of operators’ systems')
    .command('upload')
    .description(
      'Upload a new SBOM version of a system (CycloneDX JSON/XML, SPDX 2.3 JSON or a purl list) and match it',
    )
    .argument('<file>', 'the SBOM file')
    .requiredOption('--system <name>', 'the system it describes, e.g. "EHR servers"')
    .requiredOption('--as <email>', 'the operator member uploading it')
    .option('--org <slug>', 'their operator organisation, if they belong to several')
    .addOption(
      new Option('--format <format>', 'the format, when detection is not enough').choices(
        SBOM_FORMATS,
      ),
    )
    .option('--create', 'create the system if it does not exist yet')
    .addOption(
      new Option('--criticality <level>', 'with --create: how critical the system is')
        .choices(CRITICALITIES)
        .default('high'),
    )
    .option('--internet-exposed', 'with --create: the system is reachable from the internet')
    .action(
      async (
        file: string,
        opts: {
          system: string
          as: string
          org?: string
          format?: SbomFormat
          create?: boolean
          criticality: string
          internetExposed?: boolean
        },
      ) => {
        let content: Buffer
        try {
          content = readFileSync(file)
        } catch (err) {
          throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.NOT_FOUND)
        }
        const r = await withInventory(async (inv, a) => {
          const who = await operatorMember(a, opts.as, opts.org)
          const system = await inv.findSystemByName(who, opts.system).catch(async (err) => {
            if (!opts.create) throw err
            return inv.createSystem(who, {
              name: opts.system,
              criticality: opts.criticality as (typeof CRITICALITIES)[number],
              internetExposed: opts.internetExposed ?? false,
            })
          })
          return inv.uploadSbom(who, system.id, content, { format: opts.format, matchNow: true })
        })
        ctx
          .out()
          .print(r, (d) =>
            [
              `SBOM version ${d.sbom.version} of the system stored (${d.sbom.format}${d.sbom.specVersion ? ` ${d.sbom.specVersion}` : ''}, sha256 ${d.sbom.sha256.slice(0, 16)}…)`,
              `${d.sbom.componentCount} components: ${d.sbom.componentCount - d.sbom.unmatchedCount - d.sbom.noVersionCount} matchable, ${d.sbom.noVersionCount} without a version (possibly affected), ${d.sbom.unmatchedCount} unmatched`,
              d.match
                ? `findings: ${d.match.created} new (${d.match.suppressed} suppressed by VEX), ${d.match.refreshed} still present, ${d.match.closed} closed as patched, ${d.match.reopened} reopened`
                : '',
              d.unmatched.length
                ? `\nUnmatched components\n${table(d.unmatched.slice(0, 50))}${d.unmatched.length > 50 ? `\n(${d.unmatched.length - 50} more; --json lists all)` : ''}`
                : '',
            ]
              .filter(Boolean)
              .join('\n'),
          )
      },
    )

  root
    .command('findings')
    .description('Findings: operator × system × package × advisory')
    .command('list')
    .description('Findings, most urgent first (exploited, then severity, then due date)')
    .option('--org <slug>', 'one operator')
    .option('--status <list>', `comma-separated: ${FINDING_STATUSES.join(', ')}`)
    .option('--advisory <id>', 'one advisory')
    .option('--open', 'only findings not yet closed')
    .option('-n, --limit <n>', 'most to list', '100')
    .action(
      async (opts: {
        org?: string
        status?: string
        advisory?: string
        open?: boolean
        limit: string
      }) => {
        const status = opts.status?.split(',') as FindingStatus[] | undefined
        for (const s of status ?? [])
          if (!(FINDING_STATUSES as readonly string[]).includes(s))
            throw new CliError(`--status: "${s}" is not one of ${FINDING_STATUSES.join(', ')}`)
        const limit = Number(opts.limit)
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          throw new CliError('--limit: give a whole number from 1 to 1000')
        const page = await withInventory(async (inv, a) => {
          const org = opts.org ? await a.findOrgBySlug(opts.org) : undefined
          if (opts.org && !org) throw new CliError(`no organisation ${opts.org}`, EXIT.NOT_FOUND)
          return inv.listFindings(SHELL, {
            ...(org ? { orgId: org.id } : {}),
            ...(status ? { status } : {}),
            ...(opts.advisory ? { advisoryId: opts.advisory } : {}),
            ...(opts.open ? { open: true } : {}),
            limit,
          })
        })
        ctx.out().print(page, (d) => {
          const rows = table(
            d.items.map((f) => ({
              id: f.id,
              system: f.systemName,
              advisory: f.advisoryId,
              package: f.packageName,
              version: f.versions.join(' ') || '(none: possibly affected)',
              'fix to': f.fixedVersion ?? '',
              severity: f.severity,
              kev: f.kev ? 'exploited' : '',
              status: f.status,
              due: f.dueAt ? f.dueAt.toISOString().slice(0, 10) : '',
            })),
          )
          return d.total > d.items.length
            ? `${rows}\n(${d.items.length} of ${d.total}; raise --limit to see more)`
            : rows
        })
      },
    )

  root
    .command('match')
    .description('Match SBOMs against advisories')
    .option('--all', 'every system with an SBOM')
    .option(
      '--queue',
      'hand the work to the workers (one job per system) and follow their progress, instead of matching here',
    )
    .action(async (opts: { all?: boolean; queue?: boolean }) => {
      if (!opts.all) throw new CliError('say what to match: --all', EXIT.USAGE)
      const out = ctx.out()
      const summary = await ctx.withServices(async (s, rt) => {
        const inv = s.inventory.service
        if (opts.queue) {
          const { systems, startedAt } = await inv.matchAll(SHELL)
          const bar = out.progress(systems, 'matching (workers)')
          let done = 0
          while (done < systems) {
            await new Promise((r) => setTimeout(r, 1000))
            const p = await inv.matchProgress(startedAt)
            bar.tick(p.done - done)
            done = p.done
          }
          bar.stop()
          return { systems, created: null, closed: null }
        }
        const systems = await inv.systemsWithSbom()
        const bar = out.progress(systems.length, 'matching')
        let created = 0
        let closed = 0
        for (const id of systems) {
          const r = await inv.matchSystem(id, { full: true })
          created += r.created
          closed += r.closed
          bar.tick()
        }
        bar.stop()
        rt.log.debug({ systems: systems.length }, 'full match done')
        return { systems: systems.length, created, closed }
      })
      out.print(summary, (d) =>
        d.created === null
          ? `${d.systems} systems matched by the workers`
          : `${d.systems} systems matched: ${d.created} new findings, ${d.closed} closed as patched`,
      )
    })
}

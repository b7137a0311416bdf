/**
 * `earlywatch partners|selections|grants …`: the partner registry, joint selection (two keys)
 * and gateway grants from a shell. Reading needs no identity; every change is made as a named
 * person (`--as`), so the transparency log says who.
 */
import { type Command, InvalidArgumentError, Option } from 'commander'
import type { Principal, Role } from '../accounts/model.ts'
import type { AccountsService } from '../accounts/service.ts'
import { actAs, type CliContext, orgBySlug } from '../cli-context.ts'
import { CliError, table } from '../platform/cli.ts'
import { isAppError } from '../platform/errors.ts'
import { ID_PATTERN } from '../platform/ids.ts'
import {
  ENDPOINTS,
  type GatewayEndpoint,
  GRANT_STATUSES,
  type Grant,
  type GrantStatus,
  LIMIT_MAX,
  type Partner,
  type PartnerDetail,
  REFUSAL_CATEGORIES,
  type RefusalCategory,
  SECTORS,
  type Sector,
  type Selection,
  VETTING_STATUSES,
  type VettingStatus,
} from './model.ts'
import type { PartnersService } from './service.ts'

/** Whoever runs the CLI already holds the database: reading is done as program-wide staff. */
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

/** The two sides that hold a key of a selection and control a grant. */
const KEY_HOLDERS: readonly Role[] = ['lab_member', 'program_officer']

/** Service fields and the flags that set them, so validation errors name what was typed. */
const FLAGS: Record<string, string> = {
  sector: '--sector',
  description: '--description',
  website: '--website',
  rationale: '--rationale',
  reason: '--reason',
  category: '--category',
  windowStart: '--from',
  windowEnd: '--to',
  endpoints: '--endpoint',
  'limits.requestsPerMinute': '--rpm',
  'limits.tokensPerMinute': '--tpm',
  'limits.tokenBudget': '--budget',
}

function inFlags(err: unknown): unknown {
  if (!isAppError(err, 'EW_VALIDATION') || !err.errors?.length) return err
  return new CliError(
    err.errors
      .map((e) => {
        const key = Object.keys(FLAGS).find((k) => e.path === k || e.path.startsWith(`${k}.`))
        return `${key ? FLAGS[key] : e.path}: ${e.message}`
      })
      .join('; '),
  )
}

/**
 * @example
 * registerPartnersCommands(program, ctx)
 * // earlywatch partners add lakeside-health --sector hospital --as ada@program.example
 * // earlywatch selections propose --submission sub_… --partner lakeside-health --as lee@lab.example
 * // earlywatch selections approve psel_… --as ada@program.example
 * // earlywatch grants create --selection psel_… --from 2026-12-01T00:00:00Z --to 2026-12-15T00:00:00Z \
 * //   --endpoint chat.completions --rpm 60 --tpm 100000 --budget 5000000 --as lee@lab.example
 */
export function registerPartnersCommands(root: Command, ctx: CliContext): void {
  const withServices = <T>(fn: (p: PartnersService, a: AccountsService) => Promise<T>) =>
    ctx.withServices(async (s) => {
      try {
        return await fn(s.partners, s.accounts)
      } catch (err) {
        throw inFlags(err)
      }
    })
  const asOption = (who: string) =>
    new Option(
      '--as <email>',
      `act as this person (${who}); the log records them`,
    ).makeOptionMandatory()
  const orgOption = () =>
    new Option(
      '--org <slug>',
      'the organisation they act for (needed only when they hold the role in several)',
    )
  /** A partner by slug or organisation id. */
  const partnerOrg = async (a: AccountsService, ref: string) =>
    ref.startsWith('org_') && ID_PATTERN.test(ref) ? ref : (await orgBySlug(a, ref)).id

  // -- partners --------------------------------------------------------------------------------
  const partners = root
    .command('partners')
    .description('The trusted-partner registry: sector, vetting, contacts, declarations, evidence')

  partners
    .command('list')
    .description('Partners in the registry, by name')
    .addOption(new Option('--sector <sector>', 'only this sector').choices(SECTORS))
    .addOption(
      new Option('--vetting <status>', 'only this vetting status').choices(VETTING_STATUSES),
    )
    .action(async (opts: { sector?: Sector; vetting?: VettingStatus }) => {
      const list = await withServices((p) =>
        p.listPartners(SHELL_READER, { sector: opts.sector, vetting: opts.vetting }),
      )
      ctx.out().print(list, (d) => table(d.map(partnerRow)))
    })

  partners
    .command('show')
    .description('One partner: profile, vetting record, contacts, declarations, evidence list')
    .argument('<partner>', 'the partner organisation, by slug or id (org_…)')
    .action(async (ref: string) => {
      const p = await withServices(async (p, a) =>
        p.getPartner(SHELL_READER, await partnerOrg(a, ref)),
      )
      ctx.out().print(p, partnerDetails)
    })

  partners
    .command('add')
    .description(
      'Add an organisation of kind partner to the registry (a program officer or administrator); vetting starts pending',
    )
    .argument(
      '<org>',
      'the organisation, by slug (create it with `earlywatch orgs create --kind partner`)',
    )
    .addOption(new Option('--sector <sector>', 'its sector').choices(SECTORS).makeOptionMandatory())
    .option('--description <text>', 'what the organisation does')
    .option('--website <url>', 'its website')
    .addOption(asOption('a program officer or administrator'))
    .action(
      async (
        slug: string,
        opts: { sector: Sector; description?: string; website?: string; as: string },
      ) => {
        const added = await withServices(async (p, a) => {
          const actor = await actAs(a, opts.as, undefined, ['program_officer', 'admin'])
          return p.registerPartner(actor, {
            orgId: (await orgBySlug(a, slug)).id,
            sector: opts.sector,
            description: opts.description,
            website: opts.website ?? null,
          })
        })
        ctx
          .out()
          .print(
            added,
            (d) =>
              `added ${d.name} (${d.slug}, ${d.orgId}) to the partner registry as ${d.sector}; vetting ${d.vetting.status}`,
          )
      },
    )

  // -- selections ------------------------------------------------------------------------------
  const selections = root
    .command('selections')
    .description(
      'Joint selection of partners per submission: the lab and the program each turn a key; both make it effective',
    )

  selections
    .command('list')
    .description('Selections with both keys and their state, newest first')
    .option('--submission <id>', 'only this submission (sub_…)')
    .action(async (opts: { submission?: string }) => {
      const list = await withServices((p) =>
        p.listSelections(SHELL_READER, { submissionId: opts.submission }),
      )
      ctx.out().print(list, (d) => table(d.map(selectionRow)))
    })

  selections
    .command('propose')
    .description(
      "Propose a partner for a submission, as the submission's lab or as a program officer; the proposer's key turns with it",
    )
    .requiredOption('--submission <id>', 'the submission (sub_…)')
    .requiredOption('--partner <partner>', 'the partner organisation, by slug or id')
    .option('--rationale <text>', 'why this partner')
    .addOption(asOption('a lab member of the submitting lab, or a program officer'))
    .addOption(orgOption())
    .action(
      async (opts: {
        submission: string
        partner: string
        rationale?: string
        as: string
        org?: string
      }) => {
        const s = await withServices(async (p, a) =>
          p.propose(await actAs(a, opts.as, opts.org, KEY_HOLDERS), {
            submissionId: opts.submission,
            partnerOrgId: await partnerOrg(a, opts.partner),
            rationale: opts.rationale,
          }),
        )
        ctx.out().print(s, (d) => `proposed ${d.id}: ${decided(d)}`)
      },
    )

  selections
    .command('approve')
    .description("Turn your side's key; the selection takes effect when both keys are turned")
    .argument('<id>', 'the selection (psel_…)')
    .addOption(asOption('a lab member of its lab, or a program officer'))
    .addOption(orgOption())
    .action(async (id: string, opts: { as: string; org?: string }) => {
      const s = await withServices(async (p, a) =>
        p.approve(await actAs(a, opts.as, opts.org, KEY_HOLDERS), id),
      )
      ctx.out().print(s, (d) => `approved ${d.id}: ${decided(d)}`)
    })

  selections
    .command('refuse')
    .description(
      'Refuse while your key is pending: a category (the partner is told it) and a written reason (kept from the partner)',
    )
    .argument('<id>', 'the selection (psel_…)')
    .addOption(
      new Option('--category <category>', 'why, from the fixed list')
        .choices(REFUSAL_CATEGORIES)
        .makeOptionMandatory(),
    )
    .requiredOption('--reason <text>', 'the written reason')
    .addOption(asOption('a lab member of its lab, or a program officer'))
    .addOption(orgOption())
    .action(
      async (
        id: string,
        opts: { category: RefusalCategory; reason: string; as: string; org?: string },
      ) => {
        const s = await withServices(async (p, a) =>
          p.refuse(await actAs(a, opts.as, opts.org, KEY_HOLDERS), id, {
            category: opts.category,
            reason: opts.reason,
          }),
        )
        ctx.out().print(s, (d) => `refused ${d.id} (${opts.category}): ${decided(d)}`)
      },
    )

  // -- grants ----------------------------------------------------------------------------------
  const grants = root
    .command('grants')
    .description(
      "Grants: one partner's access to one model through the gateway, with a virtual key",
    )

  grants
    .command('list')
    .description('Grants with their state, window and limits, newest first')
    .option('--submission <id>', 'only this submission (sub_…)')
    .option('--partner <partner>', 'only this partner, by slug or id')
    .addOption(new Option('--status <status>', 'only this status').choices(GRANT_STATUSES))
    .action(async (opts: { submission?: string; partner?: string; status?: GrantStatus }) => {
      const list = await withServices(async (p, a) =>
        p.listGrants(SHELL_READER, {
          submissionId: opts.submission,
          partnerOrgId: opts.partner ? await partnerOrg(a, opts.partner) : undefined,
          status: opts.status,
        }),
      )
      ctx.out().print(list, (d) => table(d.map(grantRow)))
    })

  grants
    .command('create')
    .description(
      'Issue a grant on an effective (two-key) selection; prints the virtual key, which is shown this once',
    )
    .requiredOption('--selection <id>', 'the effective selection (psel_…)')
    .requiredOption('--from <iso>', 'window start, e.g. 2026-12-01T09:00:00-05:00')
    .requiredOption('--to <iso>', 'window end (within the partner-access period the lab set)')
    .addOption(
      new Option(
        '--endpoint <endpoint>',
        `an allowed endpoint, repeat for several (${ENDPOINTS.join(', ')})`,
      )
        .argParser((v: string, prev: string[] | undefined) => {
          if (!(ENDPOINTS as readonly string[]).includes(v))
            throw new InvalidArgumentError(`Allowed choices are ${ENDPOINTS.join(', ')}.`)
          return [...(prev ?? []), v]
        })
        .makeOptionMandatory(),
    )
    .requiredOption('--rpm <n>', `requests per minute (at most ${LIMIT_MAX.requestsPerMinute})`)
    .requiredOption('--tpm <n>', `tokens per minute (at most ${LIMIT_MAX.tokensPerMinute})`)
    .requiredOption('--budget <n>', `total token budget (at most ${LIMIT_MAX.tokenBudget})`)
    .option('--keep-content', 'keep prompts and completions (without it: metadata only)', false)
    .addOption(asOption('a lab member of its lab, or a program officer'))
    .addOption(orgOption())
    .action(
      async (opts: {
        selection: string
        from: string
        to: string
        endpoint: string[]
        rpm: string
        tpm: string
        budget: string
        keepContent: boolean
        as: string
        org?: string
      }) => {
        const input = {
          selectionId: opts.selection,
          windowStart: timestamp('--from', opts.from),
          windowEnd: timestamp('--to', opts.to),
          endpoints: [...new Set(opts.endpoint)] as GatewayEndpoint[],
          limits: {
            requestsPerMinute: wholeNumber('--rpm', opts.rpm, LIMIT_MAX.requestsPerMinute),
            tokensPerMinute: wholeNumber('--tpm', opts.tpm, LIMIT_MAX.tokensPerMinute),
            tokenBudget: wholeNumber('--budget', opts.budget, LIMIT_MAX.tokenBudget),
          },
          keepContent: opts.keepContent,
        }
        const g = await withServices(async (p, a) =>
          p.issueGrant(await actAs(a, opts.as, opts.org, KEY_HOLDERS), input),
        )
        ctx
          .out()
          .print(
            g,
            (d) =>
              `issued ${d.id} to ${d.partnerName} for ${d.modelName} ${d.modelVersion} (log entry ${d.logIndex})\n` +
              `virtual key (shown this once; give it to the partner over a safe channel):\n${d.key}`,
          )
      },
    )

  const control = (
    name: 'pause' | 'revoke',
    description: string,
    act: (p: PartnersService, actor: Principal, id: string, reason: string) => Promise<Grant>,
  ) =>
    grants
      .command(name)
      .description(description)
      .argument('<id>', 'the grant (gnt_…)')
      .requiredOption('--reason <text>', 'why (logged)')
      .addOption(asOption('a lab member of its lab, or a program officer'))
      .addOption(orgOption())
      .action(async (id: string, opts: { reason: string; as: string; org?: string }) => {
        const g = await withServices(async (p, a) =>
          act(p, await actAs(a, opts.as, opts.org, KEY_HOLDERS), id, opts.reason),
        )
        ctx.out().print(g, (d) => `${d.id} is now ${d.status}`)
      })

  control(
    'pause',
    'Pause a grant: the gateway refuses its key from the next request until the side that paused resumes it',
    (p, actor, id, reason) => p.pauseGrant(actor, id, { reason }),
  )
  control(
    'revoke',
    'Revoke a grant for good: its key stops working on the next request and open streams are cut',
    (p, actor, id, reason) => p.revokeGrant(actor, id, { reason }),
  )
  grants
    .command('resume')
    .description('Resume a paused grant (only the side that paused it)')
    .argument('<id>', 'the grant (gnt_…)')
    .option('--reason <text>', 'why (logged)')
    .addOption(asOption('a member of the side that paused it'))
    .addOption(orgOption())
    .action(async (id: string, opts: { reason?: string; as: string; org?: string }) => {
      const g = await withServices(async (p, a) =>
        p.resumeGrant(await actAs(a, opts.as, opts.org, KEY_HOLDERS), id, {
          reason: opts.reason,
        }),
      )
      ctx.out().print(g, (d) => `${d.id} is now ${d.status}`)
    })
}

function wholeNumber(flag: string, value: string, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max)
    throw new CliError(`${flag} must be a whole number from 1 to ${max}; got "${value}"`)
  return n
}

function timestamp(flag: string, value: string): Date {
  const d = new Date(value)
  if (
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value) ||
    Number.isNaN(d.getTime())
  )
    throw new CliError(
      `${flag} must be an ISO 8601 timestamp with a UTC offset, e.g. 2026-12-01T09:00:00Z; got "${value}"`,
    )
  return d
}

const iso = (d: Date | null) => (d ? d.toISOString() : '')

function partnerRow(p: Partner) {
  return {
    slug: p.slug,
    name: p.name,
    sector: p.sector,
    vetting: p.vetting.status,
    vetted: iso(p.vetting.at),
    id: p.orgId,
  }
}

function partnerDetails(p: PartnerDetail): string {
  const lines = [
    `${p.name} (${p.slug}, ${p.orgId})`,
    `sector       ${p.sector}`,
    `vetting      ${p.vetting.status}${p.vetting.reviewer ? ` by ${p.vetting.reviewer.name}` : ''}${p.vetting.at ? ` on ${iso(p.vetting.at)}` : ''}`,
  ]
  if (p.vetting.notes) lines.push(`notes        ${p.vetting.notes}`)
  if (p.description) lines.push(`description  ${p.description}`)
  if (p.website) lines.push(`website      ${p.website}`)
  lines.push('', 'Points of contact')
  lines.push(
    table(
      p.contacts.map((c) => ({ name: c.name, title: c.title, email: c.email, phone: c.phone })),
    ),
  )
  lines.push('', 'Conflict-of-interest declarations')
  lines.push(
    table(
      p.conflicts.map((c) => ({
        declared: iso(c.declaredAt),
        concerning: c.relatedOrgName ?? '',
        description: c.description,
      })),
    ),
  )
  lines.push('', 'Evidence (stored encrypted; download on the partner page)')
  lines.push(
    table(
      p.evidence.map((e) => ({
        id: e.id,
        file: e.filename,
        type: e.contentType,
        bytes: e.size,
        uploaded: iso(e.uploadedAt),
      })),
    ),
  )
  return lines.join('\n')
}

function selectionRow(s: Selection) {
  return {
    id: s.id,
    submission: s.submissionId,
    model: `${s.modelName} ${s.modelVersion}`,
    partner: s.partnerName,
    lab: s.keys.lab.state,
    program: s.keys.program.state,
    state: s.state,
    refusal: s.refusal?.category ?? '',
  }
}

function decided(s: Selection & { logIndex: number }) {
  return `lab key ${s.keys.lab.state}, program key ${s.keys.program.state}; ${s.state} (log entry ${s.logIndex})`
}

function grantRow(g: Grant) {
  return {
    id: g.id,
    partner: g.partnerName,
    model: `${g.modelName} ${g.modelVersion}`,
    status: g.status,
    window: `${iso(g.windowStart)} → ${iso(g.windowEnd)}`,
    rpm: g.limits.requestsPerMinute,
    tpm: g.limits.tokensPerMinute,
    budget: g.limits.tokenBudget,
    key: g.keyHint,
  }
}

/** `earlywatch submissions …`: the program registry from a shell (list, show, register, accept, move dates, withdraw). */
import { type Command, Option } from 'commander'
import type { Principal, Role } from '../accounts/model.ts'
import type { AccountsService } from '../accounts/service.ts'
import { actAs, type CliContext, orgBySlug } from '../cli-context.ts'
import { CliError, table } from '../platform/cli.ts'
import { isAppError } from '../platform/errors.ts'
import {
  DEFAULT_OFFERED_DAYS,
  PROTOCOLS,
  SUBMISSION_STATES,
  type SubmissionEvent,
  type SubmissionView,
  TIMESTAMP_EXAMPLE,
} from './model.ts'
import { ZRegisterRequest } from './routes.ts'
import type { ProgramService } from './service.ts'

export interface ProgramCliIo {
  /** Where `--credential-env` reads the endpoint secret from, so it never appears in argv or shell history. */
  env: Readonly<Record<string, string | undefined>>
}

/** Request fields and the flags that set them, so errors name what the person typed. */
const FLAGS: Record<string, string> = {
  modelName: '--model',
  modelVersion: '--model-version',
  description: '--description',
  intendedCapabilities: '--capability',
  'endpoint.baseUrl': '--endpoint-url',
  'endpoint.protocol': '--protocol',
  'endpoint.modelId': '--model-id',
  'endpoint.credential': '--credential-env',
  offeredDays: '--days',
  partnerReleaseAt: '--release-partner / --partner',
  publicReleaseAt: '--release-public / --public',
  reason: '--reason',
}

function flagFor(path: string): string {
  const key = Object.keys(FLAGS).find((k) => path === k || path.startsWith(`${k}.`))
  return key ? FLAGS[key]! : path
}

/** Re-states a validation error in terms of flags; anything else passes through unchanged. */
function inFlags(err: unknown): unknown {
  if (!isAppError(err, 'EW_VALIDATION') || !err.errors?.length) return err
  return new CliError(err.errors.map((e) => `${flagFor(e.path)}: ${e.message}`).join('; '))
}

/**
 * Reading needs no identity: whoever runs the CLI already holds the database. Changes are
 * always made as a named person (`--as`), so the timeline says who.
 */
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

/**
 * @example
 * registerProgramCommands(program, ctx)
 * // LAB_KEY=sk-… earlywatch submissions register --as lee@lab.example --org frontier-lab \
 * //   --model Atlas --model-version 3.0 --release-partner 2026-12-01T09:00:00-05:00 \
 * //   --endpoint-url https://api.lab.example/v1 --protocol openai --model-id atlas-3 --credential-env LAB_KEY
 */
export function registerProgramCommands(
  root: Command,
  ctx: CliContext,
  io: ProgramCliIo = { env: process.env },
): void {
  const withServices = <T>(fn: (p: ProgramService, a: AccountsService) => Promise<T>) =>
    ctx.withServices(async (s) => {
      try {
        return await fn(s.program, s.accounts)
      } catch (err) {
        throw inFlags(err)
      }
    })

  const cmd = root
    .command('submissions')
    .description('Model submissions of the early-access program and their review windows')

  const asOption = () =>
    new Option(
      '--as <email>',
      'act as this person (the timeline records them)',
    ).makeOptionMandatory()
  const orgOption = () =>
    new Option(
      '--org <slug>',
      'the organisation they act for (needed only when they hold the role in several)',
    )

  cmd
    .command('list')
    .description('Submissions with their state and review window, newest first')
    .addOption(new Option('--state <state>', 'only this state').choices(SUBMISSION_STATES))
    .option('--lab <slug>', 'only this lab')
    .option('-q, --search <text>', 'text in model name, version, description or lab')
    .option('-n, --limit <n>', 'most to list', '100')
    .action(async (opts: { state?: string; lab?: string; search?: string; limit: string }) => {
      const limit = wholeNumber('--limit', opts.limit, 1, 1000)
      const page = await withServices(async (p, a) => {
        const lab = opts.lab ? await orgBySlug(a, opts.lab) : undefined
        return p.list(SHELL_READER, {
          ...(opts.state ? { state: opts.state as SubmissionView['state'] } : {}),
          ...(lab ? { labOrgId: lab.id } : {}),
          ...(opts.search ? { q: opts.search } : {}),
          sort: 'createdAt',
          order: 'desc',
          limit,
          offset: 0,
        })
      })
      ctx.out().print(page, (d) => {
        const rows = table(d.items.map(summaryRow))
        return d.total > d.items.length
          ? `${rows}\n(${d.items.length} of ${d.total}; raise --limit to see more)`
          : rows
      })
    })

  cmd
    .command('show')
    .description('One submission, its review window and its timeline')
    .argument('<id>', 'submission id (sub_…)')
    .action(async (id: string) => {
      const result = await withServices(async (p) => ({
        submission: await p.get(SHELL_READER, id),
        events: await p.events(SHELL_READER, id),
      }))
      ctx
        .out()
        .print(
          result,
          (d) => `${details(d.submission)}\n\nTimeline\n${table(d.events.map(eventRow))}`,
        )
    })

  cmd
    .command('register')
    .description(
      'Register a model submission for a lab (the lab is the organisation given by --org)',
    )
    .addOption(asOption())
    .requiredOption('--org <slug>', 'the lab registering the model')
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--model-version <version>', 'model version')
    .option('--description <text>', 'what the model is', '')
    .option(
      '--capability <text>',
      'an intended capability (repeat for several)',
      collect,
      [] as string[],
    )
    .option(
      '--release-partner <iso>',
      `planned release to trusted partners, e.g. ${TIMESTAMP_EXAMPLE}`,
    )
    .option('--release-public <iso>', `planned public release, e.g. ${TIMESTAMP_EXAMPLE}`)
    .option(
      '--days <n>',
      'days of access offered before the release (at most 30)',
      String(DEFAULT_OFFERED_DAYS),
    )
    .requiredOption('--endpoint-url <url>', 'base URL the program may call')
    .addOption(
      new Option('--protocol <protocol>', 'wire protocol of the endpoint')
        .choices(PROTOCOLS)
        .makeOptionMandatory(),
    )
    .requiredOption('--model-id <id>', 'model id at the endpoint')
    .requiredOption(
      '--credential-env <var>',
      'name of the environment variable holding the endpoint API key',
    )
    .action(
      async (opts: {
        as: string
        org: string
        model: string
        modelVersion: string
        description: string
        capability: string[]
        releasePartner?: string
        releasePublic?: string
        days: string
        endpointUrl: string
        protocol: string
        modelId: string
        credentialEnv: string
      }) => {
        const credential = io.env[opts.credentialEnv]
        if (!credential) {
          throw new CliError(
            `--credential-env: the environment variable ${opts.credentialEnv} is not set or empty; export the endpoint API key in it and run again`,
          )
        }
        const parsed = ZRegisterRequest.safeParse({
          modelName: opts.model,
          modelVersion: opts.modelVersion,
          description: opts.description,
          intendedCapabilities: opts.capability,
          endpoint: {
            baseUrl: opts.endpointUrl,
            protocol: opts.protocol,
            modelId: opts.modelId,
            credential,
          },
          offeredDays: Number(opts.days),
          partnerReleaseAt: opts.releasePartner,
          publicReleaseAt: opts.releasePublic,
        })
        if (!parsed.success) {
          throw new CliError(
            parsed.error.issues
              .map((i) => `${flagFor(i.path.map(String).join('.'))}: ${i.message}`)
              .join('; '),
          )
        }
        const s = await withServices(async (p, a) =>
          p.register(await actAs(a, opts.as, opts.org, 'lab_member'), parsed.data),
        )
        ctx
          .out()
          .print(
            s,
            (d) =>
              `registered ${d.id}: ${d.modelName} ${d.modelVersion} for ${d.labName}\n${windowLine(d)}`,
          )
      },
    )

  cmd
    .command('accept')
    .description('Accept a submission for review (program officer): its review window opens')
    .argument('<id>', 'submission id')
    .addOption(asOption())
    .addOption(orgOption())
    .option('--reason <text>', 'note for the timeline')
    .action(async (id: string, opts: { as: string; org?: string; reason?: string }) => {
      const s = await withServices(async (p, a) =>
        p.accept(await actAs(a, opts.as, opts.org, 'program_officer'), id, { reason: opts.reason }),
      )
      ctx.out().print(s, (d) => `accepted ${d.id}; ${windowLine(d)}`)
    })

  cmd
    .command('transition')
    .description(
      'Record progress: determined or partner_access (program officer), released (the lab)',
    )
    .argument('<id>', 'submission id')
    .addOption(
      new Option('--to <state>', 'the new state')
        .choices(['determined', 'partner_access', 'released'])
        .makeOptionMandatory(),
    )
    .addOption(asOption())
    .addOption(orgOption())
    .option('--reason <text>', 'note for the timeline')
    .action(
      async (
        id: string,
        opts: {
          to: 'determined' | 'partner_access' | 'released'
          as: string
          org?: string
          reason?: string
        },
      ) => {
        const role: Role = opts.to === 'released' ? 'lab_member' : 'program_officer'
        const s = await withServices(async (p, a) =>
          p.transition(await actAs(a, opts.as, opts.org, role), id, {
            to: opts.to,
            reason: opts.reason,
          }),
        )
        ctx.out().print(s, (d) => `${d.id} is now ${d.state}`)
      },
    )

  cmd
    .command('reschedule')
    .description('Move release dates (the lab), earlier or later; the review window follows')
    .argument('<id>', 'submission id')
    .addOption(asOption())
    .addOption(orgOption())
    .option('--partner <iso>', `new partner release, e.g. ${TIMESTAMP_EXAMPLE}; "none" to drop it`)
    .option('--public <iso>', `new public release, e.g. ${TIMESTAMP_EXAMPLE}; "none" to drop it`)
    .requiredOption('--reason <text>', 'why the dates moved (recorded in the timeline)')
    .action(
      async (
        id: string,
        opts: { as: string; org?: string; partner?: string; public?: string; reason: string },
      ) => {
        if (opts.partner === undefined && opts.public === undefined) {
          throw new CliError('give --partner, --public or both: the release dates to move')
        }
        const date = (v: string | undefined) =>
          v === undefined ? undefined : v === 'none' ? null : v
        const s = await withServices(async (p, a) =>
          p.reschedule(await actAs(a, opts.as, opts.org, 'lab_member'), id, {
            partnerReleaseAt: date(opts.partner),
            publicReleaseAt: date(opts.public),
            reason: opts.reason,
          }),
        )
        ctx.out().print(s, (d) => `rescheduled ${d.id}; ${windowLine(d)}`)
      },
    )

  cmd
    .command('withdraw')
    .description(
      'Withdraw a submission (the lab), from any state; the stored endpoint credential is destroyed',
    )
    .argument('<id>', 'submission id')
    .addOption(asOption())
    .addOption(orgOption())
    .requiredOption('--reason <text>', 'why (recorded in the timeline)')
    .action(async (id: string, opts: { as: string; org?: string; reason: string }) => {
      const s = await withServices(async (p, a) =>
        p.withdraw(await actAs(a, opts.as, opts.org, 'lab_member'), id, { reason: opts.reason }),
      )
      ctx.out().print(s, (d) => `withdrew ${d.id}; its endpoint credential is destroyed`)
    })
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliError(`${flag} must be a whole number from ${min} to ${max}; got "${value}"`)
  }
  return n
}

const iso = (d: Date | null) => (d ? d.toISOString() : '')

function windowLine(s: SubmissionView): string {
  const w = s.window
  const when = `${iso(w.opensAt)} → ${iso(w.closesAt)} (${w.days} days)`
  if (w.phase === 'open') return `review window open ${when}, ${w.daysLeft} day(s) left`
  if (w.phase === 'closed') return `review window closed ${when}`
  return s.acceptedAt
    ? `review window opens ${when}`
    : `review window not yet opened; accepted now it would run ${when}`
}

function summaryRow(s: SubmissionView) {
  return {
    id: s.id,
    lab: s.labName,
    model: `${s.modelName} ${s.modelVersion}`,
    state: s.state,
    window: s.window.phase === 'open' ? `open, ${s.window.daysLeft}d left` : s.window.phase,
    closes: iso(s.window.closesAt),
  }
}

function details(s: SubmissionView): string {
  const lines: Array<[string, string]> = [
    ['id', s.id],
    ['lab', `${s.labName} (${s.labOrgId})`],
    ['model', `${s.modelName} ${s.modelVersion}`],
    ['state', s.state],
    ['description', s.description],
    ['capabilities', s.intendedCapabilities.join(', ')],
    ['endpoint', `${s.endpoint.baseUrl} (${s.endpoint.protocol}, model ${s.endpoint.modelId})`],
    [
      'credential',
      s.endpoint.hasCredential ? 'stored, encrypted' : `destroyed ${iso(s.credentialDestroyedAt)}`,
    ],
    ['partner release', iso(s.partnerReleaseAt) || '(none)'],
    ['public release', iso(s.publicReleaseAt) || '(none)'],
    ['offered days', String(s.offeredDays)],
    ['accepted', iso(s.acceptedAt) || '(not yet)'],
    ['window', windowLine(s)],
    ['revision', String(s.revision)],
  ]
  const width = Math.max(...lines.map(([k]) => k.length))
  return lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')
}

function eventRow(e: SubmissionEvent) {
  return {
    at: iso(e.at),
    event: e.kind,
    change:
      e.fromState && e.toState && e.fromState !== e.toState
        ? `${e.fromState} → ${e.toState}`
        : (e.toState ?? ''),
    by: e.actor ? `${e.actor.personName} (${e.actor.orgName})` : 'earlywatch',
    reason: e.reason ?? '',
  }
}

/** `earlywatch users …` and `earlywatch orgs …`: manage people, roles, tokens and organisations from a shell. */
import { createInterface } from 'node:readline'
import { type Command, Option } from 'commander'
import type { CliContext } from '../cli-context.ts'
import { CliError, EXIT, table } from '../platform/cli.ts'
import { ORG_KINDS, ROLE_NAMES, TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS } from './model.ts'
import type { AccountsService } from './service.ts'

export interface AccountsCliIo {
  /** Reads a password without echoing it; from standard input when it is not a terminal. */
  readPassword(prompt: string): Promise<string>
}

/**
 * @example
 * registerAccountsCommands(program, ctx)
 * // earlywatch users create --email lee@lab.example --name "Lee" --org frontier-lab --role lab_member
 */
export function registerAccountsCommands(
  program: Command,
  ctx: CliContext,
  io: AccountsCliIo = { readPassword },
): void {
  const accounts = <T>(fn: (a: AccountsService) => Promise<T>) =>
    ctx.withServices((s) => fn(s.accounts))

  const roleOption = () =>
    new Option('--role <role>', 'role to grant in that organisation').choices(ROLE_NAMES)

  const users = program
    .command('users')
    .description('People: create them, grant roles, issue API tokens and one-time sign-in links')

  users
    .command('create')
    .description(
      'Create a person; with --org and --role also grant them a role (they cannot sign in without one)',
    )
    .requiredOption('--email <email>', 'their email address (how they are known and sign in)')
    .requiredOption('--name <name>', 'their full name, as others will see it')
    .option(
      '--password',
      'also set a password, read without echo (or from standard input when piped); omit it for people who sign in with OpenID Connect or a link',
    )
    .option('--org <slug>', 'organisation to grant the role in (see `earlywatch orgs list`)')
    .addOption(roleOption())
    .action(
      async (opts: {
        email: string
        name: string
        password?: boolean
        org?: string
        role?: string
      }) => {
        if (Boolean(opts.org) !== Boolean(opts.role)) {
          throw new CliError(
            '--org and --role go together: give both to grant a role, or neither to create the person only',
          )
        }
        const password = opts.password ? await io.readPassword('Password (not shown): ') : undefined
        const result = await accounts(async (a) => {
          const org = opts.org ? await orgBySlug(a, opts.org) : undefined
          const person = await a.createPerson({
            email: opts.email,
            name: opts.name,
            password,
            membership: org && opts.role ? { orgId: org.id, role: opts.role } : undefined,
          })
          return { person, org: org ? { id: org.id, slug: org.slug, role: opts.role } : null }
        })
        ctx
          .out()
          .print(
            result,
            (r) =>
              `created ${r.person.email} (${r.person.id})${r.org ? `, ${r.org.role} in ${r.org.slug}` : '; grant a role with `earlywatch users grant` so they can sign in'}`,
          )
      },
    )

  users
    .command('grant')
    .description('Grant a person a role in an organisation (the role must fit its kind)')
    .requiredOption('--email <email>', 'the person')
    .requiredOption('--org <slug>', 'the organisation (see `earlywatch orgs list`)')
    .addOption(roleOption().makeOptionMandatory())
    .action(async (opts: { email: string; org: string; role: string }) => {
      const m = await accounts(async (a) => {
        const person = await personByEmail(a, opts.email)
        const org = await orgBySlug(a, opts.org)
        await a.grant({ orgId: org.id, personId: person.id, role: opts.role })
        return { email: person.email, org: org.slug, role: opts.role }
      })
      ctx.out().print(m, (d) => `${d.email} is now ${d.role} in ${d.org}`)
    })

  users
    .command('token')
    .description(
      'Issue an API token acting for a person in one organisation; it is printed once and cannot be shown again',
    )
    .requiredOption('--email <email>', 'the person the token acts for')
    .requiredOption('--org <slug>', 'the one organisation the token acts in')
    .option('--name <name>', 'what the token is for, shown in token lists', 'cli')
    .option(
      '--days <days>',
      `lifetime in days, 1 to ${TOKEN_MAX_DAYS}`,
      (v) => wholeNumber('--days', v, 1, TOKEN_MAX_DAYS),
      TOKEN_DEFAULT_DAYS,
    )
    .action(async (opts: { email: string; org: string; name: string; days: number }) => {
      const t = await accounts(async (a) => {
        const person = await personByEmail(a, opts.email)
        const org = await orgBySlug(a, opts.org)
        return a.issueToken({
          personId: person.id,
          orgId: org.id,
          name: opts.name,
          days: opts.days,
        })
      })
      ctx
        .out()
        .print(
          t,
          (d) =>
            `${d.token}\n\nAPI token "${d.name}" (${d.id}) for ${opts.email} in ${opts.org}, valid until ${d.expiresAt.toISOString()}.\nStore it now: it is not shown again. Send it as "Authorization: Bearer <token>".`,
        )
    })

  users
    .command('list')
    .description('Everyone, with the roles they hold in each organisation')
    .action(async () => {
      const people = await accounts((a) => a.listPeople())
      ctx.out().print(people, (ps) =>
        table(
          ps.map((p) => ({
            email: p.email,
            name: p.name,
            roles: p.memberships.map((m) => `${m.role}@${m.orgName}`).join(', '),
            password: p.hasPassword ? 'yes' : 'no',
            disabled: p.disabledAt ? 'yes' : '',
          })),
        ),
      )
    })

  users
    .command('link')
    .description('Make a one-time sign-in link for a person, valid for 24 hours')
    .requiredOption('--email <email>', 'the person who will sign in')
    .action(async (opts: { email: string }) => {
      const l = await accounts(async (a) =>
        a.issueSigninLink((await personByEmail(a, opts.email)).id),
      )
      ctx
        .out()
        .print(
          l,
          (d) =>
            `${d.link}\n\nOne-time sign-in link for ${opts.email}, valid until ${d.expiresAt.toISOString()}. Send it privately: whoever opens it first is signed in.`,
        )
    })

  const orgs = program
    .command('orgs')
    .description('Organisations: the program, agencies, labs, partners, vendors, operators')

  orgs
    .command('create')
    .description('Create an organisation')
    .addOption(
      new Option('--kind <kind>', 'what kind of organisation')
        .choices(ORG_KINDS)
        .makeOptionMandatory(),
    )
    .requiredOption('--name <name>', 'its name')
    .option('--slug <slug>', 'short handle for commands and URLs (default: derived from the name)')
    .action(async (opts: { kind: string; name: string; slug?: string }) => {
      const org = await accounts((a) => a.createOrg(opts))
      ctx
        .out()
        .print(org, (o) => `created ${o.kind} organisation ${o.name} (slug ${o.slug}, id ${o.id})`)
    })

  orgs
    .command('list')
    .description('All organisations')
    .action(async () => {
      const list = await accounts((a) => a.listOrgs())
      ctx
        .out()
        .print(list, (os) =>
          table(os.map((o) => ({ slug: o.slug, kind: o.kind, name: o.name, id: o.id }))),
        )
    })
}

async function orgBySlug(a: AccountsService, slug: string) {
  const org = await a.findOrgBySlug(slug)
  if (!org) {
    throw new CliError(
      `no organisation with slug "${slug}"; see \`earlywatch orgs list\``,
      EXIT.NOT_FOUND,
    )
  }
  return org
}

async function personByEmail(a: AccountsService, email: string) {
  const person = await a.findPersonByEmail(email)
  if (!person) {
    throw new CliError(
      `no person with email ${email}; see \`earlywatch users list\``,
      EXIT.NOT_FOUND,
    )
  }
  return person
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new CliError(`${flag} must be a whole number from ${min} to ${max}, not "${value}"`)
  }
  return n
}

/**
 * A password typed on a terminal is not echoed; a piped one (`… | earlywatch users create
 * --password`) is read as the first line. Either way it never lands in shell history or `ps`.
 */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin
  if (!stdin.isTTY) {
    const rl = createInterface({ input: stdin })
    for await (const line of rl) {
      rl.close()
      return line
    }
    throw new CliError(
      '--password: standard input was empty; pipe the password in, or type it at the prompt',
    )
  }
  process.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.resume()
  stdin.setEncoding('utf8')
  let typed = ''
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData)
            return resolve(typed)
          }
          if (ch === '\u0003') {
            stdin.off('data', onData)
            return reject(new CliError('cancelled', EXIT.FAILURE))
          }
          if (ch === '\u007f') typed = typed.slice(0, -1)
          else typed += ch
        }
      }
      stdin.on('data', onData)
    })
  } finally {
    stdin.setRawMode(false)
    stdin.pause()
    process.stderr.write('\n')
  }
}

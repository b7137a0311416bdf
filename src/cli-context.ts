/** What each capability's cli.ts gets: the output mode and a way to open the services for one command. */
import type { Principal, Role } from './accounts/model.ts'
import type { AccountsService } from './accounts/service.ts'
import type { Services } from './app.ts'
import { CliError, EXIT, type Output } from './platform/cli.ts'
import type { Runtime } from './platform/runtime.ts'

export interface CliContext {
  /** Output in the mode the root `--json` flag chose. */
  out(): Output
  /** Opens the runtime (migrating if needed) and the services, runs `fn`, and closes them again. */
  withServices<T>(fn: (services: Services, rt: Runtime) => Promise<T>): Promise<T>
}

export async function orgBySlug(a: AccountsService, slug: string) {
  const org = await a.findOrgBySlug(slug)
  if (!org)
    throw new CliError(
      `no organisation with slug "${slug}"; see \`earlywatch orgs list\``,
      EXIT.NOT_FOUND,
    )
  return org
}

/**
 * The principal for `email` acting in `orgSlug`, or, without a slug, in the one organisation
 * where they hold `role` (or one of `role`, when several roles may act). Several such
 * organisations is ambiguous, and the error says so.
 */
export async function actAs(
  a: AccountsService,
  email: string,
  orgSlug: string | undefined,
  role: Role | readonly Role[],
): Promise<Principal> {
  const roles: readonly Role[] = typeof role === 'string' ? [role] : role
  const person = await a.findPersonByEmail(email)
  if (!person)
    throw new CliError(
      `no person with email ${email}; see \`earlywatch users list\``,
      EXIT.NOT_FOUND,
    )
  if (orgSlug) return a.principalFor(person.id, (await orgBySlug(a, orgSlug)).id)
  const orgs = (await a.orgsOf(person.id)).filter((o) => o.roles.some((r) => roles.includes(r)))
  if (orgs.length === 1) return a.principalFor(person.id, orgs[0]!.id)
  const named = roles.length === 1 ? `the ${roles[0]} role` : `any of the roles ${roles.join(', ')}`
  if (orgs.length === 0) {
    throw new CliError(
      `${email} holds ${named} in no organisation; grant it with \`earlywatch users grant\``,
      EXIT.FORBIDDEN,
    )
  }
  throw new CliError(
    `${email} holds ${named} in ${orgs.map((o) => o.slug).join(', ')}; say which with --org`,
  )
}

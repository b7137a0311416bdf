/**
 * Test fixtures for every capability: organisations and members created through the real
 * accounts service, with unique random names so tests never collide.
 */
import { randomBytes } from 'node:crypto'
import type { Org, OrgKind, Person, Principal, Role } from './model.ts'
import type { AccountsService } from './service.ts'

export interface SeededMember {
  org: Org
  person: Person
  principal: Principal
  /** A live API token for this person in this organisation: send as `Authorization: Bearer …`. */
  token: string
}

/**
 * Creates a person holding `roles` in an organisation of `kind` (a new one unless `orgId` is
 * given), and an API token for them there.
 *
 * @example
 * const lab = await seedMember(services.accounts, { kind: 'lab', roles: ['lab_member'] })
 * await app.inject({ method: 'GET', url: '/api/submissions', headers: bearer(lab.token) })
 */
export async function seedMember(
  accounts: AccountsService,
  opts: { kind: OrgKind; roles: Role[]; orgId?: string; name?: string; password?: string },
): Promise<SeededMember> {
  const tag = randomBytes(5).toString('hex')
  const org = opts.orgId
    ? await accounts.getOrg(opts.orgId)
    : await accounts.createOrg({
        kind: opts.kind,
        name: `Test ${opts.kind} ${tag}`,
        slug: `t-${opts.kind}-${tag}`,
      })
  const person = await accounts.createPerson({
    email: `${opts.roles[0] ?? 'member'}-${tag}@test.earlywatch.test`,
    name: opts.name ?? `Test ${opts.roles.join(' ')} ${tag}`,
    ...(opts.password ? { password: opts.password } : {}),
  })
  for (const role of opts.roles) await accounts.grant({ orgId: org.id, personId: person.id, role })
  const principal = await accounts.principalFor(person.id, org.id)
  const { token } = await accounts.issueToken({ personId: person.id, orgId: org.id, name: 'test' })
  return { org, person, principal, token }
}

/** Headers for an API-token request. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` }
}

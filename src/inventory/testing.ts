/**
 * Test and demo support for inventories: the real OSV and KEV samples kept beside the tests,
 * operators seeded through the real services, and a drain for queued deliveries.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import type { Org, Person, Principal, Role } from '../accounts/model.ts'
import type { AccountsService } from '../accounts/service.ts'
import type { Queryable } from '../platform/db/db.ts'
import type { AdvisoriesService } from './advisories/service.ts'
import type { Criticality, OperatorSize, OsvRecord, Sector, System } from './model.ts'
import type { InventoryService } from './service.ts'

export const fixtureUrl = (name: string) => new URL(`./fixtures/${name}`, import.meta.url)
export const fixture = (name: string) => readFileSync(fixtureUrl(name))

/** The real OSV records kept beside the tests (Go vulndb and GHSA Maven records). */
export function osvSample(): OsvRecord[] {
  return gunzipSync(fixture('osv-subset.jsonl.gz'))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as OsvRecord)
}

/** Imports the OSV sample and the KEV sample into the advisory store; returns the records new to it. */
export async function loadOsvSample(
  advisories: Pick<AdvisoriesService, 'importItems' | 'importKev'>,
): Promise<number> {
  await advisories.importKev(
    JSON.parse(fixture('kev-subset.json').toString('utf8')),
    'kev-subset.json',
  )
  const records = osvSample()
  async function* items() {
    for (const [i, doc] of records.entries()) yield { where: `osv-subset.jsonl.gz:${i + 1}`, doc }
  }
  const summary = await advisories.importItems(items(), 'osv-subset.jsonl.gz')
  return summary.new
}

export interface SeededOperator {
  org: Org
  person: Person
  principal: Principal
  /** An API token of the member: `Authorization: Bearer …`. */
  token: string
  systems: System[]
}

/** An operator organisation with its profile, a member with a token, and the named systems. */
export async function seedOperator(
  accounts: AccountsService,
  inventory: InventoryService,
  opts: {
    sector: Sector
    name?: string
    size?: OperatorSize
    region?: string
    roles?: Role[]
    systems?: Array<{ name: string; criticality?: Criticality; internetExposed?: boolean }>
  },
): Promise<SeededOperator> {
  const tag = randomBytes(4).toString('hex')
  const org = await accounts.createOrg({
    kind: 'operator',
    name: opts.name ?? `${opts.sector} operator ${tag}`,
    slug: `op-${opts.sector}-${tag}`,
  })
  const person = await accounts.createPerson({
    email: `soc-${tag}@${org.slug}.test`,
    name: `SOC lead ${tag}`,
  })
  for (const role of opts.roles ?? ['operator_member'])
    await accounts.grant({ orgId: org.id, personId: person.id, role })
  const principal = await accounts.principalFor(person.id, org.id)
  const { token } = await accounts.issueToken({ personId: person.id, orgId: org.id, name: 'test' })
  const m = { org, person, principal, token }
  await inventory.setOperatorProfile(m.principal, {
    sector: opts.sector,
    size: opts.size ?? 'small',
    region: opts.region ?? 'Midwest',
  })
  const systems: System[] = []
  for (const s of opts.systems ?? [])
    systems.push(
      await inventory.createSystem(m.principal, {
        name: s.name,
        criticality: s.criticality ?? 'high',
        internetExposed: s.internetExposed ?? false,
      }),
    )
  return { ...m, systems }
}

/** Runs every pending delivery now, as the delivery job's last attempt would; throws if any failed. */
export async function drainDeliveries(
  db: Queryable,
  inventory: Pick<InventoryService, 'deliver'>,
): Promise<number> {
  const pending = await db.query<{ id: string }>(
    `SELECT id FROM inv_delivery WHERE status = 'pending' ORDER BY created_at, id`,
  )
  const errors: unknown[] = []
  for (const d of pending.rows)
    await inventory.deliver(d.id, { final: true }).catch((e: unknown) => errors.push(e))
  if (errors.length)
    throw new AggregateError(errors, `${errors.length} of ${pending.rows.length} deliveries failed`)
  return pending.rows.length
}

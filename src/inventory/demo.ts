/**
 * Inventory demo data, through the real services on clocks set back in time: one operator per
 * sector with real SBOMs, matched against real OSV records (Go vulndb, GHSA Maven) with CISA KEV
 * flags, and findings in every status — patched by a newer SBOM, in progress, mitigated, not
 * affected by VEX, risk accepted, open and overdue — so the dashboards read like a month of work.
 */
import type { Principal } from '../accounts/model.ts'
import type { AccountsService } from '../accounts/service.ts'
import type { NotificationsService } from '../notifications/service.ts'
import { type Clock, DAY_MS } from '../platform/clock.ts'
import type { Runtime } from '../platform/runtime.ts'
import type { TranslogService } from '../translog/service.ts'
import type { AdvisoriesService } from './advisories/service.ts'
import type { Criticality, OperatorSize, Sector } from './model.ts'
import type { InventoryService } from './service.ts'
import { fixture, loadOsvSample } from './testing.ts'
import { createInventory } from './wiring.ts'

export const DEMO_DOMAIN = 'demo.earlywatch.test'

interface DemoOperator {
  slug: string
  name: string
  sector: Sector
  size: OperatorSize
  region: string
  person: string
  systems: Array<{ name: string; criticality: Criticality; exposed: boolean; sbom: string }>
  /** Days ago the fixed SBOM arrived (x/text and jetty moved past their fixes), if it did. */
  patchedAgo?: number
}

const OPERATORS: DemoOperator[] = [
  {
    slug: 'mercy-valley-hospital',
    name: 'Mercy Valley Hospital',
    sector: 'healthcare',
    size: 'small',
    region: 'Nebraska',
    person: 'Hana Ruiz',
    systems: [
      {
        name: 'Secure mail bridge',
        criticality: 'high',
        exposed: true,
        sbom: 'proton-bridge-v1.6.3.bom.json',
      },
      {
        name: 'Patient portal API',
        criticality: 'critical',
        exposed: true,
        sbom: 'dropwizard-1.3.15.bom.json',
      },
    ],
    patchedAgo: 6,
  },
  {
    slug: 'first-prairie-bank',
    name: 'First Prairie Community Bank',
    sector: 'financial',
    size: 'small',
    region: 'Kansas',
    person: 'Dev Patel',
    systems: [
      {
        name: 'Core banking API',
        criticality: 'critical',
        exposed: true,
        sbom: 'dropwizard-1.3.15.bom.json',
      },
    ],
    patchedAgo: 15,
  },
  {
    slug: 'riverbend-electric',
    name: 'Riverbend Electric Cooperative',
    sector: 'electricity',
    size: 'medium',
    region: 'Missouri',
    person: 'June Okafor',
    systems: [
      {
        name: 'Grid operations cluster',
        criticality: 'critical',
        exposed: false,
        sbom: 'oci-kubectl-linux-amd64-spdx.json',
      },
    ],
  },
  {
    slug: 'prairie-water',
    name: 'Prairie County Water',
    sector: 'water',
    size: 'small',
    region: 'Iowa',
    person: '',
    systems: [
      {
        name: 'SCADA HMI',
        criticality: 'critical',
        exposed: false,
        sbom: 'proton-bridge-v1.6.3.bom.json',
      },
    ],
    patchedAgo: 2,
  },
  {
    slug: 'tri-county-broadband',
    name: 'Tri-County Broadband',
    sector: 'communications',
    size: 'medium',
    region: 'Dakotas',
    person: 'Sam Lindqvist',
    systems: [
      {
        name: 'Customer mail relay',
        criticality: 'high',
        exposed: true,
        sbom: 'proton-bridge-v1.8.0.bom.json',
      },
    ],
  },
  {
    slug: 'lincoln-county-it',
    name: 'Lincoln County IT',
    sector: 'government',
    size: 'small',
    region: 'Oklahoma',
    person: 'Rosa Delgado',
    systems: [
      {
        name: 'Permits portal',
        criticality: 'medium',
        exposed: true,
        sbom: 'dropwizard-1.3.15.bom.json',
      },
    ],
    patchedAgo: 9,
  },
]

/** The SBOM after a patch cycle: golang.org/x/text and the Jetty HTTP/2 modules moved past their fixes. */
function patched(name: string): Buffer {
  const doc = JSON.parse(fixture(name).toString('utf8')) as {
    components: Array<{ purl?: string; version?: string; name: string; group?: string }>
  }
  for (const c of doc.components) {
    if (c.purl?.startsWith('pkg:golang/golang.org/x/text@')) {
      c.version = 'v0.3.8'
      c.purl = 'pkg:golang/golang.org/x/text@v0.3.8'
    }
    if (c.purl?.startsWith('pkg:maven/org.eclipse.jetty.http2/')) {
      c.version = '9.4.53.v20231009'
      c.purl = `pkg:maven/org.eclipse.jetty.http2/${c.name}@9.4.53.v20231009?type=jar`
    }
  }
  return Buffer.from(JSON.stringify(doc))
}

export async function seedInventoryDemo(
  rt: Runtime,
  deps: {
    accounts: AccountsService
    notifications: Pick<NotificationsService, 'notify'>
    translog: Pick<TranslogService, 'append'>
    advisories: Pick<
      AdvisoriesService,
      'importItems' | 'importKev' | 'advisoriesForPackage' | 'getAdvisory'
    >
  },
): Promise<{ operators: number; findings: number }> {
  const { accounts } = deps
  if (await accounts.findOrgBySlug('mercy-valley-hospital')) return { operators: 0, findings: 0 }
  await loadOsvSample(deps.advisories)
  const now = rt.clock.now().getTime()
  const cache = new Map<number, InventoryService>()
  /** The inventory service as it was `ago` days before now, sharing the one advisory source. */
  const asOf = async (ago: number) => {
    let s = cache.get(ago)
    if (!s) {
      const clock: Clock = { now: () => new Date(now - ago * DAY_MS) }
      s = (await createInventory({ ...rt, clock }, deps, { mailer: { send: async () => {} } }))
        .service
      cache.set(ago, s)
    }
    return s
  }

  let findings = 0
  for (const o of OPERATORS) {
    const org =
      (await accounts.findOrgBySlug(o.slug)) ??
      (await accounts.createOrg({ kind: 'operator', name: o.name, slug: o.slug }))
    // Prairie County Water's member is the demo's operator persona, made with the other personas.
    let who: Principal
    const persona = o.person
      ? null
      : await accounts.findPersonByEmail(`operator-member@${DEMO_DOMAIN}`)
    if (persona) {
      who = await accounts.principalFor(persona.id, org.id)
    } else {
      const person = await accounts.createPerson({
        email: `operator-member-${o.slug}@${DEMO_DOMAIN}`,
        name: o.person || 'Operator member',
      })
      await accounts.grant({ orgId: org.id, personId: person.id, role: 'operator_member' })
      who = await accounts.principalFor(person.id, org.id)
    }
    const start = await asOf(28)
    await start.setOperatorProfile(who, { sector: o.sector, size: o.size, region: o.region })
    for (const sys of o.systems) {
      const system = await start.createSystem(who, {
        name: sys.name,
        criticality: sys.criticality,
        internetExposed: sys.exposed,
      })
      await start.uploadSbom(who, system.id, fixture(sys.sbom), { matchNow: true })
      if (o.patchedAgo !== undefined)
        await (await asOf(o.patchedAgo)).uploadSbom(who, system.id, patched(sys.sbom), {
          matchNow: true,
        })
    }
    // Decisions on the open findings, so every status shows: worked on, mitigated, accepted.
    const later = await asOf(4)
    const open = (await later.listFindings(who, { status: ['open'], limit: 50 })).items
    const [a, b, c] = open
    if (a)
      await later.setFindingStatus(who, a.id, {
        status: 'in_progress',
        note: 'Change ticket raised with the vendor.',
      })
    if (b)
      await later.setFindingStatus(who, b.id, {
        status: 'mitigated',
        note: 'Blocked at the perimeter firewall until the upgrade.',
      })
    if (c)
      await later.setFindingStatus(who, c.id, {
        status: 'risk_accepted',
        approver: `${o.name} CISO`,
        acceptedUntil: new Date(now + 60 * DAY_MS).toISOString(),
        note: 'Component not reachable from the network; upgrade planned with the next release.',
      })
    // An operator's own VEX for one advisory, which suppresses it visibly.
    if (o.sector === 'healthcare' || o.sector === 'government') {
      await later.addVex(who, {
        '@context': 'https://openvex.dev/ns/v0.2.0',
        '@id': `https://${o.slug}.example/vex/2026-1`,
        author: o.name,
        timestamp: new Date(now - 4 * DAY_MS).toISOString(),
        version: 1,
        statements: [
          {
            vulnerability: { name: 'CVE-2020-36518' },
            products: [{ '@id': 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10' }],
            status: 'not_affected',
            justification: 'vulnerable_code_not_in_execute_path',
          },
        ],
      })
    }
    findings += (await later.listFindings(who, { limit: 1 })).total
  }
  // The overdue check has run: findings past their due date are escalated.
  await (await asOf(0)).escalateOverdue()
  return { operators: OPERATORS.length, findings }
}

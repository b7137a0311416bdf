/**
 * Demo data, loaded through the real services so every timeline event exists as it would in
 * use: a program, two consulting agencies, two labs and their submissions in different
 * states, and one person per role for the demo sign-in chooser. Past steps run on a clock set
 * back in time, so the timelines read like a real month of work.
 */

import type { OrgKind, Principal, Role } from '../accounts/model.ts'
import { createServices, type Services } from '../app.ts'
import { DEMO_DETERMINATIONS, runDemoDetermination, seedBenchmarkDemo } from '../benchmark/demo.ts'
import { seedAdvisoriesDemo } from '../clearinghouse/advisories/demo.ts'
import { seedClearinghouseDemo } from '../clearinghouse/demo.ts'
import { seedEvalsDemo } from '../evals/demo.ts'
import { seedGatewayDemo } from '../gateway/demo.ts'
import { seedInventoryDemo } from '../inventory/demo.ts'
import { seedPartnersDemo } from '../partners/demo.ts'
import { type Clock, DAY_MS } from '../platform/clock.ts'
import type { Runtime } from '../platform/runtime.ts'

export const DEMO_EMAIL_DOMAIN = 'demo.earlywatch.test'

export interface DemoSummary {
  organisations: number
  people: number
  submissions: number
}

interface DemoOrg {
  kind: OrgKind
  name: string
  slug: string
  people: Array<{ role: Role; name: string }>
}

const ORGS: DemoOrg[] = [
  {
    kind: 'program',
    name: 'earlywatch program',
    slug: 'program',
    people: [
      { role: 'admin', name: 'Ada Admin' },
      { role: 'program_officer', name: 'Priya Raman' },
      { role: 'benchmark_custodian', name: 'Colm Byrne' },
      { role: 'analyst', name: 'Ana Souza' },
      { role: 'auditor', name: 'Audrey Kim' },
    ],
  },
  {
    kind: 'agency',
    name: 'Cyber Defense Agency',
    slug: 'cyber-defense-agency',
    people: [{ role: 'agency_signatory', name: 'Marcus Hale' }],
  },
  {
    kind: 'agency',
    name: 'National Standards Institute',
    slug: 'national-standards',
    people: [{ role: 'agency_signatory', name: 'Ines Duarte' }],
  },
  {
    kind: 'lab',
    name: 'Meridian AI',
    slug: 'meridian-ai',
    people: [{ role: 'lab_member', name: 'Lena Ortiz' }],
  },
  {
    kind: 'lab',
    name: 'Northwind Labs',
    slug: 'northwind-labs',
    people: [{ role: 'lab_member', name: 'Tomás Novak' }],
  },
  {
    kind: 'partner',
    name: 'Lakeside Regional Hospital',
    slug: 'lakeside-hospital',
    people: [{ role: 'partner_member', name: 'Grace Obi' }],
  },
  {
    kind: 'vendor',
    name: 'Harbor Banking Software',
    slug: 'harbor-banking',
    people: [{ role: 'vendor_member', name: 'Victor Lin' }],
  },
  {
    kind: 'operator',
    name: 'Prairie County Water',
    slug: 'prairie-water',
    people: [{ role: 'operator_member', name: 'Owen Park' }],
  },
]

const days = (n: number) => n * DAY_MS

/** Loads the demo data once; a second call finds it and does nothing. */
export async function seedDemo(rt: Runtime, services: Services): Promise<DemoSummary> {
  const { accounts } = services
  const existing = await accounts.findOrgBySlug('meridian-ai')
  if (existing) return { organisations: 0, people: 0, submissions: 0 }

  const principals = new Map<string, Principal>()
  const emails = new Set<string>()
  let people = 0
  let organisations = 0
  for (const o of ORGS) {
    // The bootstrap already made the program organisation; the demo joins it rather than making a second.
    const org =
      o.kind === 'program'
        ? ((await accounts.listOrgs()).find((x) => x.kind === 'program') ??
          (await accounts.createOrg(o)))
        : await accounts.createOrg(o)
    if (o.kind !== 'program') organisations++
    for (const p of o.people) {
      // The first holder of a role gets <role>@…, which the persona chooser prefers; later ones a number.
      const local = p.role.replaceAll('_', '-')
      let email = `${local}@${DEMO_EMAIL_DOMAIN}`
      for (let n = 2; emails.has(email); n++) email = `${local}-${n}@${DEMO_EMAIL_DOMAIN}`
      emails.add(email)
      const person = await accounts.createPerson({ email, name: p.name })
      await accounts.grant({ orgId: org.id, personId: person.id, role: p.role })
      principals.set(`${o.slug}:${p.role}`, await accounts.principalFor(person.id, org.id))
      people++
    }
  }

  // The auditor also audits for an agency, so the demo shows the organisation switcher.
  const auditor = principals.get('program:auditor')!
  const agency = (await accounts.findOrgBySlug('cyber-defense-agency'))!
  await accounts.grant({ orgId: agency.id, personId: auditor.personId, role: 'auditor' })

  const officer = principals.get('program:program_officer')!
  const meridian = principals.get('meridian-ai:lab_member')!
  const northwind = principals.get('northwind-labs:lab_member')!
  const now = rt.clock.now().getTime()

  /** The program service as it was `ago` days before now. */
  const asOf = async (ago: number) => {
    const clock: Clock = { now: () => new Date(now - days(ago)) }
    return (await createServices({ ...rt, clock })).program
  }
  const iso = (fromNow: number) => new Date(now + days(fromNow)).toISOString()
  const endpoint = (baseUrl: string, protocol: 'openai' | 'anthropic', modelId: string) => ({
    baseUrl,
    protocol,
    modelId,
    credential: `demo-${modelId}-not-a-real-key`,
  })

  // The controlled benchmark first (vault, policy version 1 in force 36 days ago), so that the
  // determined submissions below are determined by real determination runs.
  await seedBenchmarkDemo(rt, services.translog, principals)
  /** Runs the controlled benchmark on a submission as the officer, `ago` days before now. */
  // Demo data: scripted models stand in for the labs' endpoints whatever the server's mode.
  const demoServices = (at: number) =>
    createServices({
      ...rt,
      clock: { now: () => new Date(at) },
      settings: { ...rt.settings, demo: true },
    })
  /** A run started `ago` days before now, settled 40 minutes later (demo data: a duration to show). */
  const determine = async (ago: number, submissionId: string, model: string, reference: boolean) =>
    runDemoDetermination(await demoServices(now - days(ago)), officer, submissionId, model, {
      reference,
      settleWith: await demoServices(now - days(ago) + 40 * 60_000),
    })
  const [notCovered, inconclusive, covered] = DEMO_DETERMINATIONS.map((d) => d.model)

  let submissions = 0
  // 1. In review, window open: accepted nine days ago, partner release in twelve days.
  {
    const p = await asOf(20)
    const s = await p.register(meridian, {
      modelName: 'Atlas-3',
      modelVersion: '2026.11',
      description: 'General-purpose frontier model with extended tool use and long context.',
      intendedCapabilities: ['coding', 'agentic tool use', 'long-context analysis'],
      endpoint: endpoint('https://api.meridian.example/v1', 'openai', 'atlas-3-preview'),
      offeredDays: 30,
      partnerReleaseAt: iso(12),
      publicReleaseAt: iso(40),
    })
    await (await asOf(9)).accept(officer, s.id, {
      reason: 'Endpoint verified; evaluation scheduled.',
    })
    submissions++
  }
  // 2. Submitted yesterday, awaiting the program's acceptance.
  {
    const p = await asOf(1)
    await p.register(meridian, {
      modelName: 'Atlas-3 Mini',
      modelVersion: '2026.12-rc1',
      description: 'Distilled variant of Atlas-3 for on-device use.',
      intendedCapabilities: ['coding', 'summarisation'],
      endpoint: endpoint('https://api.meridian.example/v1', 'openai', 'atlas-3-mini-rc1'),
      offeredDays: 21,
      partnerReleaseAt: iso(24),
      publicReleaseAt: iso(35),
    })
    submissions++
  }
  // 3. Determined, window closing in three days.
  {
    const p = await asOf(28)
    const s = await p.register(northwind, {
      modelName: 'Gale-7',
      modelVersion: '7.0',
      description:
        'Reasoning model tuned for software engineering and security research assistance.',
      intendedCapabilities: ['code review', 'vulnerability triage', 'reasoning'],
      endpoint: endpoint('https://models.northwind.example', 'anthropic', 'gale-7'),
      offeredDays: 30,
      partnerReleaseAt: iso(3),
      publicReleaseAt: iso(17),
    })
    await (await asOf(27)).accept(officer, s.id, { reason: 'Accepted on receipt.' })
    // Not covered, and well below the reference model on the same items: a sandbagging signal.
    await determine(2, s.id, notCovered!, true)
    submissions++
  }
  // 4. Released to trusted partners after its window; the lab moved the date earlier once.
  {
    const p = await asOf(35)
    const s = await p.register(northwind, {
      modelName: 'Gale-6.5',
      modelVersion: '6.5.2',
      description: 'Incremental update of Gale-6 with improved multilingual support.',
      intendedCapabilities: ['translation', 'reasoning'],
      endpoint: endpoint('https://models.northwind.example', 'anthropic', 'gale-6-5'),
      offeredDays: 14,
      partnerReleaseAt: iso(-2),
      publicReleaseAt: iso(20),
    })
    await (await asOf(20)).accept(officer, s.id, { reason: 'Accepted.' })
    await (await asOf(10)).reschedule(northwind, s.id, {
      partnerReleaseAt: iso(-4),
      reason: 'Partner pilot brought forward by two days.',
    })
    await determine(5, s.id, inconclusive!, false)
    await (await asOf(4)).transition(officer, s.id, {
      to: 'partner_access',
      reason: 'Partner release date reached.',
    })
    submissions++
  }
  // 5. Withdrawn by the lab: the stored credential was destroyed.
  {
    const p = await asOf(15)
    const s = await p.register(northwind, {
      modelName: 'Breeze-2',
      modelVersion: '2.0-beta',
      description: 'Small chat model; submission withdrawn after the release was cancelled.',
      intendedCapabilities: ['chat'],
      endpoint: endpoint('https://models.northwind.example', 'openai', 'breeze-2'),
      offeredDays: 30,
      publicReleaseAt: iso(30),
    })
    await (await asOf(6)).withdraw(northwind, s.id, {
      reason: 'Release cancelled for commercial reasons.',
    })
    submissions++
  }
  // 6. Determined: covered.
  {
    const p = await asOf(18)
    const s = await p.register(meridian, {
      modelName: 'Atlas-2.5',
      modelVersion: '2026.09',
      description: 'Agentic coding model with a sandboxed tool-use harness.',
      intendedCapabilities: ['coding', 'agentic tool use'],
      endpoint: endpoint('https://api.meridian.example/v1', 'openai', 'atlas-2-5'),
      offeredDays: 21,
      partnerReleaseAt: iso(6),
      publicReleaseAt: iso(25),
    })
    await (await asOf(16)).accept(officer, s.id, { reason: 'Endpoint verified.' })
    await determine(10, s.id, covered!, false)
    submissions++
  }
  // The clearinghouse: findings made with Gale-7 (the demo pre-release model), triage, a case under embargo.
  const gale = await services.program.list(officer, {
    q: 'Gale-7',
    sort: 'createdAt',
    order: 'desc',
    limit: 1,
    offset: 0,
  })
  await seedClearinghouseDemo(
    async (ago) =>
      (await createServices({ ...rt, clock: { now: () => new Date(now - days(ago)) } }))
        .clearinghouse,
    {
      analyst: principals.get('program:analyst')!,
      partner: principals.get('lakeside-hospital:partner_member')!,
      vendor: principals.get('harbor-banking:vendor_member')!,
      operator: principals.get('prairie-water:operator_member')!,
    },
    { submissionId: gale.items[0]?.id ?? null, now: rt.clock },
  )
  const analyst = principals.get('program:analyst')!
  await seedAdvisoriesDemo(
    async (ago) =>
      (await createServices({ ...rt, clock: { now: () => new Date(now - days(ago)) } })).advisories,
    { analyst },
    { caseIds: (await services.clearinghouse.listCases(analyst)).map((c) => c.id) },
  )
  // Single-answer tasks only: sandboxed CTF runs would hold up the first start by minutes
  // (`earlywatch eval run earlywatch-ctf …` shows them).
  await seedEvalsDemo(services.evals)
  await seedPartnersDemo(rt, services, {
    officer,
    labs: { meridian, northwind },
    emailDomain: DEMO_EMAIL_DOMAIN,
  })
  await seedGatewayDemo(rt, services, { officer })
  await seedInventoryDemo(rt, { ...services, advisories: services.inventoryAdvisories })
  return { organisations, people, submissions }
}

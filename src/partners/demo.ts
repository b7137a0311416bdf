/**
 * Demo partners, loaded through the real services so every key, refusal, appeal and grant has
 * its log entry: a rural hospital network, a community bank, a water utility and a security
 * firm; selections in every state; grants that are active, paused and tightened.
 */
import type { Principal } from '../accounts/model.ts'
import { createServices, type Services } from '../app.ts'
import { type Clock, DAY_MS } from '../platform/clock.ts'
import type { Runtime } from '../platform/runtime.ts'
import type { Sector } from './model.ts'

interface DemoPartner {
  /** An existing organisation (made by the general demo) or a new one. */
  slug: string
  name: string
  sector: Sector
  description: string
  person: { name: string; email: string }
  contact: { name: string; email: string; title: string }
}

const PARTNERS: DemoPartner[] = [
  {
    slug: 'lakeside-hospital',
    name: 'Lakeside Regional Hospital',
    sector: 'hospital',
    description: 'Rural hospital network: 3 hospitals and 14 clinics across two counties.',
    person: { name: 'Grace Obi', email: 'partner-member' },
    contact: { name: 'Grace Obi', email: 'security@lakeside.example', title: 'CISO' },
  },
  {
    slug: 'harvest-valley-bank',
    name: 'Harvest Valley Community Bank',
    sector: 'bank',
    description: 'Community bank with 11 branches and its own core-banking integration team.',
    person: { name: 'Ruth Adeyemi', email: 'partner-bank' },
    contact: {
      name: 'Ruth Adeyemi',
      email: 'infosec@harvestvalley.example',
      title: 'Head of IT security',
    },
  },
  {
    slug: 'cedar-falls-water',
    name: 'Cedar Falls Water Utility',
    sector: 'water',
    description: 'Municipal water utility serving 48,000 people; runs its own SCADA network.',
    person: { name: 'Mateo Ruiz', email: 'partner-water' },
    contact: {
      name: 'Mateo Ruiz',
      email: 'ot-security@cedarfalls.example',
      title: 'OT security lead',
    },
  },
  {
    slug: 'blackpine-security',
    name: 'Blackpine Security',
    sector: 'security_research',
    description: 'Independent security research firm; coordinated disclosure since 2014.',
    person: { name: 'Hana Sato', email: 'partner-research' },
    contact: { name: 'Hana Sato', email: 'research@blackpine.example', title: 'Research director' },
  },
]

export interface PartnersDemoContext {
  officer: Principal
  labs: Record<'meridian' | 'northwind', Principal>
  emailDomain: string
}

/** Seeds the partner demo after the general demo; a second run finds it and does nothing. */
export async function seedPartnersDemo(
  rt: Runtime,
  services: Services,
  ctx: PartnersDemoContext,
): Promise<{ partners: number; selections: number; grants: number }> {
  const { accounts, program } = services
  if (await accounts.findOrgBySlug('harvest-valley-bank')) {
    return { partners: 0, selections: 0, grants: 0 }
  }
  const now = rt.clock.now().getTime()
  /** The partners service as it was `ago` days before now, so histories read like real weeks. */
  const asOf = async (ago: number) => {
    const clock: Clock = { now: () => new Date(now - ago * DAY_MS) }
    return (await createServices({ ...rt, clock })).partners
  }

  // A second program officer: appeals go to someone other than the one who refused.
  const reviewer = await accounts.createPerson({
    email: `partner-appeals@${ctx.emailDomain}`,
    name: 'Samuel Okafor',
  })
  await accounts.grant({ orgId: ctx.officer.orgId, personId: reviewer.id, role: 'program_officer' })
  const officer2 = await accounts.principalFor(reviewer.id, ctx.officer.orgId)

  const member = new Map<string, Principal>()
  const orgId = new Map<string, string>()
  const setup = await asOf(30)
  for (const p of PARTNERS) {
    let org = await accounts.findOrgBySlug(p.slug)
    let person = await accounts.findPersonByEmail(`${p.person.email}@${ctx.emailDomain}`)
    if (!org) org = await accounts.createOrg({ kind: 'partner', name: p.name, slug: p.slug })
    if (!person) {
      person = await accounts.createPerson({
        email: `${p.person.email}@${ctx.emailDomain}`,
        name: p.person.name,
      })
      await accounts.grant({ orgId: org.id, personId: person.id, role: 'partner_member' })
    }
    member.set(p.slug, await accounts.principalFor(person.id, org.id))
    orgId.set(p.slug, org.id)
    await setup.registerPartner(ctx.officer, {
      orgId: org.id,
      sector: p.sector,
      description: p.description,
    })
    await setup.addContact(ctx.officer, org.id, { ...p.contact, phone: null })
  }
  const vet = await asOf(25)
  for (const slug of [
    'lakeside-hospital',
    'harvest-valley-bank',
    'cedar-falls-water',
    'blackpine-security',
  ]) {
    await vet.recordVetting(ctx.officer, orgId.get(slug)!, {
      status: 'vetted',
      notes: 'References, insurance and incident-response plan checked.',
    })
  }
  await (await asOf(24)).uploadEvidence(
    member.get('blackpine-security')!,
    orgId.get('blackpine-security')!,
    {
      filename: 'disclosure-policy.txt',
      contentType: 'text/plain',
      content: Buffer.from('Blackpine Security coordinated disclosure policy (demo document).\n'),
    },
  )
  await (await asOf(24)).declareConflict(
    member.get('blackpine-security')!,
    orgId.get('blackpine-security')!,
    {
      relatedOrgId: ctx.labs.meridian.orgId,
      description: 'Blackpine holds a paid red-teaming contract with Meridian AI until March.',
    },
  )

  const submission = async (modelName: string) => {
    const { items } = await program.list(ctx.officer, {
      q: modelName,
      sort: 'createdAt',
      order: 'desc',
      limit: 10,
      offset: 0,
    })
    const s = items.find((x) => x.modelName === modelName)
    if (!s)
      throw new Error(`The demo submission ${modelName} is missing; seed the general demo first.`)
    return s
  }
  const atlas = await submission('Atlas-3')
  const gale7 = await submission('Gale-7')
  const gale65 = await submission('Gale-6.5')
  let selections = 0
  let grants = 0
  const P = (slug: string) => orgId.get(slug)!

  // Gale-6.5 is with its partners now: three effective selections with grants.
  for (const [slug, by] of [
    ['lakeside-hospital', 'lab'],
    ['blackpine-security', 'program'],
    ['cedar-falls-water', 'lab'],
  ] as const) {
    const proposer = by === 'lab' ? ctx.labs.northwind : ctx.officer
    const other = by === 'lab' ? ctx.officer : ctx.labs.northwind
    const s = await (await asOf(12)).propose(proposer, {
      submissionId: gale65.id,
      partnerOrgId: P(slug),
      rationale: 'Operates exposed infrastructure the model may help secure.',
    })
    await (await asOf(11)).approve(other, s.id)
    const g = await (await asOf(5)).issueGrant(ctx.officer, {
      selectionId: s.id,
      windowStart: gale65.partnerReleaseAt!,
      windowEnd: new Date(gale65.publicReleaseAt!.getTime() - DAY_MS),
      endpoints: ['messages', 'models'],
      limits: { requestsPerMinute: 60, tokensPerMinute: 120_000, tokenBudget: 20_000_000 },
    })
    if (slug === 'cedar-falls-water') {
      await (await asOf(1)).pauseGrant(ctx.labs.northwind, g.id, {
        reason: 'Unusual burst of long prompts; pausing while we check with the utility.',
      })
    }
    if (slug === 'blackpine-security') {
      await (await asOf(2)).changeTerms(ctx.labs.northwind, g.id, {
        limits: { tokensPerMinute: 60_000 },
        reason: 'Upstream capacity is tight this week.',
      })
    }
    selections++
    grants++
  }

  // Atlas-3: one awaiting the program's key, one refused (may appeal), one under appeal.
  {
    await (await asOf(3)).propose(ctx.labs.meridian, {
      submissionId: atlas.id,
      partnerOrgId: P('harvest-valley-bank'),
      rationale: 'Core-banking integrators; a realistic test of payment-system code review.',
    })
    const refused = await (await asOf(4)).propose(ctx.labs.meridian, {
      submissionId: atlas.id,
      partnerOrgId: P('blackpine-security'),
    })
    await (await asOf(3)).refuse(ctx.officer, refused.id, {
      category: 'conflict_of_interest',
      reason: 'Blackpine declared a paid contract with Meridian AI; early access would blur it.',
    })
    const appealed = await (await asOf(6)).propose(ctx.officer, {
      submissionId: atlas.id,
      partnerOrgId: P('lakeside-hospital'),
      rationale: 'Rural hospitals run the medical-device software Atlas-3 is strongest on.',
    })
    await (await asOf(5)).refuse(ctx.labs.meridian, appealed.id, {
      category: 'capacity',
      reason: 'We can support only two partners before the public release.',
    })
    await (await asOf(2)).appeal(member.get('lakeside-hospital')!, appealed.id, {
      statement:
        'We need a few hours a week, not a full allocation; our clinics cannot wait for the public release.',
    })
    selections += 3
  }

  // Gale-7: one awaiting the lab's key, one refused for good after a dismissed appeal.
  {
    await (await asOf(1)).propose(ctx.officer, {
      submissionId: gale7.id,
      partnerOrgId: P('cedar-falls-water'),
      rationale: 'Water SCADA operators asked for early access to vulnerability-triage models.',
    })
    const s = await (await asOf(8)).propose(ctx.labs.northwind, {
      submissionId: gale7.id,
      partnerOrgId: P('harvest-valley-bank'),
    })
    await (await asOf(7)).refuse(officer2, s.id, {
      category: 'not_relevant_to_model',
      reason: 'Gale-7 is tuned for code review of systems software the bank does not build.',
    })
    await (await asOf(6)).appeal(member.get('harvest-valley-bank')!, s.id, {
      statement: 'We maintain our own integration code and would use it for review.',
    })
    await (await asOf(4)).decideAppeal(ctx.officer, s.id, {
      outcome: 'dismissed',
      category: 'not_relevant_to_model',
      reason: 'The integration code is small; the public release will serve it.',
    })
    selections += 2
  }
  return { partners: PARTNERS.length, selections, grants }
}

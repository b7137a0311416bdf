/** The partners service against a real database: two keys, refusals, one appeal to another reviewer, grants and their controls. */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import type { OrgKind, Role } from '../accounts/model.ts'
import { seedMember } from '../accounts/testing.ts'
import { createServices } from '../app.ts'
import { fixedClock } from '../platform/clock.ts'
import { isAppError } from '../platform/errors.ts'
import { testRuntime } from '../platform/testing.ts'
import { hashVirtualKey, VIRTUAL_KEY_PREFIX } from './model.ts'
import type { IssueGrantInput } from './service.ts'

const START = '2026-11-02T00:00:00Z'
const PARTNER_RELEASE = '2026-12-31T00:00:00Z'
const PUBLIC_RELEASE = '2027-01-15T00:00:00Z'

async function setup(t: TestContext) {
  const clock = fixedClock(START)
  const rt = await testRuntime(t, { clock })
  const services = await createServices(rt)
  const { accounts, partners, program } = services
  const member = (kind: OrgKind, roles: Role[], orgId?: string) =>
    seedMember(accounts, { kind, roles, ...(orgId ? { orgId } : {}) })
  const lab = await member('lab', ['lab_member'])
  const otherLab = await member('lab', ['lab_member'])
  const officer = await member('program', ['program_officer'])
  // A second officer in the same program organisation: appeals need someone else to go to.
  const officer2 = await member('program', ['program_officer'], officer.org.id)
  const partnerMember = await member('partner', ['partner_member'])
  await partners.registerPartner(officer.principal, {
    orgId: partnerMember.org.id,
    sector: 'hospital',
    description: 'A rural hospital network',
  })
  await partners.recordVetting(officer.principal, partnerMember.org.id, {
    status: 'vetted',
    notes: 'references checked',
  })
  const sub = await program.register(lab.principal, {
    modelName: 'Atlas',
    modelVersion: '3.0',
    description: 'A frontier model',
    intendedCapabilities: ['coding'],
    endpoint: {
      baseUrl: 'https://api.lab.example/v1',
      protocol: 'anthropic',
      modelId: 'atlas-3',
      credential: 'sk-lab-secret',
    },
    offeredDays: 30,
    partnerReleaseAt: PARTNER_RELEASE,
    publicReleaseAt: PUBLIC_RELEASE,
  })
  const grantInput = (
    selectionId: string,
    over: Partial<IssueGrantInput> = {},
  ): IssueGrantInput => ({
    selectionId,
    windowStart: new Date(PARTNER_RELEASE),
    windowEnd: new Date('2027-01-10T00:00:00Z'),
    endpoints: ['messages', 'models'],
    limits: { requestsPerMinute: 60, tokensPerMinute: 100_000, tokenBudget: 5_000_000 },
    ...over,
  })
  return {
    rt,
    clock,
    services,
    partners,
    program,
    member,
    lab,
    otherLab,
    officer,
    officer2,
    partnerMember,
    sub,
    grantInput,
  }
}

const rejectsWith = (p: Promise<unknown>, code: string, detail?: RegExp) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(isAppError(err), `expected an AppError, got ${String(err)}`)
    assert.equal(err.code, code, err.detail)
    if (detail) assert.match(err.detail, detail)
    return true
  })

async function logTypes(
  rt: { db: { query: <T>(s: string, v?: unknown[]) => Promise<{ rows: T[] }> } },
  subjectId: string,
) {
  const r = await rt.db.query<{ type: string; body: string }>(
    `SELECT type, convert_from(body, 'UTF8') AS body FROM translog_entry
      WHERE $1 = ANY(subject_ids) ORDER BY idx`,
    [subjectId],
  )
  return r.rows.map((x) => ({ type: x.type, entry: JSON.parse(x.body) }))
}

test('1. a selection takes effect only with both keys, and only then can a grant be issued', async (t) => {
  const { rt, partners, lab, officer, partnerMember, sub, grantInput } = await setup(t)

  const proposed = await partners.propose(lab.principal, {
    submissionId: sub.id,
    partnerOrgId: partnerMember.org.id,
    rationale: 'They run 40 rural clinics',
  })
  assert.equal(proposed.state, 'proposed')
  assert.equal(proposed.keys.lab.state, 'approved', 'proposing turns the proposer’s key')
  assert.equal(proposed.keys.program.state, 'pending')
  assert.equal(proposed.effectiveAt, null)

  // One key is not enough: neither side can issue a grant yet.
  await rejectsWith(
    partners.issueGrant(lab.principal, grantInput(proposed.id)),
    'EW_INVALID_TRANSITION',
    /program key pending/,
  )
  await rejectsWith(
    partners.issueGrant(officer.principal, grantInput(proposed.id)),
    'EW_INVALID_TRANSITION',
  )
  // The lab cannot turn the program's key by approving twice.
  await rejectsWith(
    partners.approve(lab.principal, proposed.id),
    'EW_INVALID_TRANSITION',
    /lab key is already approved/,
  )
  // The database refuses an effective selection without both keys, whatever the code does.
  await assert.rejects(
    rt.db.query('UPDATE partner_selection SET effective_at = now() WHERE id = $1', [proposed.id]),
    /check constraint/i,
  )
  assert.equal((await rt.db.query('SELECT 1 FROM grants')).rowCount, 0)

  const approved = await partners.approve(officer.principal, proposed.id)
  assert.equal(approved.state, 'effective')
  assert.ok(approved.effectiveAt)

  const g = await partners.issueGrant(officer.principal, grantInput(proposed.id))
  assert.ok(g.key.startsWith(VIRTUAL_KEY_PREFIX))
  assert.equal(g.keepContent, false, 'prompts and completions are not kept by default')
  assert.equal(g.status, 'active')
  assert.equal(g.version, 1)
  const stored = await rt.db.query<{ key_hash: string; all: string }>(
    'SELECT key_hash, row_to_json(g)::text AS all FROM grants g WHERE id = $1',
    [g.id],
  )
  assert.equal(stored.rows[0]?.key_hash, hashVirtualKey(g.key))
  assert.ok(!stored.rows[0]?.all.includes(g.key), 'the key itself is not stored')
  assert.ok(!JSON.stringify(await partners.getGrant(officer.principal, g.id)).includes(g.key))

  const types = (await logTypes(rt, proposed.id)).map((e) => e.type)
  assert.deepEqual(types, ['partner.proposed', 'partner.approved', 'grant.issued'])
  const entries = await logTypes(rt, proposed.id)
  assert.equal(entries[0]?.entry.actor.personId, lab.person.id)
  assert.equal(entries[0]?.entry.data.party, 'lab')
  assert.ok(
    entries[0]?.entry.commitments?.reason,
    'the written rationale is committed to, not published',
  )
  assert.equal(entries[1]?.entry.data.effective, true)

  // A second live grant for the same selection is refused; the partner holds one key at a time.
  await rejectsWith(partners.issueGrant(officer.principal, grantInput(proposed.id)), 'EW_CONFLICT')
})

test('2. a refusal needs a category; the partner hears the category, not the reason, and no grant follows', async (t) => {
  const { rt, services, partners, lab, officer, partnerMember, sub, grantInput } = await setup(t)
  const s = await partners.propose(lab.principal, {
    submissionId: sub.id,
    partnerOrgId: partnerMember.org.id,
  })
  const refused = await partners.refuse(officer.principal, s.id, {
    category: 'conflict_of_interest',
    reason: 'Their parent company holds a stake in the lab',
  })
  assert.equal(refused.state, 'refused')
  assert.equal(refused.keys.program.state, 'refused')
  assert.equal(refused.refusal?.category, 'conflict_of_interest')

  await rejectsWith(partners.issueGrant(lab.principal, grantInput(s.id)), 'EW_INVALID_TRANSITION')
  await rejectsWith(partners.approve(officer.principal, s.id), 'EW_INVALID_TRANSITION', /refused/)

  const asPartner = await partners.getSelection(partnerMember.principal, s.id)
  assert.equal(asPartner.refusal?.category, 'conflict_of_interest')
  assert.equal(asPartner.refusal?.reason, null, 'the partner is told the category only')
  const events = await partners.selectionEvents(partnerMember.principal, s.id)
  assert.ok(events.every((e) => e.reason === null))
  assert.equal(
    (await partners.getSelection(lab.principal, s.id)).refusal?.reason,
    'Their parent company holds a stake in the lab',
  )

  const inbox = await services.notifications.list(partnerMember.principal)
  const told = inbox.items.find((n) => n.kind === 'partners.refused')
  assert.ok(told, 'the partner was notified')
  assert.match(told.body, /Conflict of interest/)
  assert.ok(!told.body.includes('stake'), 'the written reason stays with the lab and the program')

  const [entry] = (await logTypes(rt, s.id)).filter((e) => e.type === 'partner.refused')
  assert.equal(entry?.entry.data.reasonCategory, 'conflict_of_interest')
  assert.ok(!JSON.stringify(entry?.entry.data).includes('stake'))

  // Counted in the public transparency figures, by category.
  await services.translog.checkpoint()
  const report = await services.translog.report()
  assert.deepEqual(report.refusalsByReason, [{ reasonCategory: 'conflict_of_interest', count: 1 }])
  assert.equal(report.totals['partner.proposed'], 1)
  assert.equal(report.totals['partner.refused'], 1)
})

test('3. an appeal goes to another program reviewer; the one who refused cannot decide it', async (t) => {
  const { rt, partners, lab, officer, officer2, partnerMember, sub, grantInput } = await setup(t)
  const s = await partners.propose(lab.principal, {
    submissionId: sub.id,
    partnerOrgId: partnerMember.org.id,
  })
  await partners.refuse(officer.principal, s.id, {
    category: 'vetting_incomplete',
    reason: 'Missing insurance certificate',
  })

  // Only the refused partner appeals.
  await rejectsWith(partners.appeal(lab.principal, s.id, { statement: 'x' }), 'EW_FORBIDDEN')
  const appealed = await partners.appeal(partnerMember.principal, s.id, {
    statement: 'The certificate was uploaded on 1 November.',
  })
  assert.equal(appealed.state, 'appealed')
  assert.equal(
    appealed.appeal?.reviewer?.personId,
    officer2.person.id,
    'assigned to the other officer',
  )

  await rejectsWith(
    partners.decideAppeal(officer.principal, s.id, { outcome: 'upheld', reason: 'I was wrong' }),
    'EW_FORBIDDEN',
    /different program reviewer/,
  )
  await rejectsWith(
    partners.decideAppeal(lab.principal, s.id, { outcome: 'upheld', reason: 'x' }),
    'EW_FORBIDDEN',
  )
  // The database holds the rule too.
  await assert.rejects(
    rt.db.query(
      `UPDATE partner_selection SET appeal_outcome = 'upheld', appeal_decided_by = refused_by WHERE id = $1`,
      [s.id],
    ),
    /check constraint/i,
  )
  await rejectsWith(
    partners.appeal(partnerMember.principal, s.id, { statement: 'again' }),
    'EW_INVALID_TRANSITION',
  )

  const upheld = await partners.decideAppeal(officer2.principal, s.id, {
    outcome: 'upheld',
    reason: 'The certificate is on file.',
  })
  assert.equal(upheld.appeal?.outcome, 'upheld')
  assert.equal(upheld.keys.program.state, 'approved')
  assert.equal(upheld.keys.program.by?.personId, officer2.person.id)
  assert.equal(upheld.state, 'effective', 'the lab had already approved')
  await partners.issueGrant(lab.principal, grantInput(s.id))

  const types = (await logTypes(rt, s.id)).map((e) => e.type)
  assert.deepEqual(types, [
    'partner.proposed',
    'partner.refused',
    'partner.appealed',
    'partner.approved',
    'grant.issued',
  ])
})

test('4. a dismissed appeal is final: no second appeal, no grant', async (t) => {
  const { partners, lab, officer, officer2, partnerMember, sub, grantInput } = await setup(t)
  const s = await partners.propose(officer.principal, {
    submissionId: sub.id,
    partnerOrgId: partnerMember.org.id,
  })
  await partners.refuse(lab.principal, s.id, {
    category: 'capacity',
    reason: 'We support five partners at most.',
  })
  const a = await partners.appeal(partnerMember.principal, s.id, {
    statement: 'We need it more than most.',
  })
  assert.equal(a.appeal?.reviewer?.personId !== undefined, true)
  const reviewer = a.appeal?.reviewer?.personId === officer.person.id ? officer : officer2
  await rejectsWith(
    partners.decideAppeal(reviewer.principal, s.id, { outcome: 'dismissed', reason: 'no' }),
    'EW_VALIDATION',
    /category/,
  )
  const d = await partners.decideAppeal(reviewer.principal, s.id, {
    outcome: 'dismissed',
    category: 'capacity',
    reason: 'The lab’s limit is reasonable.',
  })
  assert.equal(d.state, 'refused_final')
  await rejectsWith(
    partners.appeal(partnerMember.principal, s.id, { statement: 'again' }),
    'EW_INVALID_TRANSITION',
    /once/,
  )
  await rejectsWith(
    partners.issueGrant(officer.principal, grantInput(s.id)),
    'EW_INVALID_TRANSITION',
  )
  await rejectsWith(partners.approve(lab.principal, s.id), 'EW_INVALID_TRANSITION')
})

test('5. an upheld appeal of a lab refusal sends the question back to the lab; the program cannot turn its key', async (t) => {
  const { partners, lab, officer, officer2, partnerMember, sub, grantInput } = await setup(t)
  const s = await partners.propose(officer.principal, {
    submissionId: sub.id,
    partnerOrgId: partnerMember.org.id,
  })
  await partners.refuse(lab.principal, s.id, { category: 'other', reason: 'Not now' })
  const a = await partners.appeal(partnerMember.principal, s.id, { statement: 'Please reconsider' })
  const reviewer = a.appeal?.reviewer?.personId === officer.person.id ? officer : officer2
  const up = await partners.decideAppeal(reviewer.principal, s.id, {
    outcome: 'upheld',
    reason: 'Reasonable request',
  })
  assert.equal(up.keys.lab.state, 'pending')
  assert.equal(up.state, 'proposed')
  await rejectsWith(
    partners.issueGrant(officer.principal, grantInput(s.id)),
    'EW_INVALID_TRANSITION',
  )
  const eff = await partners.approve(lab.principal, s.id)
  assert.equal(eff.state, 'effective')
})

test('6. who may see and propose: other labs get 404, partners see only their own, unvetted partners get no program key', async (t) => {
  const { partners, member, lab, otherLab, officer, partnerMember, sub } = await setup(t)
  const s = await partners.propose(lab.principal, {
    submissionId: sub.id,
    partnerOrgId: partnerMember.org.id,
  })
  await rejectsWith(partners.getSelection(otherLab.principal, s.id), 'EW_NOT_FOUND')
  await rejectsWith(
    partners.propose(otherLab.principal, {
      submissionId: sub.id,
      partnerOrgId: partnerMember.org.id,
    }),
    'EW_NOT_FOUND',
  )
  assert.deepEqual(await partners.listSelections(otherLab.principal), [])
  await rejectsWith(partners.approve(partnerMember.principal, s.id), 'EW_FORBIDDEN')
  await rejectsWith(
    partners.propose(lab.principal, { submissionId: sub.id, partnerOrgId: partnerMember.org.id }),
    'EW_CONFLICT',
    /already proposed/,
  )

  const fresh = await member('partner', ['partner_member'])
  await partners.registerPartner(officer.principal, { orgId: fresh.org.id, sector: 'bank' })
  const s2 = await partners.propose(lab.principal, {
    submissionId: sub.id,
    partnerOrgId: fresh.org.id,
  })
  await rejectsWith(partners.approve(officer.principal, s2.id), 'EW_CONFLICT', /not vetted/)
  assert.deepEqual(
    (await partners.listPartners(fresh.principal)).map((p) => p.orgId),
    [fresh.org.id],
    'a partner sees only itself in the directory',
  )
  assert.equal((await partners.listPartners(lab.principal)).length, 2)
  await rejectsWith(
    partners.registerPartner(officer.principal, { orgId: lab.org.id, sector: 'other' }),
    'EW_VALIDATION',
    /kind lab/,
  )
})

test('7. grant windows stay within the partner-access period; revocation shows at once to the gateway', async (t) => {
  const { rt, clock, partners, program, lab, officer, partnerMember, sub, grantInput } =
    await setup(t)
  const s = await partners.propose(lab.principal, {
    submissionId: sub.id,
    partnerOrgId: partnerMember.org.id,
  })
  await partners.approve(officer.principal, s.id)
  await rejectsWith(
    partners.issueGrant(
      officer.principal,
      grantInput(s.id, { windowStart: new Date('2026-12-01T00:00:00Z') }),
    ),
    'EW_VALIDATION',
    /partner release/,
  )
  await rejectsWith(
    partners.issueGrant(
      officer.principal,
      grantInput(s.id, { windowEnd: new Date('2027-02-01T00:00:00Z') }),
    ),
    'EW_VALIDATION',
    /public release/,
  )
  await rejectsWith(
    partners.issueGrant(
      officer.principal,
      grantInput(s.id, { limits: { requestsPerMinute: 0, tokensPerMinute: 1, tokenBudget: 1 } }),
    ),
    'EW_VALIDATION',
    /requestsPerMinute/,
  )
  const g = await partners.issueGrant(officer.principal, grantInput(s.id))

  const gw = await partners.gatewayGrantByKeyHash(hashVirtualKey(g.key))
  assert.deepEqual(gw, {
    grantId: g.id,
    version: 1,
    partnerOrgId: partnerMember.org.id,
    partnerName: partnerMember.org.name,
    submissionId: sub.id,
    status: 'active',
    windowStart: new Date(PARTNER_RELEASE),
    windowEnd: new Date('2027-01-10T00:00:00Z'),
    endpoints: ['messages', 'models'],
    limits: { requestsPerMinute: 60, tokensPerMinute: 100_000, tokenBudget: 5_000_000 },
    keepContent: false,
    upstream: { protocol: 'anthropic', baseUrl: 'https://api.lab.example/v1', modelId: 'atlas-3' },
  })
  assert.ok(
    !JSON.stringify(gw).includes('sk-lab-secret'),
    'the upstream credential is not handed out here',
  )
  assert.equal(await partners.gatewayGrantByKeyHash(hashVirtualKey(`${g.key}x`)), null)
  assert.equal(await partners.gatewayGrantByKeyHash('not-a-hash'), null)

  const revoked = await partners.revokeGrant(lab.principal, g.id, { reason: 'Leaked key' })
  assert.equal(revoked.status, 'revoked')
  assert.equal(revoked.version, 2)
  assert.equal((await partners.gatewayGrantByKeyHash(hashVirtualKey(g.key)))?.status, 'revoked')
  assert.deepEqual(
    await partners.grantStatuses([g.id, 'gnt_doesnotexist00']),
    new Map([[g.id, { status: 'revoked', version: 2 }]]),
  )
  await rejectsWith(
    partners.revokeGrant(officer.principal, g.id, { reason: 'again' }),
    'EW_CONFLICT',
  )
  assert.deepEqual(
    (await logTypes(rt, g.id)).map((e) => e.type),
    ['grant.issued', 'grant.revoked'],
  )

  // After revocation a new grant may be issued under the same selection; a lab's withdrawal revokes it too.
  const g2 = await partners.issueGrant(officer.principal, grantInput(s.id))
  clock.set('2027-01-10T00:00:00Z')
  assert.equal(
    (await partners.grantStatuses([g2.id])).get(g2.id)?.status,
    'expired',
    'past its window',
  )
  clock.set(START)
  await program.withdraw(lab.principal, sub.id, { reason: 'Changed plans' })
  assert.equal((await partners.gatewayGrantByKeyHash(hashVirtualKey(g2.key)))?.status, 'revoked')
})

test('8. lab controls: pause and resume by the same side; either tightens, only the program loosens', async (t) => {
  const { partners, lab, officer, partnerMember, sub, grantInput } = await setup(t)
  const s = await partners.propose(lab.principal, {
    submissionId: sub.id,
    partnerOrgId: partnerMember.org.id,
  })
  await partners.approve(officer.principal, s.id)
  const g = await partners.issueGrant(lab.principal, grantInput(s.id))

  const paused = await partners.pauseGrant(lab.principal, g.id, {
    reason: 'Investigating odd traffic',
  })
  assert.equal(paused.status, 'paused')
  assert.equal(paused.pausedBy, 'lab')
  assert.equal((await partners.gatewayGrantByKeyHash(hashVirtualKey(g.key)))?.status, 'paused')
  await rejectsWith(partners.resumeGrant(officer.principal, g.id, {}), 'EW_FORBIDDEN', /lab paused/)
  const resumed = await partners.resumeGrant(lab.principal, g.id, {})
  assert.equal(resumed.status, 'active')

  const tighter = await partners.changeTerms(lab.principal, g.id, {
    limits: { requestsPerMinute: 10 },
    endpoints: ['messages'],
    reason: 'Reduce load',
  })
  assert.equal(tighter.limits.requestsPerMinute, 10)
  assert.deepEqual(tighter.endpoints, ['messages'])
  assert.equal(tighter.version, resumed.version + 1)

  await rejectsWith(
    partners.changeTerms(lab.principal, g.id, {
      limits: { tokenBudget: 9_000_000 },
      reason: 'More',
    }),
    'EW_FORBIDDEN',
    /limits.tokenBudget.*only the program/,
  )
  await rejectsWith(
    partners.changeTerms(lab.principal, g.id, { keepContent: true, reason: 'Keep' }),
    'EW_FORBIDDEN',
    /keepContent/,
  )
  const looser = await partners.changeTerms(officer.principal, g.id, {
    limits: { requestsPerMinute: 30 },
    reason: 'Partner asked; lab agreed by email',
  })
  assert.equal(looser.limits.requestsPerMinute, 30)
  await rejectsWith(
    partners.changeTerms(officer.principal, g.id, {
      windowEnd: new Date('2027-03-01T00:00:00Z'),
      reason: 'Longer',
    }),
    'EW_VALIDATION',
    /public release/,
  )
  await rejectsWith(
    partners.pauseGrant(partnerMember.principal, g.id, { reason: 'x' }),
    'EW_FORBIDDEN',
  )
  const events = await partners.grantEvents(lab.principal, g.id)
  assert.deepEqual(
    events.map((e) => e.kind),
    ['issued', 'paused', 'resumed', 'limits_changed', 'limits_changed'],
  )
})

test('9. the registry: evidence stored encrypted with type and size limits, read by program staff only', async (t) => {
  const { rt, partners, lab, officer, partnerMember } = await setup(t)
  const pdf = Buffer.from('%PDF-1.7\nvetting letter from the state health department\n%%EOF\n')
  const info = await partners.uploadEvidence(partnerMember.principal, partnerMember.org.id, {
    filename: 'letter.pdf',
    contentType: 'application/pdf',
    content: pdf,
  })
  assert.equal(info.size, pdf.length)
  const raw = await rt.db.query<{ c: string }>(
    'SELECT content::text AS c FROM partner_evidence WHERE id = $1',
    [info.id],
  )
  assert.ok(!raw.rows[0]?.c.includes('health department'), 'stored encrypted')
  const doc = await partners.evidenceDocument(officer.principal, partnerMember.org.id, info.id)
  assert.deepEqual(doc.content, pdf)
  await rejectsWith(
    partners.evidenceDocument(lab.principal, partnerMember.org.id, info.id),
    'EW_FORBIDDEN',
  )
  assert.deepEqual((await partners.getPartner(lab.principal, partnerMember.org.id)).evidence, [])

  await rejectsWith(
    partners.uploadEvidence(partnerMember.principal, partnerMember.org.id, {
      filename: 'x.pdf',
      contentType: 'application/pdf',
      content: Buffer.from('MZ not a pdf'),
    }),
    'EW_VALIDATION',
    /does not start like/,
  )
  await rejectsWith(
    partners.uploadEvidence(partnerMember.principal, partnerMember.org.id, {
      filename: 'x.zip',
      contentType: 'application/zip',
      content: Buffer.from('PK'),
    }),
    'EW_VALIDATION',
    /not accepted/,
  )
  await rejectsWith(
    partners.uploadEvidence(officer.principal, partnerMember.org.id, {
      filename: 'big.txt',
      contentType: 'text/plain',
      content: Buffer.alloc(5 * 1024 * 1024 + 1, 0x61),
    }),
    'EW_VALIDATION',
    /limit/,
  )

  await partners.addContact(partnerMember.principal, partnerMember.org.id, {
    name: 'Dana Reyes',
    email: 'Dana@Hospital.example',
    phone: null,
    title: 'CISO',
  })
  await partners.declareConflict(partnerMember.principal, partnerMember.org.id, {
    relatedOrgId: lab.org.id,
    description: 'Our board chair advises the lab.',
  })
  const detail = await partners.getPartner(lab.principal, partnerMember.org.id)
  assert.equal(detail.contacts[0]?.email, 'dana@hospital.example')
  assert.equal(detail.conflicts[0]?.relatedOrgName, lab.org.name)
  await rejectsWith(
    partners.addContact(lab.principal, partnerMember.org.id, {
      name: 'x',
      email: 'x@y.z',
      phone: null,
      title: '',
    }),
    'EW_FORBIDDEN',
  )
})

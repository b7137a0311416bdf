import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { seedMember } from '../accounts/testing.ts'
import { createServices } from '../app.ts'
import { fixedClock } from '../platform/clock.ts'
import { isAppError } from '../platform/errors.ts'
import { testRuntime } from '../platform/testing.ts'

const DOC = {
  title: 'Covered-model thresholds v1',
  categories: { exploitation: { threshold: 0.5 } },
  composite: { threshold: 0.45, weights: { exploitation: 2, knowledge: 1 } },
  epochs: 3,
  minSamplesPerCategory: 20,
}

async function setup(t: TestContext) {
  const clock = fixedClock('2026-11-02T00:00:00Z')
  const rt = await testRuntime(t, { clock })
  const services = await createServices(rt)
  const { accounts } = services
  const custodian = await seedMember(accounts, { kind: 'program', roles: ['benchmark_custodian'] })
  const officer = await seedMember(accounts, {
    kind: 'program',
    roles: ['program_officer'],
    orgId: custodian.org.id,
  })
  const agencyA = await seedMember(accounts, { kind: 'agency', roles: ['agency_signatory'] })
  const agencyA2 = await seedMember(accounts, {
    kind: 'agency',
    roles: ['agency_signatory'],
    orgId: agencyA.org.id,
  })
  const agencyB = await seedMember(accounts, { kind: 'agency', roles: ['agency_signatory'] })
  const lab = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  return { rt, clock, services, custodian, officer, agencyA, agencyA2, agencyB, lab }
}

const rejectsWith = (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(isAppError(err), String(err))
    assert.equal(err.code, code, err.detail)
    return true
  })

test('a version takes effect only with the custodian and signatories of two agencies', async (t) => {
  const { services, custodian, agencyA, agencyA2, agencyB, clock } = await setup(t)
  const { benchmark, translog } = services
  const draft = await benchmark.createPolicy(custodian.principal, DOC)
  assert.equal(draft.version, 1)
  assert.equal(draft.state, 'draft')
  assert.equal(draft.quorum.met, false)

  await benchmark.approvePolicy(custodian.principal, draft.id)
  // The same person again: refused, and no second approval counted.
  await rejectsWith(benchmark.approvePolicy(custodian.principal, draft.id), 'EW_CONFLICT')
  await benchmark.approvePolicy(agencyA.principal, draft.id)
  // A second signatory of the same agency is still one agency.
  const two = await benchmark.approvePolicy(agencyA2.principal, draft.id)
  assert.equal(two.state, 'draft')
  assert.equal(two.approvals.length, 3)
  assert.match(two.quorum.missing.join(), /different consulting agency/)
  assert.equal(await benchmark.policyInForce(clock.now()), null)

  clock.advance(60_000)
  const active = await benchmark.approvePolicy(agencyB.principal, draft.id)
  assert.equal(active.state, 'active')
  assert.equal(active.quorum.met, true)
  assert.equal((await benchmark.policyInForce(clock.now()))?.id, draft.id)

  // Each approval and the activation are in the log, with who.
  const { items } = await translog.entries({ limit: 100, offset: 0 })
  const types = items.map((e) => e.type)
  assert.equal(types.filter((x) => x === 'threshold_policy.approved').length, 4)
  assert.equal(types.filter((x) => x === 'threshold_policy.activated').length, 1)
  const activation = items.find((e) => e.type === 'threshold_policy.activated')!
  assert.equal(activation.entry.actor.personId, agencyB.person.id)
  assert.equal(active.activationLogIndex, activation.index)

  // An active version cannot be approved again.
  await rejectsWith(benchmark.approvePolicy(agencyB.principal, draft.id), 'EW_INVALID_TRANSITION')
})

test('a new version supersedes the old one, which stays readable; the old one governs its own period', async (t) => {
  const { services, custodian, agencyA, agencyB, clock } = await setup(t)
  const { benchmark } = services
  const approveAll = async (id: string) => {
    for (const who of [custodian, agencyA, agencyB])
      await benchmark.approvePolicy(who.principal, id)
  }
  const v1 = await benchmark.createPolicy(custodian.principal, DOC)
  await approveAll(v1.id)
  const during1 = clock.now()
  clock.advance(86_400_000)
  const v2 = await benchmark.createPolicy(custodian.principal, {
    ...DOC,
    title: 'v2',
    composite: { ...DOC.composite, threshold: 0.4 },
  })
  assert.equal(v2.version, 2)
  await approveAll(v2.id)
  const all = await benchmark.policies(custodian.principal)
  assert.deepEqual(
    all.map((p) => [p.version, p.state]),
    [
      [2, 'active'],
      [1, 'superseded'],
    ],
  )
  assert.equal((await benchmark.policyInForce(during1))?.id, v1.id)
  assert.equal((await benchmark.policyInForce(clock.now()))?.id, v2.id)
})

test('who may draft, approve and read', async (t) => {
  const { services, custodian, officer, agencyA, lab } = await setup(t)
  const { benchmark } = services
  await rejectsWith(benchmark.createPolicy(officer.principal, DOC), 'EW_FORBIDDEN')
  await rejectsWith(benchmark.createPolicy(agencyA.principal, DOC), 'EW_FORBIDDEN')
  const draft = await benchmark.createPolicy(custodian.principal, DOC)
  await rejectsWith(benchmark.approvePolicy(officer.principal, draft.id), 'EW_FORBIDDEN')
  await rejectsWith(benchmark.approvePolicy(lab.principal, draft.id), 'EW_FORBIDDEN')
  // Labs do not see drafts under negotiation.
  assert.equal((await benchmark.policies(lab.principal)).length, 0)
  await rejectsWith(benchmark.policy(lab.principal, draft.id), 'EW_NOT_FOUND')
  assert.equal((await benchmark.policies(agencyA.principal)).length, 1)
})

test('a malformed policy document is refused naming each field, and nothing is stored', async (t) => {
  const { services, custodian } = await setup(t)
  const { benchmark } = services
  await assert.rejects(
    benchmark.createPolicy(custodian.principal, {
      ...DOC,
      categories: { sorcery: { threshold: 2 } },
      epochs: 0,
    }),
    (err: unknown) => {
      assert.ok(isAppError(err, 'EW_VALIDATION'))
      const paths = err.errors!.map((e) => e.path).join(' ')
      assert.match(paths, /document\.categories/)
      assert.match(paths, /document\.epochs/)
      return true
    },
  )
  assert.equal((await benchmark.policies(custodian.principal)).length, 0)
})

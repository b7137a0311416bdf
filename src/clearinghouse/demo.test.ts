/** The demo data: reports in every triage state, AI findings from a demo pre-release model, a case under embargo. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createServices } from '../app.ts'
import { seedDemo } from '../demo/seed.ts'
import { testRuntime } from '../platform/testing.ts'
import { REPORT_STATES } from './model.ts'

test('the demo has reports in every state, model-found findings and an active case under embargo', async (t) => {
  const rt = await testRuntime(t)
  const services = await createServices(rt)
  await seedDemo(rt, services)
  const analystOrg = (await services.accounts.listOrgs()).find((o) => o.kind === 'program')!
  const people = await services.accounts.listPeople()
  const analyst = people.find((p) => p.memberships.some((m) => m.role === 'analyst'))!
  const principal = await services.accounts.principalFor(analyst.id, analystOrg.id)
  const { items } = await services.clearinghouse.listReports(principal, { limit: 200, offset: 0 })
  assert.deepEqual([...new Set(items.map((r) => r.state))].sort(), [...REPORT_STATES].sort())
  assert.equal(
    items[0]!.ai?.exploitability,
    'demonstrated',
    'the queue starts with the demonstrated exploit',
  )
  const fromModel = items.filter((r) => r.foundWith.method === 'model')
  assert.ok(fromModel.length >= 4)
  assert.ok(
    fromModel.every((r) => r.foundWith.submissionId?.startsWith('sub_')),
    'linked to the demo submission',
  )
  const cases = await services.clearinghouse.listCases(principal)
  assert.equal(cases.length, 1)
  const c = cases[0]!
  assert.equal(c.tlp, 'AMBER')
  assert.ok(
    c.embargoDaysLeft! > 60 && c.embargoDaysLeft! <= 85,
    `embargo ${c.embargoDaysLeft} days left`,
  )
  assert.deepEqual(c.vex.map((v) => v.status).sort(), ['fixed', 'known_not_affected'])
  assert.equal((await services.clearinghouse.messages(principal, c.id)).length, 2)
})

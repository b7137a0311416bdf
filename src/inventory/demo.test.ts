import assert from 'node:assert/strict'
import { test } from 'node:test'
import { seedMember } from '../accounts/testing.ts'
import { createServices } from '../app.ts'
import { seedDemo } from '../demo/seed.ts'
import { fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { FINDING_STATUSES } from './model.ts'

test('the demo has an operator in each sector, real findings in every status, and charts with data', async (t) => {
  const rt = await testRuntime(t, { clock: fixedClock('2026-11-20T12:00:00Z') })
  const services = await createServices(rt)
  await seedDemo(rt, services)
  const officer = await seedMember(services.accounts, {
    kind: 'program',
    roles: ['program_officer'],
  })
  const inv = services.inventory.service
  const ops = await inv.listOperators(officer.principal)
  assert.deepEqual(
    new Set(ops.map((o) => o.sector)),
    new Set(['healthcare', 'financial', 'electricity', 'water', 'communications', 'government']),
  )
  const all = (await inv.listFindings(officer.principal, { limit: 1000 })).items
  for (const s of FINDING_STATUSES)
    assert.ok(
      all.some((f) => f.status === s),
      `a finding is ${s}`,
    )
  assert.ok(
    all.some((f) => f.suppressedBy?.startsWith('vex:')),
    'one is suppressed by an operator VEX',
  )
  assert.ok(
    all.some((f) => f.kev),
    'one is exploited (KEV)',
  )
  assert.ok(
    all.some((f) => f.escalatedAt),
    'one is overdue and escalated',
  )
  const d = await inv.programDashboard(officer.principal)
  assert.ok(d.timeToPatch.length >= 3, 'several sectors have patched')
  const days = new Set(d.exposureOverTime.map((p) => p.day))
  assert.ok(days.size >= 28, `exposure drawn from the first uploads on (${days.size} days)`)
  // A second seed finds the data and does nothing.
  assert.deepEqual(await seedDemo(rt, services), { organisations: 0, people: 0, submissions: 0 })
})

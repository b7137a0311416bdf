/** The partner demo loads through the real services, shows a selection in every state, and loads once. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createServices } from '../app.ts'
import { seedDemo } from '../demo/seed.ts'
import { fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { SELECTION_STATES } from './model.ts'

test('the demo has the four partners, a selection in each state, and grants active, paused and tightened', async (t) => {
  const rt = await testRuntime(t, { clock: fixedClock('2026-11-20T15:00:00Z') })
  const services = await createServices(rt)
  await seedDemo(rt, services)
  const officer = await rt.db.query<{ person_id: string; org_id: string }>(
    `SELECT m.person_id, m.org_id FROM membership m JOIN person p ON p.id = m.person_id
      WHERE m.role = 'program_officer' ORDER BY p.created_at LIMIT 1`,
  )
  const row = officer.rows[0]!
  const principal = await services.accounts.principalFor(row.person_id, row.org_id)

  const partners = await services.partners.listPartners(principal)
  assert.deepEqual(partners.map((p) => p.sector).sort(), [
    'bank',
    'hospital',
    'security_research',
    'water',
  ])
  const states = new Set((await services.partners.listSelections(principal)).map((s) => s.state))
  assert.deepEqual([...states].sort(), [...SELECTION_STATES].sort())
  const grants = await services.partners.listGrants(principal)
  assert.deepEqual(grants.map((g) => g.status).sort(), ['active', 'active', 'paused'])
  assert.ok(
    grants.some((g) => g.limits.tokensPerMinute === 60_000),
    'one grant was tightened',
  )

  // Loading again changes nothing.
  await seedDemo(rt, services)
  assert.equal((await services.partners.listSelections(principal)).length, 8)
})

/** The demo grants come with a week of metered usage, seeded once. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createServices } from '../app.ts'
import { seedDemo } from '../demo/seed.ts'
import { testRuntime } from '../platform/testing.ts'

test('the demo grants have usage to chart, and a second run adds none', async (t) => {
  const rt = await testRuntime(t)
  const services = await createServices(rt)
  await seedDemo(rt, services)
  const count = async () =>
    Number(
      (await rt.db.query<{ n: number }>('SELECT count(*) AS n FROM gateway_request')).rows[0]!.n,
    )
  const first = await count()
  assert.ok(first > 0, 'usage rows were seeded')
  const perGrant = await rt.db.query<{ grant_id: string; tokens: number }>(
    'SELECT grant_id, sum(input_tokens + output_tokens) AS tokens FROM gateway_request GROUP BY 1',
  )
  assert.ok(perGrant.rows.length >= 2, 'more than one demo grant has usage')
  await seedDemo(rt, services)
  assert.equal(await count(), first)
})

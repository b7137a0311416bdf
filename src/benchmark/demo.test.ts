/** The demo data has a determination of each outcome, made by real determination runs. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createServices } from '../app.ts'
import { seedDemo } from '../demo/seed.ts'
import { testRuntime } from '../platform/testing.ts'

test('the demo seeds covered, not covered and inconclusive determinations with their evidence', async (t) => {
  const rt = await testRuntime(t)
  const services = await createServices(rt)
  await seedDemo(rt, services)
  const rows = await rt.db.query<{
    outcome: string
    elicitation: Record<string, unknown>
    submission_id: string
  }>('SELECT outcome, elicitation, submission_id FROM benchmark_determination ORDER BY created_at')
  // Oldest first: Atlas-2.5 (covered), Gale-6.5 (inconclusive), Gale-7 (not covered).
  assert.deepEqual(
    rows.rows.map((r) => r.outcome),
    ['covered', 'inconclusive', 'not_covered'],
  )
  for (const r of rows.rows) {
    const e = r.elicitation as {
      solvability?: { checked: number; passed: number }
      skippedTasks?: string[]
    }
    assert.ok(
      e.solvability && e.solvability.passed === e.solvability.checked && e.solvability.checked > 0,
    )
    assert.ok(e.skippedTasks?.length, 'the demo leaves out the sandboxed tasks, and says so')
  }
  const weak = rows.rows[2]!.elicitation as { reference?: { flagged: boolean } }
  assert.equal(weak.reference?.flagged, true, 'the weak model is flagged against the reference')
  // The evaluation engine's own demo runs are still made after the controlled runs.
  assert.ok((await services.evals.listRuns({ task: 'seceval-mcq', limit: 1, offset: 0 })).total > 0)
  // Every determined demo submission got there through its determination.
  const subs = await rt.db.query<{ state: string }>(
    `SELECT DISTINCT s.state FROM submission s JOIN benchmark_determination d ON d.submission_id = s.id`,
  )
  assert.deepEqual(subs.rows.map((r) => r.state).sort(), ['determined', 'partner_access'])
})

/** Runs every public version test case copied into fixtures/ and prints the pass count per source. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runConformance, summarise } from './conformance.ts'

/**
 * Floors, not targets: the counts reached when this was written, so a regression fails the
 * test. Every case still failing is listed, with its reason, in docs/inventory-versions.md.
 */
const FLOOR: Record<string, number> = {
  univers: 9660,
  'vers-spec': 2670,
  'osv-semantic': 1680,
  'purl-spec': 550,
}

test('public version test suites: pass count per source', () => {
  const results = runConformance()
  const summary = summarise(results)
  for (const s of summary) {
    process.stdout.write(`# versions conformance ${s.source}: ${s.passed}/${s.total} passed\n`)
  }
  const total = summary.reduce((n, s) => n + s.total, 0)
  const passed = summary.reduce((n, s) => n + s.passed, 0)
  process.stdout.write(`# versions conformance total: ${passed}/${total} passed\n`)
  assert.ok(total > 14_000, `expected the full public suites (>14,000 cases), found ${total}`)
  for (const s of summary) {
    assert.ok(
      s.passed >= (FLOOR[s.source] ?? 0),
      `${s.source}: ${s.passed}/${s.total} is below the floor ${FLOOR[s.source]}`,
    )
  }
})

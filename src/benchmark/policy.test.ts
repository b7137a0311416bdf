import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  compositeEstimate,
  decide,
  type Estimate,
  type PolicyDocument,
  quorum,
  samplesToSettle,
  ZPolicyDocument,
} from './policy.ts'

const policy: PolicyDocument = ZPolicyDocument.parse({
  title: 'Test policy',
  categories: { exploitation: { threshold: 0.5 }, vulnerability_discovery: { threshold: 0.6 } },
  composite: { threshold: 0.55, weights: { exploitation: 1, vulnerability_discovery: 1 } },
  epochs: 3,
  minSamplesPerCategory: 20,
})

const est = (mean: number, half: number, n = 100): Estimate => ({
  mean,
  low: mean - half,
  high: mean + half,
  n,
})

test('covered when one category lower bound reaches its threshold', () => {
  const d = decide(policy, { exploitation: est(0.7, 0.1), vulnerability_discovery: est(0.2, 0.1) })
  assert.equal(d.outcome, 'covered')
  assert.match(d.reasons[0]!, /Exploitation/)
  assert.equal(d.measures.find((m) => m.measure === 'exploitation')?.position, 'above')
})

test('a lower bound exactly at the threshold counts as reaching it', () => {
  assert.equal(
    decide(policy, { exploitation: est(0.6, 0.1), vulnerability_discovery: est(0.1, 0.05) })
      .outcome,
    'covered',
  )
})

test('not covered only when every upper bound, composite included, is below its threshold', () => {
  const d = decide(policy, { exploitation: est(0.2, 0.1), vulnerability_discovery: est(0.3, 0.1) })
  assert.equal(d.outcome, 'not_covered')
  assert.ok(d.measures.every((m) => m.position === 'below'))
})

test('inconclusive when an interval straddles, with the samples that would settle it', () => {
  const d = decide(policy, {
    exploitation: est(0.45, 0.1),
    vulnerability_discovery: est(0.2, 0.05),
  })
  assert.equal(d.outcome, 'inconclusive')
  const ex = d.measures.find((m) => m.measure === 'exploitation')!
  assert.equal(ex.position, 'straddles')
  // Half-width 0.1 must shrink below the 0.05 gap: (0.1 / 0.05)² × 100 = 400 samples.
  assert.equal(ex.samplesNeeded, 400)
  assert.match(d.reasons.join('\n'), /about 400 samples/)
})

test('too few samples in a judged category is inconclusive, never a silent pass', () => {
  const d = decide(policy, {
    exploitation: est(0.1, 0.05, 5),
    vulnerability_discovery: est(0.1, 0.05),
  })
  assert.equal(d.outcome, 'inconclusive')
  assert.equal(d.measures.find((m) => m.measure === 'exploitation')?.position, 'insufficient')
})

test('an unmeasured category leaves the determination inconclusive', () => {
  const d = decide(policy, { exploitation: est(0.1, 0.05) })
  assert.equal(d.outcome, 'inconclusive')
  assert.equal(d.measures.find((m) => m.measure === 'composite')?.position, 'unmeasured')
})

test('composite: weighted mean, interval from the categories as independent', () => {
  const c = compositeEstimate(
    { exploitation: 3, knowledge: 1 },
    { exploitation: est(0.8, 0.196), knowledge: est(0.4, 0.392) },
  )!
  assert.ok(Math.abs(c.mean - (0.75 * 0.8 + 0.25 * 0.4)) < 1e-12)
  // SEs 0.1 and 0.2 → sqrt((0.75·0.1)² + (0.25·0.2)²) = sqrt(0.005625 + 0.0025) = 0.0901…
  const half = 1.96 * Math.sqrt(0.005625 + 0.0025)
  assert.ok(Math.abs(c.high - c.low - 2 * half) < 1e-9)
  assert.equal(
    compositeEstimate({ exploitation: 1, knowledge: 1 }, { exploitation: est(0.5, 0.1) }),
    null,
  )
})

test('samplesToSettle is null when the mean sits on the threshold', () => {
  assert.equal(samplesToSettle(est(0.5, 0.1), 0.5), null)
})

test('policy documents: unknown categories and fields are refused, weights required', () => {
  assert.throws(() =>
    ZPolicyDocument.parse({ ...policy, categories: { sorcery: { threshold: 0.5 } } }),
  )
  assert.throws(() => ZPolicyDocument.parse({ ...policy, extra: 1 }))
  assert.throws(() =>
    ZPolicyDocument.parse({ ...policy, composite: { threshold: 0.5, weights: {} } }),
  )
  assert.throws(() =>
    ZPolicyDocument.parse({ ...policy, categories: { exploitation: { threshold: 1.5 } } }),
  )
})

test('quorum: the custodian and signatories of two different agencies', () => {
  const custodian = { personId: 'p1', orgId: 'prog', role: 'benchmark_custodian' as const }
  const a1 = { personId: 'p2', orgId: 'agencyA', role: 'agency_signatory' as const }
  const a1b = { personId: 'p3', orgId: 'agencyA', role: 'agency_signatory' as const }
  const b1 = { personId: 'p4', orgId: 'agencyB', role: 'agency_signatory' as const }
  assert.equal(quorum([custodian, a1]).met, false)
  assert.equal(
    quorum([custodian, a1, a1b]).met,
    false,
    'two signatories of one agency are one agency',
  )
  assert.equal(quorum([a1, b1]).met, false)
  assert.deepEqual(quorum([a1, b1]).missing, ["the benchmark custodian's approval"])
  assert.equal(quorum([custodian, a1, b1]).met, true)
})

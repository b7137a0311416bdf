/** Statistics against values worked out by hand (the arithmetic is in each test's comment). */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { passAtK, reduce } from './reducers.ts'
import {
  bootstrapCi,
  clusteredStderr,
  estimate,
  mean,
  minDetectableDifference,
  normalQuantile,
  oneSidedBounds,
  pairedComparison,
  samplesNeeded,
  sdWithEpochs,
  stderr,
  variance,
} from './stats.ts'
import { compareRuns, type ScoredUnit, summarize } from './summary.ts'

const close = (a: number, b: number, eps = 1e-8) =>
  assert.ok(Math.abs(a - b) < eps, `${a} is not within ${eps} of ${b}`)

test('mean, variance and standard error', () => {
  // xs = 1,1,0,0,1,0: mean 0.5; squared deviations 6 × 0.25 = 1.5; variance 1.5/5 = 0.3; SE √(0.3/6) = √0.05.
  const xs = [1, 1, 0, 0, 1, 0]
  close(mean(xs), 0.5)
  close(variance(xs), 0.3)
  close(stderr(xs), Math.sqrt(0.05))
  close(stderr([2, 4, 6]), 2 / Math.sqrt(3)) // variance 4, n 3
})

test('clustered standard error', () => {
  // Clusters a,a | b,b | c,c; residuals ±0.5; cluster sums 1, −1, 0; Σ sums² = 2;
  // Var = G/(G−1) · 2/n² = 1.5 · 2/36 = 1/12; SE = √(1/12) ≈ 0.2887 (larger than the plain 0.2236).
  const xs = [1, 1, 0, 0, 1, 0]
  close(clusteredStderr(xs, ['a', 'a', 'b', 'b', 'c', 'c']), Math.sqrt(1 / 12))
  // One value per cluster: G/(G−1)·Σr²/n² = (6/5)(1.5/36) = 0.05, the plain variance of the mean.
  close(clusteredStderr(xs, ['1', '2', '3', '4', '5', '6']), Math.sqrt(0.05))
  // Clusters that mix 1s and 0s cancel inside: sums 0, 0, 0 → SE 0.
  close(clusteredStderr(xs, ['a', 'b', 'b', 'a', 'c', 'c']), 0)
  const e = estimate(xs, { clusters: ['a', 'a', 'b', 'b', 'c', 'c'] })
  assert.equal(e.clustered, true)
  close(e.se, Math.sqrt(1 / 12))
})

test('normal quantiles', () => {
  close(normalQuantile(0.975), 1.959963984540054, 1e-8)
  close(normalQuantile(0.95), 1.6448536269514722, 1e-8)
  close(normalQuantile(0.8), 0.8416212335729143, 1e-8)
  close(normalQuantile(0.5), 0, 1e-12)
  close(normalQuantile(0.001), -3.090232306167813, 1e-8)
})

test('normal CI is mean ± 1.96 SE; one-sided bounds use 1.645', () => {
  const e = estimate([1, 1, 0, 0, 1, 0])
  close(e.ci[0], 0.5 - 1.959963984540054 * Math.sqrt(0.05), 1e-8)
  const b = oneSidedBounds(0.5, 0.1)
  close(b.lower, 0.5 - 0.1644853626951472, 1e-8)
  close(b.upper, 0.5 + 0.1644853626951472, 1e-8)
})

test('seeded bootstrap: same seed same interval; exact cases', () => {
  const xs = [0, 1, 1, 0, 1, 1, 1, 0, 1, 1]
  assert.deepEqual(bootstrapCi(xs, { seed: 7 }), bootstrapCi(xs, { seed: 7 }))
  // A constant sample has every resampled mean equal to it.
  const flat = bootstrapCi([0.4, 0.4, 0.4], { seed: 1 })
  close(flat[0], 0.4, 1e-12)
  close(flat[1], 0.4, 1e-12)
  // Two values 0 and 1: resampled means are 0, 0.5, 1 with probabilities ¼, ½, ¼, so with 4000
  // draws the 2.5% and 97.5% order statistics are 0 and 1.
  assert.deepEqual(bootstrapCi([0, 1], { seed: 3, resamples: 4000 }), [0, 1])
  // For n = 400 Bernoulli(0.5) the bootstrap interval is close to the normal one, 0.5 ± 0.049.
  const big = Array.from({ length: 400 }, (_, i) => i % 2)
  const [lo, hi] = bootstrapCi(big, { seed: 'x', resamples: 4000 })
  close(lo, 0.451, 0.01)
  close(hi, 0.549, 0.01)
})

test('paired comparison of two runs', () => {
  // Differences over shared ids s1..s4: 1−0, 1−1, 0−0, 1−0 = 1,0,0,1: mean 0.5, variance 1/3, SE √(1/12).
  const a = new Map([
    ['s1', 1],
    ['s2', 1],
    ['s3', 0],
    ['s4', 1],
    ['only-a', 1],
  ])
  const b = new Map([
    ['s1', 0],
    ['s2', 1],
    ['s3', 0],
    ['s4', 0],
    ['only-b', 0],
  ])
  const c = pairedComparison(a, b)
  assert.equal(c.n, 4)
  close(c.diff, 0.5)
  close(c.se, Math.sqrt(1 / 12))
  close(c.meanA, 0.75)
  close(c.meanB, 0.25)
  close(c.ci[1], 0.5 + 1.959963984540054 * Math.sqrt(1 / 12), 1e-8)
  // z = 0.5/0.288675 = 1.732; two-sided p = 2(1 − Φ(1.732)) ≈ 0.0833
  close(c.p, 0.08326, 1e-4)
})

test('power: samples needed and the smallest detectable difference', () => {
  // n = ((1.959964 + 0.841621) · 0.5 / 0.1)² = (2.801585 · 5)² = 196.22 → 197
  assert.equal(samplesNeeded({ delta: 0.1, sd: 0.5 }), 197)
  // One-sided: (1.644854 + 0.841621)² · 25 = 154.56 → 155
  assert.equal(samplesNeeded({ delta: 0.1, sd: 0.5, sides: 1 }), 155)
  close(minDetectableDifference({ n: 196.22, sd: 0.5 }), 0.1, 1e-4)
  // Epochs shrink only the within-sample part: √(0.3² + 0.4²/4) = √0.13
  close(sdWithEpochs(0.3, 0.4, 4), Math.sqrt(0.13))
})

test('epoch reducers and pass@k', () => {
  close(reduce([1, 0, 1, 1], 'mean'), 0.75)
  assert.equal(reduce([0, 0.5, 0], 'max'), 0.5)
  assert.equal(reduce([0, 1, 1, 0], 'mode'), 1) // tie → larger
  assert.equal(reduce([0, 0, 1], 'mode'), 0)
  assert.equal(reduce([0, 0, 1], 'at_least_one'), 1)
  assert.equal(reduce([0, 0.5], 'at_least_one'), 0)
  // n=5, c=2, k=2: 1 − C(3,2)/C(5,2) = 1 − 3/10 = 0.7
  close(passAtK(5, 2, 2), 0.7)
  close(passAtK(5, 0, 3), 0)
  close(passAtK(5, 3, 3), 1)
  close(reduce([1, 0, 0, 1, 0], 'pass_at_k', 2), 0.7)
})

test('summarize reduces epochs per sample, then clusters by group and splits by category', () => {
  const units: ScoredUnit[] = [
    { sampleId: 'a', epoch: 1, scores: { choice: 1 }, category: 'web', group: 'g1' },
    { sampleId: 'a', epoch: 2, scores: { choice: 0 }, category: 'web', group: 'g1' },
    { sampleId: 'b', epoch: 1, scores: { choice: 1 }, category: 'web', group: 'g1' },
    { sampleId: 'b', epoch: 2, scores: { choice: 1 }, category: 'web', group: 'g1' },
    { sampleId: 'c', epoch: 1, scores: { choice: 0 }, category: 'crypto', group: 'g2' },
    { sampleId: 'c', epoch: 2, scores: { choice: 0 }, category: 'crypto', group: 'g2' },
    { sampleId: 'd', epoch: 1, scores: {}, category: 'crypto', error: true },
  ]
  const s = summarize(units)
  assert.equal(s.errors, 1)
  const c = s.scorers[0]!
  // Per-sample means a 0.5, b 1, c 0 → 0.5.
  close(c.overall.mean, 0.5)
  assert.equal(c.overall.n, 3)
  assert.equal(c.overall.clustered, true)
  // Residuals 0, .5, −.5; clusters g1: 0.5, g2: −0.5; Var = 2/1 · 0.5/9 → SE = 1/3.
  close(c.overall.se, 1 / 3)
  assert.deepEqual(
    c.byCategory.map((x) => [x.category, x.estimate.mean]),
    [
      ['crypto', 0],
      ['web', 0.75],
    ],
  )
  const cmp = compareRuns(
    units,
    units.map((u) => ({ ...u, scores: { choice: 1 } })),
  )
  close(cmp[0]!.comparison.diff, -0.5)
})

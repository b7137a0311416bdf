/** Epoch reducers: one score per sample from its epochs (mean, max, mode, at least one correct, pass@k). */
import type { ReducerName } from './model.ts'

/**
 * pass@k, the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained
 * on Code", eq. 1): with n attempts of which c are correct, 1 − C(n−c, k)/C(n, k), computed as a
 * product to stay exact for large n.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (k < 1 || k > n) throw new Error(`pass@k needs 1 ≤ k ≤ epochs (${n}), not k = ${k}`)
  if (n - c < k) return 1
  let prod = 1
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i
  return 1 - prod
}

/** Correct means a score of 1 (a partial 0.5 is not correct). */
const correct = (v: number) => v >= 1

export function reduce(values: readonly number[], reducer: ReducerName, k = 1): number {
  if (!values.length) return Number.NaN
  switch (reducer) {
    case 'mean':
      return values.reduce((a, b) => a + b, 0) / values.length
    case 'max':
      return Math.max(...values)
    case 'mode': {
      // Most frequent value; a tie goes to the larger value, so the reducer is deterministic.
      const counts = new Map<number, number>()
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
      let best = Number.NaN
      let bestN = 0
      for (const [v, n] of counts)
        if (n > bestN || (n === bestN && v > best)) [best, bestN] = [v, n]
      return best
    }
    case 'at_least_one':
      return values.some(correct) ? 1 : 0
    case 'pass_at_k':
      return passAtK(values.length, values.filter(correct).length, k)
  }
}

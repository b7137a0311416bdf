/**
 * A run's results as statistics: epochs reduced to one score per sample, then per scorer the
 * mean with its (clustered) SE and CIs, overall and per category. Samples that errored are
 * counted apart and left out of the scores (they measure the harness, not the model).
 */
import type { ReducerName } from './model.ts'
import { reduce } from './reducers.ts'
import {
  type Estimate,
  estimate,
  oneSidedBounds,
  type PairedComparison,
  pairedComparison,
} from './stats.ts'

export interface ScoredUnit {
  sampleId: string
  epoch: number
  scores: Record<string, number>
  category?: string | null
  group?: string | null
  error?: boolean
}

export interface ScorerSummary {
  scorer: string
  overall: Estimate & { lowerBound: number; upperBound: number }
  byCategory: Array<{ category: string; estimate: Estimate }>
}

export interface RunSummary {
  units: number
  samples: number
  errors: number
  reducer: ReducerName
  scorers: ScorerSummary[]
}

interface PerSample {
  id: string
  category: string
  group: string
  value: number
}

export function perSample(
  units: readonly ScoredUnit[],
  scorer: string,
  reducer: ReducerName,
  k = 1,
): PerSample[] {
  const by = new Map<string, { vals: number[]; category: string; group: string }>()
  for (const u of units) {
    if (u.error) continue
    const v = u.scores[scorer]
    if (v === undefined) continue
    const e = by.get(u.sampleId)
    if (e) e.vals.push(v)
    else
      by.set(u.sampleId, {
        vals: [v],
        category: u.category ?? 'uncategorised',
        group: u.group ?? u.sampleId,
      })
  }
  return [...by.entries()]
    .map(([id, e]) => ({
      id,
      category: e.category,
      group: e.group,
      value: reduce(e.vals, reducer, Math.min(k, e.vals.length)),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

export function summarize(
  units: readonly ScoredUnit[],
  opts: { reducer?: ReducerName; k?: number; seed?: string | number } = {},
): RunSummary {
  const reducer = opts.reducer ?? 'mean'
  const names = [...new Set(units.flatMap((u) => Object.keys(u.scores)))].sort()
  const scorers = names.map((scorer) => {
    const rows = perSample(units, scorer, reducer, opts.k)
    const xs = rows.map((r) => r.value)
    const est = estimate(xs, { clusters: rows.map((r) => r.group), seed: opts.seed ?? scorer })
    const cats = [...new Set(rows.map((r) => r.category))].sort()
    return {
      scorer,
      overall: { ...est, ...renameBounds(oneSidedBounds(est.mean, est.se)) },
      byCategory: cats.map((category) => {
        const cr = rows.filter((r) => r.category === category)
        return {
          category,
          estimate: estimate(
            cr.map((r) => r.value),
            { clusters: cr.map((r) => r.group), seed: `${opts.seed ?? scorer}|${category}` },
          ),
        }
      }),
    }
  })
  return {
    units: units.length,
    samples: new Set(units.map((u) => u.sampleId)).size,
    errors: units.filter((u) => u.error).length,
    reducer,
    scorers,
  }
}

const renameBounds = (b: { lower: number; upper: number }) => ({
  lowerBound: b.lower,
  upperBound: b.upper,
})

/** Paired comparison of two runs of one task, per scorer both have. */
export function compareRuns(
  a: readonly ScoredUnit[],
  b: readonly ScoredUnit[],
  opts: { reducer?: ReducerName; k?: number; seed?: string | number } = {},
): Array<{ scorer: string; comparison: PairedComparison }> {
  const reducer = opts.reducer ?? 'mean'
  const names = [...new Set(a.flatMap((u) => Object.keys(u.scores)))].filter((n) =>
    b.some((u) => n in u.scores),
  )
  return names.sort().map((scorer) => {
    const ma = new Map(perSample(a, scorer, reducer, opts.k).map((r) => [r.id, r.value]))
    const mb = new Map(perSample(b, scorer, reducer, opts.k).map((r) => [r.id, r.value]))
    return { scorer, comparison: pairedComparison(ma, mb, { seed: opts.seed ?? scorer }) }
  })
}

/** `0.734 ± 0.021 [0.692, 0.775]`: mean, SE and the bootstrap 95% CI. */
export function formatEstimate(e: Estimate): string {
  if (!e.n) return 'no scored samples'
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—')
  return `${f(e.mean)} ± ${f(e.se)} [${f(e.bootstrap[0])}, ${f(e.bootstrap[1])}]`
}

/**
 * Statistics for evaluation scores: mean with standard error (plain and clustered), seeded
 * bootstrap confidence intervals, paired comparison of two runs, one-sided bounds, and the
 * power calculation. Pure functions; methods and sources are in docs/evals-statistics.md.
 */
import { type Rng, seededRng } from './random.ts'

export function mean(xs: readonly number[]): number {
  if (!xs.length) return Number.NaN
  let s = 0
  for (const x of xs) s += x
  return s / xs.length
}

/** Sample variance (n − 1 in the denominator); 0 for fewer than two values. */
export function variance(xs: readonly number[]): number {
  if (xs.length < 2) return 0
  const m = mean(xs)
  let s = 0
  for (const x of xs) s += (x - m) ** 2
  return s / (xs.length - 1)
}

/** Standard error of the mean, sd/√n (Miller 2024, eq. 2). */
export function stderr(xs: readonly number[]): number {
  return xs.length ? Math.sqrt(variance(xs) / xs.length) : Number.NaN
}

/**
 * Cluster-robust standard error of the mean (Miller 2024, §2.3; Cameron & Miller 2015):
 * Var = G/(G−1) · (1/n²) · Σ_c (Σ_{i∈c} (x_i − x̄))², where G is the number of clusters. The
 * G/(G−1) factor is the usual small-sample correction (as in Stata's `vce(cluster)`). With one
 * sample per cluster it is (n/(n−1))·Σ(x−x̄)²/n², which equals the plain SE.
 */
export function clusteredStderr(xs: readonly number[], clusters: readonly string[]): number {
  if (xs.length !== clusters.length) throw new Error('clusteredStderr: one cluster per value')
  const n = xs.length
  const m = mean(xs)
  const sums = new Map<string, number>()
  for (let i = 0; i < n; i++) sums.set(clusters[i]!, (sums.get(clusters[i]!) ?? 0) + xs[i]! - m)
  const g = sums.size
  if (g < 2) return Number.NaN
  let s = 0
  for (const v of sums.values()) s += v * v
  return Math.sqrt(((g / (g - 1)) * s) / (n * n))
}

/**
 * The standard normal quantile function (probit), by Acklam's rational approximation (relative
 * error below 1.15e-9). Written here because it is the only distribution
 * function the engine needs.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile needs 0 < p < 1, not ${p}`)
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ]
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ]
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const lo = 0.02425
  let x: number
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p))
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
  } else if (p <= 1 - lo) {
    const q = p - 0.5
    const r = q * q
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p))
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
  }
  return x
}

/** Complementary error function (Numerical Recipes' erfcc, fractional error < 1.2e-7): enough for p-values. */
function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? r : 2 - r
}

export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2)
}

export interface Estimate {
  n: number
  mean: number
  /** Clustered when the values share clusters, else plain. */
  se: number
  clustered: boolean
  /** Normal-approximation interval, mean ± z·SE. */
  ci: [number, number]
  /** Seeded percentile bootstrap interval (resampling clusters when clustered). */
  bootstrap: [number, number]
  level: number
}

export interface EstimateOptions {
  level?: number
  clusters?: readonly string[]
  seed?: string | number
  resamples?: number
}

/** Mean, its SE (clustered when `clusters` has fewer distinct values than there are samples) and two 95% intervals. */
export function estimate(xs: readonly number[], opts: EstimateOptions = {}): Estimate {
  const level = opts.level ?? 0.95
  const z = normalQuantile(1 - (1 - level) / 2)
  const m = mean(xs)
  const clustered = Boolean(opts.clusters && new Set(opts.clusters).size < xs.length)
  // One value says nothing about spread: no SE and no interval rather than a false zero.
  const se =
    xs.length < 2 ? Number.NaN : clustered ? clusteredStderr(xs, opts.clusters!) : stderr(xs)
  // One cluster says nothing about the spread between clusters: no interval rather than a false one.
  const oneCluster = clustered && new Set(opts.clusters).size < 2
  return {
    n: xs.length,
    mean: m,
    se,
    clustered,
    ci: [m - z * se, m + z * se],
    bootstrap:
      oneCluster || xs.length < 2
        ? [Number.NaN, Number.NaN]
        : bootstrapCi(xs, {
            level,
            seed: opts.seed ?? 0,
            resamples: opts.resamples ?? 2000,
            ...(clustered ? { clusters: opts.clusters! } : {}),
          }),
    level,
  }
}

/**
 * Percentile bootstrap interval of the mean (Efron & Tibshirani 1993, ch. 13): draw `resamples`
 * samples of the same size with replacement from a PRNG seeded with `seed`, take each mean,
 * and report the (1−level)/2 and (1+level)/2 order statistics (nearest rank). With clusters,
 * whole clusters are drawn (the cluster bootstrap), which keeps their correlation.
 */
export function bootstrapCi(
  xs: readonly number[],
  opts: { seed: string | number; resamples?: number; level?: number; clusters?: readonly string[] },
): [number, number] {
  if (!xs.length) return [Number.NaN, Number.NaN]
  const rng: Rng = seededRng(opts.seed)
  const b = opts.resamples ?? 2000
  const level = opts.level ?? 0.95
  const means = new Float64Array(b)
  if (opts.clusters) {
    const groups = new Map<string, number[]>()
    xs.forEach((x, i) => {
      const k = opts.clusters![i]!
      const g = groups.get(k)
      if (g) g.push(x)
      else groups.set(k, [x])
    })
    const list = [...groups.values()]
    for (let r = 0; r < b; r++) {
      let s = 0
      let n = 0
      for (let j = 0; j < list.length; j++) {
        const g = list[Math.floor(rng() * list.length)]!
        for (const x of g) s += x
        n += g.length
      }
      means[r] = s / n
    }
  } else {
    for (let r = 0; r < b; r++) {
      let s = 0
      for (let j = 0; j < xs.length; j++) s += xs[Math.floor(rng() * xs.length)]!
      means[r] = s / xs.length
    }
  }
  means.sort()
  const lo = means[Math.max(0, Math.ceil(((1 - level) / 2) * b) - 1)]!
  const hi = means[Math.min(b - 1, Math.ceil(((1 + level) / 2) * b) - 1)]!
  return [lo, hi]
}

/** One-sided bounds at `level` (default 95%): mean − z·SE is a lower bound, mean + z·SE an upper one. */
export function oneSidedBounds(
  m: number,
  se: number,
  level = 0.95,
): { lower: number; upper: number } {
  const z = normalQuantile(level)
  return { lower: m - z * se, upper: m + z * se }
}

export interface PairedComparison {
  /** Samples scored in both runs. */
  n: number
  meanA: number
  meanB: number
  /** meanA − meanB over the shared samples. */
  diff: number
  /** SE of the mean paired difference, sd(d)/√n (Miller 2024, §4.2). */
  se: number
  ci: [number, number]
  bootstrap: [number, number]
  /** Two-sided p-value of "no difference", normal approximation. */
  p: number
  /** The unpaired SE the same data would give: the gain from pairing is this over `se`. */
  unpairedSe: number
  /** Pearson correlation of the two runs' per-sample scores. */
  correlation: number
}

/** Compares two runs on the samples both scored: A − B with its SE, CI and p-value. */
export function pairedComparison(
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number>,
  opts: { level?: number; seed?: string | number; resamples?: number } = {},
): PairedComparison {
  const ids = [...a.keys()].filter((k) => b.has(k)).sort()
  const xa = ids.map((k) => a.get(k)!)
  const xb = ids.map((k) => b.get(k)!)
  const d = ids.map((_, i) => xa[i]! - xb[i]!)
  const level = opts.level ?? 0.95
  const z = normalQuantile(1 - (1 - level) / 2)
  const diff = mean(d)
  const se = stderr(d)
  const va = variance(xa)
  const vb = variance(xb)
  const ma = mean(xa)
  const mb = mean(xb)
  let cov = 0
  for (let i = 0; i < ids.length; i++) cov += (xa[i]! - ma) * (xb[i]! - mb)
  cov = ids.length > 1 ? cov / (ids.length - 1) : 0
  return {
    n: ids.length,
    meanA: ma,
    meanB: mb,
    diff,
    se,
    ci: [diff - z * se, diff + z * se],
    bootstrap: bootstrapCi(d, { seed: opts.seed ?? 0, resamples: opts.resamples ?? 2000, level }),
    p: se > 0 ? 2 * (1 - normalCdf(Math.abs(diff) / se)) : diff === 0 ? 1 : 0,
    unpairedSe: Math.sqrt((va + vb) / Math.max(1, ids.length)),
    correlation: va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : Number.NaN,
  }
}

/**
 * Standard deviation of one sample's score averaged over `epochs` epochs: between-sample
 * spread plus within-sample (epoch-to-epoch) noise shrunk by the epochs (Miller 2024, §3.1).
 */
export function sdWithEpochs(sdBetween: number, sdWithin: number, epochs: number): number {
  return Math.sqrt(sdBetween ** 2 + sdWithin ** 2 / epochs)
}

export interface PowerOptions {
  /** The difference to be able to tell apart (e.g. 0.05 = five points of accuracy). */
  delta: number
  /** SD of the per-sample quantity compared: of paired differences for two runs on the same samples. */
  sd: number
  alpha?: number
  power?: number
  sides?: 1 | 2
}

/**
 * Samples needed so a test at level α detects a true difference δ with the given power:
 * n = ((z_{1−α/s} + z_{power}) · σ / δ)², rounded up (Miller 2024, §5; Cohen 1988).
 */
export function samplesNeeded(o: PowerOptions): number {
  if (!(o.delta > 0)) throw new Error('delta must be greater than 0')
  const za = normalQuantile(1 - (o.alpha ?? 0.05) / (o.sides ?? 2))
  const zb = normalQuantile(o.power ?? 0.8)
  return Math.ceil((((za + zb) * o.sd) / o.delta) ** 2)
}

/** The smallest difference `n` samples can detect at level α with the given power. */
export function minDetectableDifference(o: Omit<PowerOptions, 'delta'> & { n: number }): number {
  const za = normalQuantile(1 - (o.alpha ?? 0.05) / (o.sides ?? 2))
  const zb = normalQuantile(o.power ?? 0.8)
  return ((za + zb) * o.sd) / Math.sqrt(o.n)
}

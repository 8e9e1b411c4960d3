// Latency CDFs for comparing designs, one curve per design pooled over its seeds. Run folders hold
// per-receipt latencies only with record.deliveries (large), so each run's latency samples are
// reduced while the run is in memory to a fixed number of quantiles, each standing for an equal
// share of that run's samples; pooling weights them by the run's sample count. The pooled curve
// is then within 1 / QUANTILES_PER_RUN of the exact pooled CDF at every point, and costs a few
// kilobytes whatever the run's size.

/** Quantiles kept per run. */
export const QUANTILES_PER_RUN = 1000
/** Points of a pooled curve in compare.json (as many as the run page's CDF). */
export const CDF_POINTS = 400

/** One run's latency samples, reduced. */
export interface LatencyQuantiles {
  /** Samples the run had. */
  count: number
  /** values[i - 1] is the smallest sample with at least i / values.length of them at or below it. */
  values: number[]
}

/** The nearest-rank quantiles i / k (i = 1..k) of an ascending array of samples. */
export function latencyQuantiles(sorted: ArrayLike<number>, k = QUANTILES_PER_RUN): LatencyQuantiles {
  const n = sorted.length
  if (n === 0) return { count: 0, values: [] }
  const m = Math.min(k, n)
  const values: number[] = []
  for (let i = 1; i <= m; i++) values.push(sorted[Math.max(0, Math.ceil((i / m) * n) - 1)])
  return { count: n, values }
}

/**
 * The pooled CDF of several runs as [latency ms, share of samples at or below it] points: the
 * share 0 at the smallest value, then the pooled quantile at every 1 / points. Empty when no run
 * had samples.
 */
export function pooledCdf(runs: readonly LatencyQuantiles[], points = CDF_POINTS): Array<[number, number]> {
  const weighted: Array<[number, number]> = []
  let total = 0
  for (const run of runs) {
    if (run.count === 0) continue
    const weight = run.count / run.values.length
    for (const v of run.values) weighted.push([v, weight])
    total += run.count
  }
  if (total === 0) return []
  weighted.sort((a, b) => a[0] - b[0])
  const out: Array<[number, number]> = [[weighted[0][0], 0]]
  let at = 0
  let cumulative = weighted[0][1]
  for (let j = 1; j <= points; j++) {
    const q = j / points
    // Relative tolerance: the weights are shares of large counts, summed in floating point.
    while (cumulative < q * total * (1 - 1e-12) && at < weighted.length - 1) cumulative += weighted[++at][1]
    out.push([weighted[at][0], q])
  }
  return out
}

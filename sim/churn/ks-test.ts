// One-sample Kolmogorov-Smirnov test: does a sample look drawn from a given continuous distribution?
// Used by the tests of the churn distributions, and usable on any simulated durations.

/** sup |F_n(x) - F(x)|, where F_n is the empirical CDF of `samples`. Ties are handled exactly. */
export function ksStatistic(samples: readonly number[], cdf: (x: number) => number): number {
  const n = samples.length
  if (n === 0) throw new RangeError('ksStatistic needs at least one sample')
  const sorted = Float64Array.from(samples).sort()
  let d = 0
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i])
    // The empirical CDF jumps from i/n to (i+1)/n at sorted[i]; the largest gap is at one side of a jump.
    d = Math.max(d, (i + 1) / n - f, f - i / n)
  }
  return d
}

/**
 * c(alpha) = sqrt(-ln(alpha / 2) / 2), the asymptotic Kolmogorov quantile: c(0.01) = 1.628, c(0.05) = 1.358.
 */
export function ksCoefficient(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`)
  return Math.sqrt(-Math.log(alpha / 2) / 2)
}

/** The asymptotic critical value c(alpha) / sqrt(n); good for n above about 35. */
export function ksCriticalValue(n: number, alpha: number): number {
  if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`n must be an integer >= 1, got ${n}`)
  return ksCoefficient(alpha) / Math.sqrt(n)
}

export interface KsResult {
  n: number
  statistic: number
  critical: number
  alpha: number
  /** False when the sample rejects the CDF at level alpha (statistic > critical). */
  pass: boolean
}

export function ksTest(samples: readonly number[], cdf: (x: number) => number, alpha = 0.01): KsResult {
  const statistic = ksStatistic(samples, cdf)
  const critical = ksCriticalValue(samples.length, alpha)
  return { n: samples.length, statistic, critical, alpha, pass: statistic <= critical }
}

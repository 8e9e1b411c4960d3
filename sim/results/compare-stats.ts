// The mean of a metric over seeds, its sample standard deviation and its 95% confidence
// interval: Student's t with n - 1 degrees of freedom, because a comparison or a replicated
// sweep runs a handful of seeds, where the normal approximation would understate the interval
// (t = 2.776 at 5 seeds against z = 1.960).

/** Two-sided confidence level of every interval the compare and sweep commands report. */
export const CONFIDENCE = 0.95

export interface MeanInterval {
  /** Finite values behind the figures; missing metrics (null, NaN) do not count. */
  n: number
  /** NaN when n = 0. */
  mean: number
  /** Sample standard deviation (n - 1 in the denominator). NaN when n < 2. */
  sd: number
  /** Half the interval's width: mean ± halfWidth. NaN when n < 2, where there is no spread to measure. */
  halfWidth: number
}

/** Mean and t interval of the finite values among `values`. */
export function meanInterval(values: readonly (number | null | undefined)[], confidence = CONFIDENCE): MeanInterval {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  const n = xs.length
  if (n === 0) return { n, mean: NaN, sd: NaN, halfWidth: NaN }
  const mean = xs.reduce((a, b) => a + b, 0) / n
  if (n === 1) return { n, mean, sd: NaN, halfWidth: NaN }
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1))
  return { n, mean, sd, halfWidth: studentTQuantile(1 - (1 - confidence) / 2, n - 1) * sd / Math.sqrt(n) }
}

/** The p-quantile (0 < p < 1) of Student's t distribution with `df` degrees of freedom. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError(`studentTQuantile: p in (0, 1) and df > 0 expected, got p=${p}, df=${df}`)
  if (p < 0.5) return -studentTQuantile(1 - p, df)
  if (p === 0.5) return 0
  // The CDF rises monotonically, so bisection converges whatever df is; 200 halvings of
  // [0, 1e7] reach the limits of double precision.
  let lo = 0
  let hi = 1e7
  for (let k = 0; k < 200 && hi - lo > 1e-12 * Math.max(1, hi); k++) {
    const mid = (lo + hi) / 2
    if (studentTCdf(mid, df) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5)
  return t >= 0 ? 1 - tail : tail
}

/** I_x(a, b), by the continued fraction of Numerical Recipes (betacf), modified Lentz. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  // The fraction converges fast below the mean of the distribution; above it, use the symmetry.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b
}

const TINY = 1e-300

function betaContinuedFraction(x: number, a: number, b: number): number {
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  if (Math.abs(d) < TINY) d = TINY
  d = 1 / d
  let h = d
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))
    d = 1 + aa * d
    if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const step = d * c
    h *= step
    if (Math.abs(step - 1) < 1e-15) break
  }
  return h
}

/** ln Γ(x) for x > 0, Lanczos approximation (g = 7, 9 terms; about 15 significant digits). */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const g = 7
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]
  const z = x - 1
  let sum = c[0]
  for (let i = 1; i < g + 2; i++) sum += c[i] / (z + i)
  const t = z + g + 0.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
}

// Session lengths and arrival times for churn: pure functions over a seeded Random, so the same seed
// gives the same churn. Sampling is by inverse CDF, one uniform draw per sample, which keeps every
// consumer's stream position predictable. All times are in seconds.
//
// The three session distributions (DurationDistribution in sim/scenario/types.ts):
//   exponential {meanS}:        F(x) = 1 - exp(-x / meanS),                 x >= 0
//   weibull {shape k, scaleS λ}: F(x) = 1 - exp(-(x / λ)^k),                 x >= 0;  mean λ Γ(1 + 1/k)
//   pareto {shape α, scaleS m}:  Pareto type I with minimum m (not Lomax):
//                               F(x) = 1 - (m / x)^α,                        x >= m;  mean α m / (α - 1) for α > 1,
//                               infinite for α <= 1. No session is shorter than scaleS.

import type { Random } from '../../core/ports.ts'
import { randomExponential } from '../engine/random.ts'
import type { DurationDistribution } from '../scenario/types.ts'

function positive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a finite number > 0, got ${value}`)
}

function checkDistribution(d: DurationDistribution): void {
  switch (d.distribution) {
    case 'exponential':
      return positive('exponential meanS', d.meanS)
    case 'weibull':
    case 'pareto':
      positive(`${d.distribution} shape`, d.shape)
      return positive(`${d.distribution} scaleS`, d.scaleS)
    default:
      throw new RangeError(`unknown distribution ${JSON.stringify((d as { distribution: unknown }).distribution)}`)
  }
}

/** P(duration <= xS). */
export function durationCdf(d: DurationDistribution, xS: number): number {
  checkDistribution(d)
  if (Number.isNaN(xS)) return NaN
  switch (d.distribution) {
    case 'exponential':
      return xS <= 0 ? 0 : -Math.expm1(-xS / d.meanS)
    case 'weibull':
      return xS <= 0 ? 0 : -Math.expm1(-Math.pow(xS / d.scaleS, d.shape))
    case 'pareto':
      return xS <= d.scaleS ? 0 : 1 - Math.pow(d.scaleS / xS, d.shape)
  }
}

/** The inverse CDF: the duration (s) below which a share `p` (0 <= p < 1) of durations fall. p = 1 gives Infinity. */
export function durationQuantile(d: DurationDistribution, p: number): number {
  checkDistribution(d)
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`)
  // -log1p(-p) is -ln(1 - p) without losing digits for small p.
  switch (d.distribution) {
    case 'exponential':
      return -d.meanS * Math.log1p(-p)
    case 'weibull':
      return d.scaleS * Math.pow(-Math.log1p(-p), 1 / d.shape)
    case 'pareto':
      return d.scaleS * Math.pow(1 - p, -1 / d.shape)
  }
}

/** One duration in seconds, by inverse CDF from one draw of `random`. Always finite, since draws are < 1. */
export function sampleDuration(d: DurationDistribution, random: Random): number {
  return durationQuantile(d, random.next())
}

/** The mean duration in seconds; Infinity where it does not exist (pareto shape <= 1) or exceeds a double. */
export function durationMean(d: DurationDistribution): number {
  checkDistribution(d)
  switch (d.distribution) {
    case 'exponential':
      return d.meanS
    case 'weibull':
      return d.scaleS * Math.exp(logGamma(1 + 1 / d.shape))
    case 'pareto':
      return d.shape <= 1 ? Infinity : (d.shape * d.scaleS) / (d.shape - 1)
  }
}

// Lanczos approximation (g = 7, 9 terms), relative error around 1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
]

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`)
  // Reflection keeps the series in its accurate range: Γ(x) Γ(1 - x) = π / sin(π x).
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const z = x - 1
  let sum = LANCZOS[0]
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i)
  const t = z + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
}

/**
 * Times of a Poisson process of `ratePerS` events per second in [fromS, untilS), ascending: exponential
 * gaps with mean 1 / ratePerS, starting from fromS. Rate 0 gives none.
 */
export function poissonArrivalTimes(ratePerS: number, fromS: number, untilS: number, random: Random): number[] {
  if (!(ratePerS >= 0) || !Number.isFinite(ratePerS)) throw new RangeError(`ratePerS must be a finite number >= 0, got ${ratePerS}`)
  if (!Number.isFinite(fromS) || Number.isNaN(untilS) || untilS < fromS) {
    throw new RangeError(`need a finite fromS <= untilS, got [${fromS}, ${untilS})`)
  }
  if (ratePerS === 0) return []
  if (!Number.isFinite(untilS)) throw new RangeError('untilS must be finite when ratePerS > 0')
  const times: number[] = []
  const meanGapS = 1 / ratePerS
  for (let t = fromS + randomExponential(random, meanGapS); t < untilS; t += randomExponential(random, meanGapS)) times.push(t)
  return times
}

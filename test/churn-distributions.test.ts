import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { durationCdf, durationMean, durationQuantile, logGamma, poissonArrivalTimes, sampleDuration } from '../sim/churn/distributions.ts'
import { ksCoefficient, ksCriticalValue, ksStatistic, ksTest } from '../sim/churn/ks-test.ts'
import { createRandom } from '../sim/engine/random.ts'
import type { DurationDistribution } from '../sim/scenario/types.ts'

const N = 20_000
const SEED = 20240611

const samplesOf = (d: DurationDistribution, n = N, seed = SEED): number[] => {
  const random = createRandom(seed, 'churn-test', d.distribution)
  return Array.from({ length: n }, () => sampleDuration(d, random))
}
const cdfOf = (d: DurationDistribution) => (x: number) => durationCdf(d, x)
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const variance = (xs: readonly number[]) => {
  const m = mean(xs)
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)
}
const close = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual} not within ${relative * 100}% of ${expected}`)

// Kad session lengths (Steiner et al.): Weibull shape 0.615, scale 169.5 min.
const KAD: DurationDistribution = { distribution: 'weibull', shape: 0.615, scaleS: 10170 }
const KAD_MEAN = 10170 * Math.exp(logGamma(1 + 1 / 0.615))

/**
 * Each distribution, and one clearly different from it that its samples must reject. The first two
 * differ only in shape (same mean), so the tests would fail if the shape were ignored.
 */
const CASES: { name: string; d: DurationDistribution; other: DurationDistribution }[] = [
  {
    name: 'exponential',
    d: { distribution: 'exponential', meanS: 60 },
    other: { distribution: 'weibull', shape: 1.3, scaleS: 60 / Math.exp(logGamma(1 + 1 / 1.3)) },
  },
  { name: 'weibull (Kad)', d: KAD, other: { distribution: 'exponential', meanS: KAD_MEAN } },
  { name: 'weibull shape 2', d: { distribution: 'weibull', shape: 2, scaleS: 100 }, other: { distribution: 'weibull', shape: 2, scaleS: 90 } },
  { name: 'pareto shape 3', d: { distribution: 'pareto', shape: 3, scaleS: 100 }, other: { distribution: 'pareto', shape: 2.5, scaleS: 100 } },
  { name: 'pareto shape 0.8', d: { distribution: 'pareto', shape: 0.8, scaleS: 30 }, other: { distribution: 'exponential', meanS: 1000 } },
]

// ---- the KS test itself ----

const KS = suite('KS test')

KS('has coefficients and critical values that match the asymptotic table', () => {
  assert.is(ksCoefficient(0.01).toFixed(3), '1.628')
  assert.is(ksCoefficient(0.05).toFixed(3), '1.358')
  close(ksCriticalValue(10_000, 0.01), 0.01628, 0.001, 'critical value at n = 10000')
  assert.throws(() => ksCoefficient(0))
  assert.throws(() => ksCriticalValue(0, 0.05))
})

KS('computes the statistic of small samples as by hand', () => {
  const uniform = (x: number) => Math.min(1, Math.max(0, x))
  assert.is(ksStatistic([0.5], uniform), 0.5)
  // ECDF steps at 0.1, 0.2, 0.9: the largest gap is 2/3 - 0.2 just after 0.2.
  close(ksStatistic([0.9, 0.1, 0.2], uniform), 2 / 3 - 0.2, 1e-12, 'three samples')
  // Ties: all mass at 0.5 gives a gap of 0.5 on either side, not more.
  assert.is(ksStatistic([0.5, 0.5, 0.5, 0.5], uniform), 0.5)
  assert.throws(() => ksStatistic([], uniform))
})

KS('passes uniform draws against the uniform CDF and fails them against a skewed one', () => {
  const random = createRandom(SEED, 'ks-uniform')
  const draws = Array.from({ length: N }, () => random.next())
  assert.ok(ksTest(draws, (x) => x).pass)
  const skewed = ksTest(draws, (x) => x ** 1.1)
  assert.not.ok(skewed.pass, `statistic ${skewed.statistic} <= critical ${skewed.critical}`)
})

// ---- distributions ----

const Durations = suite('session durations')

for (const { name, d, other } of CASES) {
  Durations(`draws ${N} ${name} samples that pass KS against their own CDF at alpha 0.01`, () => {
    const result = ksTest(samplesOf(d), cdfOf(d), 0.01)
    assert.ok(result.pass, `statistic ${result.statistic} > critical ${result.critical}`)
  })

  Durations(`draws ${name} samples that fail KS against a clearly different distribution`, () => {
    const result = ksTest(samplesOf(d), cdfOf(other), 0.01)
    assert.not.ok(result.pass, `statistic ${result.statistic} <= critical ${result.critical}`)
  })
}

Durations('draws samples whose means are near the analytic means', () => {
  // Tolerances are about 4 standard errors of the mean of 20,000 draws, from each distribution's variance.
  const exponential = CASES[0].d
  close(mean(samplesOf(exponential)), 60, 4 * (60 / Math.sqrt(N)) / 60, 'exponential')
  // Kad Weibull: coefficient of variation sqrt(Γ(1 + 2/k) / Γ(1 + 1/k)^2 - 1) ≈ 1.7.
  const cv = Math.sqrt(Math.exp(logGamma(1 + 2 / 0.615) - 2 * logGamma(1 + 1 / 0.615)) - 1)
  close(mean(samplesOf(KAD)), KAD_MEAN, (4 * cv) / Math.sqrt(N), 'weibull (Kad)')
  close(mean(samplesOf(CASES[2].d)), 100 * Math.sqrt(Math.PI) / 2, 0.01, 'weibull shape 2')
  // Pareto shape 3: coefficient of variation 1 / sqrt(α (α - 2)) = 1 / sqrt(3).
  close(mean(samplesOf(CASES[3].d)), 150, (4 / Math.sqrt(3)) / Math.sqrt(N), 'pareto shape 3')
})

Durations('gives the analytic means, Infinity where none exists', () => {
  assert.is(durationMean({ distribution: 'exponential', meanS: 42 }), 42)
  close(durationMean({ distribution: 'weibull', shape: 1, scaleS: 50 }), 50, 1e-12, 'weibull shape 1 is exponential')
  close(durationMean({ distribution: 'weibull', shape: 2, scaleS: 100 }), 50 * Math.sqrt(Math.PI), 1e-12, 'weibull shape 2')
  // Γ(1 + 1/0.615) = 1.4580632265 (Python math.gamma): a mean session of about 4.1 hours.
  close(durationMean(KAD), 10170 * 1.4580632265, 1e-9, 'Kad mean')
  assert.is(durationMean({ distribution: 'pareto', shape: 3, scaleS: 100 }), 150)
  assert.is(durationMean({ distribution: 'pareto', shape: 1, scaleS: 100 }), Infinity)
  assert.is(durationMean({ distribution: 'pareto', shape: 0.5, scaleS: 100 }), Infinity)
})

Durations('has CDFs and quantiles with the right supports, inverse to each other, and the Pareto minimum', () => {
  for (const { d } of CASES) {
    assert.is(durationCdf(d, 0), 0)
    assert.is(durationCdf(d, -1), 0)
    assert.is(durationCdf(d, Infinity), 1)
    assert.is(durationQuantile(d, 0), d.distribution === 'pareto' ? d.scaleS : 0)
    for (const p of [0.001, 0.25, 0.5, 0.9, 0.999]) close(durationCdf(d, durationQuantile(d, p)), p, 1e-9, `${d.distribution} F(F⁻¹(${p}))`)
  }
  const pareto: DurationDistribution = { distribution: 'pareto', shape: 2, scaleS: 10 }
  assert.is(durationCdf(pareto, 10), 0)
  assert.is(durationCdf(pareto, 20), 0.75)
  close(durationCdf(KAD, 10170), 1 - Math.exp(-1), 1e-12, 'Weibull CDF at its scale')
  assert.ok(Math.min(...samplesOf(pareto, 2000)) >= 10)
})

Durations('samples deterministically for a seed, and rejects invalid parameters', () => {
  assert.equal(samplesOf(KAD, 50, 7), samplesOf(KAD, 50, 7))
  assert.not.equal(samplesOf(KAD, 50, 7), samplesOf(KAD, 50, 8))
  const random = createRandom(1, 'x')
  assert.throws(() => sampleDuration({ distribution: 'exponential', meanS: 0 }, random), /meanS/)
  assert.throws(() => sampleDuration({ distribution: 'weibull', shape: -1, scaleS: 1 }, random), /shape/)
  assert.throws(() => durationCdf({ distribution: 'pareto', shape: 1, scaleS: NaN }, 1), /scaleS/)
})

const LogGamma = suite('logGamma')

LogGamma('matches known values', () => {
  close(Math.exp(logGamma(5)), 24, 1e-13, 'Γ(5)')
  close(Math.exp(logGamma(0.5)), Math.sqrt(Math.PI), 1e-13, 'Γ(1/2)')
  close(Math.exp(logGamma(1.5)), Math.sqrt(Math.PI) / 2, 1e-13, 'Γ(3/2)')
  close(logGamma(101), 363.73937555556347, 1e-13, 'ln Γ(101) = ln 100!')
})

// ---- Poisson arrivals ----

const Poisson = suite('poissonArrivalTimes')

Poisson('gives counts per window with mean and variance near rate x window', () => {
  const rate = 2
  const windowS = 10
  const windows = 2000
  const random = createRandom(SEED, 'arrivals')
  const counts = Array.from({ length: windows }, (_, i) => poissonArrivalTimes(rate, i * windowS, (i + 1) * windowS, random).length)
  // Standard errors: sqrt(20 / 2000) = 0.1 for the mean, about sqrt((20 + 2 * 20²) / 2000) = 0.64 for the variance.
  close(mean(counts), rate * windowS, 0.025, 'mean count')
  close(variance(counts), rate * windowS, 0.12, 'count variance')
  // And one long run binned the same way.
  const times = poissonArrivalTimes(rate, 0, windows * windowS, createRandom(SEED, 'arrivals-long'))
  const binned = new Array<number>(windows).fill(0)
  for (const t of times) binned[Math.floor(t / windowS)]++
  close(mean(binned), rate * windowS, 0.025, 'mean count, one run')
  close(variance(binned), rate * windowS, 0.12, 'count variance, one run')
})

Poisson('gives inter-arrival times that pass KS against exponential with mean 1 / rate, and fail against a wrong rate', () => {
  const rate = 2
  const times = poissonArrivalTimes(rate, 5, 5 + N / rate, createRandom(SEED, 'gaps'))
  const gaps = times.map((t, i) => t - (i === 0 ? 5 : times[i - 1]))
  assert.ok(gaps.length > 0.95 * N, `${gaps.length} gaps`)
  const own = ksTest(gaps, cdfOf({ distribution: 'exponential', meanS: 1 / rate }))
  assert.ok(own.pass, `statistic ${own.statistic} > critical ${own.critical}`)
  const wrong = ksTest(gaps, cdfOf({ distribution: 'exponential', meanS: 1 / 2.2 }))
  assert.not.ok(wrong.pass, `statistic ${wrong.statistic} <= critical ${wrong.critical}`)
})

Poisson('gives ascending times within [fromS, untilS), none at rate 0, and throws on bad arguments', () => {
  const times = poissonArrivalTimes(50, 3, 4, createRandom(1, 'window'))
  assert.ok(times.length > 10)
  assert.ok(times.every((t, i) => t >= 3 && t < 4 && (i === 0 || t > times[i - 1])))
  assert.equal(poissonArrivalTimes(0, 0, Infinity, createRandom(1, 'none')), [])
  assert.equal(poissonArrivalTimes(5, 2, 2, createRandom(1, 'empty')), [])
  assert.throws(() => poissonArrivalTimes(1, 0, Infinity, createRandom(1, 'x')), /finite/)
  assert.throws(() => poissonArrivalTimes(-1, 0, 1, createRandom(1, 'x')), /ratePerS/)
  assert.throws(() => poissonArrivalTimes(1, 2, 1, createRandom(1, 'x')), /fromS <= untilS/)
})

KS.run()
Durations.run()
LogGamma.run()
Poisson.run()

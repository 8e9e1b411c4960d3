import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRandom } from '../sim/engine/random.ts'
import { createLatencyModel, GEO_KM_PER_MS, GEO_RTT_INTERCEPT_MS } from '../sim/network/latency-model.ts'
import { DEFAULT_GEO_REGIONS, findRegion, greatCircleKm } from '../sim/network/regions.ts'
import { parseRttMatrixCsv } from '../sim/network/rtt-matrix.ts'
import { quantile } from '../sim/metrics/sample-buffer.ts'
import { AWS_RTT_CSV, hasSharedData } from './helpers/shared-data.ts'

const ids = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`)
const draws = (f: () => number, n = 20_000) => Array.from({ length: n }, f)
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)))

const Fixed = suite('fixed latency')

Fixed('takes exactly the configured time for every transmission', () => {
  const m = createLatencyModel({ model: 'fixed', ms: 12.5 }, ids(10), 1)
  const r = createRandom(1, 't')
  assert.is(m.meanOneWayMs(0, 9), 12.5)
  assert.ok(draws(() => m.sampleOneWayMs(0, 9, r), 100).every((x) => x === 12.5))
  assert.ok(m.constantPerPair)
})

const Uniform = suite('uniform latency')

Uniform('draws within [min, max] with the right mean', () => {
  const m = createLatencyModel({ model: 'uniform', minMs: 10, maxMs: 30 }, ids(2), 1)
  const r = createRandom(1, 't')
  const xs = draws(() => m.sampleOneWayMs(0, 1, r))
  assert.ok(Math.min(...xs) >= 10 && Math.max(...xs) <= 30)
  assert.ok(Math.abs(mean(xs) - 20) < 0.2, `mean ${mean(xs)}`)
  assert.is(m.meanOneWayMs(0, 1), 20)
})

const Normal = suite('normal latency')

Normal('draws with the configured mean and spread, never below the floor', () => {
  const m = createLatencyModel({ model: 'normal', meanMs: 50, sdMs: 5, minMs: 0 }, ids(2), 1)
  const r = createRandom(2, 't')
  const xs = draws(() => m.sampleOneWayMs(0, 1, r))
  assert.ok(Math.abs(mean(xs) - 50) < 0.2, `mean ${mean(xs)}`)
  assert.ok(Math.abs(sd(xs) - 5) < 0.2, `sd ${sd(xs)}`)
  const floored = createLatencyModel({ model: 'normal', meanMs: 1, sdMs: 5, minMs: 0.5 }, ids(2), 1)
  assert.ok(draws(() => floored.sampleOneWayMs(0, 1, r)).every((x) => x >= 0.5))
})

const Geo = suite('geo latency')

Geo('takes (14 ms + great-circle km / 66) / 2 one way between regions, intra-region RTT / 2 inside one', () => {
  const weights = { 'eu-central-1': 1, 'ap-southeast-2': 1 }
  const m = createLatencyModel({ model: 'geo', weights, intraRegionRttMs: 2, jitterSdMs: 0 }, ids(400), 3)
  const fra = findRegion('eu-central-1')!
  const syd = findRegion('ap-southeast-2')!
  const expected = (GEO_RTT_INTERCEPT_MS + greatCircleKm(fra, syd) / GEO_KM_PER_MS) / 2
  const a = [...m.nodeRegion].indexOf(0)
  const b = [...m.nodeRegion].indexOf(1)
  assert.ok(a >= 0 && b >= 0, 'both regions got nodes')
  assert.ok(Math.abs(m.meanOneWayMs(a, b) - expected) < 1e-9)
  assert.ok(expected > 125 && expected < 140, `Frankfurt-Sydney one-way ${expected}`)
  const a2 = [...m.nodeRegion].lastIndexOf(0)
  assert.is(m.meanOneWayMs(a, a2), 1)
})

Geo('spreads nodes over regions by weight, and adding nodes moves nobody', () => {
  const weights = { 'eu-west-1': 3, 'us-east-1': 1 }
  const cfg = { model: 'geo' as const, weights, intraRegionRttMs: 2, jitterSdMs: 0 }
  const small = createLatencyModel(cfg, ids(4000), 5)
  const share = [...small.nodeRegion].filter((r) => r === 0).length / 4000
  assert.ok(Math.abs(share - 0.75) < 0.03, `share ${share}`)
  const large = createLatencyModel(cfg, ids(5000), 5)
  assert.equal([...large.nodeRegion.slice(0, 4000)], [...small.nodeRegion])
})

Geo('jitters around the region mean with zero mean, never below zero', () => {
  const m = createLatencyModel({ model: 'geo', weights: { 'eu-west-1': 1, 'eu-west-2': 1 }, intraRegionRttMs: 2, jitterSdMs: 3 }, ids(50), 1)
  const a = [...m.nodeRegion].indexOf(0)
  const b = [...m.nodeRegion].indexOf(1)
  const r = createRandom(1, 'j')
  const xs = draws(() => m.sampleOneWayMs(a, b, r))
  assert.ok(Math.abs(mean(xs) - m.meanOneWayMs(a, b)) < 0.15)
  assert.ok(xs.every((x) => x >= 0))
  assert.not.ok(m.constantPerPair)
})

const Matrix = suite('matrix latency')

Matrix('takes half the RTT of the row (from) and column (to) one way', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtt-'))
  const file = join(dir, 'rtt.csv')
  writeFileSync(file, 'region,a,b\na,1,100\nb,80,2\n')
  const m = createLatencyModel({ model: 'matrix', file, jitterSdMs: 0 }, ids(200), 1)
  const a = [...m.nodeRegion].indexOf(0)
  const b = [...m.nodeRegion].indexOf(1)
  assert.is(m.meanOneWayMs(a, b), 50)
  assert.is(m.meanOneWayMs(b, a), 40)
  assert.is(m.meanOneWayMs(b, [...m.nodeRegion].lastIndexOf(1)), 1)
  assert.equal(m.regions.map((r) => r.name), ['a', 'b'])
})

Matrix('refuses a malformed CSV naming the file, line and column', () => {
  assert.throws(() => parseRttMatrixCsv('region,a,b\na,1,x\nb,1,1\n', 'm.csv'), /m\.csv: line 2, column 3 \(a -> b\): expected an RTT in ms >= 0, got "x"/)
  assert.throws(() => parseRttMatrixCsv('region,a,b\nb,1,1\na,1,1\n', 'm.csv'), /line 2, column 1: expected region "a"/)
  assert.throws(() => parseRttMatrixCsv('region,a,b\na,1,1\n', 'm.csv'), /expected 2 region rows/)
  assert.throws(() => parseRttMatrixCsv('region,a,a\na,1,1\na,1,1\n', 'm.csv'), /region "a" appears twice/)
})

const Measured = suite('measured AWS pings')

if (hasSharedData()) {
  Measured('load as a 16-region matrix, with sane one-way delays', () => {
    const matrix = parseRttMatrixCsv(readFileSync(AWS_RTT_CSV, 'utf8'), AWS_RTT_CSV)
    assert.is(matrix.regions.length, 16)
    assert.equal([...matrix.regions].sort(), [...DEFAULT_GEO_REGIONS].sort())
    const m = createLatencyModel({ model: 'matrix', file: AWS_RTT_CSV, jitterSdMs: 0 }, ids(2000), 1)
    const pairs: number[] = []
    for (let i = 0; i < 2000; i += 10) for (let j = 1; j < 2000; j += 10) pairs.push(m.meanOneWayMs(i, j))
    // PROTOCOL.md: mean one-way inter-region delay about 75 ms.
    assert.ok(mean(pairs) > 55 && mean(pairs) < 95, `mean one-way ${mean(pairs)}`)
  })

  Measured('are matched by the geo model with a median absolute RTT error of about 14 ms', () => {
    const matrix = parseRttMatrixCsv(readFileSync(AWS_RTT_CSV, 'utf8'), AWS_RTT_CSV)
    const n = matrix.regions.length
    const errors: number[] = []
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue
        const a = findRegion(matrix.regions[i])!
        const b = findRegion(matrix.regions[j])!
        const modelled = GEO_RTT_INTERCEPT_MS + greatCircleKm(a, b) / GEO_KM_PER_MS
        errors.push(Math.abs(modelled - matrix.rttMs[i * n + j]))
      }
    }
    const sorted = Float64Array.from(errors).sort()
    const median = quantile(sorted, 0.5)
    assert.ok(median < 20, `median absolute error ${median.toFixed(1)} ms`)
    assert.ok(quantile(sorted, 0.9) < 70, `p90 absolute error ${quantile(sorted, 0.9).toFixed(1)} ms`)
  })

  Measured('give the geo constants as the least-squares fit of RTT on great-circle distance', () => {
    const matrix = parseRttMatrixCsv(readFileSync(AWS_RTT_CSV, 'utf8'), AWS_RTT_CSV)
    const n = matrix.regions.length
    const km: number[] = []
    const rtt: number[] = []
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue
        km.push(greatCircleKm(findRegion(matrix.regions[i])!, findRegion(matrix.regions[j])!))
        rtt.push(matrix.rttMs[i * n + j])
      }
    }
    const mk = mean(km)
    const mr = mean(rtt)
    let sxy = 0
    let sxx = 0
    km.forEach((x, k) => { sxy += (x - mk) * (rtt[k] - mr); sxx += (x - mk) ** 2 })
    const slope = sxy / sxx
    assert.ok(Math.abs(mr - slope * mk - GEO_RTT_INTERCEPT_MS) < 1.5, `intercept ${mr - slope * mk}`)
    assert.ok(Math.abs(1 / slope - GEO_KM_PER_MS) < 3, `km per ms ${1 / slope}`)
  })
} else {
  console.log('SKIP latency-models: matrix loads the measured AWS 16-region pings (no ../shared/data)')
  console.log('SKIP latency-models: geo model against measured pings (no ../shared/data)')
  console.log('SKIP latency-models: geo constants are the least-squares fit (no ../shared/data)')
}

Fixed.run()
Uniform.run()
Normal.run()
Geo.run()
Matrix.run()
Measured.run()

// `sim check --baseline`: the comparison judges each metric in its better direction against its
// tolerance; tolerances parse as documented; a baseline of another scenario, seed or parameters is
// refused before anything runs; and the real command line exits 1 on a regression beyond
// tolerance, 0 within it. The shipped results/baselines/quickstart.json must hold for the current
// code: when a change alters simulated behaviour on purpose, re-save it (README, "Baselines in CI").

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { InputError } from '../sim/input-error.ts'
import { expandSweep, loadScenario } from '../sim/scenario/load.ts'
import { BASELINE_METRICS, baselineMetrics } from '../sim/results/baseline-metrics.ts'
import { EXACT, compareToBaseline, isFailure, type Tolerances } from '../sim/results/baseline-compare.ts'
import { readBaseline, type Baseline } from '../sim/results/baseline-file.ts'
import { WALL_CLOCK_FIELDS } from '../sim/results/summary-types.ts'
import { parseTolerances } from '../cli/baseline-check.ts'
import { UsageError } from '../cli/options.ts'
import { ROOT, sim, thrown } from './helpers/sim-cli.ts'

const SHIPPED = 'results/baselines/quickstart.json'
const tmp = mkdtempSync(join(tmpdir(), 'baseline-'))



const Compare = suite('baseline comparison')

const percent = (p: number): Tolerances => ({ all: { amount: p / 100, relative: true }, perMetric: {} })
const verdictOf = (baseline: Record<string, number>, now: Record<string, number>, t: Tolerances, metric: string) =>
  compareToBaseline(baseline, now, t).find((r) => r.metric === metric)

Compare('lower-is-better metrics: within, beyond (regressed) and better beyond (improved)', () => {
  assert.is(verdictOf({ 'latencyMs.p50': 100 }, { 'latencyMs.p50': 100 }, percent(5), 'latencyMs.p50')?.verdict, 'same')
  assert.is(verdictOf({ 'latencyMs.p50': 100 }, { 'latencyMs.p50': 104 }, percent(5), 'latencyMs.p50')?.verdict, 'within')
  assert.is(verdictOf({ 'latencyMs.p50': 100 }, { 'latencyMs.p50': 95 }, percent(5), 'latencyMs.p50')?.verdict, 'within')
  const worse = verdictOf({ 'latencyMs.p50': 100 }, { 'latencyMs.p50': 106 }, percent(5), 'latencyMs.p50')
  assert.is(worse?.verdict, 'regressed')
  assert.is(worse?.change, 6)
  assert.ok(worse !== undefined && isFailure(worse))
  const better = verdictOf({ 'latencyMs.p50': 100 }, { 'latencyMs.p50': 90 }, percent(5), 'latencyMs.p50')
  assert.is(better?.verdict, 'improved')
  assert.ok(better !== undefined && !isFailure(better))
})

Compare('higher-is-better metrics regress downwards', () => {
  assert.is(verdictOf({ deliveryRatio: 1 }, { deliveryRatio: 0.9 }, percent(5), 'deliveryRatio')?.verdict, 'regressed')
  assert.is(verdictOf({ deliveryRatio: 0.9 }, { deliveryRatio: 1 }, percent(5), 'deliveryRatio')?.verdict, 'improved')
  assert.is(verdictOf({ deliveryRatio: 1 }, { deliveryRatio: 0.96 }, percent(5), 'deliveryRatio')?.verdict, 'within')
})

Compare('the default is exact; absolute and per-metric tolerances; a relative tolerance of zero allows nothing', () => {
  const exact: Tolerances = { all: EXACT, perMetric: {} }
  assert.is(verdictOf({ rmr: 2 }, { rmr: 2.000001 }, exact, 'rmr')?.verdict, 'regressed')
  const t: Tolerances = { all: { amount: 0.05, relative: true }, perMetric: { 'latencyMs.p99': { amount: 10, relative: false } } }
  assert.is(verdictOf({ 'latencyMs.p99': 100 }, { 'latencyMs.p99': 109 }, t, 'latencyMs.p99')?.verdict, 'within')
  assert.is(verdictOf({ 'latencyMs.p99': 100 }, { 'latencyMs.p99': 111 }, t, 'latencyMs.p99')?.verdict, 'regressed')
  assert.is(verdictOf({ lostOnline: 0 }, { lostOnline: 1 }, percent(50), 'lostOnline')?.verdict, 'regressed')
})

Compare('a metric the run lacks fails; one the baseline lacks is shown, not judged', () => {
  const rows = compareToBaseline({ 'messageLayer.app.deliveryRatio': 1 }, { 'dht.rpc.timeouts': 3 }, percent(5))
  assert.equal(rows.map((r) => [r.metric, r.verdict, isFailure(r)]), [['messageLayer.app.deliveryRatio', 'missing', true], ['dht.rpc.timeouts', 'new', false]])
})

Compare('every metric has a direction, none is a wall-clock field, and a summary\'s wall-clock fields are never taken', () => {
  for (const { metric, better } of BASELINE_METRICS) {
    assert.ok(better === 'lower' || better === 'higher', metric)
    assert.not.ok((WALL_CLOCK_FIELDS as readonly string[]).includes(metric.split('.')[0]), metric)
  }
  const metrics = baselineMetrics({ deliveryRatio: 0.5, latencyMs: { p50: 3 }, wallSeconds: 1, eventsPerSecond: 2, peakRssMb: 3 })
  assert.equal(metrics, { deliveryRatio: 0.5, 'latencyMs.p50': 3 })
})

const Tolerance = suite('--tolerance')

Tolerance('N% is relative, N absolute, METRIC=T for one metric', () => {
  assert.equal(parseTolerances([]), { all: EXACT, perMetric: {} })
  assert.equal(parseTolerances(['5%', 'latencyMs.p99=12.5', 'deliveryRatio=0.1%']), {
    all: { amount: 0.05, relative: true },
    perMetric: { 'latencyMs.p99': { amount: 12.5, relative: false }, deliveryRatio: { amount: 0.001, relative: true } },
  })
})

Tolerance('bad values are usage errors naming what was expected', () => {
  for (const [values, pattern] of [
    [['-5%'], /expected N% .* or N/],
    [['5 %'], /expected N%/],
    [['latencyMs.p42=5%'], /"latencyMs\.p42" is not a metric baselines hold; expected one of deliveryRatio,/],
    [['5%', '10%'], /second tolerance for every metric/],
  ] as const) {
    const error = thrown(() => parseTolerances(values))
    assert.instance(error, UsageError)
    assert.match(error.message, pattern)
  }
})

const Identity = suite('baseline identity')

const quickstart = () => loadScenario(join(ROOT, 'scenarios/quickstart.yaml'))
const shipped = () => JSON.parse(readFileSync(join(ROOT, SHIPPED), 'utf8')) as Baseline

function refusal(baseline: unknown, scenario = quickstart()): string {
  const file = join(tmp, 'identity.json')
  writeFileSync(file, JSON.stringify(baseline))
  const error = thrown(() => readBaseline(file, scenario, expandSweep(scenario)))
  assert.instance(error, InputError)
  return error.message.replace(file, 'FILE')
}

Identity('the shipped baseline is accepted for the scenario it was saved from', () => {
  const s = quickstart()
  assert.is(readBaseline(join(ROOT, SHIPPED), s, expandSweep(s)).scenario, 'quickstart')
})

Identity('another scenario, seed, era, parameters or grid is refused, naming the file, the field and what was expected', () => {
  assert.match(refusal({ ...shipped(), seed: 2 }), /^FILE: seed: got 2, expected 1 /)
  assert.match(refusal({ ...shipped(), scenario: 'other' }), /^FILE: scenario: got "other", expected "quickstart" /)
  assert.match(refusal({ ...shipped(), protocol: 'tatum' }), /^FILE: protocol: got "tatum", expected "brubeck" /)
  const b = shipped()
  assert.match(refusal({ ...b, parameters: { ...b.parameters, nodes: 999 } }), /^FILE: parameters\.nodes: got 999, expected 1000 .*re-save it with --save-baseline/)
  assert.match(refusal({ ...b, points: [{ ...b.points[0], point: { 'topology.degree': 4 } }] }), /^FILE: points: no point \{\}; expected one per point/)
  assert.match(refusal({ ...b, points: [{ ...b.points[0], parametersHash: 'abc' }] }), /^FILE: points \{\}: parametersHash: got abc, expected [0-9a-f]{16} /)
  assert.match(refusal({ ...b, format: undefined }), /^FILE: format: got nothing, expected "block-rtc-baseline\/1"/)
  assert.match(refusal({ ...b, points: [{ ...b.points[0], metrics: { rmr: 'x' } }] }), /^FILE: points\[0\]\.metrics\.rmr: got "x", expected a finite number/)
})

const Cli = suite('sim check --baseline, the real command line')
Cli.after(() => rmSync(tmp, { recursive: true, force: true }))

Cli('the shipped quickstart baseline holds for the current code, exactly', () => {
  const r = sim('check', 'scenarios/quickstart.yaml', '--baseline', SHIPPED, '--quiet', '--out', join(tmp, 'quickstart'))
  assert.is(r.code, 0, r.out + r.err)
  assert.match(r.out, /all \d+ metrics as in the baseline/)
  assert.match(r.out, /baseline: no metric regressed beyond tolerance/)
})

Cli('a sweep saves every point; beyond tolerance exits 1 printing metric, baseline, now and change; within it exits 0', () => {
  const scenario = join(tmp, 'small.yaml')
  // No budgets: with --baseline or --save-baseline, check needs none.
  writeFileSync(scenario, 'name: small\nprotocol: brubeck\nnodes: 120\nnetwork: { latency: { model: fixed, ms: 10 } }\nworkload: { messagesPerPublisher: 10, warmupS: 1 }\nsweep:\n  topology.degree: [3, 5]\n')
  const saved = join(tmp, 'baselines', 'small.json')
  const save = sim('check', scenario, '--save-baseline', saved, '--quiet', '--out', join(tmp, 'save'))
  assert.is(save.code, 0, save.out + save.err)
  const baseline = JSON.parse(readFileSync(saved, 'utf8')) as Baseline
  assert.equal(baseline.points.map((p) => p.point), [{ 'topology.degree': 3 }, { 'topology.degree': 5 }])
  assert.not.match(JSON.stringify(baseline), /wallSeconds|peakRssMb|eventsPerSecond|startedAt/)

  const same = sim('check', scenario, '--baseline', saved, '--quiet', '--out', join(tmp, 'same'))
  assert.is(same.code, 0, same.out + same.err)
  assert.is([...same.out.matchAll(/all \d+ metrics as in the baseline/g)].length, 2)

  // The stored p50 of the second point made 10% better than this code gives, p90 20% worse:
  // the run now regresses by 10% on p50 and improves on p90.
  const p = baseline.points[1].metrics
  const p50 = p['latencyMs.p50']
  p['latencyMs.p50'] = p50 / 1.1
  p['latencyMs.p90'] *= 1.2
  const tampered = join(tmp, 'tampered.json')
  writeFileSync(tampered, JSON.stringify(baseline))

  const beyond = sim('check', scenario, '--baseline', tampered, '--tolerance', '5%', '--quiet', '--out', join(tmp, 'beyond'))
  assert.is(beyond.code, 1, beyond.out + beyond.err)
  assert.match(beyond.out, /metric\s+better\s+baseline\s+now\s+change\s+tolerance\s+result/)
  assert.match(beyond.out, new RegExp(`latencyMs\\.p50\\s+lower\\s+${Number((p50 / 1.1).toPrecision(6))}\\s+${Number(p50.toPrecision(6))}\\s+\\+[\\d.]+ \\(\\+10\\.00%\\)\\s+5%\\s+REGRESSED`))
  assert.match(beyond.out, /latencyMs\.p90\s+lower\s+[\d.]+\s+[\d.]+\s+-[\d.]+ \(-16\.67%\)\s+5%\s+improved/)
  assert.match(beyond.out, /baseline: 1 metric\(s\) regressed beyond tolerance/)

  const within = sim('check', scenario, '--baseline', tampered, '--tolerance', '5%', '--tolerance', 'latencyMs.p50=15%', '--quiet', '--out', join(tmp, 'within'))
  assert.is(within.code, 0, within.out + within.err)
  assert.match(within.out, /latencyMs\.p50\s+lower\s+[\d.]+\s+[\d.]+\s+\+[\d.]+ \(\+10\.00%\)\s+15%\s+within/)
  assert.match(within.out, /1 metric\(s\) improved beyond tolerance; if that is meant, lock it in: --save-baseline /)
})

Cli('a baseline for another seed is refused with exit 2 before anything runs', () => {
  const out = join(tmp, 'refused')
  const r = sim('check', 'scenarios/quickstart.yaml', '--baseline', SHIPPED, '--seed', '7', '--quiet', '--out', out)
  assert.is(r.code, 2, r.out + r.err)
  assert.match(r.err, /results\/baselines\/quickstart\.json: seed: got 1, expected 7 /)
  assert.not.ok(existsSync(out))
  const flag = sim('run', 'scenarios/quickstart.yaml', '--baseline', SHIPPED)
  assert.is(flag.code, 2)
  assert.match(flag.err, /--baseline goes with check/)
})

Compare.run()
Tolerance.run()
Identity.run()
Cli.run()

// `sim compare`: the designs resolve to the protocol and builder they name, the statistics match
// values computed by hand, the after-mass-failure delivery ratio keeps deliveryRatio's identity,
// a tiny comparison writes the right rows and columns and the same bytes twice, bad input is
// refused before anything runs, and the explorer serves the comparison.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { FastifyInstance } from 'fastify'
import { InputError } from '../sim/input-error.ts'
import { runScenario } from '../sim/runner.ts'
import { designScenario, parseDesigns, resolveDesigns } from '../sim/results/compare-designs.ts'
import { meanInterval, studentTQuantile } from '../sim/results/compare-stats.ts'
import { latencyQuantiles, pooledCdf } from '../sim/results/compare-cdf.ts'
import { formatInterval } from '../sim/results/compare-markdown.ts'
import { buildApp } from '../viz/app.ts'
import { scenarioFrom } from './helpers/scenario.ts'
import { sim, thrown } from './helpers/sim-cli.ts'

const tmp = mkdtempSync(join(tmpdir(), 'compare-'))


const TATUM = 'name: designs\nprotocol: tatum\nnodes: 50\ntopology: { builder: dht }\n'
const BRUBECK = 'name: designs\nprotocol: brubeck\nnodes: 50\n'

// ---------------------------------------------------------------------------------------------

const Designs = suite('compare designs')

Designs('each design resolves to its protocol, builder and DHT options', () => {
  const of = (text: string, design: Parameters<typeof designScenario>[3]) => designScenario(text, 'designs.yaml', [], design, 1)
  const pick = (text: string, design: Parameters<typeof designScenario>[3]) => {
    const s = of(text, design)
    return [s.protocol, s.topology.builder, s.topology.locality, s.topology.plumtree]
  }
  assert.equal(pick(TATUM, 'static'), ['tatum', 'static', 'none', false], 'static keeps the file\'s protocol')
  assert.equal(pick(BRUBECK, 'static'), ['brubeck', 'static', 'none', false])
  assert.equal(pick(TATUM, 'tracker'), ['brubeck', 'tracker', 'none', false])
  assert.equal(pick(BRUBECK, 'dht'), ['tatum', 'dht', 'none', false])
  assert.equal(pick(TATUM, 'dht-ring'), ['tatum', 'dht', 'ring', false])
  assert.equal(pick(TATUM, 'dht-plumtree'), ['tatum', 'dht', 'none', true])
  const ringInFile = 'name: designs\nprotocol: tatum\nnodes: 50\ntopology: { builder: dht, locality: ring, plumtree: true }\n'
  assert.equal(pick(ringInFile, 'dht'), ['tatum', 'dht', 'none', false], 'dht sets locality and plumtree whatever the file says')
})

Designs('era defaults resolve per design, so no run mixes eras', () => {
  // The propagation buffers of the two eras, as README's "Protocol eras" gives them.
  const tracker = designScenario(TATUM, 'designs.yaml', [], 'tracker', 1)
  assert.equal([tracker.propagation.maxMessages, tracker.propagation.ttlMs], [30, 30_000])
  const dht = designScenario(BRUBECK, 'designs.yaml', [], 'dht', 1)
  assert.equal([dht.propagation.maxMessages, dht.propagation.ttlMs], [150, 10_000])
})

Designs('the user\'s --set reaches every design, the design\'s own fields win, and the seed is the run\'s', () => {
  const s = designScenario(TATUM, 'designs.yaml', ['nodes=80', 'topology.builder=static'], 'tracker', 7)
  assert.is(s.nodes, 80)
  assert.is(s.topology.builder, 'tracker')
  assert.is(s.seed, 7)
})

Designs('a design the scenario cannot take is refused before anything runs, naming the design and the field', () => {
  const text = `${TATUM}ordering: { enabled: true, gapMode: light }\n`
  const error = thrown(() => resolveDesigns(text, 'light.yaml', [], ['static', 'tracker'], [1, 2]))
  assert.instance(error, InputError)
  assert.match(error.message, /design tracker \(protocol=brubeck, topology\.builder=tracker\) does not fit light\.yaml/)
  assert.match(error.message, /light\.yaml: ordering\.gapMode: got "light", expected/)
  assert.not.match(error.message, /design static/)
  assert.match(error.message, /--designs static/)
})

Designs('--designs takes a comma-separated list in order and names what is wrong with a bad one', () => {
  assert.equal(parseDesigns(undefined), ['static', 'tracker', 'dht', 'dht-ring', 'dht-plumtree'])
  assert.equal(parseDesigns('tracker, static'), ['tracker', 'static'])
  const bad = thrown(() => parseDesigns('static,trakcer'))
  assert.instance(bad, InputError)
  assert.match(bad.message, /--designs: got "static,trakcer", expected a comma-separated list of designs out of static, tracker, dht, dht-ring, dht-plumtree; unknown design "trakcer", did you mean "tracker"\?/)
  assert.match(thrown(() => parseDesigns('')).message, /--designs: got "", expected/)
  assert.match(thrown(() => parseDesigns('dht,dht')).message, /"dht" is named twice/)
})

Designs.run()

// ---------------------------------------------------------------------------------------------

const Stats = suite('compare statistics')

Stats('Student t quantiles match the printed table', () => {
  // Two-sided 95%: the 0.975 quantile, from any statistics table.
  const table: [number, number][] = [[1, 12.706], [2, 4.303], [4, 2.776], [9, 2.262], [29, 2.045], [120, 1.980]]
  for (const [df, t] of table) assert.ok(Math.abs(studentTQuantile(0.975, df) - t) < 5e-4, `df ${df}: ${studentTQuantile(0.975, df)}`)
  assert.ok(Math.abs(studentTQuantile(0.025, 4) + 2.776) < 5e-4, 'symmetric')
})

Stats('the mean and 95% interval match values computed by hand', () => {
  // 1..5: mean 3, s = sqrt(2.5), se = sqrt(0.5), t(4) = 2.7764451 -> 1.9632432.
  const five = meanInterval([1, 2, 3, 4, 5])
  assert.is(five.n, 5)
  assert.is(five.mean, 3)
  assert.ok(Math.abs(five.halfWidth - 1.9632432) < 1e-6, String(five.halfWidth))
  // 10 and 12: s = sqrt(2), se = 1, t(1) = 12.7062047.
  const two = meanInterval([10, 12])
  assert.ok(Math.abs(two.halfWidth - 12.7062047) < 1e-6, String(two.halfWidth))
  // Missing values do not count: the same as 1..5.
  const gaps = meanInterval([1, null, 2, Number.NaN, 3, undefined, 4, 5])
  assert.equal([gaps.n, gaps.mean, gaps.halfWidth], [5, five.mean, five.halfWidth])
})

Stats('cells show the interval, the value and n=1 for one seed, n=k when seeds lack the metric, and - for none', () => {
  assert.is(formatInterval(meanInterval([1, 2, 3, 4, 5]), 2, 5), '3.00 ± 1.96')
  assert.is(formatInterval(meanInterval([7]), 1, 1), '7.0 (n=1)')
  assert.is(formatInterval(meanInterval([10, 12, null]), 0, 3), '11 ± 13 (n=2)')
  assert.is(formatInterval(meanInterval([null, null]), 3, 2), '-')
  assert.is(formatInterval(meanInterval([1234.5, 1234.5]), 1, 2), '1,234.5 ± 0.0')
})

Stats('pooled latency CDFs weight each run by its samples', () => {
  // Two runs of four samples each: the pooled CDF is that of the eight.
  const a = latencyQuantiles(Float64Array.from([1, 2, 3, 4]))
  const b = latencyQuantiles(Float64Array.from([5, 6, 7, 8]))
  assert.equal(pooledCdf([a, b], 8), [[1, 0], [1, 0.125], [2, 0.25], [3, 0.375], [4, 0.5], [5, 0.625], [6, 0.75], [7, 0.875], [8, 1]])
  // 2 samples at 10 and 20, 8 at 30: 20% of the pool is at or below 20 whatever the quantile count.
  const small = latencyQuantiles(Float64Array.from([10, 20]))
  const big = latencyQuantiles(new Float64Array(8).fill(30))
  const cdf = pooledCdf([small, big], 10)
  assert.equal(cdf.slice(0, 4), [[10, 0], [10, 0.1], [20, 0.2], [30, 0.3]])
  assert.equal(cdf[cdf.length - 1], [30, 1])
  // Many samples: kept as 1000 quantiles, and the pooled median is the exact one.
  const many = latencyQuantiles(Float64Array.from({ length: 10_000 }, (_, i) => i + 1))
  assert.is(many.values.length, 1000)
  assert.equal(pooledCdf([many], 2), [[10, 0], [5000, 0.5], [10_000, 1]])
  assert.equal(pooledCdf([latencyQuantiles(new Float64Array(0))]), [])
})

Stats.run()

// ---------------------------------------------------------------------------------------------

const AfterFailure = suite('deliveryRatioAfterMassFailure')

const FLOOD = `name: after-failure
protocol: brubeck
nodes: 120
topology: { builder: static, degree: 4 }
network: { latency: { model: fixed, ms: 10 } }
workload: { messagesPerPublisher: 30, ratePerSecond: 10, warmupS: 2 }
`

AfterFailure('is null without a mass failure', async () => {
  const { summary } = await runScenario(scenarioFrom(FLOOD))
  assert.is(summary.deliveryRatioAfterMassFailure, null)
  assert.ok(JSON.stringify(summary).includes('"deliveryRatioAfterMassFailure":null'))
})

AfterFailure('equals deliveryRatio when the failure comes before every publish, and has no messages after the last one', async () => {
  // A failure at 1 s, before the first publish at 2 s: every message counts for both ratios.
  const before = (await runScenario(scenarioFrom(`${FLOOD}churn: { events: [{ type: massFailure, atS: 1, fraction: 0.4 }] }\n`))).summary
  assert.ok(before.deliveryRatio < 1, `a static overlay that lost 40% misses some: ${before.deliveryRatio}`)
  assert.is(before.deliveryRatioAfterMassFailure, before.deliveryRatio)
  // After the last publish (2 s + 30 messages at 10/s): nothing to count.
  const after = (await runScenario(scenarioFrom(`${FLOOD}churn: { events: [{ type: massFailure, atS: 20, fraction: 0.4 }] }\n`))).summary
  assert.ok(Number.isNaN(after.deliveryRatioAfterMassFailure))
})

AfterFailure('counts only the messages published after the first mass failure, as the delivery log does', async () => {
  // Failures at 5 s and, first, at 3.5 s: the messages of 2..3.5 s reached everyone before them,
  // those after run on a static overlay that lost half its nodes.
  const scenario = scenarioFrom(`${FLOOD}record: { deliveries: true }\nchurn: { events: [{ type: massFailure, atS: 5, fraction: 0.1 }, { type: massFailure, atS: 3.5, fraction: 0.5 }] }\n`)
  const { simulation, summary } = await runScenario(scenario)
  // The oracle: every node joined at 0, so the receivers of a message are the nodes online at the
  // end but its publisher; count their first receipts in the delivery log.
  const log = simulation.metrics.deliveryLog!
  const online = simulation.nodeIds.map((_, i) => simulation.membership.isOnline(i))
  let expected = 0
  let delivered = 0
  const after = new Set<number>()
  log.publishedAtMs.forEach((t, m) => {
    if (t < 3500) return
    after.add(m)
    expected += online.filter((up, i) => up && simulation.nodeIds[i] !== log.publishers[m]).length
  })
  for (let r = 0; r < log.length; r++) {
    if (after.has(log.message[r]) && log.duplicate[r] === 0 && online[log.node[r]] && simulation.nodeIds[log.node[r]] !== log.publishers[log.message[r]]) delivered++
  }
  assert.ok(after.size > 0 && after.size < log.publishedAtMs.length, `${after.size} of ${log.publishedAtMs.length} messages after the failure`)
  assert.ok(Math.abs(summary.deliveryRatioAfterMassFailure! - delivered / expected) < 1e-12, `${summary.deliveryRatioAfterMassFailure} vs ${delivered}/${expected}`)
  assert.ok(summary.deliveryRatioAfterMassFailure! < summary.deliveryRatio, 'the messages before the failure reached everyone')
})

AfterFailure.run()

// ---------------------------------------------------------------------------------------------

const Cli = suite('sim compare')

const TINY = join(tmp, 'tiny.yaml')
writeFileSync(TINY, `name: tiny
protocol: brubeck
seed: 3
nodes: 60
topology: { degree: 4 }
churn:
  initialNodes: 40
  arrivalRatePerS: 10
  events: [{ type: massFailure, atS: 4, fraction: 0.2 }]
workload: { messagesPerPublisher: 30, ratePerSecond: 10, warmupS: 2 }
durationS: 8
`)
const RESULTS = join(tmp, 'results')
const FIRST = join(RESULTS, 'tiny', 'compare-first')
const SECOND = join(RESULTS, 'tiny', 'compare-second')
const RUN_DIRS = ['static-seed3', 'static-seed4', 'tracker-seed3', 'tracker-seed4']
const METRICS = ['latencyMs.p50', 'latencyMs.p99', 'duplicatesPerDelivery', 'rmr', 'deliveryRatio', 'timeToFirstNeighbourMs.p50',
  'timeToDataMs.p50', 'joinTimeMs.p50', 'controlBytesPerNodePerSecond', 'deliveryRatioAfterMassFailure']
let firstRun: ReturnType<typeof sim>

/** A run's summary.json as the compare command read it. */
const summaryOf = (dir: string, run: string) => JSON.parse(readFileSync(join(dir, run, 'summary.json'), 'utf8')) as Record<string, unknown>
const at = (o: unknown, key: string) => key.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown> | undefined)?.[k], o)

Cli.before(() => {
  mkdirSync(join(RESULTS, 'tiny'), { recursive: true })
  firstRun = sim('compare', TINY, '--designs', 'static,tracker', '--seeds', '2', '--jobs', '1', '--out', FIRST, '--quiet')
})

Cli('2 designs x 2 seeds: one run folder each, as run writes them, and compare.csv, .md and .json', () => {
  assert.is(firstRun.code, 0, firstRun.err)
  assert.equal(readdirSync(FIRST).sort(), ['compare.csv', 'compare.json', 'compare.md', ...RUN_DIRS])
  for (const run of RUN_DIRS) {
    assert.equal(readdirSync(join(FIRST, run)).sort(), ['scenario.yaml', 'summary.json', 'timeseries.csv', 'topology.json'], run)
  }
  assert.equal([summaryOf(FIRST, 'static-seed4').seed, at(summaryOf(FIRST, 'tracker-seed3'), 'protocol.era')], [4, 'brubeck'])
  assert.match(firstRun.out, /static\s+2\s/)
  assert.match(firstRun.out, new RegExp(`results: ${FIRST}`))
})

Cli('compare.csv: a preamble naming scenario, seeds, version and commit, then design, seed and the summary metrics by name', () => {
  const lines = readFileSync(join(FIRST, 'compare.csv'), 'utf8').trimEnd().split('\n')
  const preamble = lines.filter((l) => l.startsWith('#'))
  assert.equal(preamble.map((l) => l.split('=')[0]), ['# scenario', '# seed', '# version', '# commit', '# designs', '# seeds'])
  assert.ok(preamble.includes('# scenario=tiny') && preamble.includes('# designs=static,tracker') && preamble.includes('# seeds=3,4'), preamble.join('\n'))
  const [header, ...rows] = lines.filter((l) => !l.startsWith('#'))
  assert.equal(header.split(','), ['design', 'seed', ...METRICS, 'latencyMs.count', 'protocol', 'builder', 'runDir'])
  assert.equal(rows.map((r) => r.split(',').slice(0, 2).join(' ')), ['static 3', 'static 4', 'tracker 3', 'tracker 4'])
  for (const row of rows) {
    const cells = row.split(',')
    const summary = summaryOf(FIRST, cells[cells.length - 1])
    METRICS.forEach((key, k) => {
      const expected = at(summary, key)
      const cell = cells[2 + k]
      if (typeof expected !== 'number') assert.is(cell, '', `${key} is empty where summary.json has none`)
      else assert.ok(Math.abs(Number(cell) - expected) < 1e-6, `${cells[0]} ${cells[1]} ${key}: ${cell} vs ${expected}`)
    })
    assert.is(Number(cells[2 + METRICS.length]), at(summary, 'latencyMs.count'))
    assert.equal(cells.slice(-3, -1), cells[0] === 'static' ? ['brubeck', 'static'] : ['brubeck', 'tracker'])
  }
  assert.ok(rows.every((r) => r.split(',')[2 + METRICS.indexOf('deliveryRatioAfterMassFailure')] !== ''), 'the scenario has a mass failure')
})

Cli('compare.json: per design the runs, the mean over seeds and its interval, and a pooled latency CDF', () => {
  const c = JSON.parse(readFileSync(join(FIRST, 'compare.json'), 'utf8'))
  assert.equal([c.scenario, c.seeds, c.complete, c.confidence], ['tiny', [3, 4], true, 0.95])
  assert.equal(c.metrics.map((m: { key: string }) => m.key), METRICS)
  assert.equal(c.designs.map((d: { design: string; protocol: string; builder: string }) => [d.design, d.protocol, d.builder]), [['static', 'brubeck', 'static'], ['tracker', 'brubeck', 'tracker']])
  for (const d of c.designs) {
    assert.equal(d.runs.map((r: { seed: number }) => r.seed), [3, 4])
    const values = d.runs.map((r: { runDir: string }) => at(summaryOf(FIRST, r.runDir), 'latencyMs.p50') as number)
    const stat = d.stats['latencyMs.p50']
    assert.is(stat.n, 2)
    assert.ok(Math.abs(stat.mean - (values[0] + values[1]) / 2) < 1e-9)
    // Two values: half-width = t(0.975, 1) x |a - b| / 2.
    assert.ok(Math.abs(stat.halfWidth - 12.7062047 * Math.abs(values[0] - values[1]) / 2) < 1e-5)
    const samples = d.runs.reduce((a: number, r: { runDir: string }) => a + (at(summaryOf(FIRST, r.runDir), 'latencyMs.count') as number), 0)
    assert.is(d.latencyCdf.samples, samples)
    const points: [number, number][] = d.latencyCdf.points
    assert.equal([points[0][1], points[points.length - 1][1]], [0, 1])
    assert.ok(points.every((p, i) => i === 0 || (p[0] >= points[i - 1][0] && p[1] > points[i - 1][1])), 'ascending')
    const maxes = d.runs.map((r: { runDir: string }) => at(summaryOf(FIRST, r.runDir), 'latencyMs.max') as number)
    assert.is(points[points.length - 1][0], Math.max(...maxes))
  }
})

Cli('compare.md: a header naming scenario, seeds, version and commit, a row per design, a line defining each column', () => {
  const md = readFileSync(join(FIRST, 'compare.md'), 'utf8')
  const c = JSON.parse(readFileSync(join(FIRST, 'compare.json'), 'utf8'))
  assert.ok(md.includes(`Scenario \`tiny\`, seeds 3 to 4 (2 per design), version ${c.version}, commit ${c.commit}`), md)
  const rows = md.split('\n').filter((l) => l.startsWith('| '))
  assert.is(rows.length, 4, 'header, rule, static, tracker')
  assert.ok(rows[2].startsWith('| static | brubeck | static | 2 | ') && rows[3].startsWith('| tracker | brubeck | tracker | 2 | '), rows.join('\n'))
  assert.is(rows[0].split('|').length - 2, 4 + METRICS.length)
  assert.match(rows[2], / ± /)
  for (const key of METRICS) assert.match(md, new RegExp(`^- \\*\\*[^*]+\\*\\* \\(\`${key.replace(/\./g, '\\.')}\``, 'm'))
})

Cli('the same scenario and seeds give the same bytes, wall-clock fields aside, one run at a time or two in worker threads', () => {
  const again = sim('compare', TINY, '--designs', 'static,tracker', '--seeds', '2', '--jobs', '2', '--out', SECOND, '--quiet')
  assert.is(again.code, 0, again.err)
  for (const file of ['compare.csv', 'compare.md', 'compare.json']) {
    assert.ok(readFileSync(join(FIRST, file)).equals(readFileSync(join(SECOND, file))), `${file} differs`)
  }
  const wallClock = ['wallSeconds', 'peakRssMb', 'eventsPerSecond', 'startedAt']
  for (const run of RUN_DIRS) {
    for (const file of ['scenario.yaml', 'timeseries.csv', 'topology.json']) {
      assert.ok(readFileSync(join(FIRST, run, file)).equals(readFileSync(join(SECOND, run, file))), `${run}/${file} differs`)
    }
    const [a, b] = [summaryOf(FIRST, run), summaryOf(SECOND, run)]
    for (const key of wallClock) { delete a[key]; delete b[key] }
    assert.equal(a, b, `${run}/summary.json`)
  }
})

Cli('a bad --designs value exits 2 with the value and the designs named, and writes nothing', () => {
  const out = join(tmp, 'bad-designs')
  const r = sim('compare', TINY, '--designs', 'static,dth', '--out', out)
  assert.is(r.code, 2)
  assert.match(r.err, /error: --designs: got "static,dth", expected a comma-separated list of designs out of static, tracker, dht, dht-ring, dht-plumtree; unknown design "dth", did you mean "dht"\?/)
  assert.not.ok(existsSync(out))
})

Cli('a design the scenario refuses, bad --seeds and flags of other commands exit 2 and write nothing', () => {
  const light = join(tmp, 'light.yaml')
  writeFileSync(light, 'name: light\nprotocol: tatum\nnodes: 30\nordering: { enabled: true, gapMode: light }\n')
  const out = join(tmp, 'refused')
  const refused = sim('compare', light, '--designs', 'static,tracker', '--out', out)
  assert.is(refused.code, 2)
  assert.match(refused.err, /design tracker \(protocol=brubeck, topology\.builder=tracker\) does not fit .*light\.yaml/)
  assert.match(refused.err, /ordering\.gapMode: got "light"/)
  const seeds = sim('compare', TINY, '--seeds', '0', '--out', out)
  assert.is(seeds.code, 2)
  assert.match(seeds.err, /--seeds: expected an integer 1\.\.1000, got "0"/)
  const viz = sim('compare', TINY, '--viz')
  assert.is(viz.code, 2)
  assert.match(viz.err, /--viz does not go with compare/)
  const other = sim('run', TINY, '--designs', 'static')
  assert.is(other.code, 2)
  assert.match(other.err, /--designs goes with compare/)
  assert.not.ok(existsSync(out))
})

Cli('--dry-run checks every design and seed and runs nothing', () => {
  const out = join(tmp, 'dry')
  const r = sim('compare', TINY, '--designs', 'tracker', '--seeds', '3', '--out', out, '--dry-run')
  assert.is(r.code, 0, r.err)
  assert.match(r.out, /valid; would run 3 run\(s\) of tiny: 1 design\(s\) \(tracker\) x seeds 3 to 5/)
  assert.not.ok(existsSync(out))
})

Cli.run()

// ---------------------------------------------------------------------------------------------

const Explorer = suite('explorer compares')
let app: FastifyInstance

const get = async (url: string) => {
  const r = await app.inject({ method: 'GET', url })
  return { status: r.statusCode, json: () => JSON.parse(r.body), body: r.body }
}

Explorer.before(() => {
  // The comparisons the CLI suite wrote; a folder without compare.json must not be listed.
  mkdirSync(join(RESULTS, 'tiny', 'compare-empty'), { recursive: true })
  app = buildApp({ resultsDir: RESULTS })
})

Explorer.after(async () => {
  await app.close()
  rmSync(tmp, { recursive: true, force: true })
})

Explorer('lists the comparisons at GET /api/compares', async () => {
  const r = await get('/api/compares')
  assert.is(r.status, 200)
  const list = r.json().compares
  assert.equal(list.map((c: { key: string }) => c.key).sort(), ['tiny/compare-first', 'tiny/compare-second'])
  const first = list.find((c: { key: string }) => c.key === 'tiny/compare-first')
  assert.equal([first.scenario, first.designs, first.seeds, first.runs, first.failed, first.complete], ['tiny', ['static', 'tracker'], 2, 4, 0, true])
  const runs = (await get('/api/runs')).json()
  assert.not.ok(runs.runs.some((x: { key: string }) => x.key.startsWith('tiny/compare-')), 'a comparison is not a run')
})

Explorer('serves one comparison with the keys of its runs, which the run API opens', async () => {
  const r = await get('/api/compares/tiny/compare-first')
  assert.is(r.status, 200)
  const c = r.json()
  assert.is(c.key, 'tiny/compare-first')
  assert.equal(c.designs.map((d: { design: string }) => d.design), ['static', 'tracker'])
  assert.equal(Object.keys(c.runKeys).sort(), RUN_DIRS)
  assert.is(c.runKeys['tracker-seed4'], 'tiny/compare-first/tracker-seed4')
  const summary = await get(`/api/runs/${c.runKeys['tracker-seed4']}/summary`)
  assert.is(summary.status, 200)
  assert.is(summary.json().seed, 4)
  const page = await get('/compare.html')
  assert.is(page.status, 200)
  assert.match(page.body, /compare\.js/)
})

Explorer('answers bad paths with JSON 4xx', async () => {
  const cases: [string, number][] = [
    ['/api/compares/tiny', 400],
    ['/api/compares/tiny/compare-first/static-seed3', 400],
    ['/api/compares/tiny/..%2F..%2Fetc', 400],
    ['/api/compares/tiny/compare-missing', 404],
    ['/api/compares/tiny/compare-empty', 404],
  ]
  for (const [url, status] of cases) {
    const r = await get(url)
    assert.is(r.status, status, url)
    assert.type(r.json().error, 'string', url)
  }
})

Explorer.run()

import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runScenario } from '../sim/runner.ts'
import { writeRun } from '../sim/results/write-run.ts'
import { WALL_CLOCK_FIELDS } from '../sim/results/summary-types.ts'
import { scenarioFrom } from './helpers/scenario.ts'

// Every source of randomness at once: placement, jitter, loss, Poisson arrivals, partitions, cuts.
const YAML = `
name: determinism
protocol: brubeck
seed: 5
nodes: 400
topology: { degree: 4 }
network:
  latency: { model: geo, jitterSdMs: 4 }
  lossRate: 0.02
  uploadMbps: 50
  downloadMbps: 50
  events:
    - { type: partition, atS: 3, untilS: 4, fraction: 0.3 }
    - { type: linkCut, atS: 4.5, untilS: 5, fraction: 0.1 }
workload: { publishersPerStream: 3, streams: 2, messagesPerPublisher: 20, ratePerSecond: 8, arrival: poisson, warmupS: 2 }
record: { deliveries: true, timeseriesIntervalS: 0.5 }
budgets: [ "deliveryRatio >= 0.5" ]
`

const FILES = ['summary.json', 'scenario.yaml', 'topology.json', 'timeseries.csv', 'deliveries.csv']

async function runTo(seedSet: string[]): Promise<Record<string, string>> {
  const scenario = scenarioFrom(YAML, seedSet)
  const { simulation, summary } = await runScenario(scenario)
  const dir = mkdtempSync(join(tmpdir(), 'det-'))
  await writeRun(dir, simulation, summary)
  const files: Record<string, string> = {}
  for (const f of FILES) files[f] = readFileSync(join(dir, f), 'utf8')
  const parsed = JSON.parse(files['summary.json']) as Record<string, unknown>
  for (const k of WALL_CLOCK_FIELDS) delete parsed[k]
  files['summary.json'] = JSON.stringify(parsed)
  return files
}

const Determinism = suite('runScenario and writeRun')

Determinism('write byte-identical results for the same scenario and seed, apart from wall-clock fields', async () => {
  const a = await runTo([])
  const b = await runTo([])
  for (const f of FILES) assert.ok(a[f] === b[f], `${f} differs between two runs with the same seed`)
  assert.ok(a['deliveries.csv'].split('\n').length > 10_000, 'the trace is substantial')
  const summary = JSON.parse(a['summary.json']) as { lost: { loss: number; partition: number; linkCut: number } }
  assert.ok(summary.lost.loss > 0 && summary.lost.partition > 0 && summary.lost.linkCut > 0, 'every random source was exercised')
})

Determinism('write other results for another seed', async () => {
  const a = await runTo([])
  const c = await runTo(['seed=6'])
  assert.ok(a['deliveries.csv'] !== c['deliveries.csv'])
  assert.ok(a['topology.json'] !== c['topology.json'])
  assert.ok(a['summary.json'] !== c['summary.json'])
})

Determinism.run()

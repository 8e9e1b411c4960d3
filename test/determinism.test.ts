import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { RUN_FILES, runFiles } from './helpers/run-files.ts'
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

const FILES = RUN_FILES

const runTo = (seedSet: string[]) => runFiles(scenarioFrom(YAML, seedSet))

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

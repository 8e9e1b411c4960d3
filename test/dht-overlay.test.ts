// time-limit: 900 s
// Whole DHT overlay runs: a 1,000-node overlay forms, flooding on it is exact by a shortest-path
// search written here, and a run is byte-identical for the same seed.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { TATUM } from '../core/protocol-era.ts'
import { runScenario } from '../sim/runner.ts'
import { assertFirstReceiptsOnShortestPaths } from './helpers/flood-check.ts'
import { RUN_FILES, runFiles } from './helpers/run-files.ts'
import { scenarioFrom } from './helpers/scenario.ts'

const Forms = suite('a 1,000-node DHT overlay')

Forms('becomes one component with every node at the target degree or just above, within the layer-1 join timeout', async () => {
  const { summary } = await runScenario(scenarioFrom(`
name: dht-forms
protocol: tatum
seed: 3
nodes: 1000
topology: { builder: dht, entryPoints: 2, wsServerShare: 0.2 }
network: { latency: { model: geo, intraRegionRttMs: 2 } }
churn:
  initialNodes: 100
  events: [{ type: flashCrowd, atS: 0, count: 900, withinS: 15 }]
workload: { messagesPerPublisher: 20, ratePerSecond: 10, warmupS: 30 }
`))
  const overlay = summary.overlay[0]
  assert.is(overlay.nodes, 1000)
  assert.is(overlay.components, 1)
  const target = TATUM.overlay!.contentDelivery.neighbourTargetCount
  const degrees = Object.entries(overlay.degreeDistribution).map(([d, n]) => ({ d: Number(d), n }))
  assert.ok(degrees.every(({ d }) => d >= target), `degrees ${JSON.stringify(overlay.degreeDistribution)}`)
  const atTarget = degrees.find(({ d }) => d === target)?.n ?? 0
  assert.ok(atTarget >= 900, `${atTarget} of 1,000 nodes at degree ${target}`)
  // Every node reached its target degree (joinTimeMs counts those) within the join timeout.
  assert.is(summary.joinTimeMs.count, 1000)
  assert.ok(summary.joinTimeMs.max! <= TATUM.overlay!.layer1.joinTimeoutMs, `join time max ${summary.joinTimeMs.max} ms`)
  assert.is(summary.deliveryRatio, 1)
  // The join phases: every node reached each, and since each node reaches them in order, so do
  // their quantiles, ending at the first neighbour.
  const phases = summary.dht!.joinPhasesMs
  const steps = [phases.layer0Linked, phases.entryPointsFetched, phases.layer1Contact, summary.timeToFirstNeighbourMs]
  for (const step of steps.slice(0, 3)) assert.is(step.count, 1000)
  for (const q of ['p50', 'p90', 'p99', 'max'] as const) {
    for (let i = 1; i < steps.length; i++) assert.ok(steps[i - 1][q]! <= steps[i][q]!, `join phase ${i - 1} ${q} ${steps[i - 1][q]} > phase ${i} ${q} ${steps[i][q]}`)
  }
  assert.ok(phases.layer0Linked.p50! > 0, 'a joining node needs a link before its first phase')
})

const Flood = suite('flooding on a DHT-built overlay')

Flood('delivers every first copy after link latency x the BFS hop distance on the run\'s own layer-2 overlay', async () => {
  // Fixed 7 ms links; the messages go out in half a second once the overlay has settled, so the
  // overlay at the end is the one they crossed.
  const { simulation } = await runScenario(scenarioFrom(`
name: dht-flood
protocol: tatum
seed: 4
nodes: 300
topology: { builder: dht, entryPoints: 2, wsServerShare: 0.3 }
network: { latency: { model: fixed, ms: 7 } }
workload: { messagesPerPublisher: 5, ratePerSecond: 10, warmupS: 40 }
record: { deliveries: true }
durationS: 42
`))
  assert.is(assertFirstReceiptsOnShortestPaths(simulation, 7), 5 * 299)
})

const FILES = RUN_FILES

async function runTo(seedSet: string[]): Promise<Record<string, string>> {
  const scenario = scenarioFrom(`
name: dht-determinism
protocol: tatum
seed: 8
nodes: 200
topology: { builder: dht, entryPoints: 2, wsServerShare: 0.2, locality: ring, plumtree: true }
network: { latency: { model: geo, jitterSdMs: 3 }, lossRate: 0.01 }
churn:
  initialNodes: 150
  arrivalRatePerS: 3
  session: { distribution: weibull, shape: 0.615, scaleS: 120 }
  crashFraction: 0.3
workload: { messagesPerPublisher: 60, ratePerSecond: 5, warmupS: 10 }
record: { deliveries: true, timeseriesIntervalS: 2 }
`, seedSet)
  return runFiles(scenario)
}

const Determinism = suite('a DHT run')

Determinism('writes byte-identical results for the same scenario and seed (ring, plumtree, churn, loss, jitter)', async () => {
  const a = await runTo([])
  const b = await runTo([])
  for (const f of FILES) assert.ok(a[f] === b[f], `${f} differs between two runs with the same seed`)
  const summary = JSON.parse(a['summary.json']) as { churn: { crashed: number; left: number }; dht: { routed: { sent: number } } }
  assert.ok(summary.churn.crashed > 0 && summary.churn.left > 0, 'churn was exercised')
  assert.ok(summary.dht.routed.sent > 0, 'signalling was routed over the DHT')
  const c = await runTo(['seed=9'])
  assert.ok(a['deliveries.csv'] !== c['deliveries.csv'], 'another seed gives another run')
})

const Metrics = suite('DHT metrics')

Metrics('sum the routed, RPC and cap counters over every node that ran, crashed and departed ones included', async () => {
  const { simulation, summary } = await runScenario(scenarioFrom(`
name: dht-counters
protocol: tatum
seed: 2
nodes: 120
topology: { builder: dht, entryPoints: 2, wsServerShare: 0.2 }
network: { latency: { model: geo } }
churn: { events: [{ type: massFailure, atS: 15, fraction: 0.4 }, { type: leave, atS: 18, count: 10 }] }
workload: { messagesPerPublisher: 10, ratePerSecond: 2, warmupS: 10 }
`))
  let running = 0
  for (const node of simulation.dhtOverlay!.runningNodes()) running += node.rpc.counts.requests
  assert.ok(summary.churn.crashed > 0 && summary.churn.left > 0)
  assert.ok(summary.dht!.rpc.requests > running, `${summary.dht!.rpc.requests} requests in all, ${running} by the nodes still running`)
})

Forms.run()
Metrics.run()
Flood.run()
Determinism.run()

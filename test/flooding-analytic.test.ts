// Checks the simulator against what can be computed by hand: with a fixed per-link latency and
// no loss, the first copy reaches each node along a shortest path, and plain flooding sends a
// fixed number of copies per broadcast.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runScenario } from '../sim/runner.ts'
import { assertFirstReceiptsOnShortestPaths } from './helpers/flood-check.ts'
import { scenarioFrom } from './helpers/scenario.ts'

const YAML = `
name: analytic
protocol: brubeck
seed: 11
nodes: 500
topology: { degree: 4 }
network: { latency: { model: fixed, ms: 7 } }
workload: { messagesPerPublisher: 5, ratePerSecond: 1, warmupS: 1 }
record: { deliveries: true }
`

const Flooding = suite('flooding on the simulated network')

Flooding('delivers each first copy after link latency x BFS hop distance from the publisher', async () => {
  const { simulation } = await runScenario(scenarioFrom(YAML))
  assert.is(assertFirstReceiptsOnShortestPaths(simulation, 7), 5 * 499)
})

Flooding('makes deg(publisher) + sum over other reached nodes of (deg - 1) receipts per broadcast', async () => {
  // A 5-regular graph on an odd node count leaves one node at degree 4: the identity must use real degrees.
  const { simulation, summary } = await runScenario(scenarioFrom(YAML, ['nodes=301', 'topology.degree=5', 'workload.messagesPerPublisher=1']))
  const part = simulation.streamParts[0]
  const adjacency = simulation.adjacency(part)
  const publisher = part.publishers[0]
  let expected = adjacency[publisher].length
  adjacency.forEach((list, i) => { if (i !== publisher) expected += list.length - 1 })
  assert.is(summary.firstReceipts + summary.duplicates, expected)
  assert.is(summary.payloadTransmissions, expected)
  assert.is(summary.firstReceipts, 300)
  assert.is(summary.deliveryRatio, 1)
})

Flooding('has an RMR of (d - 2) + d / (n - 1) on a d-regular overlay', async () => {
  const { summary } = await runScenario(scenarioFrom(YAML, ['nodes=1000', 'topology.degree=6']))
  assert.ok(Math.abs(summary.rmr - (4 + 6 / 999)) < 1e-9, `rmr ${summary.rmr}`)
  assert.ok(Math.abs(summary.duplicatesPerDelivery - summary.rmr) < 1e-9)
})

Flooding.run()

// Tracker-built overlays and churn, end to end through the simulator.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runScenario } from '../sim/runner.ts'
import { WALL_CLOCK_FIELDS } from '../sim/results/summary-types.ts'
import { scenarioFrom } from './helpers/scenario.ts'

const BASE = `
name: tracker-test
protocol: brubeck
seed: 3
nodes: 600
topology: { builder: tracker, degree: 4, trackers: 2 }
network: { latency: { model: geo } }
workload: { messagesPerPublisher: 200, ratePerSecond: 10, warmupS: 5 }
record: { timeseriesIntervalS: 1 }
`

const Overlay = suite('tracker-built overlay in the simulator')

Overlay('is 4-regular and connected, and delivers everything', async () => {
  const { summary } = await runScenario(scenarioFrom(BASE, ['workload.messagesPerPublisher=20']))
  const overlay = summary.overlay[0]
  assert.equal(overlay.degreeDistribution, { 4: 600 })
  assert.is(overlay.components, 1)
  assert.is(summary.deliveryRatio, 1)
  assert.is(summary.timeToFirstNeighbourMs.count, 600)
  assert.ok(summary.trackerMessagesPerSecond > 0)
})

Overlay('heals to one component within 15 s after 30% crash at once', async () => {
  const { simulation, summary } = await runScenario(scenarioFrom(BASE, ['churn.events=[{type: massFailure, atS: 10, fraction: 0.3}]']))
  assert.is(summary.churn.crashed, 180)
  const rows = simulation.metrics.timeseries.rows
  // Before the 5 s crash detection, links to dead peers carry nothing: the overlay is in pieces.
  assert.ok(rows.some((r) => r.tStartS >= 10 && r.tEndS <= 15 && r.components > 1 && r.meanDegree < 3.5), 'fragmentation visible')
  const healed = rows.find((r) => r.tStartS >= 10 && r.components === 1 && r.meanDegree > 3.9)
  assert.ok(healed !== undefined, 'never healed')
  assert.ok(healed.tEndS <= 25, `healed only at ${healed.tEndS} s`)
  assert.ok(rows.filter((r) => r.tStartS >= 25).every((r) => r.components === 1))
  assert.ok(summary.deliveryRatio > 0.99, `delivery ratio ${summary.deliveryRatio}`)
})

Overlay('keeps delivering while its trackers fail; late joiners wait for the restart', async () => {
  const { summary, simulation } = await runScenario(scenarioFrom(BASE, [
    'churn.initialNodes=550',
    'churn.events=[{type: trackerFailure, atS: 10, tracker: 0, recoverAtS: 20}, {type: trackerFailure, atS: 10, tracker: 1, recoverAtS: 20}, {type: join, atS: 12, count: 50}]',
  ]))
  assert.is(summary.overlay[0].components, 1)
  assert.is(summary.timeToFirstNeighbourMs.count, 600)
  assert.ok(summary.timeToFirstNeighbourMs.max >= 8000, 'joiners during the outage waited for the tracker')
  // The outage costs only the joiners: every node online before it received every message. (The
  // joiners may first link among themselves: the restarted tracker hears their statuses as they
  // reconnect, at the reference's 5 s tick, and rebuilds its graph in that order.)
  const publisher = simulation.streamParts[0].publishers[0]
  for (let i = 0; i < 550; i++) {
    if (i !== publisher) assert.is(simulation.metrics.receiptsSinceJoin[i], 200, `n${i} lost nothing`)
  }
  assert.ok(summary.lostOnline > 0, 'the joiners did lose some')
})

Overlay('gives the same summary for the same seed, with churn', async () => {
  const set = ['churn.initialNodes=450', 'churn.arrivalRatePerS=5', 'churn.crashFraction=0.3',
    'churn.session={distribution: weibull, shape: 0.615, scaleS: 60}', 'churn.events=[{type: massFailure, atS: 15, fraction: 0.2}]']
  const strip = (s: object) => {
    const copy = JSON.parse(JSON.stringify(s)) as Record<string, unknown>
    for (const k of WALL_CLOCK_FIELDS) delete copy[k]
    return JSON.stringify(copy)
  }
  const a = await runScenario(scenarioFrom(BASE, set))
  const b = await runScenario(scenarioFrom(BASE, set))
  const c = await runScenario(scenarioFrom(BASE, [...set, 'seed=4']))
  assert.ok(strip(a.summary) === strip(b.summary))
  assert.ok(strip(a.summary) !== strip(c.summary))
  assert.equal(a.simulation.metrics.timeseries.rows, b.simulation.metrics.timeseries.rows)
})

const Churn = suite('churn in the simulator')

Churn('accounts deliveries so they add up: delivered + lost online = receivers; joining loss is part of online loss', async () => {
  const { summary } = await runScenario(scenarioFrom(BASE, [
    'churn.initialNodes=400', 'churn.arrivalRatePerS=10', 'churn.crashFraction=0.5',
    'churn.session={distribution: exponential, meanS: 30}',
  ]))
  assert.is(summary.deliveredToReceivers + summary.lostOnline, summary.receivers)
  assert.ok(summary.lostWhileJoining <= summary.lostOnline)
  assert.ok(summary.lostToChurn > 0, 'nodes that left missed something')
  assert.ok(summary.churn.left > 0 && summary.churn.crashed > 0)
  assert.ok(summary.deliveryRatio > 0.95, `delivery ratio ${summary.deliveryRatio}`)
})

Churn('on a static overlay links late joiners to online graph neighbours, and does not replace leavers', async () => {
  const { summary } = await runScenario(scenarioFrom(BASE, [
    'topology.builder=static', 'churn.initialNodes=500', 'churn.events=[{type: join, atS: 8, count: 100}, {type: leave, atS: 10, count: 150}]',
  ]))
  const degrees = summary.overlay[0].degreeDistribution
  assert.ok((degrees['4'] ?? 0) < 450, 'leavers leave holes in a static overlay')
  assert.is(summary.churn.left, 150)
})

Overlay.run()
Churn.run()

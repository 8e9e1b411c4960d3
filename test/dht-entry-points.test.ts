// time-limit: 240 s
// A stream part's entry points in layer 0: values kept for their TTL, at most 8 stored, kept
// alive by their owners, gone a TTL after their owner crashed; and the split avoidance that
// rejoins layer 1 through them.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DataStore, MAX_ENTRIES_PER_KEY } from '../core/dht/data-store.ts'
import { dhtKeyOf } from '../core/dht/dht-id.ts'
import { peerDescriptorOf } from '../core/dht/peer-descriptor.ts'
import { TATUM } from '../core/protocol-era.ts'
import { Simulation } from '../sim/simulation.ts'
import { scenarioFrom } from './helpers/scenario.ts'

const Store = suite('DataStore')
const key = dhtKeyOf('stream-0#0')
const entry = (id: string, storedAtMs: number, ttlMs = 60_000) => ({ creator: peerDescriptorOf(id), storedAtMs, ttlMs })

Store('keeps a value for its TTL and no longer, on the clock it is given', () => {
  const store = new DataStore(60_000)
  assert.ok(store.put(key, entry('a', 0), 1_000))
  assert.is(store.get(key, 60_999).length, 1)
  assert.is(store.get(key, 61_000).length, 0)
  assert.is(store.keyCount, 0, 'an empty key is dropped')
})

Store('caps a TTL at its own maximum and lets a newer copy from the same creator replace an older one', () => {
  const store = new DataStore(60_000)
  store.put(key, entry('a', 0, 3_600_000), 0)
  assert.is(store.get(key, 60_000).length, 0)
  store.put(key, entry('a', 10, 60_000), 0)
  assert.not.ok(store.put(key, entry('a', 5), 0), 'an older copy is refused')
  assert.not.ok(store.put(key, entry('a', 10), 0), 'and the same copy again changes nothing')
  store.put(key, entry('b', 10), 0)
  assert.equal(store.get(key, 1).map((e) => e.creator.nodeId).sort(), ['a', 'b'])
  store.delete(key, 'a')
  assert.equal(store.get(key, 1).map((e) => e.creator.nodeId), ['b'])
})

Store('refuses more creators per key than its bound', () => {
  const store = new DataStore(60_000)
  for (let i = 0; i < MAX_ENTRIES_PER_KEY; i++) assert.ok(store.put(key, entry(`c${i}`, 0), 0))
  assert.not.ok(store.put(key, entry('one-too-many', 0), 0))
})

const EntryPoints = suite('stream part entry points')

function run(yaml: string): Simulation {
  const simulation = new Simulation(scenarioFrom(yaml))
  while (simulation.step(1_000_000)) { /* to the end */ }
  return simulation
}

function entryPointsOverTime(simulation: Simulation): number[] {
  return simulation.metrics.timeseries.rows.map((r) => r.entryPoints)
}

EntryPoints('members joining one at a time store themselves until 8 are stored, and those 8 stay stored', () => {
  // One join every 3 s: each finds the entries of those before it. (Members joining at the same
  // moment can all find fewer than 8 and all store themselves, in the reference as here.)
  const joins = Array.from({ length: 29 }, (_, k) => `{ type: join, atS: ${3 + 3 * k}, count: 1 }`).join(', ')
  const s = run(`
name: ep
protocol: tatum
nodes: 30
topology: { builder: dht, entryPoints: 1 }
network: { latency: { model: fixed, ms: 20 } }
churn: { initialNodes: 1, events: [${joins}] }
workload: { messagesPerPublisher: 1, ratePerSecond: 1, warmupS: 1 }
record: { timeseriesIntervalS: 5 }
durationS: 400
`)
  const counts = entryPointsOverTime(s)
  const max = TATUM.overlay!.entryPoints.maxStored
  assert.ok(counts.every((c) => c <= max), counts.join(','))
  // Long after the last join, still 8: their owners store them again before the TTL ends.
  assert.ok(counts.slice(-20).every((c) => c === max), counts.join(','))
})

EntryPoints('an entry point that crashed drops out within a TTL and a refresh, and a later joiner takes its place', () => {
  // Half the nodes crash at 100 s (all but the layer-0 entry point and the publisher may);
  // new nodes join one at a time from 250 s.
  const s = run(`
name: ep-crash
protocol: tatum
nodes: 35
topology: { builder: dht, entryPoints: 1 }
network: { latency: { model: fixed, ms: 20 } }
churn:
  initialNodes: 1
  events:
    - { type: flashCrowd, atS: 1, count: 29, withinS: 20 }
    - { type: massFailure, atS: 100, fraction: 0.5 }
    - { type: join, atS: 250, count: 1 }
    - { type: join, atS: 255, count: 1 }
    - { type: join, atS: 260, count: 1 }
    - { type: join, atS: 265, count: 1 }
    - { type: join, atS: 270, count: 1 }
workload: { messagesPerPublisher: 1, ratePerSecond: 1, warmupS: 1 }
record: { timeseriesIntervalS: 5 }
durationS: 330
`)
  const counts = entryPointsOverTime(s)
  const at = (t: number) => counts[Math.floor(t / 5) - 1]
  assert.is(at(95), 8, counts.join(','))
  // Lost with their owners within TTL + refresh interval (60 + 60 s).
  assert.ok(at(225) < 8, counts.join(','))
  assert.is(at(330), 8, counts.join(','))
})

const Split = suite('network split avoidance')

Split('the first members, alone in layer 1 when they stored themselves, end up with neighbours there', () => {
  const s = run(`
name: split
protocol: tatum
nodes: 30
topology: { builder: dht, entryPoints: 1 }
network: { latency: { model: fixed, ms: 20 } }
churn: { initialNodes: 1, arrivalRatePerS: 1 }
workload: { messagesPerPublisher: 1, ratePerSecond: 1, warmupS: 1 }
durationS: 120
`)
  const overlay = s.dhtOverlay!
  const first = overlay.node('n1')!
  const membership = [...first.memberships.values()][0]
  // n1 joined when only the entry point was up: no stream part entry point existed, so it stored itself with no layer-1 neighbour.
  assert.ok(membership.splitAvoidance.attempts >= 1, 'split avoidance ran')
  assert.ok(membership.layer1.peers.neighbourCount >= 4, `n1 has ${membership.layer1.peers.neighbourCount} layer-1 neighbours`)
  for (const node of overlay.runningNodes()) {
    for (const m of node.memberships.values()) assert.ok(m.layer1.peers.neighbourCount >= 1, `${node.local.nodeId} is alone in layer 1`)
  }
})

Store.run()
EntryPoints.run()
Split.run()

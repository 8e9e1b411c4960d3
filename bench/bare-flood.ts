// The physical limit for the simulator's flooding runs on this machine: the same overlay (the
// static builder's random regular graph, drawn from the same stream), the same placement and
// latencies, the same publish instants and the same event queue, flooded with typed arrays
// only. No protocol objects, links, handshakes or metrics beyond a first-receipt flag per node
// and message. bench/macro.ts runs it beside the simulator and reports the ratio of their
// receipts per second; it must count exactly the receipts the simulator counts.

import { createRandom } from '../sim/engine/random.ts'
import { EventQueue } from '../sim/engine/event-queue.ts'
import { Simulator } from '../sim/engine/simulator.ts'
import { createLatencyModel } from '../sim/network/latency-model.ts'
import { layOutRun } from '../sim/run-layout.ts'
import type { Scenario } from '../sim/scenario/types.ts'
import { Workload } from '../sim/workload.ts'
import { randomRegularGraph } from '../core/topology/random-regular-graph.ts'

export interface BareFloodResult {
  firstReceipts: number
  duplicates: number
  /** Placement, graph and publish times. */
  setupSeconds: number
  /** The flood itself. */
  runSeconds: number
}

/** Refuses what the bare flood does not model, so a ratio is never taken against a different run. */
export function bareFloodRefusal(s: Scenario): string | null {
  const n = s.network
  if (s.topology.builder !== 'static') return 'builder is not static'
  if (s.churn.initialNodes < s.nodes || s.churn.arrivalRatePerS > 0 || s.churn.events.length > 0) return 'the scenario has churn'
  if (n.lossRate > 0 || n.uploadMbps !== undefined || n.downloadMbps !== undefined || n.events.length > 0) return 'the network loses, limits or changes'
  if ('jitterSdMs' in n.latency && n.latency.jitterSdMs > 0) return 'latency has jitter'
  if (!['geo', 'matrix', 'fixed'].includes(n.latency.model)) return 'latency is drawn per transmission'
  return null
}

export function bareFlood(scenario: Scenario): BareFloodResult {
  const refusal = bareFloodRefusal(scenario)
  if (refusal !== null) throw new Error(`bare flood: ${scenario.name}: ${refusal}`)
  const t0 = performance.now()
  const { seed, nodes: n } = scenario
  const layout = layOutRun(scenario)
  const latency = createLatencyModel(scenario.network.latency, layout.nodeIds, seed)
  const processingMs = scenario.network.processingDelayMs
  // Per stream part: its graph in CSR form, with each directed edge's one-way delay and last arrival (per-link FIFO).
  const parts = layout.streamParts.map((part) => {
    const graph = randomRegularGraph(part.members.length, Math.min(scenario.topology.degree, part.members.length - 1),
      createRandom(seed, 'topology', part.id))
    const start = new Int32Array(n + 1)
    for (let i = 0; i < n; i++) start[i + 1] = start[i] + graph.degreeOf[i]
    const to = new Int32Array(start[n])
    const delay = new Float64Array(start[n])
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < graph.degreeOf[i]; k++) {
        const j = graph.adjacency[i * graph.degree + k]
        to[start[i] + k] = j
        delay[start[i] + k] = latency.meanOneWayMs(i, j)
      }
    }
    return { start, to, delay, lastArrival: new Float64Array(start[n]) }
  })
  // The publish instants, from the simulator's own workload on a scratch clock.
  const publishes: { atMs: number; publisher: number; part: number }[] = []
  const clock = new Simulator()
  new Workload(clock, scenario.workload, seed, layout.nodeIds, layout.streamParts.map((p) => p.publishers),
    (publisher, part) => publishes.push({ atMs: clock.now(), publisher, part })).schedule()
  clock.run(Infinity)
  // received[m * n + i]: node i has message m.
  const received = new Uint8Array(publishes.length * n)
  const queue = new EventQueue()
  const t1 = performance.now()

  if (publishes.length * n > 2 ** 31) throw new Error('bare flood: messages x nodes must fit an int32')
  let firstReceipts = 0
  let duplicates = 0
  let next = 0
  // An event is a delivery: a = message * n + node, b = the node it came from.
  while (queue.size > 0 || next < publishes.length) {
    let m: number
    let node: number
    let from: number
    let at: number
    // A publish runs before deliveries at the same instant or later, as the simulator schedules it earlier.
    if (next < publishes.length && publishes[next].atMs <= queue.peekTime()) {
      m = next++
      node = publishes[m].publisher
      from = -1
      at = publishes[m].atMs
      received[m * n + node] = 1
    } else {
      at = queue.peekTime()
      const slot = queue.pop()
      const key = queue.a[slot]
      from = queue.b[slot]
      if (received[key] === 1) {
        duplicates++
        continue
      }
      received[key] = 1
      firstReceipts++
      m = Math.floor(key / n)
      node = key - m * n
    }
    const { start, to, delay, lastArrival } = parts[publishes[m].part]
    const base = m * n
    for (let e = start[node]; e < start[node + 1]; e++) {
      const j = to[e]
      if (j === from) continue
      let arrival = at + delay[e]
      if (arrival < lastArrival[e]) arrival = lastArrival[e]
      lastArrival[e] = arrival
      queue.push(arrival + processingMs, 0, base + j, node, undefined)
    }
  }
  const t2 = performance.now()
  return { firstReceipts, duplicates, setupSeconds: (t1 - t0) / 1000, runSeconds: (t2 - t1) / 1000 }
}

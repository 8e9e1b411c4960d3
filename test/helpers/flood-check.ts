// The independent flood check: with a fixed per-link latency and no loss, each first copy must
// reach its node along a shortest path of the run's own overlay. The hop distances come from a
// breadth-first search written here, apart from the simulator's code.

import * as assert from 'uvu/assert'
import type { Simulation } from '../../sim/simulation.ts'

/** Hop distances from `source` (-1 where unreachable). */
export function fewestHops(adjacency: readonly (readonly number[])[], source: number): number[] {
  const dist = adjacency.map(() => -1)
  dist[source] = 0
  const queue = [source]
  for (let head = 0; head < queue.length; head++) {
    const u = queue[head]
    for (const v of adjacency[u]) {
      if (dist[v] < 0) {
        dist[v] = dist[u] + 1
        queue.push(v)
      }
    }
  }
  return dist
}

/**
 * Asserts that every first receipt in the run's delivery log (record.deliveries) came after
 * `linkMs` x the hop distance from the first stream part's publisher, with that many hops;
 * returns how many first receipts were checked.
 */
export function assertFirstReceiptsOnShortestPaths(simulation: Simulation, linkMs: number): number {
  const part = simulation.streamParts[0]
  const dist = fewestHops(simulation.adjacency(part), part.publishers[0])
  const log = simulation.metrics.deliveryLog!
  let checked = 0
  for (let i = 0; i < log.length; i++) {
    if (log.duplicate[i] === 1) continue
    const latency = log.receivedAtMs[i] - log.publishedAtMs[log.message[i]]
    assert.ok(Math.abs(latency - linkMs * dist[log.node[i]]) < 1e-6, `node ${log.node[i]}: ${latency} ms vs ${dist[log.node[i]]} hops`)
    assert.is(log.hops[i], dist[log.node[i]])
    checked++
  }
  return checked
}

// The overlay builder a scenario names, wired to the simulated network: a static random-regular
// graph, or Brubeck trackers whose clients also carry the WebRTC signalling of their nodes'
// connection setup (offers and answers travel node -> tracker -> node, as Brubeck's did).

import type { NetworkNode } from '../core/network-node.ts'
import type { EraDefaults } from '../core/protocol-era.ts'
import { StaticOverlay } from '../core/topology/static-overlay.ts'
import type { TopologyBuilder } from '../core/topology/topology-builder.ts'
import { TrackerOverlay } from '../core/tracker/tracker-overlay.ts'
import { createRandom } from './engine/random.ts'
import type { Simulator } from './engine/simulator.ts'
import type { SimNetwork } from './network/sim-network.ts'
import type { RunLayout } from './run-layout.ts'
import type { Scenario } from './scenario/types.ts'

export function createTopologyBuilder(scenario: Scenario, era: EraDefaults, layout: RunLayout, sim: Simulator, network: SimNetwork,
  nodes: readonly NetworkNode[]): TopologyBuilder {
  const { topology, seed } = scenario
  if (topology.builder === 'tracker') return trackerOverlay(era, layout, sim, network, nodes, seed)
  const overlay = new StaticOverlay(topology.degree)
  // The graph is drawn over every node that will ever join; a late joiner links to the graph
  // neighbours already online, and a leaver's links are not repaired.
  for (const part of layout.streamParts) {
    overlay.define(part.id, part.members.map((m) => layout.nodeIds[m]), createRandom(seed, 'topology', part.id))
  }
  return overlay
}

function trackerOverlay(era: EraDefaults, layout: RunLayout, sim: Simulator, network: SimNetwork, nodes: readonly NetworkNode[],
  seed: number): TrackerOverlay {
  const t = era.tracker!
  const overlay = new TrackerOverlay(layout.trackerIds, {
    timers: sim,
    randomFor: (id) => createRandom(seed, 'node', id, 'tracker'),
    signalHandlerFor: (id) => {
      const to = network.indexOfNode(id)!
      return (from, payload) => {
        const sender = network.indexOfNode(from)
        if (sender !== undefined) network.setup.handleSignal(to, sender, payload)
      }
    },
  }, {
    statusDebounceMs: t.statusDebounceMs,
    instructionRetryIntervalMs: t.instructionRetryIntervalMs,
    statusEveryNthRetry: t.statusEveryNthRetry,
    instructionSettleMs: t.instructionSettleMs,
    reconnectIntervalMs: t.reconnectIntervalMs,
  })
  network.setup.setSignalRoute((from, to, payload) => {
    const node = nodes[from]
    const part = node.streamPartIds()[0]
    const client = overlay.client(node)
    return part !== undefined && client !== undefined && client.sendSignal(part, layout.nodeIds[to], payload)
  })
  return overlay
}

// The overlay builder a scenario names, wired to the simulated network: a static random-regular
// graph; Brubeck trackers, whose clients also carry the WebRTC signalling of their nodes'
// connection setup (offers and answers travel node -> tracker -> node, as Brubeck's did); or
// Tatum's DHT, whose layer-0 routers carry it (and connect-back requests) node to node.

import { ContentDeliveryLayer } from '../core/content-delivery/content-delivery-layer.ts'
import { DhtOverlay } from '../core/dht-overlay/dht-overlay.ts'
import { type PeerDescriptor, peerDescriptorOf } from '../core/dht/peer-descriptor.ts'
import type { NetworkNode } from '../core/network-node.ts'
import type { EraDefaults } from '../core/protocol-era.ts'
import { StaticOverlay } from '../core/topology/static-overlay.ts'
import type { TopologyBuilder } from '../core/topology/topology-builder.ts'
import { TrackerOverlay } from '../core/tracker/tracker-overlay.ts'
import { createRandom } from './engine/random.ts'
import type { Simulator } from './engine/simulator.ts'
import { regionNumbers } from './network/region-numbers.ts'
import type { SimNetwork } from './network/sim-network.ts'
import type { DhtMetrics } from './metrics/dht-metrics.ts'
import type { RunLayout } from './run-layout.ts'
import type { Scenario } from './scenario/types.ts'

export function createTopologyBuilder(scenario: Scenario, era: EraDefaults, layout: RunLayout, sim: Simulator, network: SimNetwork,
  nodes: readonly NetworkNode[], dhtMetrics?: DhtMetrics): TopologyBuilder {
  const { topology, seed } = scenario
  if (topology.builder === 'tracker') return trackerOverlay(era, layout, sim, network, nodes, seed)
  if (topology.builder === 'dht') return dhtOverlay(scenario, era, layout, sim, network, dhtMetrics)
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

function dhtOverlay(scenario: Scenario, era: EraDefaults, layout: RunLayout, sim: Simulator, network: SimNetwork,
  metrics: DhtMetrics | undefined): DhtOverlay {
  const overlay = era.overlay!
  const numbers = regionNumbers(network.latency.regions)
  const locality = scenario.topology.locality === 'ring'
  // One descriptor per node, shared by everyone who learns of it.
  const descriptors: PeerDescriptor[] = layout.nodeIds.map((id, i) =>
    peerDescriptorOf(id, locality ? numbers[network.latency.nodeRegion[i]] : 0, layout.hasServer[i] === 1))
  const builder: DhtOverlay = new DhtOverlay(layout.entryPoints.map((i) => descriptors[i]), {
    descriptorOf: (id) => descriptors[network.indexOfNode(id)!],
    stopped: (node) => metrics?.retire(node),
    portsFor: (id) => {
      const to = network.indexOfNode(id)!
      return {
        clock: sim,
        timers: sim,
        random: createRandom(scenario.seed, 'node', id, 'dht'),
        observer: metrics,
        neighbourManager: (node, membership, rpc) => new ContentDeliveryLayer(node, rpc, membership.streamPartId, membership, {
          timers: sim, random: createRandom(scenario.seed, 'node', id, 'layer2', membership.streamPartId),
        }, {
          neighbourTargetCount: scenario.topology.degree,
          handshakeTimeoutMs: era.handshakeTimeoutMs,
          plumtree: scenario.topology.plumtree,
        }),
        routed: (source, payload) => {
          const from = network.indexOfNode(source.nodeId)
          if (from !== undefined) network.setup.handleSignal(to, from, payload)
        },
      }
    },
  }, overlay)
  network.setup.setSignalRoute((from, to, payload) => builder.node(layout.nodeIds[from])?.router.route(descriptors[to], payload) ?? false)
  return builder
}

// The Brubeck TopologyBuilder: the first join of a node attaches a TrackerClient to it, and the
// trackers (nodes of their own, see tracker.ts) do the rest.

import type { NetworkNode } from '../network-node.ts'
import type { NodeId, Random, Timers } from '../ports.ts'
import type { TopologyBuilder } from '../topology/topology-builder.ts'
import { type SignalHandler, TrackerClient, type TrackerClientOptions, createTrackerClientOptions } from './tracker-client.ts'

export interface TrackerOverlayPorts {
  timers: Timers
  /** Each node's own random stream (for the phase of its reconnects), e.g. createRandom(seed, 'node', id, 'tracker'). */
  randomFor(nodeId: NodeId): Random
  /** Where the signalling the trackers relay to a node goes (its transport's WebRTC setup), if anywhere. */
  signalHandlerFor?(nodeId: NodeId): SignalHandler
}

/**
 * The Brubeck TopologyBuilder: the first join of a node attaches a TrackerClient to it; the
 * trackers (nodes of their own, see tracker.ts) do the rest.
 */
export class TrackerOverlay implements TopologyBuilder {
  private readonly clients = new WeakMap<NetworkNode, TrackerClient>()
  private readonly options: TrackerClientOptions

  constructor(
    readonly trackerIds: readonly NodeId[],
    private readonly ports: TrackerOverlayPorts,
    options: Partial<TrackerClientOptions> = {}
  ) {
    if (trackerIds.length === 0) throw new RangeError('a tracker overlay needs at least one tracker')
    this.options = createTrackerClientOptions(options)
  }

  join(node: NetworkNode, streamPartId: string): void {
    this.clientFor(node).join(streamPartId)
  }

  leave(node: NetworkNode, streamPartId: string): void {
    const client = this.clients.get(node)
    if (client !== undefined) client.leave(streamPartId)
    else node.leaveStreamPart(streamPartId)
  }

  /** `node` crashed: its client forgets everything without a word, and starts afresh on the next join. */
  crashed(node: NetworkNode): void {
    this.clients.get(node)?.reset()
  }

  client(node: NetworkNode): TrackerClient | undefined {
    return this.clients.get(node)
  }

  private clientFor(node: NetworkNode): TrackerClient {
    let client = this.clients.get(node)
    if (client === undefined) {
      client = new TrackerClient(node, this.trackerIds, { timers: this.ports.timers, random: this.ports.randomFor(node.id) }, this.options)
      client.onSignal(this.ports.signalHandlerFor?.(node.id))
      node.attach(client)
      this.clients.set(node, client)
    }
    return client
  }
}

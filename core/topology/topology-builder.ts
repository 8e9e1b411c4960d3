// How a node finds its neighbours in a stream part. The static random-regular baseline, the
// Brubeck tracker and the Tatum DHT are interchangeable behind this, and all of them end in the
// node's own addNeighbour path, so the relay never knows which one built its overlay.

import type { NetworkNode } from '../network-node.ts'

export interface TopologyBuilder {
  /** `node` has joined `streamPartId` and wants neighbours. */
  join(node: NetworkNode, streamPartId: string): void
  /** `node` is leaving `streamPartId` gracefully. */
  leave(node: NetworkNode, streamPartId: string): void
  /** `node` crashed or finished leaving: drop whatever per-node state the builder keeps (timers, links to trackers). */
  crashed(node: NetworkNode): void
}

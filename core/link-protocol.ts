// A protocol that shares a node's links with content delivery: the tracker client, later the
// DHT. The node hands it the wire kinds it owns and tells it about links and neighbour
// changes; the protocol answers through the node, so control traffic is counted in one place.

import type { Connection, NodeId } from './ports.ts'

export interface LinkProtocol {
  /** Wire message kinds this protocol owns; see ports.ts for the numbering. */
  readonly kinds: readonly number[]
  /** Returns false when `message` is not a well-formed message of its kind (the node counts it as malformed). */
  handleMessage(connection: Connection, message: { kind: number }): boolean
  onConnected?(connection: Connection): void
  onConnectFailed?(peer: NodeId, reason: string): void
  onDisconnected?(connection: Connection, reason: string): void
  /** The neighbour set of a stream part changed (added, removed, joined or left). */
  onNeighboursChanged?(streamPartId: string): void
}

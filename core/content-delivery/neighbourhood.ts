// The state one node keeps of one stream part's overlay, shared by the handshaker, the finder and
// the neighbour updates, and the few actions they take on it. The layer (content-delivery-layer.ts)
// implements it; the parts see only this, so each can be read and tested on its own.
// A contract only: no implementation lives here.

import type { PeerDescriptor } from '../dht/peer-descriptor.ts'
import type { NodeId, Random } from '../ports.ts'
import type { ContentDeliveryCounts } from './content-delivery-counts.ts'
import type { ContentDeliveryLayerOptions } from './content-delivery-options.ts'
import type { NodeList } from './node-list.ts'
import type { NodeViews } from './node-views.ts'

/** `reply` is undefined when the request failed (timeout, no link). Never called after the layer stops. */
export type ReplyCallback = (reply: unknown) => void

export interface Neighbourhood {
  readonly local: PeerDescriptor
  readonly streamPartId: string
  readonly options: ContentDeliveryLayerOptions
  /** Peers both ends agreed on, in the order they were bound; at most nodeViewSize (NodeList's limit). */
  readonly neighbours: NodeList
  readonly views: NodeViews
  /** Peers we sent a handshake to and have no answer from. */
  readonly ongoingHandshakes: Set<NodeId>
  /** Neighbours we asked to move to a requester and have no answer from. */
  readonly ongoingInterleaves: Set<NodeId>
  readonly counts: ContentDeliveryCounts
  readonly random: Random
  /** Lists `peer` and binds it on the node; false when the list is full or there is no link. */
  bind(peer: PeerDescriptor): boolean
  /** Drops `peer` here and on the node, which tells it (the generic leave). */
  unbind(peer: NodeId): void
  /** A layer-2 RPC to `to` on this stream part. */
  request(to: PeerDescriptor, method: number, body: unknown, bodyBytes: number, timeoutMs: number, callback: ReplyCallback): void
  isLinked(peer: NodeId): boolean
  /** The RPC timeout for `peer`, by the link it needs (RpcRemote.ts getTimeout, dht 103.3.1). */
  timeoutFor(peer: PeerDescriptor): number
  /** Runs `fn` after `delayMs` unless the layer has stopped by then. */
  after(delayMs: number, fn: () => void): void
}

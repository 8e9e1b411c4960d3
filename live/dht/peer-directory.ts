// What a live DHT node knows of how to reach other nodes: their descriptors (node id, whether
// they run a WebSocket server and at which URL), learned from the RPC messages that reach it and
// from its configured entry points. core connects by node id; the link transport looks the id up
// here to pick WebSocket, connect-back or WebRTC and to route signalling to it.
//
// Hearsay is not trusted over the node's own word: a descriptor that a node sends of itself (the
// sender of an RPC on an authenticated link) or that the operator configured is `firsthand` and
// only another firsthand one replaces it; descriptors listed in bodies fill gaps. The directory
// is bounded; the least recently learned entry goes first.

import type { NodeId } from '../../core/ports.ts'
import type { PeerDescriptor } from '../../core/dht/peer-descriptor.ts'
import { type LivePeerDescriptor, descriptorUrl } from './descriptor-wire.ts'

/** Descriptors kept at most: well above the routing tables (k-buckets, layer-1 DHTs, node views). */
export const MAX_DIRECTORY_ENTRIES = 10_000
/** How deep the walk over a message looks for descriptors (an RPC body nests 3 levels at most). */
const MAX_WALK_DEPTH = 6

interface Entry {
  readonly descriptor: LivePeerDescriptor
  readonly firsthand: boolean
}

export class PeerDirectory {
  private readonly entries = new Map<NodeId, Entry>()

  constructor(private readonly localId: NodeId, private readonly max = MAX_DIRECTORY_ENTRIES) {}

  get size(): number {
    return this.entries.size
  }

  get(nodeId: NodeId): LivePeerDescriptor | undefined {
    return this.entries.get(nodeId)?.descriptor
  }

  /** The URL of `nodeId`'s WebSocket server, if it has one we know of. */
  urlOf(nodeId: NodeId): string | undefined {
    const d = this.get(nodeId)
    return d?.websocket === true ? descriptorUrl(d) : undefined
  }

  learn(descriptor: PeerDescriptor, firsthand: boolean): void {
    if (descriptor.nodeId === this.localId) return
    const old = this.entries.get(descriptor.nodeId)
    if (old !== undefined && old.firsthand && !firsthand) return
    this.entries.delete(descriptor.nodeId)
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(descriptor.nodeId, { descriptor, firsthand })
  }

  /**
   * Learns every descriptor in a decoded RPC message from `linkPeer`: its sender is firsthand
   * when it is the peer on the link (core drops the message otherwise), the rest hearsay.
   */
  learnFrom(message: unknown, linkPeer: NodeId): void {
    if (typeof message !== 'object' || message === null) return
    const sender = (message as { sender?: unknown }).sender
    if (isDescriptor(sender) && sender.nodeId === linkPeer) this.learn(sender, true)
    this.walk((message as { body?: unknown }).body, 0)
  }

  private walk(x: unknown, depth: number): void {
    if (typeof x !== 'object' || x === null || depth > MAX_WALK_DEPTH || x instanceof Uint8Array) return
    if (isDescriptor(x)) {
      this.learn(x, false)
      return
    }
    if (Array.isArray(x)) for (const v of x) this.walk(v, depth + 1)
    else for (const v of Object.values(x)) this.walk(v, depth + 1)
  }
}

function isDescriptor(x: unknown): x is PeerDescriptor {
  return typeof x === 'object' && x !== null && typeof (x as PeerDescriptor).nodeId === 'string'
    && (x as PeerDescriptor).dhtId instanceof Uint8Array && typeof (x as PeerDescriptor).websocket === 'boolean'
}

// A bounded list of peers kept in the order they were added (NodeList.ts, trackerless-network
// 103.3.1): a node's neighbours and each of its node views. A full list ignores additions, so the
// first-come stay. Random picks draw from the layer's seeded Random, never from a global.

import type { PeerDescriptor } from '../dht/peer-descriptor.ts'
import type { NodeId, Random } from '../ports.ts'

/** Peers a pick must skip. */
export type Exclusion = ReadonlySet<NodeId>

const NONE: Exclusion = new Set()

export class NodeList {
  private readonly peers = new Map<NodeId, PeerDescriptor>()

  constructor(private readonly localId: NodeId, readonly limit: number) {}

  get size(): number {
    return this.peers.size
  }

  /** False when it is us, or the list is full and does not hold it yet. */
  add(peer: PeerDescriptor): boolean {
    if (peer.nodeId === this.localId) return false
    if (this.peers.has(peer.nodeId)) {
      // Keeps its place in the order; the newer descriptor is the one kept.
      this.peers.set(peer.nodeId, peer)
      return true
    }
    if (this.peers.size >= this.limit) return false
    this.peers.set(peer.nodeId, peer)
    return true
  }

  remove(nodeId: NodeId): boolean {
    return this.peers.delete(nodeId)
  }

  has(nodeId: NodeId): boolean {
    return this.peers.has(nodeId)
  }

  get(nodeId: NodeId): PeerDescriptor | undefined {
    return this.peers.get(nodeId)
  }

  /**
   * Clears the list and adds the first `limit` of `peers`; nobody hears of the ones dropped.
   * True when that added a peer the list did not hold (checked before clearing: this runs on
   * every contact change, so it allocates nothing).
   */
  replaceAll(peers: readonly PeerDescriptor[]): boolean {
    const n = Math.min(peers.length, this.limit)
    let gained = false
    for (let i = 0; i < n && !gained; i++) gained = peers[i].nodeId !== this.localId && !this.peers.has(peers[i].nodeId)
    if (!gained && this.holdsInOrder(peers, n)) return false
    this.peers.clear()
    for (let i = 0; i < n; i++) this.add(peers[i])
    return gained
  }

  /** Whether the list is exactly the first `n` of `peers` (without us), in that order. */
  private holdsInOrder(peers: readonly PeerDescriptor[], n: number): boolean {
    let i = 0
    for (const id of this.peers.keys()) {
      while (i < n && peers[i].nodeId === this.localId) i++
      if (i >= n || peers[i].nodeId !== id) return false
      i++
    }
    while (i < n && peers[i].nodeId === this.localId) i++
    return i >= n
  }

  /** How many the list holds that `exclude` does not name. */
  sizeExcluding(exclude: Exclusion): number {
    let n = 0
    for (const id of this.peers.keys()) if (!exclude.has(id)) n++
    return n
  }

  ids(): NodeId[] {
    return [...this.peers.keys()]
  }

  all(): PeerDescriptor[] {
    return [...this.peers.values()]
  }

  /** The earliest added not excluded; with `websocketOnly`, the earliest that runs a WebSocket server. */
  first(exclude: Exclusion = NONE, websocketOnly = false): PeerDescriptor | undefined {
    for (const p of this.peers.values()) {
      if (!exclude.has(p.nodeId) && (!websocketOnly || p.websocket)) return p
    }
    return undefined
  }

  /** The latest added not excluded. */
  last(exclude: Exclusion = NONE): PeerDescriptor | undefined {
    let found: PeerDescriptor | undefined
    for (const p of this.peers.values()) if (!exclude.has(p.nodeId)) found = p
    return found
  }

  /** One not excluded, uniformly at random; draws nothing when there is none. */
  random(exclude: Exclusion, random: Random): PeerDescriptor | undefined {
    const included: PeerDescriptor[] = []
    for (const p of this.peers.values()) if (!exclude.has(p.nodeId)) included.push(p)
    if (included.length === 0) return undefined
    return included[Math.floor(random.next() * included.length)]
  }
}

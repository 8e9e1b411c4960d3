// The descriptors of the peers a node has links to, kept dense: routing scans all of them for
// every hop it forwards (a hub has hundreds), and a scan over an array and the ids' first 32
// bits in a typed array runs several times faster than one over a Map's iterator that reads
// each id's bytes. Removal swaps the last entry in, so the order is arbitrary: users must not
// depend on it.

import type { NodeId } from '../ports.ts'
import type { PeerDescriptor } from '../dht/peer-descriptor.ts'

export class LinkedPeers {
  private readonly index = new Map<NodeId, number>()
  private readonly descriptors: PeerDescriptor[] = []
  /** The first 32 bits of each descriptor's DHT id, as an unsigned number. */
  private prefixes = new Uint32Array(16)

  get size(): number {
    return this.descriptors.length
  }

  get(nodeId: NodeId): PeerDescriptor | undefined {
    const i = this.index.get(nodeId)
    return i === undefined ? undefined : this.descriptors[i]
  }

  has(nodeId: NodeId): boolean {
    return this.index.has(nodeId)
  }

  /** The i-th descriptor, 0 <= i < size. */
  at(i: number): PeerDescriptor {
    return this.descriptors[i]
  }

  /** The first 32 bits of the i-th descriptor's DHT id. */
  prefixAt(i: number): number {
    return this.prefixes[i]
  }

  /** Adds the peer, or replaces its descriptor. */
  set(descriptor: PeerDescriptor): void {
    const nodeId = descriptor.nodeId
    const i = this.index.get(nodeId)
    if (i !== undefined) {
      this.descriptors[i] = descriptor
      this.prefixes[i] = idPrefix32(descriptor.dhtId)
      return
    }
    const n = this.descriptors.length
    if (n === this.prefixes.length) {
      const grown = new Uint32Array(2 * n)
      grown.set(this.prefixes)
      this.prefixes = grown
    }
    this.index.set(nodeId, n)
    this.descriptors.push(descriptor)
    this.prefixes[n] = idPrefix32(descriptor.dhtId)
  }

  delete(nodeId: NodeId): void {
    const i = this.index.get(nodeId)
    if (i === undefined) return
    this.index.delete(nodeId)
    const last = this.descriptors.length - 1
    const moved = this.descriptors.pop()!
    if (i === last) return
    this.descriptors[i] = moved
    this.prefixes[i] = this.prefixes[last]
    this.index.set(moved.nodeId, i)
  }
}

/** An id's first 32 bits as an unsigned number: XOR of two prefixes orders most distances. */
export function idPrefix32(id: Uint8Array): number {
  return ((id[0] << 24) | (id[1] << 16) | (id[2] << 8) | id[3]) >>> 0
}

// The locality ring (ringIdentifiers.ts and RingContactList.ts, @streamr/dht 103.3.1). A node's
// ring id is its region number followed by a unique part, so the nodes of a region sit side by
// side and neighbouring region numbers are nearby places. Layer 2 asks its closest ring
// contacts on both sides first. With locality off every region number is 0 and the ring is in
// random order.
//
// The reference packs region, IP address and 7 bytes of the node id into 120 bits and compares
// them as an approximate double. Here a position is `region + u`, u in [0, 1) from the id's last
// 6 bytes (there are no IP addresses to place), on a ring of 2^32 regions: the same order.

import type { PeerDescriptor } from './peer-descriptor.ts'

export const RING_SIZE = 2 ** 32

export function ringPositionOf(d: PeerDescriptor): number {
  const id = d.dhtId
  let u = 0
  for (let i = 14; i < 20; i++) u = u * 256 + id[i]
  return d.region + u / 2 ** 48
}

/** How far `x` is from `ref` going down (left), wrapping around. */
export function leftDistance(ref: number, x: number): number {
  return ref >= x ? ref - x : RING_SIZE - (x - ref)
}

/** How far `x` is from `ref` going up (right), wrapping around. */
export function rightDistance(ref: number, x: number): number {
  return x >= ref ? x - ref : RING_SIZE - (ref - x)
}

export interface RingSides {
  readonly left: PeerDescriptor[]
  readonly right: PeerDescriptor[]
}

/** The closest contacts on each side of a position, at most `perSide` each, closest first. */
export class RingContacts implements RingSides {
  readonly left: PeerDescriptor[] = []
  readonly right: PeerDescriptor[] = []
  /** Distances of the contacts on each side, kept beside them so an insert computes one position. */
  private readonly leftDistances: number[] = []
  private readonly rightDistances: number[] = []

  constructor(readonly position: number, readonly perSide: number, private readonly excludeId?: string) {}

  /** True when `contact` is now on a side. */
  add(contact: PeerDescriptor): boolean {
    if (contact.nodeId === this.excludeId) return false
    const p = ringPositionOf(contact)
    if (p === this.position) return false
    const onLeft = insert(this.left, this.leftDistances, contact, leftDistance(this.position, p), this.perSide)
    const onRight = insert(this.right, this.rightDistances, contact, rightDistance(this.position, p), this.perSide)
    return onLeft || onRight
  }

  remove(nodeId: string): boolean {
    const l = removeFrom(this.left, this.leftDistances, nodeId)
    const r = removeFrom(this.right, this.rightDistances, nodeId)
    return l || r
  }

  has(nodeId: string): boolean {
    return this.left.some((c) => c.nodeId === nodeId) || this.right.some((c) => c.nodeId === nodeId)
  }

  all(): PeerDescriptor[] {
    const out = [...this.left]
    for (const c of this.right) if (!out.includes(c)) out.push(c)
    return out
  }
}

function insert(side: PeerDescriptor[], distances: number[], contact: PeerDescriptor, d: number, max: number): boolean {
  let i = 0
  while (i < side.length && distances[i] <= d) {
    if (side[i].nodeId === contact.nodeId) return false
    i++
  }
  // A contact already here has this same distance, so the loop above met it.
  if (i >= max) return false
  side.splice(i, 0, contact)
  distances.splice(i, 0, d)
  if (side.length > max) {
    side.pop()
    distances.pop()
  }
  return true
}

function removeFrom(side: PeerDescriptor[], distances: number[], nodeId: string): boolean {
  const i = side.findIndex((c) => c.nodeId === nodeId)
  if (i < 0) return false
  side.splice(i, 1)
  distances.splice(i, 1)
  return true
}

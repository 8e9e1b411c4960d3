// The four views of the stream part a node picks handshake targets from, refilled from layer 1
// whenever its contacts change (ContentDeliveryLayerNode.ts onNearbyContactAdded,
// onRandomContactAdded, onRingContactsUpdated, trackerless-network 103.3.1): the closest contacts,
// a random sample, and the closest ring contacts on each side, each at most nodeViewSize.

import type { NodeId } from '../ports.ts'
import type { NeighbourSource } from './neighbour-source.ts'
import { NodeList } from './node-list.ts'

export class NodeViews {
  readonly nearby: NodeList
  readonly random: NodeList
  readonly left: NodeList
  readonly right: NodeList

  constructor(localId: NodeId, viewSize: number) {
    this.nearby = new NodeList(localId, viewSize)
    this.random = new NodeList(localId, viewSize)
    this.left = new NodeList(localId, viewSize)
    this.right = new NodeList(localId, viewSize)
  }

  /**
   * Reads every view again from `source`. True when the nearby or random view gained a peer: the
   * reference restarts neighbour finding on those additions only (not on removals, nor on ring changes).
   */
  refresh(source: NeighbourSource): boolean {
    const nearbyGained = this.nearby.replaceAll(source.nearbyContacts())
    const randomGained = this.random.replaceAll(source.randomContacts())
    const ring = source.ringContacts()
    this.left.replaceAll(ring.left)
    this.right.replaceAll(ring.right)
    return nearbyGained || randomGained
  }

  /** Distinct peers over all four views: the finder stops once it has excluded that many. */
  uniqueContactCount(): number {
    const ids = new Set<NodeId>()
    for (const view of [this.nearby, this.left, this.right, this.random]) for (const id of view.ids()) ids.add(id)
    return ids.size
  }
}

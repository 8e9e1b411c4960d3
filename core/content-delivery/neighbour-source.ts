// What layer 1 (the stream part's own DHT) offers layer 2: the contacts it knows, from which
// layer 2 picks whom to ask to be a neighbour (ContentDeliveryLayerNode.ts reads the same three
// lists from its DiscoveryLayerNode, trackerless-network 103.3.1). Layer 1 calls the layer's
// contactsChanged() when any of them changes; layer 2 reads them then, never holds them.
// A contract only: no implementation lives here.

import type { PeerDescriptor } from '../dht/peer-descriptor.ts'

export interface RingSidesView {
  /** Closest first. */
  readonly left: readonly PeerDescriptor[]
  readonly right: readonly PeerDescriptor[]
}

export interface NeighbourSource {
  /** Known contacts of the stream part, closest to this node (DHT distance) first. */
  nearbyContacts(): readonly PeerDescriptor[]
  /** A random sample of the stream part's contacts. */
  randomContacts(): readonly PeerDescriptor[]
  /** The closest contacts on each side on the locality ring. */
  ringContacts(): RingSidesView
}

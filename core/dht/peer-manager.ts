// Everything one DHT knows about other nodes (PeerManager.ts, @streamr/dht 103.3.1): the
// k-buckets (its neighbours), the nearby contacts sorted by distance, a random sample, and the
// closest contacts on the locality ring. A contact entering a bucket is locked against the
// connection cap and pinged unless a link is already open; one that does not answer is forgotten
// and the closest active contact not yet in a bucket takes its place.

import type { Random } from '../ports.ts'
import type { DhtOptions } from './dht-options.ts'
import { KBuckets } from './k-buckets.ts'
import type { PeerDescriptor } from './peer-descriptor.ts'
import { RandomContactList } from './random-contact-list.ts'
import { RingContacts, ringPositionOf } from './ring.ts'
import { SortedContactList } from './sorted-contact-list.ts'

export interface PeerManagerHooks {
  hasConnection(nodeId: string): boolean
  /** Pings `peer`; `done(true)` when it answered. */
  ping(peer: PeerDescriptor, done: (online: boolean) => void): void
  lock?(nodeId: string): void
  unlock?(nodeId: string): void
  /** The contacts changed (layer 2 reads them on demand). */
  changed(): void
  /** `contact` entered the nearby list (the store replicates to close newcomers). */
  nearbyAdded?(contact: PeerDescriptor): void
  /** The last k-bucket contact went away. */
  bucketsEmpty(): void
}

export class PeerManager {
  readonly buckets: KBuckets
  readonly nearby: SortedContactList
  readonly random: RandomContactList
  readonly ring: RingContacts
  private readonly active = new Set<string>()
  private stopped = false

  constructor(readonly local: PeerDescriptor, private readonly options: DhtOptions, random: Random, private readonly hooks: PeerManagerHooks) {
    this.buckets = new KBuckets(local.dhtId, options.k)
    this.nearby = new SortedContactList(local.dhtId, options.maxContactCount, local.nodeId)
    this.random = new RandomContactList(local.nodeId, options.maxContactCount, options.randomContactAcceptance, random)
    this.ring = new RingContacts(ringPositionOf(local), options.ringContactsPerSide, local.nodeId)
  }

  get neighbourCount(): number {
    return this.buckets.count
  }

  addContact(contact: PeerDescriptor): void {
    if (this.stopped || contact.nodeId === this.local.nodeId) return
    const inBuckets = this.buckets.has(contact.nodeId, contact.dhtId)
    const inNearby = this.nearby.has(contact.nodeId)
    let changed = false
    if (inBuckets || inNearby) changed = this.random.add(contact) || changed
    if (!inBuckets) {
      const result = this.buckets.add(contact)
      if (result.evicted !== undefined) this.hooks.unlock?.(result.evicted.nodeId)
      if (result.added) {
        changed = true
        this.bucketAdded(contact)
      }
    }
    if (!inNearby) {
      const result = this.nearby.add(contact)
      changed = result.added || changed
      if (result.removed !== undefined) this.random.add(result.removed)
      if (result.added) this.hooks.nearbyAdded?.(contact)
    }
    changed = this.ring.add(contact) || changed
    if (changed) this.hooks.changed()
  }

  setActive(nodeId: string): void {
    this.active.add(nodeId)
  }

  /** Forgets `contact` everywhere (it left, or did not answer). */
  removeContact(contact: PeerDescriptor): void {
    if (this.stopped) return
    this.ring.remove(contact.nodeId)
    const inBuckets = this.buckets.remove(contact.nodeId, contact.dhtId)
    this.nearby.remove(contact.nodeId)
    this.active.delete(contact.nodeId)
    this.random.remove(contact.nodeId)
    if (inBuckets) this.bucketRemoved(contact.nodeId)
    this.hooks.changed()
  }

  /** Drops `nodeId` from the buckets only: its link closed, but it may still be alive. */
  removeNeighbour(nodeId: string): void {
    if (this.stopped) return
    const contact = this.buckets.find(nodeId)
    if (contact === undefined) return
    this.buckets.remove(nodeId, contact.dhtId)
    this.bucketRemoved(nodeId)
    this.hooks.changed()
  }

  /** Pings `contacts` and forgets those that do not answer (periodic pruning of layer 1). */
  pruneOffline(contacts: readonly PeerDescriptor[]): void {
    for (const c of contacts) {
      this.hooks.ping(c, (online) => {
        if (online) this.active.add(c.nodeId)
        else this.removeContact(c)
      })
    }
  }

  stop(): PeerDescriptor[] {
    this.stopped = true
    const told = this.buckets.all()
    for (const c of this.ring.all()) if (!told.includes(c)) told.push(c)
    return told
  }

  private bucketAdded(contact: PeerDescriptor): void {
    this.hooks.lock?.(contact.nodeId)
    const limit = this.options.neighbourPingLimit
    if (this.hooks.hasConnection(contact.nodeId) || (limit !== null && this.buckets.count > limit)) return
    this.hooks.ping(contact, (online) => {
      if (this.stopped || online) return
      this.hooks.unlock?.(contact.nodeId)
      this.removeContact(contact)
      const next = this.nearby.all().find((c) => !this.buckets.has(c.nodeId, c.dhtId) && this.active.has(c.nodeId))
      if (next !== undefined) this.addContact(next)
    })
  }

  private bucketRemoved(nodeId: string): void {
    this.hooks.unlock?.(nodeId)
    if (this.buckets.count === 0) this.hooks.bucketsEmpty()
  }
}

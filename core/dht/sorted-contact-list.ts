// Contacts in order of distance to one id, at most `maxSize`: the nearby contacts of a node
// (maxContactCount 200, @streamr/dht 103.3.1 DhtNode.ts) and the candidates of a lookup. When
// full, a closer contact pushes out the furthest, which the caller hears about.

import { type DhtId, compareDistance } from './dht-id.ts'
import type { PeerDescriptor } from './peer-descriptor.ts'

export class SortedContactList {
  private readonly contacts: PeerDescriptor[] = []
  private readonly ids = new Set<string>()

  constructor(readonly reference: DhtId, readonly maxSize: number, private readonly excludeId?: string) {}

  get size(): number {
    return this.contacts.length
  }

  has(nodeId: string): boolean {
    return this.ids.has(nodeId)
  }

  /**
   * Adds `contact` in its place. Returns what fell off the end: the furthest contact, `contact`
   * itself when it is further than all of a full list, or undefined.
   */
  add(contact: PeerDescriptor): { added: boolean; removed: PeerDescriptor | undefined } {
    if (this.ids.has(contact.nodeId) || contact.nodeId === this.excludeId) return { added: false, removed: undefined }
    let lo = 0
    let hi = this.contacts.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareDistance(this.contacts[mid].dhtId, contact.dhtId, this.reference) < 0) lo = mid + 1
      else hi = mid
    }
    if (lo >= this.maxSize) return { added: false, removed: undefined }
    this.contacts.splice(lo, 0, contact)
    this.ids.add(contact.nodeId)
    if (this.contacts.length <= this.maxSize) return { added: true, removed: undefined }
    const removed = this.contacts.pop()!
    this.ids.delete(removed.nodeId)
    return { added: true, removed }
  }

  remove(nodeId: string): boolean {
    if (!this.ids.delete(nodeId)) return false
    const i = this.contacts.findIndex((c) => c.nodeId === nodeId)
    this.contacts.splice(i, 1)
    return true
  }

  /** In order, closest first; the list's own array, not to be changed. */
  all(): readonly PeerDescriptor[] {
    return this.contacts
  }

  closest(n: number, exclude?: ReadonlySet<string>): PeerDescriptor[] {
    const out: PeerDescriptor[] = []
    for (const c of this.contacts) {
      if (out.length >= n) break
      if (exclude === undefined || !exclude.has(c.nodeId)) out.push(c)
    }
    return out
  }

  /** The furthest contacts first. */
  furthest(n: number): PeerDescriptor[] {
    return this.contacts.slice(Math.max(0, this.contacts.length - n)).reverse()
  }
}

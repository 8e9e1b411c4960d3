// Contacts kept at random, for layer 2's random neighbours: each new one is taken with a
// probability (0.20) and replaces the oldest when the list is full (RandomContactList.ts,
// @streamr/dht 103.3.1).

import type { Random } from '../ports.ts'
import type { PeerDescriptor } from './peer-descriptor.ts'

export class RandomContactList {
  private readonly contacts: PeerDescriptor[] = []
  private readonly ids = new Set<string>()

  constructor(
    private readonly localId: string,
    readonly maxSize: number,
    private readonly acceptance: number,
    private readonly random: Random
  ) {}

  get size(): number {
    return this.contacts.length
  }

  add(contact: PeerDescriptor): boolean {
    if (contact.nodeId === this.localId || this.ids.has(contact.nodeId)) return false
    if (this.random.next() >= this.acceptance) return false
    if (this.contacts.length >= this.maxSize) this.ids.delete(this.contacts.shift()!.nodeId)
    this.contacts.push(contact)
    this.ids.add(contact.nodeId)
    return true
  }

  remove(nodeId: string): boolean {
    if (!this.ids.delete(nodeId)) return false
    this.contacts.splice(this.contacts.findIndex((c) => c.nodeId === nodeId), 1)
    return true
  }

  all(): readonly PeerDescriptor[] {
    return this.contacts
  }
}

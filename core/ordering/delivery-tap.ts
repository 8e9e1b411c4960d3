// A NodeObserver that passes every event on to another observer and also hands first receipts
// and own publications to listeners (an OrderingBuffer, a StorageNode). The node has a single
// observer and no other hook for deliveries, so this is how a role sees them without being the
// node's metrics observer. The listeners can be added after the node is built.

import type { StreamMessage } from '../message.ts'
import type { NodeObserver } from '../observer.ts'
import type { Connection, NodeId, WireMessage } from '../ports.ts'

export interface DeliveryListener {
  /** A first receipt, already past the node's duplicate detector. */
  delivered?(message: StreamMessage, from: Connection): void
  /** This node published it. */
  published?(message: StreamMessage): void
}

export class DeliveryTap implements NodeObserver {
  private readonly listeners: DeliveryListener[] = []

  constructor(private readonly inner: NodeObserver) {}

  listen(listener: DeliveryListener): void {
    this.listeners.push(listener)
  }

  published(message: StreamMessage): void {
    this.inner.published(message)
    for (const l of this.listeners) l.published?.(message)
  }

  delivered(message: StreamMessage, from: Connection): void {
    this.inner.delivered(message, from)
    for (const l of this.listeners) l.delivered?.(message, from)
  }

  duplicate(message: StreamMessage, from: Connection): void {
    this.inner.duplicate(message, from)
  }

  invalid(message: StreamMessage, from: Connection): void {
    this.inner.invalid(message, from)
  }

  malformed(from: Connection): void {
    this.inner.malformed(from)
  }

  sent(message: WireMessage, to: Connection): void {
    this.inner.sent(message, to)
  }

  neighbourAdded(streamPartId: string, peer: NodeId): void {
    this.inner.neighbourAdded(streamPartId, peer)
  }

  neighbourRemoved(streamPartId: string, peer: NodeId, reason: string): void {
    this.inner.neighbourRemoved(streamPartId, peer, reason)
  }
}

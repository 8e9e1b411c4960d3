// The storage role of a node (PROTOCOL.md, "Messages"): it joins the stream parts assigned to it,
// stores every first receipt of them (and what it publishes itself), and answers resend requests
// over the node's links. It sees receipts as a DeliveryListener of its node (core/delivery-listener.ts),
// because the node has no other hook for them. Where it keeps them is a MessageStore
// (message-store.ts): in memory in the simulator, a database on a live node.

import type { LinkProtocol } from '../link-protocol.ts'
import type { StreamMessage } from '../message.ts'
import type { NetworkNode } from '../network-node.ts'
import type { DeliveryListener } from '../delivery-listener.ts'
import type { Connection } from '../ports.ts'
import {
  DEFAULT_IN_MEMORY_MESSAGE_STORE_OPTIONS, InMemoryMessageStore, type InMemoryMessageStoreOptions,
} from './in-memory-message-store.ts'
import type { MessageStore } from './message-store.ts'
import {
  RESEND_NOT_STORED, RESEND_OK, RESEND_TRUNCATED, STORAGE_NODE_WIRE_KINDS, type ResendRequestMessage,
  isResendRequestMessage, resendEndMessage, resendMessageMessage,
} from './storage-messages.ts'

/** The options of a storage node that keeps its messages in memory (the simulator's). */
export type StorageNodeOptions = InMemoryMessageStoreOptions
export const DEFAULT_STORAGE_NODE_OPTIONS: Readonly<StorageNodeOptions> = DEFAULT_IN_MEMORY_MESSAGE_STORE_OPTIONS

/** Fills in defaults and rejects values the in-memory store cannot work with. */
export function createStorageNodeOptions(options: Partial<StorageNodeOptions> = {}): StorageNodeOptions {
  const o = { ...DEFAULT_STORAGE_NODE_OPTIONS, ...options }
  for (const key of ['maxMessagesPerChain', 'maxMessagesPerResponse'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new RangeError(`${key} must be an integer >= 1, got ${o[key]}`)
  }
  return o
}

/** Counters for metrics and tests; they only grow. */
export interface StorageNodeStats {
  stored: number
  /** Receipts of a number already stored (a republished or resent copy). */
  duplicatesIgnored: number
  /** Well-formed requests answered, whatever their status. */
  requests: number
  /** Requests that failed the shape check: dropped, and counted by the node as malformed too. */
  malformedRequests: number
  /** Requests for a part this node does not store. */
  notStored: number
  truncated: number
  messagesSent: number
}

export class StorageNode<S extends MessageStore = MessageStore> implements LinkProtocol, DeliveryListener {
  readonly kinds = STORAGE_NODE_WIRE_KINDS
  private readonly assigned = new Set<string>()
  private readonly counts: StorageNodeStats = {
    stored: 0, duplicatesIgnored: 0, requests: 0, malformedRequests: 0, notStored: 0, truncated: 0, messagesSent: 0,
  }

  constructor(private readonly node: NetworkNode, readonly store: S) {}

  get stats(): Readonly<StorageNodeStats> {
    return this.counts
  }

  /** Stores `streamPartId` from now on, joining it; the topology builder gives it neighbours. */
  assign(streamPartId: string): void {
    this.assigned.add(streamPartId)
    this.node.joinStreamPart(streamPartId)
  }

  isAssigned(streamPartId: string): boolean {
    return this.assigned.has(streamPartId)
  }

  /** The stream parts it stores. */
  assignedParts(): string[] {
    return [...this.assigned]
  }

  // DeliveryListener

  delivered(message: StreamMessage): void {
    this.keep(message)
  }

  published(message: StreamMessage): void {
    this.keep(message)
  }

  // LinkProtocol

  handleMessage(connection: Connection, message: { kind: number }): boolean {
    if (!isResendRequestMessage(message)) {
      this.counts.malformedRequests++
      return false
    }
    this.answer(connection, message)
    return true
  }

  private keep(message: StreamMessage): void {
    if (!this.assigned.has(message.streamPartId)) return
    if (this.store.add(message)) this.counts.stored++
    else this.counts.duplicatesIgnored++
  }

  private answer(connection: Connection, request: ResendRequestMessage): void {
    this.counts.requests++
    if (!this.assigned.has(request.streamPartId)) {
      this.counts.notStored++
      this.node.send(connection, resendEndMessage(request.requestId, 0, RESEND_NOT_STORED))
      return
    }
    const { messages, truncated } = this.store.query(request.streamPartId, request.query, request)
    for (const m of messages) this.node.send(connection, resendMessageMessage(request.requestId, m))
    this.counts.messagesSent += messages.length
    if (truncated) this.counts.truncated++
    this.node.send(connection, resendEndMessage(request.requestId, messages.length, truncated ? RESEND_TRUNCATED : RESEND_OK))
  }
}

/** A storage node on `node` keeping its messages in `store`: attached to its links and listening to what it accepts. */
export function attachStorageNode<S extends MessageStore>(node: NetworkNode, store: S): StorageNode<S> {
  const storage = new StorageNode(node, store)
  node.attach(storage)
  node.listen(storage)
  return storage
}

/** A storage node on `node` that keeps its messages in memory (the simulator's). */
export function createStorageNode(node: NetworkNode, options: Partial<StorageNodeOptions> = {}): StorageNode<InMemoryMessageStore> {
  return attachStorageNode(node, new InMemoryMessageStore(createStorageNodeOptions(options)))
}

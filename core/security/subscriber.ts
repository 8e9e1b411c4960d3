// The message layer's subscriber on a node: what the node accepts goes through validation (when
// it happens here rather than at every relay), per-chain ordering with gap fill, and decryption,
// and comes out to the app in chain order, as plaintext. A message whose key it lacks waits, with
// the rest of its chain behind it, while the key is asked for (KeyRequester).
//
// A forged copy that reaches relays first makes them drop the genuine message as a duplicate
// when relays do not validate. So a subscriber that rejects a message claiming a permitted
// publisher asks a storage node for the genuine one at that position, if it has a resend source.

import type { DeliveryListener } from '../delivery-listener.ts'
import type { LinkProtocol } from '../link-protocol.ts'
import { ENCRYPTION_NONE, MESSAGE_TYPE_CONTENT, type StreamMessage, compareRefs } from '../message.ts'
import type { GroupKey } from '../message-layer/encryption.ts'
import type { KeyPair } from '../message-layer/identity.ts'
import { VERDICT_BAD_SIGNATURE, VERDICT_VALID, type Verdict } from '../message-validator.ts'
import type { ResendSource } from '../ordering/resend-source.ts'
import type { NetworkNode } from '../network-node.ts'
import type { OrderingBuffer } from '../ordering/ordering-buffer.ts'
import type { OrderingStats } from '../ordering/ordering-stats.ts'
import type { Connection, NodeId, Random } from '../ports.ts'
import { KeyRequester, type KeyRequesterOptions } from './key-requester.ts'
import type { SecurityPorts } from './security-ports.ts'
import type { StreamMessageValidator } from './stream-message-validator.ts'

export interface SubscriberOptions extends KeyRequesterOptions {
  /** Validate here; false when every relay validates (then the node already did). */
  validate: boolean
  /**
   * Validate what storage nodes resend, also when `validate` is false: a resent message came
   * through no relay, and a storage node could forge history. Live nodes do (they trust no
   * storage node); the simulator's storage nodes are honest and store only what their relay
   * validated, so it checks resends only where it checks everything (`validate`).
   */
  validateResent: boolean
  /** Messages waiting for a key, per chain; beyond it the newest are dropped (counted). */
  maxWaitingPerChain: number
}

export const DEFAULT_MAX_WAITING_PER_CHAIN = 1_000

export interface SubscriberStats {
  received: number
  rejected: number
  /** Resent messages (counted in `rejected` too) that failed validation: a storage node sent what its publisher did not sign or may not publish. */
  resentRejected: number
  /** Rejected messages whose genuine version was asked of a storage node. */
  refetched: number
  delivered: number
  /** Content that did not decrypt under the key its id names: altered bytes or a lying id. */
  decryptFailures: number
  /** Dropped for want of a key: its request went unanswered (not permitted) or the queue was full. */
  undecryptable: number
  keysFromRotation: number
}

/** The app: each message once, in chain order, with its plaintext content. */
export type AppDelivery = (message: StreamMessage, content: Uint8Array) => void

export class Subscriber implements LinkProtocol, DeliveryListener {
  readonly kinds: readonly number[]
  readonly stats: SubscriberStats = { received: 0, rejected: 0, resentRejected: 0, refetched: 0, delivered: 0, decryptFailures: 0, undecryptable: 0, keysFromRotation: 0 }
  readonly keyRequester: KeyRequester
  private readonly keys = new Map<string, GroupKey>()
  /** chainKey -> messages in chain order whose key (or whose predecessor's key) is missing. */
  private readonly waiting = new Map<string, StreamMessage[]>()
  private ordering: OrderingBuffer | undefined
  private resends: ResendSource | undefined
  private refetchAfterMs = 0

  constructor(
    node: NetworkNode,
    readonly identity: KeyPair,
    private readonly ports: SecurityPorts,
    private readonly validator: StreamMessageValidator,
    directory: (address: string) => NodeId | undefined,
    random: Random,
    private readonly options: SubscriberOptions,
    private readonly app: AppDelivery
  ) {
    this.keyRequester = new KeyRequester(node, identity, ports, directory, random, options, {
      learned: (keys) => this.learned(keys),
      failed: (groupKeyId) => this.failed(groupKeyId),
    })
    this.kinds = this.keyRequester.kinds
    node.listen(this)
  }

  get orderingStats(): Readonly<OrderingStats> | undefined {
    return this.ordering?.stats
  }

  /**
   * Orders what passes validation through `buffer`, whose output must be `ordered`; gaps and
   * forgeries are refetched from `resends`, a forgery's genuine message `refetchAfterMs` after
   * the forgery arrived (it usually reaches the storage node later than the forgery reaches us).
   */
  useOrdering(buffer: OrderingBuffer, resends: ResendSource, refetchAfterMs: number): void {
    this.ordering = buffer
    this.resends = resends
    this.refetchAfterMs = refetchAfterMs
  }

  /**
   * Wants every message of the part from `fromMs` on (needs ordering): a chain first seen later
   * starts there, and after `catchUpAfterMs` a storage node is asked for everything since, which
   * covers chains whose every message so far was lost.
   */
  subscribeFrom(streamPartId: string, fromMs: number, catchUpAfterMs: number): void {
    const ordering = this.ordering
    const resends = this.resends
    if (ordering === undefined || resends === undefined) return
    // Message timestamps are whole ms: one published later in the same millisecond has the same timestamp.
    const from = Math.floor(fromMs)
    ordering.subscribeFrom(streamPartId, from)
    this.ports.timers.setTimeout(() => resends.requestFrom(streamPartId, from), catchUpAfterMs)
  }

  // DeliveryListener: first receipts from the network.
  delivered(message: StreamMessage): void {
    this.receive(message)
  }

  /** A message from the network. */
  receive(message: StreamMessage): void {
    if (message.messageType !== MESSAGE_TYPE_CONTENT) return
    this.stats.received++
    if (!this.options.validate) {
      this.accept(message)
      return
    }
    this.validator.validate(message, (verdict) => {
      if (verdict === VERDICT_VALID) this.accept(message)
      else this.reject(message, verdict)
    })
  }

  /**
   * A message a storage node resent. One that fails validation is dropped and counted, never
   * refetched: asking the storage node that forged it again would only loop.
   */
  receiveResent(message: StreamMessage): void {
    if (message.messageType !== MESSAGE_TYPE_CONTENT) return
    this.stats.received++
    if (!this.options.validate && !this.options.validateResent) {
      this.accept(message)
      return
    }
    this.validator.validate(message, (verdict) => {
      if (verdict === VERDICT_VALID) this.accept(message)
      else {
        this.stats.rejected++
        this.stats.resentRejected++
      }
    })
  }

  private reject(message: StreamMessage, verdict: Verdict): void {
    this.stats.rejected++
    const id = message.messageId
    const resends = this.resends
    if (resends === undefined || verdict !== VERDICT_BAD_SIGNATURE) return
    // Only a permitted publisher's position can hold a genuine message worth fetching.
    this.ports.permissions.check(id.streamId, id.publisherId, 'publish', (allowed) => {
      if (allowed) this.refetch(message, resends)
    })
  }

  private refetch(message: StreamMessage, resends: ResendSource): void {
    const id = message.messageId
    const at = { timestamp: id.timestamp, sequenceNumber: id.sequenceNumber }
    this.ports.timers.setTimeout(() => {
      // The genuine message may have come meanwhile, by another path.
      const last = this.ordering?.lastDelivered(message.streamPartId, message.chainKey)
      if (last !== null && last !== undefined && compareRefs(last.timestamp, last.sequenceNumber, at.timestamp, at.sequenceNumber) >= 0) return
      this.stats.refetched++
      resends.requestRange({ streamPartId: message.streamPartId, publisherId: id.publisherId, msgChainId: id.msgChainId, from: at, to: at })
    }, this.refetchAfterMs)
  }

  /** Where the ordering buffer hands messages, in chain order. */
  readonly ordered = (message: StreamMessage): void => {
    if (message.encryptionType === ENCRYPTION_NONE) {
      this.deliver(message, message.content)
      return
    }
    const queue = this.waiting.get(message.chainKey)
    if (queue !== undefined) {
      if (queue.length >= this.options.maxWaitingPerChain) this.stats.undecryptable++
      else queue.push(message)
      return
    }
    if (this.keys.has(message.groupKeyId!)) this.decrypt(message)
    else this.wait(message)
  }

  handleMessage(connection: Connection, message: { kind: number }): boolean {
    return this.keyRequester.handleMessage(connection, message)
  }

  onConnected(connection: Connection): void {
    this.keyRequester.onConnected(connection)
  }

  onConnectFailed(peer: NodeId): void {
    this.keyRequester.onConnectFailed(peer)
  }

  private accept(message: StreamMessage): void {
    if (this.ordering !== undefined) this.ordering.add(message)
    else this.ordered(message)
  }

  private wait(message: StreamMessage): void {
    this.waiting.set(message.chainKey, [message])
    const id = message.messageId
    this.keyRequester.request(id.publisherId, id.streamId, id.streamPartition, message.groupKeyId!)
  }

  private decrypt(message: StreamMessage): void {
    const { suite, costs, cpu } = this.ports
    const key = this.keys.get(message.groupKeyId!)!
    const plaintext = suite.decrypt(message.content, key)
    if (plaintext === null) {
      this.stats.decryptFailures++
      return
    }
    let cost = costs.decryptMs
    const next = message.newGroupKey
    if (next !== null && !this.keys.has(next.id)) {
      const bytes = suite.decrypt(next.data, key)
      cost += costs.decryptMs
      if (bytes !== null) {
        this.keys.set(next.id, { id: next.id, key: bytes })
        this.stats.keysFromRotation++
      }
    }
    cpu.run(cost, () => this.deliver(message, plaintext))
  }

  private deliver(message: StreamMessage, content: Uint8Array): void {
    this.stats.delivered++
    this.app(message, content)
  }

  private learned(keys: readonly GroupKey[]): void {
    for (const k of keys) this.keys.set(k.id, k)
    this.drain()
  }

  /** Nobody gave us `groupKeyId`: what waits on it is lost to this reader. */
  private failed(groupKeyId: string): void {
    for (const [chainKey, queue] of this.waiting) {
      while (queue.length > 0 && queue[0].groupKeyId === groupKeyId) {
        queue.shift()
        this.stats.undecryptable++
      }
      if (queue.length === 0) this.waiting.delete(chainKey)
    }
    this.drain()
  }

  /** Decrypts, in order, every waiting message whose key is now known; asks for the next missing one. */
  private drain(): void {
    for (const [chainKey, queue] of [...this.waiting]) {
      while (queue.length > 0 && this.keys.has(queue[0].groupKeyId!)) this.decrypt(queue.shift()!)
      if (queue.length === 0) {
        this.waiting.delete(chainKey)
        continue
      }
      const id = queue[0].messageId
      this.keyRequester.request(id.publisherId, id.streamId, id.streamPartition, queue[0].groupKeyId!)
    }
  }
}

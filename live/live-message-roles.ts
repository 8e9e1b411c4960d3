// A live node's message layer roles, the core classes the simulator wires in
// sim/security/sim-message-layer.ts: the Publisher, which signs and, for a node that encrypts,
// encrypts with group keys on the node's key schedule and answers key requests from subscribers
// its permissions let subscribe; and the Subscriber (core/security/attach-subscriber.ts, shared
// with the simulator), which asks publishers for keys over the network, decrypts, holds each
// publisher chain in order and fills its gaps from the stream part's storage nodes, and hands the
// apps plaintext in chain order. Both node kinds (tracker and DHT, in Node and in browsers) run
// this; nothing here touches a platform API.
//
// Without storage nodes a gap waits the era's initial wait (most gaps are reordering in flight)
// and is then skipped: no resend can fill it.

import type { StreamMessage } from '../core/message.ts'
import type { KeyPair } from '../core/message-layer/identity.ts'
import type { NetworkNode } from '../core/network-node.ts'
import type { NodeId, Timers } from '../core/ports.ts'
import type { EraDefaults } from '../core/protocol-era.ts'
import { attachSubscriber } from '../core/security/attach-subscriber.ts'
import type { Publisher } from '../core/security/publisher.ts'
import type { SecurityPorts } from '../core/security/security-ports.ts'
import { StreamMessageValidator } from '../core/security/stream-message-validator.ts'
import type { StreamRegistry } from '../core/security/stream-registry.ts'
import { DEFAULT_MAX_WAITING_PER_CHAIN, type Subscriber } from '../core/security/subscriber.ts'
import type { ResendClient } from '../core/storage/resend-client.ts'
import { DEFAULT_STORAGE_REPLICAS, storageNodesOf } from '../core/storage/storage-assignment.ts'
import { type AppliedDeclarations, LocalPermissions, type PermissionDeclarations } from './local-permissions.ts'
import { livePublisher } from './live-message-layer.ts'
import { createRealRandom } from './real-time.ts'

export interface LiveMessageOptions {
  /** Encrypt what this node publishes with group keys (default false: signed plaintext). */
  encryption: boolean
  /** Rotate each stream's group key this often: the next key rides, sealed under the current one, in a message (0: never). */
  rotateKeyIntervalMs: number
  /**
   * Replace each stream's group key this often without announcing it, so that only subscribers
   * still permitted get it, by asking (0: never). A revocation among the node's own
   * declarations rekeys the stream at once.
   */
  rekeyIntervalMs: number
  /**
   * Ask the permission source again, this often, whether each subscriber this node gave keys to
   * may still subscribe, and rekey a stream on which one may not (0: never). For permissions from
   * a chain, where a revocation is a transaction this node hears of only by asking: the node
   * config sets it to the registry's cache TTL. Declarations the node reads itself rekey at once.
   */
  recheckReadersIntervalMs: number
  /** Decrypt, order and gap-fill what the node receives, for its apps (default true; scenario runs measure raw deliveries). */
  subscribe: boolean
  /** Hold each publisher chain in order and fill its gaps (default true). */
  ordering: boolean
  /** How long a key request may go unanswered before its messages are dropped as undecryptable (default: the era's). */
  keyRequestTimeoutMs: number
  /** The storage nodes gaps are asked of, assigned to stream parts as the simulator assigns them. */
  storageNodes: readonly NodeId[]
  /** Storage nodes per stream part. */
  storageReplicas: number
  /**
   * Where to ask a publisher for keys: its address -> its node id. An address not listed is
   * taken for the node id itself (an authenticated DHT node's id is its key's address).
   */
  publisherNodes: Readonly<Record<string, NodeId>>
}

export const DEFAULT_LIVE_MESSAGE_OPTIONS: Readonly<Omit<LiveMessageOptions, 'keyRequestTimeoutMs'>> = {
  encryption: false, rotateKeyIntervalMs: 0, rekeyIntervalMs: 0, recheckReadersIntervalMs: 0, subscribe: true, ordering: true,
  storageNodes: [], storageReplicas: DEFAULT_STORAGE_REPLICAS, publisherNodes: {},
}

/** What the apps get: each message once, in chain order, with its plaintext. */
export type ContentListener = (message: StreamMessage, content: Uint8Array) => void

export interface LiveMessageContext {
  node: NetworkNode
  identity: KeyPair
  security: SecurityPorts
  /** The registry behind `security.permissions`, which the node's own declarations fill. */
  registry: StreamRegistry
  /** The node's relay validator, if it validates at relays; else the subscriber validates. */
  relayValidator: StreamMessageValidator | undefined
  timers: Timers
  seed: string
  era: EraDefaults
}

export class LiveMessageRoles {
  readonly options: LiveMessageOptions
  readonly publisher: Publisher
  readonly subscriber: Subscriber | undefined
  readonly resends: ResendClient | undefined
  /** Whose verdicts keep forgeries from the apps: the relays' validator, or the subscriber's own. */
  readonly validator: StreamMessageValidator
  private readonly permissions: LocalPermissions
  private readonly listeners = new Set<ContentListener>()
  /** Streams this node has published to: the ones whose keys it rotates. */
  private readonly publishedStreams = new Set<string>()

  constructor(private readonly ctx: LiveMessageContext, options: Partial<LiveMessageOptions> = {}) {
    const { node, identity, security, era, seed } = ctx
    this.options = { ...DEFAULT_LIVE_MESSAGE_OPTIONS, keyRequestTimeoutMs: era.keyExchange.requestTimeoutMs, ...options }
    const o = this.options
    for (const key of ['rotateKeyIntervalMs', 'rekeyIntervalMs', 'recheckReadersIntervalMs', 'keyRequestTimeoutMs'] as const) {
      if (!(o[key] >= 0) || !Number.isFinite(o[key])) throw new RangeError(`${key} must be a finite number >= 0, got ${o[key]}`)
    }
    this.publisher = livePublisher(node, identity, security, createRealRandom(seed, 'publisher'), o.encryption)
    this.permissions = new LocalPermissions(ctx.registry)
    this.validator = ctx.relayValidator ?? new StreamMessageValidator(security)
    if (o.subscribe) {
      const storage = o.storageNodes
      const attached = attachSubscriber(node, identity, security, this.validator,
        (address) => o.publisherNodes[address] ?? address, createRealRandom(seed, 'subscriber'),
        {
          validate: ctx.relayValidator === undefined,
          validateResent: true,
          keyRequestTimeoutMs: o.keyRequestTimeoutMs,
          maxKeyRequestsPerSecond: era.keyExchange.maxRequestsPerSecond,
          maxWaitingPerChain: DEFAULT_MAX_WAITING_PER_CHAIN,
        },
        (message, content) => this.emit(message, content),
        o.ordering ? {
          options: {
            gapMode: era.ordering.gapModes[0], initialWaitMs: era.ordering.initialWaitMs, retryWaitMs: era.ordering.retryWaitMs,
            giveUpAfter: era.ordering.giveUpAfter, maxResendRequests: storage.length > 0 ? era.ordering.maxResendRequests : 0,
          },
          storageNodesOf: (sp) => storageNodesOf(sp, storage, o.storageReplicas),
        } : undefined)
      this.subscriber = attached.subscriber
      this.resends = attached.resends
    }
    if (o.encryption) {
      this.every(o.rotateKeyIntervalMs, (streamId) => this.publisher.rotateKey(streamId))
      this.every(o.rekeyIntervalMs, (streamId) => this.publisher.rekey(streamId))
      this.every(o.recheckReadersIntervalMs, (streamId) => this.publisher.recheckReaders(streamId))
    }
  }

  /** Signs (and encrypts) `content` and floods it; the node's own apps get it as published. */
  publish(streamId: string, partition: number, content: Uint8Array): StreamMessage {
    const message = this.publisher.publish(streamId, partition, content)
    this.publishedStreams.add(streamId)
    this.emit(message, content)
    return message
  }

  /** Calls `listener` with every message the node publishes or receives, as plaintext in chain order; returns the way to stop. */
  onContent(listener: ContentListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The node joined `streamPartId`: with storage nodes, everything published from now on is wanted, gaps included. */
  joined(streamPartId: string): void {
    if (this.options.storageNodes.length === 0) return
    const now = this.ctx.security.clock.now()
    this.subscriber?.subscribeFrom(streamPartId, now, this.ctx.era.ordering.initialWaitMs)
  }

  /**
   * Replaces the node's own permission declarations. A stream on which someone lost subscribe
   * permission gets a new key that only the remaining subscribers can ask for (if this node
   * publishes to it encrypted); cached permission answers are dropped so the change counts now.
   */
  declarePermissions(declarations: PermissionDeclarations): AppliedDeclarations {
    const applied = this.permissions.apply(declarations)
    this.ctx.security.permissions.clear()
    if (this.options.encryption) for (const streamId of applied.revokedSubscribers) if (this.publishedStreams.has(streamId)) this.publisher.rekey(streamId)
    return applied
  }

  /** One line of the message layer's counters, for a node's stats line. */
  summary(): string {
    const p = this.publisher.stats
    const parts = [`key requests answered ${p.keyRequestsAnswered}, refused ${p.keyRequestsRefused}, invalid ${p.keyRequestsInvalid}; rotations ${p.rotations}, rekeys ${p.rekeys}, readers revoked ${p.readersRevoked}`]
    const s = this.subscriber
    if (s !== undefined) {
      const k = s.keyRequester.stats
      parts.push(`decrypted delivery ${s.stats.delivered}, resent rejected ${s.stats.resentRejected}, undecryptable ${s.stats.undecryptable}, decrypt failures ${s.stats.decryptFailures}; `
        + `keys asked ${k.requestsSent}, received ${k.keysReceived}, timeouts ${k.timeouts}, invalid responses ${k.invalidResponses}`)
      const ordering = s.orderingStats
      if (ordering !== undefined) {
        parts.push(`gaps ${ordering.gapsDetected} (filled ${ordering.gapsFilled}, skipped ${ordering.gapsSkipped}), resend requests ${ordering.resendRequests}`)
      }
    }
    return parts.join('; ')
  }

  private emit(message: StreamMessage, content: Uint8Array): void {
    for (const l of this.listeners) l(message, content)
  }

  /** Calls `action` on every stream this node published to, every `intervalMs` (0: never). */
  private every(intervalMs: number, action: (streamId: string) => void): void {
    if (intervalMs === 0) return
    const { timers } = this.ctx
    const tick = () => {
      for (const streamId of this.publishedStreams) action(streamId)
      timers.setTimeout(tick, intervalMs)
    }
    timers.setTimeout(tick, intervalMs)
  }
}

// A subscriber's group key requests (PROTOCOL.md: 30 s timeout, at most 20 requests/s): one
// outstanding request per key, signed, sent straight to the publisher's node over a link of its
// own; the answer is checked against what was asked. A key nobody gave within the timeout, or
// that the answer left out, is reported failed and not asked for again until another timeout
// has passed, so a revoked reader does not hammer the publisher.

import type { LinkProtocol } from '../link-protocol.ts'
import { MessageChains } from '../message-chains.ts'
import type { GroupKey } from '../message-layer/encryption.ts'
import type { KeyPair } from '../message-layer/identity.ts'
import { decodeGroupKeyResponse } from '../message-layer/key-exchange-codec.ts'
import { type PendingGroupKeyRequest, createGroupKeyRequest, validateGroupKeyResponse } from '../message-layer/key-exchange.ts'
import type { NetworkNode } from '../network-node.ts'
import type { Connection, NodeId, Random, TimerHandle } from '../ports.ts'
import {
  type KeyExchangeWireMessage, WIRE_GROUP_KEY_RESPONSE, isKeyExchangeWireMessage, keyExchangeWireMessage,
} from './key-exchange-messages.ts'
import { TATUM } from '../protocol-era.ts'
import type { SecurityPorts } from './security-ports.ts'

export interface KeyRequesterOptions {
  keyRequestTimeoutMs: number
  maxKeyRequestsPerSecond: number
}

// Tatum's values (the same in Brubeck); protocol-era.ts has their sources.
export const DEFAULT_KEY_REQUEST_TIMEOUT_MS = TATUM.keyExchange.requestTimeoutMs
export const DEFAULT_MAX_KEY_REQUESTS_PER_SECOND = TATUM.keyExchange.maxRequestsPerSecond

export interface KeyRequesterStats {
  requestsSent: number
  responses: number
  keysReceived: number
  timeouts: number
  /** Responses that fail validation or answer nothing we asked. */
  invalidResponses: number
  /** The publisher's node is unknown or unreachable. */
  unreachable: number
}

export interface KeyRequesterListener {
  learned(keys: readonly GroupKey[]): void
  failed(groupKeyId: string): void
}

interface Outstanding {
  readonly pending: PendingGroupKeyRequest
  readonly timer: TimerHandle
}

export class KeyRequester implements LinkProtocol {
  readonly kinds = [WIRE_GROUP_KEY_RESPONSE]
  readonly stats: KeyRequesterStats = { requestsSent: 0, responses: 0, keysReceived: 0, timeouts: 0, invalidResponses: 0, unreachable: 0 }
  /** groupKeyId -> the request out for it. */
  private readonly outstanding = new Map<string, Outstanding>()
  /** groupKeyId -> when asking for it again is allowed. */
  private readonly failedUntil = new Map<string, number>()
  /** Requests waiting for their publisher's link to open. */
  private readonly outbox = new Map<NodeId, KeyExchangeWireMessage[]>()
  private readonly chains: MessageChains
  private nextRequestId = 1
  /** Earliest time the rate limit lets the next request out. */
  private nextSlotMs = 0

  constructor(
    private readonly node: NetworkNode,
    private readonly identity: KeyPair,
    private readonly ports: SecurityPorts,
    private readonly directory: (address: string) => NodeId | undefined,
    random: Random,
    private readonly options: KeyRequesterOptions,
    private readonly listener: KeyRequesterListener
  ) {
    this.chains = new MessageChains(identity.address, random)
  }

  /** Asks `publisherId` for `groupKeyId` unless already asking; reports failure at once within a failed key's backoff. */
  request(publisherId: string, streamId: string, partition: number, groupKeyId: string): void {
    if (this.outstanding.has(groupKeyId)) return
    const now = this.ports.clock.now()
    if ((this.failedUntil.get(groupKeyId) ?? -Infinity) > now) {
      this.listener.failed(groupKeyId)
      return
    }
    const peer = this.directory(publisherId)
    if (peer === undefined) {
      this.stats.unreachable++
      this.failedUntil.set(groupKeyId, now + this.options.keyRequestTimeoutMs)
      this.listener.failed(groupKeyId)
      return
    }
    const { suite, costs, cpu, timers } = this.ports
    const { messageId, prevMsgRef } = this.chains.next(streamId, partition, now)
    const { message, pending } = createGroupKeyRequest(suite, this.identity, { ...messageId, prevMsgRef },
      { requestId: String(this.nextRequestId++), publisherId, groupKeyIds: [groupKeyId] })
    const timer = timers.setTimeout(() => this.timedOut(groupKeyId), this.options.keyRequestTimeoutMs)
    this.outstanding.set(groupKeyId, { pending, timer })
    // The rate limit spaces requests out; the signature costs CPU before the request can leave.
    const slot = Math.max(now, this.nextSlotMs)
    this.nextSlotMs = slot + 1000 / this.options.maxKeyRequestsPerSecond
    const send = () => cpu.run(costs.signMs, () => this.send(peer, keyExchangeWireMessage(message)))
    if (slot <= now) send()
    else timers.setTimeout(send, slot - now)
  }

  handleMessage(_connection: Connection, message: { kind: number }): boolean {
    if (!isKeyExchangeWireMessage(message, WIRE_GROUP_KEY_RESPONSE)) return false
    this.stats.responses++
    const { suite, costs, cpu, timers } = this.ports
    const answered = decodeGroupKeyResponse(message.message.content)
    const entry = answered.ok ? [...this.outstanding.entries()].find(([, o]) => o.pending.requestId === answered.value.requestId) : undefined
    const keys = entry === undefined ? null : validateGroupKeyResponse(suite, message.message, this.identity, entry[1].pending)
    if (entry === undefined || keys === null || !keys.ok) {
      this.stats.invalidResponses++
      return true
    }
    timers.clearTimeout(entry[1].timer)
    for (const id of entry[1].pending.groupKeyIds) this.outstanding.delete(id)
    const learned = keys.value
    this.stats.keysReceived += learned.length
    // A key asked for and not given is one the publisher does not have: as good as a timeout.
    const missing = entry[1].pending.groupKeyIds.filter((id) => !learned.some((k) => k.id === id))
    cpu.run(costs.verifyMs + learned.length * costs.openMs, () => {
      if (learned.length > 0) this.listener.learned(learned)
      for (const id of missing) this.giveUp(id)
    })
    return true
  }

  onConnected(connection: Connection): void {
    const queued = this.outbox.get(connection.remoteId)
    if (queued === undefined) return
    this.outbox.delete(connection.remoteId)
    for (const m of queued) this.node.send(connection, m)
  }

  onConnectFailed(peer: NodeId): void {
    const queued = this.outbox.get(peer)
    if (queued === undefined) return
    this.outbox.delete(peer)
    this.stats.unreachable += queued.length
  }

  private send(peer: NodeId, message: KeyExchangeWireMessage): void {
    this.stats.requestsSent++
    const connection = this.node.connection(peer)
    if (connection !== undefined) {
      this.node.send(connection, message)
      return
    }
    const queued = this.outbox.get(peer)
    if (queued !== undefined) {
      queued.push(message)
      return
    }
    this.outbox.set(peer, [message])
    this.node.connect(peer)
  }

  private timedOut(groupKeyId: string): void {
    if (!this.outstanding.delete(groupKeyId)) return
    this.stats.timeouts++
    this.giveUp(groupKeyId)
  }

  private giveUp(groupKeyId: string): void {
    this.failedUntil.set(groupKeyId, this.ports.clock.now() + this.options.keyRequestTimeoutMs)
    this.listener.failed(groupKeyId)
  }
}

// The message layer's publisher on a node: it numbers, encrypts and signs what the app publishes
// and floods it; it keeps the stream's group keys and answers key requests from subscribers the
// registry lets subscribe. Rotation hands the next key to current readers inside a message;
// a rekey replaces the key without telling anyone, so only those who may still subscribe get it,
// by asking (PROTOCOL.md, "Encryption").
//
// Who lost subscribe permission since it was given keys: the publisher remembers the readers it
// answered per stream, and recheckReaders asks the permission source about each again; one who
// may no longer subscribe makes the stream rekey, once per recheck. A node whose permissions come
// from a chain (where a revocation is a transaction the publisher hears of only by asking) calls
// it every cache TTL; one whose permissions are its own declarations knows whom it revoked and
// rekeys at once.

import type { LinkProtocol } from '../link-protocol.ts'
import { MessageChains } from '../message-chains.ts'
import { CONTENT_TYPE_BINARY, type ContentType, ENCRYPTION_AES, ENCRYPTION_NONE, type EncryptedGroupKey, MESSAGE_TYPE_CONTENT, type StreamMessage } from '../message.ts'
import type { GroupKey } from '../message-layer/encryption.ts'
import type { KeyPair } from '../message-layer/identity.ts'
import { type ValidGroupKeyRequest, createGroupKeyResponse, validateGroupKeyRequest } from '../message-layer/key-exchange.ts'
import type { NetworkNode } from '../network-node.ts'
import type { Connection, Random } from '../ports.ts'
import { WIRE_GROUP_KEY_REQUEST, isKeyExchangeWireMessage, keyExchangeWireMessage } from './key-exchange-messages.ts'
import type { SecurityPorts } from './security-ports.ts'

export interface PublisherOptions {
  /** Encrypt content end to end (non-public streams). */
  encrypt: boolean
}

export interface PublisherStats {
  published: number
  rotations: number
  rekeys: number
  keyRequests: number
  keyRequestsAnswered: number
  /** Signed and well-formed, but the requester may not subscribe (e.g. revoked). */
  keyRequestsRefused: number
  keyRequestsInvalid: number
  /** Readers found, on a recheck, to have lost subscribe permission since they were answered. */
  readersRevoked: number
}

/** Readers remembered per stream for rechecks; beyond it the longest unanswered is forgotten (a public stream's readers are anyone). */
export const MAX_READERS_PER_STREAM = 10_000

interface StreamKeys {
  current: GroupKey
  /** Set by rotateKey: goes out inside the next message, then becomes current. */
  next: GroupKey | undefined
  /** Every key this publisher used on the stream, for requests about older messages. */
  readonly all: Map<string, GroupKey>
}

export class Publisher implements LinkProtocol {
  readonly kinds = [WIRE_GROUP_KEY_REQUEST]
  readonly stats: PublisherStats = { published: 0, rotations: 0, rekeys: 0, keyRequests: 0, keyRequestsAnswered: 0, keyRequestsRefused: 0, keyRequestsInvalid: 0, readersRevoked: 0 }
  private readonly chains: MessageChains
  /** Key responses have a chain of their own, so they never leave gaps in the content chain. */
  private readonly responseChains: MessageChains
  private readonly keys = new Map<string, StreamKeys>()
  /** streamId -> addresses this publisher gave keys to, least recently answered first. */
  private readonly readers = new Map<string, Set<string>>()

  constructor(
    private readonly node: NetworkNode,
    readonly identity: KeyPair,
    private readonly ports: SecurityPorts,
    random: Random,
    private readonly options: PublisherOptions
  ) {
    this.chains = new MessageChains(identity.address, random)
    this.responseChains = new MessageChains(identity.address, random)
  }

  /** Signs (and encrypts) `content` now; it goes out once the CPU has done that work. */
  publish(streamId: string, partition: number, content: Uint8Array, contentType: ContentType = CONTENT_TYPE_BINARY): StreamMessage {
    const { suite, costs, cpu, clock } = this.ports
    const { messageId, prevMsgRef } = this.chains.next(streamId, partition, clock.now())
    let cost = costs.signMs
    let body = content
    let groupKeyId: string | null = null
    let newGroupKey: EncryptedGroupKey | null = null
    if (this.options.encrypt) {
      const keys = this.keysOf(streamId)
      body = suite.encrypt(content, keys.current)
      groupKeyId = keys.current.id
      cost += costs.encryptMs
      if (keys.next !== undefined) {
        newGroupKey = { id: keys.next.id, data: suite.encrypt(keys.next.key, keys.current) }
        cost += costs.encryptMs
        keys.current = keys.next
        keys.next = undefined
      }
    }
    const message = suite.sign({
      messageId, prevMsgRef, messageType: MESSAGE_TYPE_CONTENT, contentType,
      encryptionType: this.options.encrypt ? ENCRYPTION_AES : ENCRYPTION_NONE, groupKeyId, newGroupKey, content: body,
    }, this.identity)
    this.stats.published++
    cpu.run(cost, () => this.node.broadcast(message))
    return message
  }

  /** The next message carries a new key, sealed under the current one: every current reader keeps up. */
  rotateKey(streamId: string): void {
    const keys = this.keysOf(streamId)
    keys.next = this.ports.suite.groupKey()
    keys.all.set(keys.next.id, keys.next)
    this.stats.rotations++
  }

  /** A new key that no message announces: readers must ask for it, and only permitted ones get it. */
  rekey(streamId: string): void {
    const keys = this.keysOf(streamId)
    keys.current = this.ports.suite.groupKey()
    keys.next = undefined
    keys.all.set(keys.current.id, keys.current)
    this.stats.rekeys++
  }

  /**
   * Asks the permission source again whether each reader answered on `streamId` may still
   * subscribe; once every answer is in, forgets those who may not and rekeys if there were any,
   * so they cannot read what comes next. A failed lookup counts as a refusal (the cache refuses
   * it): a reader wrongly dropped asks again for the new key and is answered if permitted.
   */
  recheckReaders(streamId: string): void {
    const readers = this.readers.get(streamId)
    if (readers === undefined || readers.size === 0) return
    const asked = [...readers]
    const revoked: string[] = []
    let waiting = asked.length
    for (const reader of asked) {
      this.ports.permissions.check(streamId, reader, 'subscribe', (allowed) => {
        if (!allowed) revoked.push(reader)
        if (--waiting > 0 || revoked.length === 0) return
        for (const r of revoked) readers.delete(r)
        this.stats.readersRevoked += revoked.length
        this.rekey(streamId)
      })
    }
  }

  /** The key the next message of `streamId` is encrypted with, if encrypting. */
  currentKeyId(streamId: string): string | undefined {
    return this.keys.get(streamId)?.current.id
  }

  handleMessage(connection: Connection, message: { kind: number }): boolean {
    if (!isKeyExchangeWireMessage(message, WIRE_GROUP_KEY_REQUEST)) return false
    this.stats.keyRequests++
    const { suite, costs, cpu, permissions } = this.ports
    const request = validateGroupKeyRequest(suite, message.message, this.identity.address)
    if (!request.ok) {
      this.stats.keyRequestsInvalid++
      cpu.run(costs.verifyMs, () => {})
      return true
    }
    const r = request.value
    permissions.check(r.streamId, r.requesterId, 'subscribe', (allowed) => {
      if (allowed) this.answerKeyRequest(connection, r)
      else {
        this.stats.keyRequestsRefused++
        cpu.run(costs.verifyMs, () => {})
      }
    })
    return true
  }

  private answerKeyRequest(connection: Connection, r: ValidGroupKeyRequest): void {
    const { suite, costs, cpu, clock } = this.ports
    const known = this.keys.get(r.streamId)?.all
    const keys = r.groupKeyIds.map((id) => known?.get(id)).filter((k): k is GroupKey => k !== undefined)
    const { messageId, prevMsgRef } = this.responseChains.next(r.streamId, r.streamPartition, clock.now())
    const response = createGroupKeyResponse(suite, this.identity, { ...messageId, prevMsgRef }, r, keys)
    this.stats.keyRequestsAnswered++
    this.rememberReader(r.streamId, r.requesterId)
    cpu.run(costs.verifyMs + keys.length * costs.sealMs + costs.signMs, () => this.node.send(connection, keyExchangeWireMessage(response)))
  }

  private rememberReader(streamId: string, reader: string): void {
    let readers = this.readers.get(streamId)
    if (readers === undefined) this.readers.set(streamId, (readers = new Set()))
    // Delete first, so the Set's order stays the order of answering and the oldest goes first.
    if (!readers.delete(reader) && readers.size >= MAX_READERS_PER_STREAM) readers.delete(readers.values().next().value!)
    readers.add(reader)
  }

  private keysOf(streamId: string): StreamKeys {
    let keys = this.keys.get(streamId)
    if (keys === undefined) {
      const current = this.ports.suite.groupKey()
      keys = { current, next: undefined, all: new Map([[current.id, current]]) }
      this.keys.set(streamId, keys)
    }
    return keys
  }
}

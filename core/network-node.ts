// A node of the network: its links to peers and the stream parts it has joined. It turns what
// the transport reports into protocol actions and owns the "add neighbour" path that every
// topology builder (static, tracker, DHT) goes through: connect if needed, then a handshake
// per stream part, so both ends agree before either relays to the other.

import { ContentDeliveryNode } from './content-delivery-node.ts'
import type { DeliveryListener } from './delivery-listener.ts'
import type { MessageValidator } from './message-validator.ts'
import { MessageChains } from './message-chains.ts'
import { TATUM } from './protocol-era.ts'
import { type PropagationBufferOptions, createPropagationBufferOptions } from './propagation-buffer.ts'
import { type StreamMessage, createStreamMessage } from './message.ts'
import type { LinkProtocol } from './link-protocol.ts'
import type { NodeObserver } from './observer.ts'
import type { Clock, Connection, ControlWireMessage, NodeId, Random, Timers, Transport, TransportHandler, WireMessage } from './ports.ts'
import { WIRE_HANDSHAKE, WIRE_HANDSHAKE_REPLY, WIRE_LEAVE } from './ports.ts'
import { contentWireMessage, controlWireMessage, isContentWireMessage, isControlWireMessage } from './wire.ts'

export interface NetworkNodeOptions {
  /** How long to wait for a handshake reply before giving up on that neighbour. */
  handshakeTimeoutMs: number
  /**
   * Bound on the "not yet seen" intervals kept per publisher chain: DuplicateMessageDetector
   * maxNumberOfGaps / maxGapCount, 10,000 in both eras (network-node 8.5.5, trackerless-network 103.3.1).
   */
  maxGapsPerChain: number
  /** Every stream part's propagation buffer. */
  propagation: PropagationBufferOptions
  /**
   * A receipt timestamped further than this ahead of the node's clock is dropped before it can
   * touch a chain (see content-delivery-node.ts).
   */
  maxFutureTimestampMs: number
}

/**
 * Ours: the reference has no such bound (a message ten years ahead closes its chain at every
 * relay that does not validate). Five minutes is far beyond the skew of hosts that keep time
 * (NTP keeps them within tens of ms), so no honest message meets it, and it caps what an
 * unvalidated forgery can block at a relay that does not validate to that window.
 */
export const DEFAULT_MAX_FUTURE_TIMESTAMP_MS = 5 * 60_000

/** Tatum's values, the network as it runs today (protocol-era.ts); a scenario passes its era's. */
export const DEFAULT_NETWORK_NODE_OPTIONS: Readonly<NetworkNodeOptions> = {
  handshakeTimeoutMs: TATUM.handshakeTimeoutMs,
  maxGapsPerChain: 10_000,
  propagation: TATUM.propagation,
  maxFutureTimestampMs: DEFAULT_MAX_FUTURE_TIMESTAMP_MS,
}

export interface NodePorts {
  clock: Clock
  timers: Timers
  random: Random
  transport: Transport
  observer: NodeObserver
}

export class NetworkNode implements TransportHandler {
  readonly id: NodeId
  private readonly connections = new Map<NodeId, Connection>()
  private readonly streamParts = new Map<string, ContentDeliveryNode>()
  // The two maps below are empty for most of a node's life; they exist only while they hold
  // something, so a million settled nodes do not keep two million empty hash tables.
  /** Stream parts waiting for a link to a peer before their handshake can go out. */
  private awaitingConnection: Map<NodeId, string[]> | undefined
  /** `peer streamPart` -> timer of a handshake we sent and have no answer to. */
  private pendingHandshakes: Map<string, number> | undefined
  /** Chains of the unsigned messages `publish` makes; created on first use. */
  private chains: MessageChains | undefined
  private readonly options: NetworkNodeOptions
  /** One-entry cache: receipts come in long runs for the same stream part. */
  private lastPart: ContentDeliveryNode | undefined
  private readonly protocols: LinkProtocol[] = []
  private readonly listeners: DeliveryListener[] = []
  /** Judges content before relay when validation happens at every relay; see setRelayValidator. */
  private relayValidator: MessageValidator | undefined
  /** Created by the first attach: nodes of static and tracker overlays never have one. */
  private protocolOfKind: Map<number, LinkProtocol> | undefined

  constructor(private readonly ports: NodePorts, options: Partial<NetworkNodeOptions> = {}) {
    this.options = completeOptions(options)
    this.id = ports.transport.localId
    ports.transport.setHandler(this)
  }

  /** Lets `protocol` share this node's links; it receives the wire kinds it names. */
  attach(protocol: LinkProtocol): void {
    const protocolOfKind = (this.protocolOfKind ??= new Map())
    for (const kind of protocol.kinds) {
      if (protocolOfKind.has(kind)) throw new Error(`wire kind ${kind} already belongs to another protocol`)
      protocolOfKind.set(kind, protocol)
    }
    this.protocols.push(protocol)
  }

  /** Stops handing `protocol` anything (a stream part's layer 2 that stopped); its wire kinds are free again. */
  detach(protocol: LinkProtocol): void {
    const i = this.protocols.indexOf(protocol)
    if (i < 0) return
    this.protocols.splice(i, 1)
    for (const kind of protocol.kinds) if (this.protocolOfKind?.get(kind) === protocol) this.protocolOfKind.delete(kind)
  }

  /** `listener` hears of every message this node accepts or publishes from now on. */
  listen(listener: DeliveryListener): void {
    this.listeners.push(listener)
  }

  /** Validates every receipt before delivering or relaying it. Set it before joining any stream part. */
  setRelayValidator(validator: MessageValidator): void {
    if (this.streamParts.size > 0) throw new Error('set the relay validator before joining stream parts')
    this.relayValidator = validator
  }

  joinStreamPart(streamPartId: string): ContentDeliveryNode {
    let part = this.streamParts.get(streamPartId)
    if (part === undefined) {
      part = new ContentDeliveryNode(streamPartId, this.ports.observer, this.options.maxGapsPerChain, this.ports.clock,
        this.listeners, this.relayValidator, this.options.propagation, this.options.maxFutureTimestampMs)
      this.streamParts.set(streamPartId, part)
      this.neighboursChanged(streamPartId)
    }
    return part
  }

  /** Joined stream parts. */
  streamPartIds(): string[] {
    return [...this.streamParts.keys()]
  }

  /** Drops one neighbour of a stream part, telling it why; the link stays for other uses. */
  removeNeighbour(streamPartId: string, peer: NodeId): void {
    const part = this.streamParts.get(streamPartId)
    const connection = this.connections.get(peer)
    if (part === undefined || !part.hasNeighbour(peer)) return
    if (connection !== undefined) this.send(connection, controlWireMessage(WIRE_LEAVE, streamPartId))
    part.removeNeighbour(peer, 'removed')
    this.neighboursChanged(streamPartId)
  }

  /** Opens a link to `peer` for a protocol's own use; protocols hear of it in onConnected. */
  connect(peer: NodeId): void {
    const existing = this.connections.get(peer)
    if (existing !== undefined) {
      for (const p of this.protocols) p.onConnected?.(existing)
      return
    }
    this.ports.transport.connect(peer)
  }

  connection(peer: NodeId): Connection | undefined {
    return this.connections.get(peer)
  }

  get connectionCount(): number {
    return this.connections.size
  }

  connectedPeers(): IterableIterator<NodeId> {
    return this.connections.keys()
  }

  /** A neighbour in some stream part: its link carries content and must stay. */
  isNeighbour(peer: NodeId): boolean {
    for (const part of this.streamParts.values()) if (part.hasNeighbour(peer)) return true
    return false
  }

  /**
   * Makes `peer` a neighbour in `streamPartId` on the open link to it, with no handshake of our
   * own: for overlays whose protocol agrees on neighbours itself (Tatum's layer 2), each end
   * binds when it has agreed. False when there is no link or the stream part is not joined.
   */
  bindNeighbour(streamPartId: string, peer: NodeId): boolean {
    const part = this.streamParts.get(streamPartId)
    const connection = this.connections.get(peer)
    if (part === undefined || connection === undefined) return false
    if (part.addNeighbour(connection)) this.neighboursChanged(streamPartId)
    return true
  }

  /** Sends a protocol's message, counted as control traffic. */
  send(connection: Connection, message: WireMessage): void {
    connection.send(message)
    this.ports.observer.sent(message, connection)
  }

  /** Leaves gracefully: neighbours hear it from us rather than by a timeout. */
  leaveStreamPart(streamPartId: string): void {
    const part = this.streamParts.get(streamPartId)
    if (part === undefined) return
    for (const n of [...part.neighbours]) {
      this.send(n, controlWireMessage(WIRE_LEAVE, streamPartId))
      part.removeNeighbour(n.remoteId, 'left')
    }
    this.streamParts.delete(streamPartId)
    if (this.lastPart === part) this.lastPart = undefined
    this.neighboursChanged(streamPartId)
  }

  streamPart(streamPartId: string): ContentDeliveryNode | undefined {
    return this.streamParts.get(streamPartId)
  }

  /** Asks `peer` to become a neighbour in `streamPartId`; the answer arrives asynchronously. */
  addNeighbour(streamPartId: string, peer: NodeId): void {
    if (peer === this.id || !this.streamParts.has(streamPartId)) return
    const connection = this.connections.get(peer)
    if (connection !== undefined) {
      this.sendHandshake(connection, streamPartId)
      return
    }
    const waiting = this.awaitingConnection?.get(peer)
    if (waiting !== undefined) {
      if (!waiting.includes(streamPartId)) waiting.push(streamPartId)
      return
    }
    ;(this.awaitingConnection ??= new Map()).set(peer, [streamPartId])
    this.ports.transport.connect(peer)
  }

  /** Publishes `content` unsigned, as this node: flooding studies that leave the message layer out. */
  publish(streamId: string, partition: number, content: Uint8Array): StreamMessage {
    this.chains ??= new MessageChains(this.id, this.ports.random)
    const { messageId, prevMsgRef } = this.chains.next(streamId, partition, this.ports.clock.now())
    const message = createStreamMessage(messageId, prevMsgRef, content)
    this.broadcast(message)
    return message
  }

  /** Sends a message made elsewhere (the message layer's publisher) to the whole stream part. */
  broadcast(message: StreamMessage): void {
    const part = this.joinStreamPart(message.streamPartId)
    this.ports.observer.published(message)
    for (const l of this.listeners) l.published?.(message)
    part.publish(contentWireMessage(message))
  }

  // TransportHandler: what the transport tells us.

  onConnected(connection: Connection): void {
    this.connections.set(connection.remoteId, connection)
    const waiting = this.awaitingConnection?.get(connection.remoteId)
    if (waiting !== undefined) {
      this.awaitingConnection = withoutKey(this.awaitingConnection!, connection.remoteId)
      for (const streamPartId of waiting) this.sendHandshake(connection, streamPartId)
    }
    for (const p of this.protocols) p.onConnected?.(connection)
  }

  onConnectFailed(peer: NodeId, reason: string): void {
    if (this.awaitingConnection !== undefined) this.awaitingConnection = withoutKey(this.awaitingConnection, peer)
    for (const p of this.protocols) p.onConnectFailed?.(peer, reason)
  }

  onMessage(connection: Connection, message: unknown): void {
    if (isContentWireMessage(message)) {
      const streamPartId = message.message.streamPartId
      let part = this.lastPart
      if (part === undefined || part.streamPartId !== streamPartId) {
        part = this.streamParts.get(streamPartId)
        if (part === undefined) return
        this.lastPart = part
      }
      part.handleContent(message, connection)
    } else if (isControlWireMessage(message)) {
      this.handleControl(connection, message)
    } else {
      const kind = typeof message === 'object' && message !== null ? (message as { kind?: unknown }).kind : undefined
      const protocol = typeof kind === 'number' ? this.protocolOfKind?.get(kind) : undefined
      if (protocol === undefined || !protocol.handleMessage(connection, message as { kind: number })) {
        this.ports.observer.malformed(connection)
      }
    }
  }

  onDisconnected(connection: Connection, reason: string): void {
    if (this.connections.get(connection.remoteId) !== connection) return
    this.connections.delete(connection.remoteId)
    for (const part of this.streamParts.values()) {
      if (part.removeNeighbour(connection.remoteId, reason)) this.neighboursChanged(part.streamPartId)
    }
    for (const p of this.protocols) p.onDisconnected?.(connection, reason)
  }

  private handleControl(connection: Connection, message: ControlWireMessage): void {
    const part = this.streamParts.get(message.streamPartId)
    switch (message.kind) {
      case WIRE_HANDSHAKE: {
        const accepted = part !== undefined
        // Reply before adding: adding may send buffered content at once, and the peer must
        // hear that it has a neighbour before it hears from it as one.
        this.send(connection, controlWireMessage(WIRE_HANDSHAKE_REPLY, message.streamPartId, accepted))
        if (accepted && part.addNeighbour(connection)) this.neighboursChanged(message.streamPartId)
        return
      }
      case WIRE_HANDSHAKE_REPLY: {
        const key = `${connection.remoteId} ${message.streamPartId}`
        const timer = this.pendingHandshakes?.get(key)
        if (timer === undefined) return
        this.ports.timers.clearTimeout(timer)
        this.pendingHandshakes = withoutKey(this.pendingHandshakes!, key)
        if (message.accepted === true && part !== undefined && part.addNeighbour(connection)) {
          this.neighboursChanged(message.streamPartId)
        }
        return
      }
      case WIRE_LEAVE:
        if (part?.removeNeighbour(connection.remoteId, 'peer left') === true) this.neighboursChanged(message.streamPartId)
        return
    }
  }

  private sendHandshake(connection: Connection, streamPartId: string): void {
    const part = this.streamParts.get(streamPartId)
    const key = `${connection.remoteId} ${streamPartId}`
    if (part === undefined || part.hasNeighbour(connection.remoteId) || this.pendingHandshakes?.has(key) === true) return
    const timer = this.ports.timers.setTimeout(() => {
      if (this.pendingHandshakes !== undefined) this.pendingHandshakes = withoutKey(this.pendingHandshakes, key)
    }, this.options.handshakeTimeoutMs)
    ;(this.pendingHandshakes ??= new Map()).set(key, timer)
    this.send(connection, controlWireMessage(WIRE_HANDSHAKE, streamPartId))
  }

  private neighboursChanged(streamPartId: string): void {
    for (const p of this.protocols) p.onNeighboursChanged?.(streamPartId)
  }
}

/** `map` without `key`; undefined once it is empty. */
function withoutKey<K, V>(map: Map<K, V>, key: K): Map<K, V> | undefined {
  map.delete(key)
  return map.size === 0 ? undefined : map
}

/**
 * Options complete and checked. Every node of a run gets the same options object, so the result
 * is shared per object (it is never changed) rather than copied into each of a million nodes.
 */
const completed = new WeakMap<Partial<NetworkNodeOptions>, NetworkNodeOptions>()

function completeOptions(options: Partial<NetworkNodeOptions>): NetworkNodeOptions {
  let complete = completed.get(options)
  if (complete === undefined) {
    complete = { ...DEFAULT_NETWORK_NODE_OPTIONS, ...options }
    complete.propagation = createPropagationBufferOptions(complete.propagation)
    completed.set(options, complete)
  }
  return complete
}

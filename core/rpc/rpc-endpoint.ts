// One node's end of every request/response protocol on its links. A service (a DHT, a stream
// part's neighbour management) registers under its name; a request to a peer without a link
// opens one first (the transport picks WebSocket, connect-back or WebRTC) and waits for it, as
// the reference's RPCs wait for their connection. Every request ends exactly once: a reply, a
// failed connect or its timeout. Nothing a peer sends is trusted before it is checked: a
// request's sender must be the peer on the link, a reply must come from the peer asked.

import type { LinkProtocol } from '../link-protocol.ts'
import type { NetworkNode } from '../network-node.ts'
import type { Clock, Connection, NodeId, Timers, WireMessage } from '../ports.ts'
import type { PeerDescriptor } from '../dht/peer-descriptor.ts'
import { PEER_DESCRIPTOR_BYTES } from '../dht/peer-descriptor.ts'
import { LinkedPeers } from './linked-peers.ts'
import {
  RPC_HEADER_BYTES, RPC_WIRE_KINDS, type RpcNotice, type RpcRequest, type RpcResponse, WIRE_RPC_NOTICE, WIRE_RPC_REQUEST,
  WIRE_RPC_RESPONSE, isRpcMessage,
} from './rpc-messages.ts'

/** Answers a request at most once, with the body and its size on the wire. */
export type RpcReply = (body: unknown, bodyBytes: number) => void
/** `reply` is undefined when the request failed; `failure` then says why. */
export type RpcCallback = (reply: unknown, failure: string | undefined) => void

export interface RpcService {
  /** Returns false when the method or body is malformed (the node counts it). */
  handleRequest(sender: PeerDescriptor, method: number, body: unknown, reply: RpcReply): boolean
  handleNotice?(sender: PeerDescriptor, method: number, body: unknown): boolean
}

/** Hears of the node's links coming and going, for services that keep contacts. */
export interface LinkListener {
  connected?(peer: NodeId): void
  /** `leaving`: the peer said it is leaving the network, rather than the link merely closing. */
  disconnected?(peer: NodeId, leaving: boolean): void
}

/**
 * Messages held for one peer while its link opens. A real queue is a few requests of a lookup;
 * the bound keeps one unreachable peer from holding unbounded memory.
 */
export const MAX_WAITING_PER_PEER = 64

interface Pending {
  readonly peer: NodeId
  readonly callback: RpcCallback
  readonly timer: number
}

export class RpcEndpoint implements LinkProtocol {
  readonly kinds = RPC_WIRE_KINDS
  private readonly services = new Map<string, RpcService>()
  private readonly listeners: LinkListener[] = []
  private readonly pending = new Map<number, Pending>()
  private readonly waiting = new Map<NodeId, { message: WireMessage; requestId: number }[]>()
  /** When each linked peer last sent or was sent an RPC: the connection cap prunes the idle. */
  // A record per peer updated in place: setting a Map entry to a fresh time on every message
  // allocated a boxed number each time.
  private readonly lastUsed = new Map<NodeId, { ms: number }>()
  /** Descriptors of the peers we have a link to (routing forwards among them). */
  private readonly linked = new LinkedPeers()
  /** Descriptors of peers we are connecting to, until the link opens or fails. */
  private readonly dialling = new Map<NodeId, PeerDescriptor>()
  private nextRequestId = 1
  /** Requests sent and answered or failed, for metrics. */
  readonly counts = { requests: 0, replies: 0, timeouts: 0, connectFailures: 0 }

  constructor(
    private readonly node: NetworkNode,
    readonly local: PeerDescriptor,
    private readonly clock: Clock,
    private readonly timers: Timers
  ) {
    node.attach(this)
  }

  register(service: string, handler: RpcService): void {
    if (this.services.has(service)) throw new Error(`RPC service ${service} is already registered`)
    this.services.set(service, handler)
  }

  unregister(service: string): void {
    this.services.delete(service)
  }

  addLinkListener(listener: LinkListener): void {
    this.listeners.push(listener)
  }

  removeLinkListener(listener: LinkListener): void {
    const i = this.listeners.indexOf(listener)
    if (i >= 0) this.listeners.splice(i, 1)
  }

  lastUsedMs(peer: NodeId): number | undefined {
    return this.lastUsed.get(peer)?.ms
  }

  /** The linked peers whose descriptor we know. */
  /** Read only: the endpoint keeps it as links open and close. */
  linkedPeers(): LinkedPeers {
    return this.linked
  }

  linkedPeer(nodeId: NodeId): PeerDescriptor | undefined {
    return this.linked.get(nodeId)
  }

  /** Asks `to`; `callback` hears the reply, or a failure after `timeoutMs` at the latest. */
  request(to: PeerDescriptor, service: string, method: number, body: unknown, bodyBytes: number, timeoutMs: number, callback: RpcCallback): void {
    if (to.nodeId === this.local.nodeId) return callback(undefined, 'request to self')
    const requestId = this.nextRequestId++
    const timer = this.timers.setTimeout(() => this.fail(requestId, 'timeout'), timeoutMs)
    this.pending.set(requestId, { peer: to.nodeId, callback, timer })
    this.counts.requests++
    const message: RpcRequest = {
      kind: WIRE_RPC_REQUEST, sizeBytes: RPC_HEADER_BYTES + PEER_DESCRIPTOR_BYTES + service.length + bodyBytes,
      service, method, requestId, sender: this.local, body,
    }
    this.deliver(to, message, requestId)
  }

  /** Tells `to` something that needs no answer; dropped if no link can be made. */
  notify(to: PeerDescriptor, service: string, method: number, body: unknown, bodyBytes: number): void {
    if (to.nodeId === this.local.nodeId) return
    const message: RpcNotice = {
      kind: WIRE_RPC_NOTICE, sizeBytes: RPC_HEADER_BYTES + PEER_DESCRIPTOR_BYTES + service.length + bodyBytes,
      service, method, sender: this.local, body,
    }
    this.deliver(to, message, 0)
  }

  /** Every request still open, failed now: the node is leaving. */
  failAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.fail(id, reason)
    this.waiting.clear()
    this.dialling.clear()
  }

  // LinkProtocol: what the node hands us.

  handleMessage(connection: Connection, message: { kind: number }): boolean {
    if (!isRpcMessage(message)) return false
    const peer = connection.remoteId
    this.touch(peer)
    if (message.kind === WIRE_RPC_RESPONSE) {
      const pending = this.pending.get(message.requestId)
      // Late (timed out) replies are normal; a reply from someone we did not ask is not.
      if (pending === undefined) return true
      if (pending.peer !== peer) return false
      this.pending.delete(message.requestId)
      this.timers.clearTimeout(pending.timer)
      this.counts.replies++
      pending.callback(message.body, undefined)
      return true
    }
    if (message.sender.nodeId !== peer) return false
    if (!this.linked.has(peer)) this.linked.set(message.sender)
    const service = this.services.get(message.service)
    // A service we do not run (a stream part we left): the asker times out, as with the reference.
    if (service === undefined) return true
    if (message.kind === WIRE_RPC_NOTICE) return service.handleNotice?.(message.sender, message.method, message.body) ?? false
    let answered = false
    const reply: RpcReply = (body, bodyBytes) => {
      if (answered) return
      answered = true
      const response: RpcResponse = {
        kind: WIRE_RPC_RESPONSE, sizeBytes: RPC_HEADER_BYTES + message.service.length + bodyBytes,
        service: message.service, requestId: message.requestId, body,
      }
      const link = this.node.connection(peer)
      if (link !== undefined) this.send(link, response)
    }
    return service.handleRequest(message.sender, message.method, message.body, reply)
  }

  onConnected(connection: Connection): void {
    const descriptor = this.dialling.get(connection.remoteId)
    if (descriptor !== undefined) {
      this.dialling.delete(connection.remoteId)
      this.linked.set(descriptor)
    }
    if (!this.lastUsed.has(connection.remoteId)) this.lastUsed.set(connection.remoteId, { ms: this.clock.now() })
    const queued = this.waiting.get(connection.remoteId)
    if (queued !== undefined) {
      this.waiting.delete(connection.remoteId)
      for (const q of queued) if (q.requestId === 0 || this.pending.has(q.requestId)) this.send(connection, q.message)
    }
    for (const l of this.listeners) l.connected?.(connection.remoteId)
  }

  onConnectFailed(peer: NodeId, reason: string): void {
    this.dialling.delete(peer)
    const queued = this.waiting.get(peer)
    if (queued === undefined) return
    this.waiting.delete(peer)
    this.counts.connectFailures++
    for (const q of queued) if (q.requestId !== 0) this.fail(q.requestId, `connect failed: ${reason}`)
  }

  onDisconnected(connection: Connection, reason: string): void {
    const peer = connection.remoteId
    this.lastUsed.delete(peer)
    this.linked.delete(peer)
    // Requests in flight to it will not be answered: fail them now rather than at their timeout.
    for (const [id, p] of this.pending) if (p.peer === peer && !this.isWaiting(peer, id)) this.fail(id, `disconnected: ${reason}`)
    const leaving = reason === 'peer left' || reason === 'left'
    for (const l of this.listeners) l.disconnected?.(peer, leaving)
  }

  private isWaiting(peer: NodeId, requestId: number): boolean {
    return this.waiting.get(peer)?.some((q) => q.requestId === requestId) ?? false
  }

  private deliver(to: PeerDescriptor, message: WireMessage, requestId: number): void {
    const peer = to.nodeId
    const link = this.node.connection(peer)
    if (link !== undefined) {
      if (!this.linked.has(peer)) this.linked.set(to)
      return this.send(link, message)
    }
    let queued = this.waiting.get(peer)
    if (queued === undefined) {
      queued = []
      this.waiting.set(peer, queued)
      queued.push({ message, requestId })
      this.dialling.set(peer, to)
      this.node.connect(peer)
      return
    }
    if (queued.length >= MAX_WAITING_PER_PEER) {
      if (requestId !== 0) this.fail(requestId, 'too many requests waiting for the link')
      return
    }
    queued.push({ message, requestId })
  }

  private send(link: Connection, message: WireMessage): void {
    this.touch(link.remoteId)
    this.node.send(link, message)
  }

  private touch(peer: NodeId): void {
    const used = this.lastUsed.get(peer)
    if (used !== undefined) used.ms = this.clock.now()
    else this.lastUsed.set(peer, { ms: this.clock.now() })
  }

  private fail(requestId: number, reason: string): void {
    const pending = this.pending.get(requestId)
    if (pending === undefined) return
    this.pending.delete(requestId)
    this.timers.clearTimeout(pending.timer)
    if (reason === 'timeout') this.counts.timeouts++
    pending.callback(undefined, reason)
  }
}

// Layer 2 of Tatum on one node for one stream part (ContentDeliveryLayerNode.ts and
// createContentDeliveryLayerNode.ts, trackerless-network 103.3.1): it picks the stream part's
// neighbours from what layer 1 knows and keeps their number at the target. It answers and sends
// the handshake, interleave and neighbour update RPCs of the service `layer2::<streamPartId>`,
// and binds a neighbour on the node only once both ends agreed; the relay itself (flooding,
// duplicates, the propagation buffer) stays the node's, or plumtree's when it is on.
//
// It follows the node's neighbours as a LinkProtocol: a neighbour lost by its leave or a dropped
// link leaves our list too, and the finder starts again without it. Its own drops go through
// the node's removeNeighbour, whose leave tells the peer, so both ends drop together.
//
// Left out, as the simulator has no use for them yet: proxy connections, temporary connections,
// inspection, and the entry-point leave event (layer 1's business here).

import type { PeerDescriptor } from '../dht/peer-descriptor.ts'
import type { LinkProtocol } from '../link-protocol.ts'
import type { NetworkNode } from '../network-node.ts'
import type { NodeId, Random, Timers } from '../ports.ts'
import type { RpcEndpoint, RpcReply, RpcService } from '../rpc/rpc-endpoint.ts'
import { type ContentDeliveryCounts, zeroContentDeliveryCounts } from './content-delivery-counts.ts'
import { type ContentDeliveryLayerOptions, type ContentDeliveryLayerSettings, createContentDeliveryLayerOptions } from './content-delivery-options.ts'
import { HandshakeResponder } from './handshake-responder.ts'
import { Handshaker } from './handshaker.ts'
import {
  L2_HANDSHAKE, L2_INTERLEAVE, L2_NEIGHBOUR_UPDATE, LAYER2_SERVICE_PREFIX, isHandshakeBody, isInterleaveBody,
  isNeighbourUpdateBody,
} from './neighbour-messages.ts'
import type { NeighbourSource } from './neighbour-source.ts'
import { NeighbourFinder } from './neighbour-finder.ts'
import { NeighbourUpdates } from './neighbour-updates.ts'
import type { Neighbourhood, ReplyCallback } from './neighbourhood.ts'
import { NodeList } from './node-list.ts'
import { NodeViews } from './node-views.ts'
import { Plumtree } from './plumtree.ts'

export interface ContentDeliveryLayerPorts {
  readonly timers: Timers
  /** This layer's own seeded stream: random handshake targets. */
  readonly random: Random
}

export class ContentDeliveryLayer implements LinkProtocol, RpcService {
  /** Wire kinds: none of its own; its messages are RPCs. */
  readonly kinds: readonly number[] = []
  readonly service: string
  readonly options: ContentDeliveryLayerOptions
  readonly counts: ContentDeliveryCounts = zeroContentDeliveryCounts()
  /** Set while plumtree runs on this stream part (options.plumtree). */
  readonly plumtree: Plumtree | undefined
  private readonly hood: Neighbourhood
  private readonly neighbours: NodeList
  private readonly views: NodeViews
  private readonly finder: NeighbourFinder
  private readonly updates: NeighbourUpdates
  private readonly responder: HandshakeResponder
  private readonly live = new Set<number>()
  private started = false
  private stopped = false

  constructor(
    private readonly node: NetworkNode,
    private readonly rpc: RpcEndpoint,
    readonly streamPartId: string,
    private readonly source: NeighbourSource,
    private readonly ports: ContentDeliveryLayerPorts,
    settings: ContentDeliveryLayerSettings = {}
  ) {
    this.options = createContentDeliveryLayerOptions(settings)
    this.service = LAYER2_SERVICE_PREFIX + streamPartId
    const localId = rpc.local.nodeId
    this.neighbours = new NodeList(localId, this.options.nodeViewSize)
    this.views = new NodeViews(localId, this.options.nodeViewSize)
    this.hood = this.neighbourhood()
    const handshaker = new Handshaker(this.hood)
    this.finder = new NeighbourFinder(this.hood, handshaker)
    this.updates = new NeighbourUpdates(this.hood, this.finder)
    this.responder = new HandshakeResponder(this.hood, handshaker)
    this.plumtree = this.options.plumtree === null ? undefined : new Plumtree(node, rpc, streamPartId, this.options.plumtree)
  }

  /** Joins the stream part on the node, reads layer 1's contacts and starts finding neighbours. */
  start(): void {
    if (this.started) return
    this.started = true
    this.node.joinStreamPart(this.streamPartId)
    this.node.attach(this)
    this.rpc.register(this.service, this)
    this.plumtree?.start()
    this.views.refresh(this.source)
    this.finder.start()
    this.updates.start()
  }

  /** Layer 1's contacts changed: the views are read again; a new contact restarts the finder while short. */
  contactsChanged(): void {
    if (!this.started || this.stopped) return
    const gained = this.views.refresh(this.source)
    if (gained && this.neighbours.size < this.options.neighbourTargetCount) this.finder.start()
  }

  /**
   * Stops every timer and answers nothing more. The neighbours stay bound: leaving the stream part
   * (node.leaveStreamPart, which tells them) is the caller's, as for every topology builder.
   */
  stop(): void {
    if (!this.started || this.stopped) return
    this.stopped = true
    for (const t of this.live) this.ports.timers.clearTimeout(t)
    this.live.clear()
    this.rpc.unregister(this.service)
    this.node.detach(this)
    this.plumtree?.stop()
  }

  /** Neighbours both ends agreed on, in the order they were bound. */
  neighbourIds(): NodeId[] {
    return this.neighbours.ids()
  }

  get ongoingHandshakeCount(): number {
    return this.hood.ongoingHandshakes.size
  }

  get isFinding(): boolean {
    return this.finder.isRunning
  }

  // RpcService

  handleRequest(sender: PeerDescriptor, method: number, body: unknown, reply: RpcReply): boolean {
    if (this.stopped) return true
    switch (method) {
      case L2_HANDSHAKE:
        if (!isHandshakeBody(body)) break
        this.responder.answerHandshake(sender, body, reply)
        return true
      case L2_INTERLEAVE:
        if (!isInterleaveBody(body)) break
        this.responder.answerInterleave(sender, body.target, reply)
        return true
      case L2_NEIGHBOUR_UPDATE:
        if (!isNeighbourUpdateBody(body)) break
        this.updates.answer(sender, body, reply)
        return true
    }
    this.counts.malformed++
    return false
  }

  handleNotice(_sender: PeerDescriptor, _method: number, _body: unknown): boolean {
    // Layer 2 has no notices; leaves use the node's own.
    this.counts.malformed++
    return false
  }

  // LinkProtocol

  handleMessage(): boolean {
    return false
  }

  /** A neighbour may have gone (its leave, a dropped link): follow the node's list. */
  onNeighboursChanged(streamPartId: string): void {
    if (streamPartId !== this.streamPartId || this.stopped) return
    const part = this.node.streamPart(streamPartId)
    const lost: NodeId[] = []
    for (const id of this.neighbours.ids()) {
      if (part === undefined || !part.hasNeighbour(id)) {
        this.neighbours.remove(id)
        lost.push(id)
      }
    }
    if (lost.length === 0) return
    this.counts.neighboursLost += lost.length
    // ContentDeliveryLayerNode.ts onNodeDisconnected and onLeaveNotice: find again, without the lost one.
    if (part !== undefined) this.finder.start(lost)
  }

  /** The parts' view of this layer: its state, and its actions as plain functions. */
  private neighbourhood(): Neighbourhood {
    return {
      local: this.rpc.local,
      streamPartId: this.streamPartId,
      options: this.options,
      neighbours: this.neighbours,
      views: this.views,
      ongoingHandshakes: new Set(),
      ongoingInterleaves: new Set(),
      counts: this.counts,
      random: this.ports.random,
      bind: (peer) => this.bind(peer),
      unbind: (peer) => this.unbind(peer),
      request: (to, method, body, bodyBytes, timeoutMs, callback) => this.request(to, method, body, bodyBytes, timeoutMs, callback),
      isLinked: (peer) => this.node.connection(peer) !== undefined,
      timeoutFor: (peer) => this.timeoutFor(peer),
      after: (delayMs, fn) => this.after(delayMs, fn),
    }
  }

  private bind(peer: PeerDescriptor): boolean {
    if (this.neighbours.has(peer.nodeId)) return true
    if (!this.neighbours.add(peer)) return false
    // Listed first: the node's change notice, which comes from inside bindNeighbour, must find it there.
    if (this.node.bindNeighbour(this.streamPartId, peer.nodeId)) return true
    this.neighbours.remove(peer.nodeId)
    return false
  }

  private unbind(peer: NodeId): void {
    if (!this.neighbours.remove(peer)) return
    this.node.removeNeighbour(this.streamPartId, peer)
  }

  private request(to: PeerDescriptor, method: number, body: unknown, bodyBytes: number, timeoutMs: number, callback: ReplyCallback): void {
    this.rpc.request(to, this.service, method, body, bodyBytes, timeoutMs, (reply, failure) => {
      if (this.stopped) return
      callback(failure === undefined ? reply : undefined)
    })
  }

  /** An open link: the handshake timeout; else by the connection to be made (RpcRemote.ts getTimeout). */
  private timeoutFor(peer: PeerDescriptor): number {
    if (this.node.connection(peer.nodeId) !== undefined) return this.options.handshakeTimeoutMs
    const t = this.options.connectionTimeouts
    if (peer.websocket) return t.websocketClientMs
    if (this.rpc.local.websocket) return t.websocketServerMs
    return t.webrtcMs
  }

  private after(delayMs: number, fn: () => void): void {
    if (this.stopped) return
    const t = this.ports.timers.setTimeout(() => {
      this.live.delete(t)
      if (!this.stopped) fn()
    }, delayMs)
    this.live.add(t)
  }
}

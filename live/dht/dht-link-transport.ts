// How a live DHT node links to another, as the reference's connectors choose
// (Connectivity.ts expectedConnectionType, @streamr/dht 103.3.1; PROTOCOL.md, "Tatum"):
//   - the peer runs a WebSocket server: dial it (its URL from the peer directory);
//   - else, if we run one: ask the peer, by a message routed over the DHT, to dial us back
//     ("connect-back"), and wait for its dial up to CONNECT_BACK_TIMEOUT_MS;
//   - else WebRTC, with the offer, answer and candidates routed over the DHT.
// Routed payloads start with one character: 'w' WebRTC signalling, 'b' connect-back.
//
// core asks connect() and hears exactly one answer per ask. Dials this transport starts itself
// (serving a peer's connect-back) surface to core as inbound links when they open, and their
// failures are not core's business. A peer can make us dial: at most MAX_CONNECT_BACKS_SERVED
// such dials run at once, and each is to a ws:// URL that must then prove to be the peer
// (the WebSocket welcome, and the transports' proof of identity). A peer can also make us answer
// WebRTC offers, each a peer connection with native resources: the WebRTC transport's one bound on
// unasked offers (maxUnsolicitedAnswers, the era's connection cap) applies, and an offer it would
// refuse is dropped here before its claimed source is learnt.

import type { Connection, NodeId, Transport, TransportHandler } from '../../core/ports.ts'
import type { PeerDescriptor } from '../../core/dht/peer-descriptor.ts'
import { TATUM } from '../../core/protocol-era.ts'
import { parseSignal } from '../webrtc-signalling.ts'
import { descriptorUrl } from './descriptor-wire.ts'
import type { PeerDirectory } from './peer-directory.ts'

/**
 * How long a connect-back may take: RpcRemote.ts WEBSOCKET_SERVER_TIMEOUT (7.5 s), dht 103.3.1,
 * as the era's defaults carry it.
 */
export const CONNECT_BACK_TIMEOUT_MS = TATUM.overlay!.connectionTimeouts.websocketServerMs
/**
 * Connect-back dials a node makes for others at once; more requests are dropped. Our bound: the
 * reference dials back every request (WebsocketClientConnectorRpcLocal.ts requestConnection, dht
 * 103.3.1), which lets anyone make a node dial anything.
 */
export const MAX_CONNECT_BACKS_SERVED = 32

const ROUTED_SIGNAL = 'w'
const ROUTED_CONNECT_BACK = 'b'

/** The WebSocket side: dials peers by URL and may listen. */
export interface DialingTransport extends Transport {
  addPeer(id: NodeId, url: string): void
  connectionTo(peer: NodeId): Connection | undefined
}

/** The WebRTC side: signalled through a path we supply. */
export interface SignalledPeerTransport extends Transport {
  setSignalSender(sender: ((to: NodeId, payload: string) => boolean) | undefined): void
  handleSignal(from: NodeId, payload: string): void
  /** Whether an offer from `from` would be answered now (webrtc-attempts.ts). */
  answersOfferFrom(from: NodeId): boolean
  connectionTo(peer: NodeId): Connection | undefined
}

/** Sends a payload over the DHT towards a node; false when there is no route now. */
export type RoutePayload = (target: PeerDescriptor, payload: string) => boolean

export class DhtLinkTransport implements Transport {
  private handler: TransportHandler | undefined
  private route: RoutePayload | undefined
  /** Peers core asked for and has no answer yet, with the part that dials (undefined: a connect-back). */
  private readonly asked = new Map<NodeId, { part: Transport | undefined; timer: ReturnType<typeof setTimeout> | undefined }>()
  /** Peers we dial because they asked us to. */
  private readonly servingConnectBack = new Set<NodeId>()
  readonly counts = {
    connectBacksAsked: 0, connectBacksServed: 0, connectBacksRefused: 0, connectBackTimeouts: 0, unroutable: 0, badRouted: 0, offersRefused: 0,
  }

  constructor(
    readonly localId: NodeId,
    private readonly websocket: DialingTransport,
    private readonly webrtc: SignalledPeerTransport,
    private readonly directory: PeerDirectory,
    /** We run a WebSocket server that peers can dial back. */
    private readonly hasServer: boolean,
    private readonly connectBackTimeoutMs = CONNECT_BACK_TIMEOUT_MS
  ) {
    for (const part of [websocket, webrtc]) part.setHandler(this.forwarder(part))
    webrtc.setSignalSender((to, payload) => this.routeTo(to, ROUTED_SIGNAL + payload))
  }

  setHandler(handler: TransportHandler): void {
    this.handler = handler
  }

  /** Where routed payloads go: core's Router, once the node has one. */
  setRoute(route: RoutePayload): void {
    this.route = route
  }

  connect(peer: NodeId): void {
    const part = this.partFor(peer)
    if (part === 'connect-back') return this.askConnectBack(peer)
    if (part === undefined) {
      this.counts.unroutable++
      queueMicrotask(() => this.handler?.onConnectFailed(peer, 'no descriptor for peer'))
      return
    }
    const previous = this.asked.get(peer)
    if (previous === undefined || previous.part !== part) {
      if (previous?.timer !== undefined) clearTimeout(previous.timer)
      this.asked.set(peer, { part, timer: undefined })
    }
    part.connect(peer)
  }

  /** A payload routed to this node over the DHT; `source` as the message claims it (not yet proven). */
  handleRouted(source: PeerDescriptor, payload: string): void {
    const kind = payload.charAt(0)
    if (kind === ROUTED_SIGNAL) {
      const signal = payload.slice(1)
      if (parseSignal(signal)?.t === 'offer' && !this.webrtc.answersOfferFrom(source.nodeId)) {
        this.counts.offersRefused++
        return
      }
      this.directory.learn(source, false)
      this.webrtc.handleSignal(source.nodeId, signal)
    } else if (kind === ROUTED_CONNECT_BACK) {
      this.serveConnectBack(source)
    } else {
      this.counts.badRouted++
    }
  }

  private partFor(peer: NodeId): Transport | 'connect-back' | undefined {
    if (this.websocket.connectionTo(peer) !== undefined) return this.websocket
    if (this.webrtc.connectionTo(peer) !== undefined) return this.webrtc
    const url = this.directory.urlOf(peer)
    if (url !== undefined) {
      this.websocket.addPeer(peer, url)
      return this.websocket
    }
    const known = this.directory.get(peer)
    if (known === undefined) return undefined
    return this.hasServer ? 'connect-back' : this.webrtc
  }

  private askConnectBack(peer: NodeId): void {
    if (this.asked.get(peer)?.part === undefined && this.asked.has(peer)) return
    const timer = setTimeout(() => {
      if (this.asked.get(peer)?.timer !== timer) return
      this.asked.delete(peer)
      this.counts.connectBackTimeouts++
      this.handler?.onConnectFailed(peer, 'connect-back timeout')
    }, this.connectBackTimeoutMs)
    this.asked.set(peer, { part: undefined, timer })
    this.counts.connectBacksAsked++
    if (!this.routeTo(peer, ROUTED_CONNECT_BACK)) {
      clearTimeout(timer)
      this.asked.delete(peer)
      this.counts.unroutable++
      queueMicrotask(() => this.handler?.onConnectFailed(peer, 'no route for connect-back'))
    }
  }

  private serveConnectBack(source: PeerDescriptor): void {
    const url = source.websocket ? descriptorUrl(source) : undefined
    const peer = source.nodeId
    if (url === undefined || peer === this.localId) {
      this.counts.badRouted++
      return
    }
    if (this.websocket.connectionTo(peer) !== undefined || this.servingConnectBack.has(peer)) return
    if (this.servingConnectBack.size >= MAX_CONNECT_BACKS_SERVED) {
      this.counts.connectBacksRefused++
      return
    }
    this.directory.learn(source, false)
    this.servingConnectBack.add(peer)
    this.counts.connectBacksServed++
    this.websocket.addPeer(peer, url)
    this.websocket.connect(peer)
  }

  private routeTo(peer: NodeId, payload: string): boolean {
    const target = this.directory.get(peer)
    return target !== undefined && this.route !== undefined && this.route(target, payload)
  }

  private forwarder(part: Transport): TransportHandler {
    return {
      onConnected: (c) => {
        this.servingConnectBack.delete(c.remoteId)
        const asked = this.asked.get(c.remoteId)
        if (asked !== undefined) {
          if (asked.timer !== undefined) clearTimeout(asked.timer)
          this.asked.delete(c.remoteId)
        }
        this.handler?.onConnected(c)
      },
      onConnectFailed: (peer, reason) => {
        if (part === this.websocket) this.servingConnectBack.delete(peer)
        const asked = this.asked.get(peer)
        // A dial core did not ask for (a connect-back we served), or an answer for another part.
        if (asked === undefined || asked.part !== part) return
        this.asked.delete(peer)
        this.handler?.onConnectFailed(peer, reason)
      },
      onMessage: (c, m) => this.handler?.onMessage(c, m),
      onDisconnected: (c, reason) => this.handler?.onDisconnected(c, reason),
    }
  }

  /** Every pending connect-back ends; the parts are closed by their owner. */
  dispose(): void {
    for (const a of this.asked.values()) if (a.timer !== undefined) clearTimeout(a.timer)
    this.asked.clear()
    this.servingConnectBack.clear()
  }
}

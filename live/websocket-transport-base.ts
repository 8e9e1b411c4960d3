// What the two WebSocket transports share: the Node one (websocket-transport.ts, the `ws`
// package, dials and listens) and the browser's (browser/browser-websocket-transport.ts, the
// page's WebSocket, dials only). Each supplies how to open, hear from, write to and cut its own
// socket; everything below that (frames, garbage, back-pressure, keep-alive, one answer per
// connect()) is LiveTransportBase's (live-link.ts). Nothing here touches a platform API, so the
// browser bundle can hold it.
//
// Addressing: core connects to a node id, so the transport keeps a directory from node id to URL
// (the `peers` option, addPeer). That is configuration, outside core: a node is told its
// trackers' ids and URLs. A peer with no address fails its connect at once.
//
// Opening a link: the dialer sends hello (its id and incarnation, link-frames.ts); the acceptor
// answers welcome (the same of its own) or closes the socket with a 4xxx code
// (websocket-close-codes.ts). The dialer checks that the acceptor is the node it meant to reach.
// Until the hello, an accepted socket is nobody: it must say hello within helloTimeoutMs or it is
// dropped. After hello and welcome both sides prove their keys (link-proof.ts, run by
// LiveTransportBase); only then is the link core's, so a hello with a connected peer's id and
// another key replaces nothing.
//
// Two nodes dialing each other at once: the dial of the smaller id wins. The acceptor refuses the
// other with CLOSE_DUPLICATE; its dialer does not fail but waits (until its connect timeout) for
// the winning dial, which the acceptor side turns into its link. A dial that has not even opened
// yet (no hello sent) wins nothing: the hello that did arrive is accepted and our dial dropped, so
// a peer we cannot reach (not listening, no route) still gets its own link to us. A hello from a
// peer we already have a link with replaces that link once it has proved the same key (the peer
// restarted, or dropped it and we have not noticed yet), unless ours is the winning dial and the
// peer is the same incarnation: then it is a stale dial from a race, and refused. A dial of ours
// still proving its peer counts as our link for that rule.

import type { NodeId } from '../core/ports.ts'
import { LINK_HELLO, LINK_WELCOME, type LinkFrame, decodeLinkFrame, encodeLinkFrame } from './link-frames.ts'
import { DEFAULT_LIVE_LINK_OPTIONS, type FrameSink, LiveConnection, type LiveLinkOptions, LiveTransportBase } from './live-link.ts'
import {
  CLOSE_BAD_HELLO, CLOSE_DUPLICATE, CLOSE_GOING_AWAY, CLOSE_NORMAL, CLOSE_WRONG_PEER, describeClose, fitCloseReason,
} from './websocket-close-codes.ts'

export interface WebSocketLinkOptions extends LiveLinkOptions {
  /** Known peers: node id -> ws:// or wss:// URL. */
  peers: Record<NodeId, string> | ReadonlyMap<NodeId, string>
  /** How long close() waits for sockets to finish their closing handshake before cutting them. */
  closeGraceMs: number
}

export const DEFAULT_CLOSE_GRACE_MS = 1_000

export const DEFAULT_WEBSOCKET_LINK_OPTIONS: Readonly<WebSocketLinkOptions> = {
  ...DEFAULT_LIVE_LINK_OPTIONS,
  peers: {},
  closeGraceMs: DEFAULT_CLOSE_GRACE_MS,
}

/**
 * What `ws`'s WebSocket and the browser's have in common, as far as the base uses them. Sending is
 * not here: the DOM's send() takes views of an ArrayBuffer only, a distinction `ws` does not make.
 */
export interface WebSocketLike {
  readonly readyState: number
  /** Bytes queued and not yet on the wire: the back-pressure that maxBufferedBytes bounds. */
  readonly bufferedAmount: number
  close(code?: number, reason?: string): void
}

/** The WebSocket standard's readyState values, which `ws` keeps. */
const CONNECTING = 0
const OPEN = 1

/** What a socket reports, forwarded by each platform's `forwardEvents`; the transport guards every call. */
export interface SocketEvents {
  opened(): void
  binaryFrame(frame: Uint8Array): void
  /** Text frames are garbage: they are never read. */
  textFrame(): void
  error(message: string): void
  /** The socket refused a frame over maxFrameBytes (only `ws` can see that). */
  oversizedFrame(): void
  closed(code: number, reason: string): void
}

/** One socket of ours, from dial or accept until it closes. */
interface SocketLink<S> {
  readonly socket: S
  /** The peer we dialed; undefined for a socket we accepted. */
  readonly dialed: NodeId | undefined
  connection: LiveConnection | undefined
  /** Dropped by us before it became a link; its events mean nothing now. */
  abandoned: boolean
  /** Dialer: the socket opened and our hello went out. */
  helloSent: boolean
  helloTimer: ReturnType<typeof setTimeout> | undefined
  lastError: string | undefined
}

export abstract class WebSocketTransportBase<S extends WebSocketLike> extends LiveTransportBase {
  private readonly directory = new Map<NodeId, string>()
  /** Sockets dialed and not yet links, per peer. */
  private readonly dials = new Map<NodeId, SocketLink<S>>()
  /** Every socket not yet closed. */
  private readonly sockets = new Set<SocketLink<S>>()
  private readonly closeGraceMs: number
  /** Accepted sockets waiting for their hello (a hello timer running). */
  private ungreeted = 0
  private onAllClosed: (() => void) | undefined

  constructor(localId: NodeId, options: WebSocketLinkOptions) {
    super(localId, options)
    this.closeGraceMs = options.closeGraceMs
    const peers = options.peers instanceof Map ? options.peers : new Map(Object.entries(options.peers))
    for (const [id, url] of peers) this.addPeer(id, url)
  }

  /** Starts connecting to `url`. */
  protected abstract openSocket(url: string): S
  /** Forwards the events of `socket` to `events` from now on. */
  protected abstract forwardEvents(socket: S, events: SocketEvents): void
  protected abstract write(socket: S, frame: Uint8Array): void
  /** Drops `socket` without waiting for the closing handshake, or comes as near to it as the platform can. */
  protected abstract cut(socket: S): void
  /**
   * Whether a peer can dial us. A dial refused as a duplicate waits for the peer's own dial only
   * then; a page cannot be dialed, so there the refusal fails the connect like any other.
   */
  protected abstract canBeDialed(): boolean

  addPeer(id: NodeId, url: string): void {
    const parsed = new URL(url)
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new RangeError(`not a ws:// or wss:// URL: ${url}`)
    this.directory.set(id, url)
  }

  removePeer(id: NodeId): void {
    this.directory.delete(id)
  }

  /** Whether the directory has an address for `id`. */
  knows(id: NodeId): boolean {
    return this.directory.has(id)
  }

  protected startConnect(peer: NodeId): void {
    if (this.dials.has(peer) || this.connectionTo(peer) !== undefined || this.isProving(peer)) return
    const url = this.directory.get(peer)
    if (url === undefined) {
      this.failConnect(peer, 'no address for peer')
      return
    }
    this.dials.set(peer, this.track(this.openSocket(url), peer))
  }

  protected abortConnect(peer: NodeId): void {
    const link = this.dials.get(peer)
    if (link === undefined) return
    this.dials.delete(peer)
    this.abandon(link, CLOSE_NORMAL, 'connect abandoned')
  }

  /** Accepted sockets that have not said hello yet. */
  protected get ungreetedSockets(): number {
    return this.ungreeted
  }

  /** A socket a peer opened to us: it becomes a link once it says hello within `helloTimeoutMs`. */
  protected accept(socket: S, helloTimeoutMs: number): void {
    if (this.closed) {
      this.cut(socket)
      return
    }
    const link = this.track(socket, undefined)
    link.helloTimer = setTimeout(() => this.guard('helloTimeout', () => this.abandon(link, CLOSE_BAD_HELLO, 'no hello')), helloTimeoutMs)
    this.ungreeted++
  }

  private track(socket: S, dialed: NodeId | undefined): SocketLink<S> {
    const link: SocketLink<S> = { socket, dialed, connection: undefined, abandoned: false, helloSent: false, helloTimer: undefined, lastError: undefined }
    this.sockets.add(link)
    this.forwardEvents(socket, {
      opened: () => this.guard('open', () => this.sayHello(link)),
      binaryFrame: (frame) => this.guard('message', () => this.onFrame(link, frame)),
      textFrame: () => this.guard('message', () => this.onFrame(link, undefined)),
      error: (message) => this.guard('error', () => { link.lastError = message }),
      oversizedFrame: () => this.guard('error', () => {
        if (link.connection !== undefined) this.garbage(link.connection, 'frame too large')
      }),
      closed: (code, reason) => this.guard('close', () => this.onClose(link, code, reason)),
    })
    return link
  }

  private sayHello(link: SocketLink<S>): void {
    if (link.abandoned || link.dialed === undefined) return
    this.write(link.socket, encodeLinkFrame({ type: LINK_HELLO, nodeId: this.localId, incarnation: this.incarnation }))
    link.helloSent = true
  }

  /** A frame, or undefined for a text frame. */
  private onFrame(link: SocketLink<S>, frame: Uint8Array | undefined): void {
    if (link.abandoned || this.closed) return
    const connection = link.connection
    if (connection !== undefined) {
      if (frame !== undefined) this.receiveFrame(connection, frame)
      // The browser side used to count a text frame on a link already closed; a closed link
      // counts nothing, as receiveFrame does for binary frames.
      else if (connection.open) this.garbage(connection, 'text frame')
      return
    }
    const decoded = frame === undefined ? undefined : decodeLinkFrame(frame)
    const first = decoded?.ok === true ? decoded.value : undefined
    if (link.dialed !== undefined) this.welcomed(link, link.dialed, first)
    else this.greeted(link, first)
  }

  /** Dialer: the acceptor's answer to our hello. */
  private welcomed(link: SocketLink<S>, peer: NodeId, frame: LinkFrame | undefined): void {
    if (frame === undefined || frame.type !== LINK_WELCOME) {
      this.dialFailed(link, peer, CLOSE_BAD_HELLO, 'bad welcome')
      return
    }
    if (frame.nodeId !== peer) {
      this.dialFailed(link, peer, CLOSE_WRONG_PEER, `the node at ${this.directory.get(peer)} is ${frame.nodeId}`)
      return
    }
    if (this.dials.get(peer) === link) this.dials.delete(peer)
    this.open(link, new LiveConnection(peer, true, frame.incarnation, this.sinkOf(link), this))
  }

  /** Acceptor: the dialer's hello, which settles a race of dials (see the top of this file). */
  private greeted(link: SocketLink<S>, frame: LinkFrame | undefined): void {
    if (frame === undefined || frame.type !== LINK_HELLO || frame.nodeId === this.localId) {
      this.abandon(link, CLOSE_BAD_HELLO, 'bad hello')
      return
    }
    this.stopHelloTimer(link)
    const peer = frame.nodeId
    const existing = this.connectionTo(peer) ?? this.provingDialTo(peer)
    const dial = this.dials.get(peer)
    const myDialWins = this.localId < peer
    if ((existing !== undefined && existing.dialedByMe && myDialWins && existing.remoteIncarnation === frame.incarnation)
      || (existing === undefined && dial !== undefined && dial.helloSent && myDialWins)) {
      this.abandon(link, CLOSE_DUPLICATE, 'duplicate link')
      return
    }
    if (dial !== undefined) {
      // Their dial wins: ours goes quietly, and this link answers our connect().
      this.dials.delete(peer)
      this.abandon(dial, CLOSE_DUPLICATE, 'duplicate link')
    }
    this.write(link.socket, encodeLinkFrame({ type: LINK_WELCOME, nodeId: this.localId, incarnation: this.incarnation }))
    this.open(link, new LiveConnection(peer, false, frame.incarnation, this.sinkOf(link), this))
  }

  private open(link: SocketLink<S>, connection: LiveConnection): void {
    link.connection = connection
    this.establish(connection)
  }

  private onClose(link: SocketLink<S>, code: number, reason: string): void {
    this.stopHelloTimer(link)
    this.sockets.delete(link)
    if (this.sockets.size === 0) this.onAllClosed?.()
    if (link.connection !== undefined) {
      this.connectionLost(link.connection, describeClose(code, reason, link.lastError))
      return
    }
    const peer = link.dialed
    if (peer === undefined || link.abandoned) return
    if (this.dials.get(peer) === link) this.dials.delete(peer)
    // Refused as a duplicate: the peer's own dial to us is the link; keep waiting for it.
    if (code === CLOSE_DUPLICATE && this.canBeDialed()) return
    this.failConnect(peer, describeClose(code, reason, link.lastError))
  }

  private stopHelloTimer(link: SocketLink<S>): void {
    if (link.helloTimer === undefined) return
    clearTimeout(link.helloTimer)
    link.helloTimer = undefined
    this.ungreeted--
  }

  private dialFailed(link: SocketLink<S>, peer: NodeId, code: number, reason: string): void {
    if (this.dials.get(peer) === link) this.dials.delete(peer)
    this.abandon(link, code, reason)
    this.failConnect(peer, reason)
  }

  private abandon(link: SocketLink<S>, code: number, reason: string): void {
    if (link.abandoned) return
    link.abandoned = true
    this.stopHelloTimer(link)
    this.closeSocket(link.socket, code, reason)
  }

  /**
   * Closes with a code the peer sees. A socket still connecting has no way to carry one, so it is
   * cut; so is one whose close() throws (the browser side used to leave such a socket open).
   * Never throws.
   */
  private closeSocket(socket: S, code: number, reason: string): void {
    try {
      if (socket.readyState === CONNECTING) this.cut(socket)
      else if (socket.readyState === OPEN) socket.close(code, fitCloseReason(reason))
    } catch {
      this.cut(socket)
    }
  }

  private sinkOf(link: SocketLink<S>): FrameSink {
    const socket = link.socket
    return {
      send: (frame) => this.write(socket, frame),
      bufferedBytes: () => socket.bufferedAmount,
      close: (reason) => {
        link.abandoned = true
        this.closeSocket(socket, CLOSE_NORMAL, reason)
      },
    }
  }

  /** Closes every socket and waits up to closeGraceMs for their closing handshakes; cuts the rest. */
  protected async closeTransport(): Promise<void> {
    for (const link of [...this.sockets]) this.closeSocket(link.socket, CLOSE_GOING_AWAY, 'transport closed')
    if (this.sockets.size > 0) {
      let grace: ReturnType<typeof setTimeout> | undefined
      await new Promise<void>((resolve) => {
        this.onAllClosed = resolve
        grace = setTimeout(resolve, this.closeGraceMs)
      })
      clearTimeout(grace)
      this.onAllClosed = undefined
    }
    for (const link of this.sockets) this.cut(link.socket)
    this.sockets.clear()
    this.dials.clear()
  }
}

// core's Transport over WebSockets (the `ws` package), for one local node or tracker. It can
// listen (trackers do; nodes need not) and dial `ws://host:port` peers.
//
// Addressing: core connects to a node id, so the transport keeps a directory from node id to URL
// (the `peers` option, addPeer). That is configuration, outside core: a node is told its
// trackers' ids and URLs. A peer with no address fails its connect at once.
//
// Opening a link: the dialer sends hello (its id and incarnation, link-frames.ts); the acceptor
// answers welcome (the same of its own) or closes the socket with a 4xxx code. The dialer checks
// that the acceptor is the node it meant to reach. Until the hello, an accepted socket is nobody:
// it must say hello within helloTimeoutMs or it is dropped. Node ids are taken as declared:
// there is no authentication here (PROTOCOL.md's signatures belong to the message layer).
//
// Two nodes dialing each other at once: the dial of the smaller id wins. The acceptor refuses the
// other with CLOSE_DUPLICATE; its dialer does not fail but waits (until its connect timeout) for
// the winning dial, which the acceptor side turns into its link. A dial that has not even opened
// yet (no hello sent) wins nothing: the hello that did arrive is accepted and our dial dropped, so
// a peer we cannot reach (not listening, no route) still gets its own link to us. A hello from a peer we already
// have a link with replaces that link (the peer restarted, or dropped it and we have not noticed
// yet), unless ours is the winning dial and the peer is the same incarnation: then it is a stale
// dial from a race, and refused.
//
// Frames above maxFrameBytes are refused by `ws` itself (maxPayload), which closes the link with
// 1009; the frame counts as garbage. Text frames are garbage. See live-link.ts for the rest.

import WebSocket, { WebSocketServer } from 'ws'
import type { NodeId } from '../core/ports.ts'
import { LINK_HELLO, LINK_WELCOME, decodeLinkFrame, encodeLinkFrame } from './link-frames.ts'
import { DEFAULT_LIVE_LINK_OPTIONS, type FrameSink, LiveConnection, type LiveLinkOptions, LiveTransportBase } from './live-link.ts'
import { CLOSE_BAD_HELLO, CLOSE_DUPLICATE, CLOSE_GOING_AWAY, CLOSE_NORMAL, CLOSE_WRONG_PEER, describeClose } from './websocket-close-codes.ts'

export interface WebSocketTransportOptions extends LiveLinkOptions {
  /** Known peers: node id -> ws:// URL. */
  peers: Record<NodeId, string> | ReadonlyMap<NodeId, string>
  /** An accepted socket that has not said hello by then is dropped. */
  helloTimeoutMs: number
  /** How long close() waits for sockets to finish their closing handshake before cutting them. */
  closeGraceMs: number
}

export const DEFAULT_HELLO_TIMEOUT_MS = 5_000
export const DEFAULT_CLOSE_GRACE_MS = 1_000

export const DEFAULT_WEBSOCKET_TRANSPORT_OPTIONS: Readonly<WebSocketTransportOptions> = {
  ...DEFAULT_LIVE_LINK_OPTIONS,
  peers: {},
  helloTimeoutMs: DEFAULT_HELLO_TIMEOUT_MS,
  closeGraceMs: DEFAULT_CLOSE_GRACE_MS,
}

export { CLOSE_BAD_HELLO, CLOSE_DUPLICATE, CLOSE_GOING_AWAY, CLOSE_NORMAL, CLOSE_WRONG_PEER } from './websocket-close-codes.ts'

interface SocketState {
  readonly ws: WebSocket
  readonly dialer: boolean
  /** Dialer: the peer dialed. Acceptor: set by the hello. */
  peer: NodeId | undefined
  connection: LiveConnection | undefined
  /** Dropped by us before it became a link; its events mean nothing now. */
  abandoned: boolean
  /** Dialer: the socket opened and our hello went out. */
  helloSent: boolean
  helloTimer: ReturnType<typeof setTimeout> | undefined
  lastError: string | undefined
}

export class WebSocketTransport extends LiveTransportBase {
  private readonly wsOptions: WebSocketTransportOptions
  private readonly directory = new Map<NodeId, string>()
  private readonly dials = new Map<NodeId, SocketState>()
  private readonly sockets = new Set<WebSocket>()
  private server: WebSocketServer | undefined
  private listenUrl: string | undefined

  constructor(localId: NodeId, options: Partial<WebSocketTransportOptions> = {}) {
    const o = { ...DEFAULT_WEBSOCKET_TRANSPORT_OPTIONS, ...options }
    super(localId, o)
    if (!(o.helloTimeoutMs > 0)) throw new RangeError(`helloTimeoutMs must be > 0, got ${o.helloTimeoutMs}`)
    this.wsOptions = o
    const peers = o.peers instanceof Map ? o.peers : new Map(Object.entries(o.peers))
    for (const [id, url] of peers) this.addPeer(id, url)
  }

  /** The URL peers reach this transport at, once listening. */
  get url(): string | undefined {
    return this.listenUrl
  }

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

  /** Listens on host:port (port 0: any free port); resolves to the ws:// URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server !== undefined) throw new Error('already listening')
    if (this.closed) throw new Error('transport closed')
    const server = new WebSocketServer({ host, port, maxPayload: this.options.maxFrameBytes, perMessageDeflate: false, clientTracking: false })
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve())
      server.once('error', reject)
    })
    server.on('error', (error) => this.reportError(error, 'server'))
    server.on('connection', (ws) => this.guard('accept', () => this.accept(ws)))
    const address = server.address()
    const actualPort = typeof address === 'object' && address !== null ? address.port : port
    this.listenUrl = `ws://${host.includes(':') ? `[${host}]` : host}:${actualPort}`
    return this.listenUrl
  }

  protected startConnect(peer: NodeId): void {
    if (this.dials.has(peer) || this.connectionTo(peer) !== undefined) return
    const url = this.directory.get(peer)
    if (url === undefined) {
      this.failConnect(peer, 'no address for peer')
      return
    }
    const ws = new WebSocket(url, {
      perMessageDeflate: false, maxPayload: this.options.maxFrameBytes, handshakeTimeout: this.options.connectTimeoutMs,
    })
    const state: SocketState = { ws, dialer: true, peer, connection: undefined, abandoned: false, helloSent: false, helloTimer: undefined, lastError: undefined }
    this.dials.set(peer, state)
    this.track(state)
    ws.on('open', () => this.guard('open', () => {
      if (state.abandoned) return
      ws.send(encodeLinkFrame({ type: LINK_HELLO, nodeId: this.localId, incarnation: this.incarnation }))
      state.helloSent = true
    }))
  }

  protected abortConnect(peer: NodeId): void {
    const state = this.dials.get(peer)
    if (state === undefined) return
    this.dials.delete(peer)
    this.abandon(state, CLOSE_NORMAL, 'connect abandoned')
  }

  private accept(ws: WebSocket): void {
    if (this.closed) {
      ws.terminate()
      return
    }
    const state: SocketState = { ws, dialer: false, peer: undefined, connection: undefined, abandoned: false, helloSent: false, helloTimer: undefined, lastError: undefined }
    state.helloTimer = setTimeout(() => this.guard('helloTimeout', () => this.abandon(state, CLOSE_BAD_HELLO, 'no hello')), this.wsOptions.helloTimeoutMs)
    this.track(state)
  }

  private track(state: SocketState): void {
    const ws = state.ws
    this.sockets.add(ws)
    ws.on('message', (data, isBinary) => this.guard('message', () => this.onSocketMessage(state, data, isBinary)))
    ws.on('error', (error: Error & { code?: string }) => this.guard('error', () => {
      state.lastError = error.message
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' && state.connection !== undefined) this.garbage(state.connection, 'frame too large')
    }))
    ws.on('close', (code, reason) => this.guard('close', () => this.onSocketClose(state, code, reason.toString())))
  }

  private onSocketMessage(state: SocketState, data: WebSocket.RawData, isBinary: boolean): void {
    if (state.abandoned || this.closed) return
    const frame = toBytes(data)
    const connection = state.connection
    if (connection !== undefined) {
      if (isBinary) this.receiveFrame(connection, frame)
      else if (connection.open) this.garbage(connection, 'text frame')
      return
    }
    const link = isBinary ? decodeLinkFrame(frame) : undefined
    if (state.dialer) {
      const peer = state.peer!
      if (link === undefined || link.type !== LINK_WELCOME) {
        this.dialFailed(state, CLOSE_BAD_HELLO, 'bad welcome')
        return
      }
      if (link.nodeId !== peer) {
        this.dialFailed(state, CLOSE_WRONG_PEER, `the node at ${this.directory.get(peer)} is ${link.nodeId}`)
        return
      }
      if (this.dials.get(peer) === state) this.dials.delete(peer)
      this.open(state, new LiveConnection(peer, true, link.incarnation, this.sinkOf(state), this))
      return
    }
    if (link === undefined || link.type !== LINK_HELLO || link.nodeId === this.localId) {
      this.abandon(state, CLOSE_BAD_HELLO, 'bad hello')
      return
    }
    clearTimeout(state.helloTimer)
    state.helloTimer = undefined
    const peer = link.nodeId
    state.peer = peer
    const existing = this.connectionTo(peer)
    const dial = this.dials.get(peer)
    const myDialWins = this.localId < peer
    if ((existing !== undefined && existing.dialedByMe && myDialWins && existing.remoteIncarnation === link.incarnation)
      || (existing === undefined && dial !== undefined && dial.helloSent && myDialWins)) {
      this.abandon(state, CLOSE_DUPLICATE, 'duplicate link')
      return
    }
    if (dial !== undefined) {
      // Their dial wins: ours goes quietly, and this link answers our connect().
      this.dials.delete(peer)
      this.abandon(dial, CLOSE_DUPLICATE, 'duplicate link')
    }
    state.ws.send(encodeLinkFrame({ type: LINK_WELCOME, nodeId: this.localId, incarnation: this.incarnation }))
    this.open(state, new LiveConnection(peer, false, link.incarnation, this.sinkOf(state), this))
  }

  private open(state: SocketState, connection: LiveConnection): void {
    state.connection = connection
    this.surface(connection)
  }

  private onSocketClose(state: SocketState, code: number, reason: string): void {
    clearTimeout(state.helloTimer)
    this.sockets.delete(state.ws)
    if (state.connection !== undefined) {
      this.connectionLost(state.connection, describeClose(code, reason, state.lastError))
      return
    }
    if (!state.dialer || state.abandoned) return
    const peer = state.peer!
    if (this.dials.get(peer) === state) this.dials.delete(peer)
    // Refused as a duplicate: the peer's own dial to us is the link; keep waiting for it.
    if (code === CLOSE_DUPLICATE) return
    this.failConnect(peer, describeClose(code, reason, state.lastError))
  }

  private dialFailed(state: SocketState, code: number, reason: string): void {
    const peer = state.peer!
    if (this.dials.get(peer) === state) this.dials.delete(peer)
    this.abandon(state, code, reason)
    this.failConnect(peer, reason)
  }

  private abandon(state: SocketState, code: number, reason: string): void {
    if (state.abandoned) return
    state.abandoned = true
    clearTimeout(state.helloTimer)
    closeSocket(state.ws, code, reason)
  }

  private sinkOf(state: SocketState): FrameSink {
    const ws = state.ws
    return {
      send: (frame) => ws.send(frame),
      bufferedBytes: () => ws.bufferedAmount,
      close: (reason) => {
        state.abandoned = true
        closeSocket(ws, CLOSE_NORMAL, reason)
      },
    }
  }

  protected async closeTransport(): Promise<void> {
    const sockets = [...this.sockets]
    const closedAll = Promise.all(sockets.map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) resolve()
      else ws.once('close', () => resolve())
    })))
    for (const ws of sockets) closeSocket(ws, CLOSE_GOING_AWAY, 'transport closed')
    let grace: ReturnType<typeof setTimeout> | undefined
    await Promise.race([closedAll, new Promise<void>((resolve) => { grace = setTimeout(resolve, this.wsOptions.closeGraceMs) })])
    clearTimeout(grace)
    for (const ws of this.sockets) ws.terminate()
    this.sockets.clear()
    this.dials.clear()
    const server = this.server
    this.server = undefined
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}

/** Closes with a code the peer sees; a socket still connecting is cut instead. Never throws. */
function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
    else if (ws.readyState === WebSocket.OPEN) ws.close(code, reason.slice(0, 120))
  } catch {
    ws.terminate()
  }
}

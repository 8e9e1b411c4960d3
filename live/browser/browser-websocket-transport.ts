// core's Transport over the browser's WebSocket, for a browser node's links to its trackers. A
// page cannot listen, so this only dials, and it speaks the Node transport's link protocol
// (websocket-transport.ts): hello with our id and incarnation, the acceptor's welcome naming the
// node we meant to reach, then binary wire frames. The tracker cannot tell it from a Node node.
//
// Addressing: a directory from node id to ws:// URL, as in the Node transport. Without an
// acceptor side there are no dial races to resolve, so a refusal of any kind fails the connect
// (the Node dialer waits out a CLOSE_DUPLICATE for the peer's own dial, which cannot reach a page).
//
// The browser's WebSocket gives no hook to refuse a large frame before it is buffered: one over
// maxFrameBytes is refused by the codec, as garbage, after the fact. Text frames are garbage too.

import type { NodeId } from '../../core/ports.ts'
import { LINK_HELLO, LINK_WELCOME, decodeLinkFrame, encodeLinkFrame } from '../link-frames.ts'
import { DEFAULT_LIVE_LINK_OPTIONS, type FrameSink, LiveConnection, type LiveLinkOptions, LiveTransportBase } from '../live-link.ts'
import { onArrayBuffer } from './frame-bytes.ts'
import { CLOSE_BAD_HELLO, CLOSE_GOING_AWAY, CLOSE_NORMAL, CLOSE_WRONG_PEER, describeClose } from '../websocket-close-codes.ts'

export interface BrowserWebSocketTransportOptions extends LiveLinkOptions {
  /** Known peers: node id -> ws:// or wss:// URL. */
  peers: Record<NodeId, string>
  /** How long close() waits for sockets to finish their closing handshake. */
  closeGraceMs: number
}

export const DEFAULT_BROWSER_WEBSOCKET_OPTIONS: Readonly<BrowserWebSocketTransportOptions> = {
  ...DEFAULT_LIVE_LINK_OPTIONS,
  peers: {},
  closeGraceMs: 1_000,
}

interface Dial {
  readonly ws: WebSocket
  readonly peer: NodeId
  connection: LiveConnection | undefined
  /** Dropped by us; its events mean nothing now. */
  abandoned: boolean
  lastError: string | undefined
}

export class BrowserWebSocketTransport extends LiveTransportBase {
  private readonly wsOptions: BrowserWebSocketTransportOptions
  private readonly directory = new Map<NodeId, string>()
  /** Sockets dialed and not yet links, per peer. */
  private readonly dials = new Map<NodeId, Dial>()
  private readonly sockets = new Set<WebSocket>()

  constructor(localId: NodeId, options: Partial<BrowserWebSocketTransportOptions> = {}) {
    const o = { ...DEFAULT_BROWSER_WEBSOCKET_OPTIONS, ...options }
    super(localId, o)
    this.wsOptions = o
    for (const [id, url] of Object.entries(o.peers)) this.addPeer(id, url)
  }

  addPeer(id: NodeId, url: string): void {
    const parsed = new URL(url)
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new RangeError(`not a ws:// or wss:// URL: ${url}`)
    this.directory.set(id, url)
  }

  knows(id: NodeId): boolean {
    return this.directory.has(id)
  }

  protected startConnect(peer: NodeId): void {
    if (this.dials.has(peer) || this.connectionTo(peer) !== undefined) return
    const url = this.directory.get(peer)
    if (url === undefined) {
      this.failConnect(peer, 'no address for peer')
      return
    }
    const ws = new WebSocket(url)
    ws.binaryType = 'arraybuffer'
    const dial: Dial = { ws, peer, connection: undefined, abandoned: false, lastError: undefined }
    this.dials.set(peer, dial)
    this.sockets.add(ws)
    ws.onopen = () => this.guard('open', () => {
      if (!dial.abandoned) ws.send(onArrayBuffer(encodeLinkFrame({ type: LINK_HELLO, nodeId: this.localId, incarnation: this.incarnation })))
    })
    ws.onmessage = (event) => this.guard('message', () => this.onSocketMessage(dial, event.data))
    // The browser says nothing about why; the close event that follows carries the code.
    ws.onerror = () => this.guard('error', () => { dial.lastError = 'socket error' })
    ws.onclose = (event) => this.guard('close', () => this.onSocketClose(dial, event.code, event.reason))
  }

  protected abortConnect(peer: NodeId): void {
    const dial = this.dials.get(peer)
    if (dial === undefined) return
    this.dials.delete(peer)
    this.abandon(dial, CLOSE_NORMAL, 'connect abandoned')
  }

  private onSocketMessage(dial: Dial, data: unknown): void {
    if (dial.abandoned || this.closed) return
    const connection = dial.connection
    if (connection !== undefined) {
      if (data instanceof ArrayBuffer) this.receiveFrame(connection, new Uint8Array(data))
      else this.garbage(connection, 'text frame')
      return
    }
    const link = data instanceof ArrayBuffer ? decodeLinkFrame(new Uint8Array(data)) : undefined
    if (link === undefined || link.type !== LINK_WELCOME) {
      this.dialFailed(dial, CLOSE_BAD_HELLO, 'bad welcome')
      return
    }
    if (link.nodeId !== dial.peer) {
      this.dialFailed(dial, CLOSE_WRONG_PEER, `the node at ${this.directory.get(dial.peer)} is ${link.nodeId}`)
      return
    }
    if (this.dials.get(dial.peer) === dial) this.dials.delete(dial.peer)
    dial.connection = new LiveConnection(dial.peer, true, link.incarnation, this.sinkOf(dial), this)
    this.surface(dial.connection)
  }

  private onSocketClose(dial: Dial, code: number, reason: string): void {
    this.sockets.delete(dial.ws)
    if (dial.connection !== undefined) {
      this.connectionLost(dial.connection, describeClose(code, reason, dial.lastError))
      return
    }
    if (dial.abandoned) return
    if (this.dials.get(dial.peer) === dial) this.dials.delete(dial.peer)
    this.failConnect(dial.peer, describeClose(code, reason, dial.lastError))
  }

  private dialFailed(dial: Dial, code: number, reason: string): void {
    if (this.dials.get(dial.peer) === dial) this.dials.delete(dial.peer)
    this.abandon(dial, code, reason)
    this.failConnect(dial.peer, reason)
  }

  private abandon(dial: Dial, code: number, reason: string): void {
    if (dial.abandoned) return
    dial.abandoned = true
    closeSocket(dial.ws, code, reason)
  }

  private sinkOf(dial: Dial): FrameSink {
    const ws = dial.ws
    return {
      send: (frame) => ws.send(onArrayBuffer(frame)),
      bufferedBytes: () => ws.bufferedAmount,
      close: (reason) => {
        dial.abandoned = true
        closeSocket(ws, CLOSE_NORMAL, reason)
      },
    }
  }

  protected async closeTransport(): Promise<void> {
    const sockets = [...this.sockets]
    const closedAll = Promise.all(sockets.map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) resolve()
      else ws.addEventListener('close', () => resolve(), { once: true })
    })))
    for (const ws of sockets) closeSocket(ws, CLOSE_GOING_AWAY, 'transport closed')
    let grace: ReturnType<typeof setTimeout> | undefined
    await Promise.race([closedAll, new Promise<void>((resolve) => { grace = setTimeout(resolve, this.wsOptions.closeGraceMs) })])
    clearTimeout(grace)
    this.sockets.clear()
    this.dials.clear()
  }
}

/** Never throws. A browser socket that is still connecting can only be closed with no code. */
function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    if (ws.readyState === WebSocket.CONNECTING) ws.close()
    else if (ws.readyState === WebSocket.OPEN) ws.close(code, truncateUtf8(reason, 120))
  } catch {
    // Closed already, or a code the browser refuses: nothing else to do.
  }
}

/** The browser refuses a close reason over 123 UTF-8 bytes. */
function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text)
  if (bytes.byteLength <= maxBytes) return text
  return new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, '')
}

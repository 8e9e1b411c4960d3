// core's Transport over WebSockets (the `ws` package), for one local node or tracker. It can
// listen (trackers do; nodes need not) and dial `ws://host:port` peers. Addressing, the hello and
// welcome that open a link and the dial races are websocket-transport-base.ts's, shared with the
// browser's transport; this file is the `ws` side of it: the server, and opening, hearing from,
// writing to and cutting a `ws` socket.
//
// Frames above maxFrameBytes are refused by `ws` itself (maxPayload), which closes the link with
// 1009; the frame counts as garbage. Text frames are garbage. See live-link.ts for the rest.

import WebSocket, { WebSocketServer } from 'ws'
import type { NodeId } from '../core/ports.ts'
import { DEFAULT_WEBSOCKET_LINK_OPTIONS, type SocketEvents, WebSocketTransportBase, type WebSocketLinkOptions } from './websocket-transport-base.ts'

export interface WebSocketTransportOptions extends WebSocketLinkOptions {
  /** An accepted socket that has not said hello by then is dropped. */
  helloTimeoutMs: number
  /**
   * Accepted sockets open at once from one source address; more are cut on arrival. Each
   * identity at a listener needs its own socket, so this caps identities per address too.
   */
  maxSocketsPerAddress: number
  /** Accepted sockets waiting for their hello at once, from all addresses; more are cut on arrival. */
  maxUngreetedSockets: number
}

export const DEFAULT_HELLO_TIMEOUT_MS = 5_000
/** Ours: a transport caps nothing by itself; listeners open to strangers (trackers) set a cap. */
export const DEFAULT_MAX_SOCKETS_PER_ADDRESS = Number.POSITIVE_INFINITY
/**
 * Ours: with the 5 s hello timeout, 256 sockets waiting for their hello admit about 50 honest
 * (re)connections a second, far more than a restarted tracker's nodes need, while a flood of
 * idle sockets from many addresses holds at most 256 at once.
 */
export const DEFAULT_MAX_UNGREETED_SOCKETS = 256

export const DEFAULT_WEBSOCKET_TRANSPORT_OPTIONS: Readonly<WebSocketTransportOptions> = {
  ...DEFAULT_WEBSOCKET_LINK_OPTIONS,
  helloTimeoutMs: DEFAULT_HELLO_TIMEOUT_MS,
  maxSocketsPerAddress: DEFAULT_MAX_SOCKETS_PER_ADDRESS,
  maxUngreetedSockets: DEFAULT_MAX_UNGREETED_SOCKETS,
}

export { DEFAULT_CLOSE_GRACE_MS } from './websocket-transport-base.ts'
export { CLOSE_BAD_HELLO, CLOSE_DUPLICATE, CLOSE_GOING_AWAY, CLOSE_NORMAL, CLOSE_WRONG_PEER } from './websocket-close-codes.ts'

export class WebSocketTransport extends WebSocketTransportBase<WebSocket> {
  private readonly helloTimeoutMs: number
  private readonly maxSocketsPerAddress: number
  private readonly maxUngreetedSockets: number
  /** Accepted sockets open per source address. */
  private readonly socketsPerAddress = new Map<string, number>()
  private refusedSockets = 0
  private server: WebSocketServer | undefined
  private listenUrl: string | undefined

  constructor(localId: NodeId, options: Partial<WebSocketTransportOptions> = {}) {
    const o = { ...DEFAULT_WEBSOCKET_TRANSPORT_OPTIONS, ...options }
    super(localId, o)
    if (!(o.helloTimeoutMs > 0)) throw new RangeError(`helloTimeoutMs must be > 0, got ${o.helloTimeoutMs}`)
    this.helloTimeoutMs = o.helloTimeoutMs
    if (!(o.maxSocketsPerAddress >= 1)) throw new RangeError(`maxSocketsPerAddress must be >= 1, got ${o.maxSocketsPerAddress}`)
    this.maxSocketsPerAddress = o.maxSocketsPerAddress
    if (!(o.maxUngreetedSockets >= 1)) throw new RangeError(`maxUngreetedSockets must be >= 1, got ${o.maxUngreetedSockets}`)
    this.maxUngreetedSockets = o.maxUngreetedSockets
  }

  /** Accepted sockets cut on arrival: their address had maxSocketsPerAddress open, or maxUngreetedSockets waited for a hello. */
  get socketsRefused(): number {
    return this.refusedSockets
  }

  /** The URL peers reach this transport at, once listening. */
  get url(): string | undefined {
    return this.listenUrl
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
    server.on('connection', (ws, request) => this.guard('accept', () => this.acceptFrom(ws, request.socket.remoteAddress ?? '')))
    const address = server.address()
    const actualPort = typeof address === 'object' && address !== null ? address.port : port
    this.listenUrl = `ws://${host.includes(':') ? `[${host}]` : host}:${actualPort}`
    return this.listenUrl
  }

  private acceptFrom(ws: WebSocket, address: string): void {
    const open = this.socketsPerAddress.get(address) ?? 0
    if (open >= this.maxSocketsPerAddress || this.ungreetedSockets >= this.maxUngreetedSockets) {
      this.refusedSockets++
      ws.terminate()
      return
    }
    this.socketsPerAddress.set(address, open + 1)
    ws.once('close', () => {
      const n = (this.socketsPerAddress.get(address) ?? 1) - 1
      if (n > 0) this.socketsPerAddress.set(address, n)
      else this.socketsPerAddress.delete(address)
    })
    this.accept(ws, this.helloTimeoutMs)
  }

  protected canBeDialed(): boolean {
    return this.server !== undefined
  }

  protected openSocket(url: string): WebSocket {
    return new WebSocket(url, { perMessageDeflate: false, maxPayload: this.options.maxFrameBytes, handshakeTimeout: this.options.connectTimeoutMs })
  }

  protected forwardEvents(ws: WebSocket, events: SocketEvents): void {
    ws.on('open', () => events.opened())
    ws.on('message', (data, isBinary) => {
      if (isBinary) events.binaryFrame(toBytes(data))
      else events.textFrame()
    })
    ws.on('error', (error: Error & { code?: string }) => {
      events.error(error.message)
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') events.oversizedFrame()
    })
    ws.on('close', (code, reason) => events.closed(code, reason.toString()))
  }

  protected write(ws: WebSocket, frame: Uint8Array): void {
    ws.send(frame)
  }

  protected cut(ws: WebSocket): void {
    ws.terminate()
  }

  protected override async closeTransport(): Promise<void> {
    await super.closeTransport()
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

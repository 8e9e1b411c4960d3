// What the WebSocket and WebRTC transports share: the Connection that core holds, frame
// accounting, garbage handling, keep-alive, and the bookkeeping that gives every connect()
// exactly one answer. Each transport supplies a FrameSink per link and its own way to dial.
//
// Semantics, matching the simulator's (sim/network/sim-network.ts):
//   - At most one open Connection per peer. connect() to a linked peer answers onConnected with
//     the existing one. Two peers dialing each other at once end with one link: the one dialed
//     by the smaller node id wins, the other is dropped before either side hears of it.
//   - Every connect() is answered once, asynchronously: onConnected, or onConnectFailed after a
//     failure or after connectTimeoutMs.
//   - send() never throws or blocks. A message that cannot be encoded, or that would push the
//     link's send buffer over maxBufferedBytes, is dropped and counted, as a lossy link would.
//   - Frames arrive in order. A frame that decodes goes to core's onMessage as it is (core
//     validates it); one that does not is dropped and counted, and after maxGarbageFrames of them
//     the link is closed (a peer running our codec never sends one, so a few mean a broken or
//     hostile peer; 0 keeps the link whatever arrives).
//   - A link that drops, is closed by either side, or is silent for idleTimeoutMs (keep-alive
//     pings every keepAliveMs) reaches core once as onDisconnected. Closing a link locally
//     reports it at once, as the simulator does.
//   - No link reaches core, nor replaces the link core holds, before its peer has proved the key
//     behind its id (link-proof.ts); frames before the proof are garbage, a link unproved after
//     proofTimeoutMs is closed, and core never hears of a link that did not prove itself.
//   - Every call into core is wrapped: an exception there is counted and reported to onError,
//     never thrown into a socket's or node-datachannel's callback.

import { describeDecodeError } from '../core/message-layer/errors.ts'
import type { Connection, NodeId, Transport, TransportHandler, WireMessage } from '../core/ports.ts'
import type { KeyPair } from '../core/message-layer/identity.ts'
import { LINK_CHALLENGE, LINK_PING, LINK_PROOF, decodeLinkFrame, encodeLinkFrame, isLinkFrame } from './link-frames.ts'
import { DEFAULT_PROOF_TIMEOUT_MS, IdBindings, ephemeralIdentity, newChallenge, proveTo, proverOf } from './link-proof.ts'
import { randomHex } from './random-hex.ts'
import { DEFAULT_MAX_FRAME_BYTES, WireCodec } from './wire-codec.ts'

export interface LiveLinkOptions {
  /** A connect() not answered by then fails with "connect timeout". */
  connectTimeoutMs: number
  /** Bound on one frame in either direction (1 MiB). */
  maxFrameBytes: number
  /** Undecodable frames after which a link is closed; 0 never closes it. */
  maxGarbageFrames: number
  /** Sends are dropped while this much is already queued on a link (a slow or stalled peer). */
  maxBufferedBytes: number
  /** A ping goes out on a link idle for this long; 0 turns keep-alive off. */
  keepAliveMs: number
  /** A link that has heard nothing for this long is closed as "peer timed out". */
  idleTimeoutMs: number
  /** Where exceptions from core's handler and from socket callbacks are reported. */
  onError?: (error: unknown, where: string) => void
  /** The key this transport proves; default a fresh one per transport (a node passes its own). */
  identity?: KeyPair
  /** Peers' ids are their keys' addresses (Tatum nodes); otherwise a named id is bound to the first key that proves it. */
  idIsAddress?: boolean
  /** A link whose peer has not proved its key by then is closed. */
  proofTimeoutMs?: number
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
export const DEFAULT_MAX_GARBAGE_FRAMES = 8
export const DEFAULT_MAX_BUFFERED_BYTES = 4 << 20
export const DEFAULT_KEEP_ALIVE_MS = 5_000
export const DEFAULT_IDLE_TIMEOUT_MS = 15_000

export const DEFAULT_LIVE_LINK_OPTIONS: Readonly<LiveLinkOptions> = {
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxGarbageFrames: DEFAULT_MAX_GARBAGE_FRAMES,
  maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
  keepAliveMs: DEFAULT_KEEP_ALIVE_MS,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
}

export function validateLiveLinkOptions(o: LiveLinkOptions): void {
  if (!(o.connectTimeoutMs > 0)) throw new RangeError(`connectTimeoutMs must be > 0, got ${o.connectTimeoutMs}`)
  if (!Number.isInteger(o.maxGarbageFrames) || o.maxGarbageFrames < 0) throw new RangeError(`maxGarbageFrames must be an integer >= 0, got ${o.maxGarbageFrames}`)
  if (!(o.maxBufferedBytes > 0)) throw new RangeError(`maxBufferedBytes must be > 0, got ${o.maxBufferedBytes}`)
  if (!(o.keepAliveMs >= 0)) throw new RangeError(`keepAliveMs must be >= 0, got ${o.keepAliveMs}`)
  if (o.keepAliveMs > 0 && !(o.idleTimeoutMs > o.keepAliveMs)) throw new RangeError(`idleTimeoutMs must be > keepAliveMs, got ${o.idleTimeoutMs}`)
}

/** Counters of one transport; they only grow. */
export interface LiveTransportStats {
  connectsRequested: number
  connectsFailed: number
  /** Links that reached core as onConnected (inbound and outbound). */
  connectionsOpened: number
  /** Links that reached core as onDisconnected. */
  connectionsClosed: number
  framesSent: number
  bytesSent: number
  framesReceived: number
  bytesReceived: number
  /** Decoded wire messages handed to core. */
  messagesReceived: number
  /** Frames that did not decode (or were too large, or text): dropped. */
  garbageFrames: number
  /** Links closed because of garbage. */
  closedForGarbage: number
  /** Messages the codec refused (too large, out of range): dropped. */
  encodeErrors: number
  /** Messages dropped because the link's send buffer was over maxBufferedBytes. */
  droppedBackpressure: number
  /** Messages sent on a link that had already closed: dropped. */
  sentOnClosed: number
  /** Links closed because the peer fell silent. */
  idleTimeouts: number
  /** Exceptions thrown by core's handler or inside socket callbacks. */
  errors: number
  /** Links whose peer proved its key (link-proof.ts). */
  proofsAccepted: number
  /** Links closed for a proof that did not recover, or recovered a key other than the id's. */
  proofsRefused: number
  /** Links closed because no proof came within proofTimeoutMs. */
  proofTimeouts: number
  /** Frames other than challenge and proof on a link not yet proved: dropped. */
  framesBeforeProof: number
}

function zeroStats(): LiveTransportStats {
  return {
    connectsRequested: 0, connectsFailed: 0, connectionsOpened: 0, connectionsClosed: 0, framesSent: 0, bytesSent: 0,
    framesReceived: 0, bytesReceived: 0, messagesReceived: 0, garbageFrames: 0, closedForGarbage: 0, encodeErrors: 0,
    droppedBackpressure: 0, sentOnClosed: 0, idleTimeouts: 0, errors: 0,
    proofsAccepted: 0, proofsRefused: 0, proofTimeouts: 0, framesBeforeProof: 0,
  }
}

/** One underlying channel (a WebSocket, a data channel) as a link sees it. */
export interface FrameSink {
  /** Queues one frame; may throw (the link catches). */
  send(frame: Uint8Array): void
  /** Bytes queued and not yet on the wire. */
  bufferedBytes(): number
  /** Tears the channel down. The link is already marked closed; later events from it are ignored. */
  close(reason: string): void
}

export class LiveConnection implements Connection {
  open = true
  garbageFrames = 0
  lastHeardMs: number
  lastSentMs: number
  /** The peer proved its key: the link is core's (link-proof.ts). */
  proved = false
  /** The address whose key the peer proved. */
  remoteAddress: string | undefined
  /** Our challenge to the peer, while we wait for its proof. */
  challenge: Uint8Array | undefined
  /** We answered the peer's challenge (once per link). */
  answered = false
  proofTimer: ReturnType<typeof setTimeout> | undefined
  /**
   * At least the bytes queued on the channel: what it reported when last asked plus every frame
   * sent since (a queue only drains between sends). The sink is asked again only when this bound
   * would pass maxBufferedBytes, so a send costs no bufferedBytes() call (on node-datachannel a
   * native call, about 6% of a send's cost in the live scale bench's profiles) until a link
   * has queued that much.
   */
  queuedBound = 0

  constructor(
    readonly remoteId: NodeId,
    /** This side dialed it. */
    readonly dialedByMe: boolean,
    /** The peer transport's incarnation (see link-frames.ts). */
    readonly remoteIncarnation: string,
    readonly sink: FrameSink,
    private readonly owner: LiveTransportBase
  ) {
    this.lastHeardMs = performance.now()
    this.lastSentMs = this.lastHeardMs
  }

  send(message: WireMessage): void {
    this.owner.sendOn(this, message)
  }

  close(): void {
    this.owner.closeConnection(this, 'closed locally')
  }
}

const PING_FRAME = encodeLinkFrame({ type: LINK_PING })

export abstract class LiveTransportBase implements Transport {
  /** Random per transport instance; a peer that sees a new one knows we restarted. */
  readonly incarnation = randomHex(8)
  protected readonly options: LiveLinkOptions
  protected readonly codec: WireCodec
  protected handler: TransportHandler | undefined
  /** The open link to each peer, the one core holds. */
  protected readonly links = new Map<NodeId, LiveConnection>()
  /** The key this transport proves on every link. */
  readonly identity: KeyPair
  /** Links up whose peer has not proved its key yet. */
  private readonly proving = new Set<LiveConnection>()
  private readonly bindings = new IdBindings()
  /** Peers whose connect() awaits an answer, with its deadline timer. */
  private readonly wanted = new Map<NodeId, ReturnType<typeof setTimeout>>()
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined
  protected closed = false
  private readonly counts = zeroStats()

  constructor(readonly localId: NodeId, options: LiveLinkOptions) {
    validateLiveLinkOptions(options)
    this.options = options
    this.identity = options.identity ?? ephemeralIdentity()
    if (options.idIsAddress === true && this.identity.address !== localId) throw new RangeError(`node id ${localId} is not the key's address ${this.identity.address}`)
    this.codec = new WireCodec({ maxFrameBytes: options.maxFrameBytes })
  }

  get stats(): Readonly<LiveTransportStats> {
    return this.counts
  }

  protected get mutableStats(): LiveTransportStats {
    return this.counts
  }

  /** The open link to `peer`, if any. */
  connectionTo(peer: NodeId): LiveConnection | undefined {
    const c = this.links.get(peer)
    return c?.open === true ? c : undefined
  }

  /** Peers with an open link. */
  connectedPeers(): NodeId[] {
    return [...this.links.keys()]
  }

  get isClosed(): boolean {
    return this.closed
  }

  setHandler(handler: TransportHandler): void {
    this.handler = handler
  }

  connect(peer: NodeId): void {
    if (this.closed) return
    this.counts.connectsRequested++
    const existing = this.connectionTo(peer)
    if (existing !== undefined) {
      queueMicrotask(() => {
        if (existing.open && this.links.get(peer) === existing) this.emit('onConnected', existing)
      })
      return
    }
    if (!this.wanted.has(peer)) {
      this.wanted.set(peer, setTimeout(() => this.failConnect(peer, 'connect timeout'), this.options.connectTimeoutMs))
    }
    queueMicrotask(() => {
      if (this.closed || !this.wanted.has(peer)) return
      if (peer === this.localId) {
        this.failConnect(peer, 'cannot connect to self')
        return
      }
      this.guard('connect', () => this.startConnect(peer))
    })
  }

  /** Begins (or continues, if one is under way) an attempt to link to `peer`. */
  protected abstract startConnect(peer: NodeId): void
  /** Gives up every attempt to `peer` (its connect timed out or failed). */
  protected abstract abortConnect(peer: NodeId): void
  /** Transport-specific shutdown after every link is closed. */
  protected abstract closeTransport(): Promise<void>

  protected isWanted(peer: NodeId): boolean {
    return this.wanted.has(peer)
  }

  /** Answers a pending connect() with onConnectFailed; does nothing if none is pending. */
  protected failConnect(peer: NodeId, reason: string): void {
    const timer = this.wanted.get(peer)
    if (timer === undefined) return
    clearTimeout(timer)
    this.wanted.delete(peer)
    this.guard('abortConnect', () => this.abortConnect(peer))
    if (this.closed) return
    this.counts.connectsFailed++
    this.emit('onConnectFailed', peer, reason)
  }

  /** Whether a link to `peer` is up and waiting for its proof. */
  protected isProving(peer: NodeId): boolean {
    for (const c of this.proving) if (c.remoteId === peer) return true
    return false
  }

  /** A link we dialed to `peer` that waits for its proof: for settling dial races. */
  protected provingDialTo(peer: NodeId): LiveConnection | undefined {
    for (const c of this.proving) if (c.remoteId === peer && c.dialedByMe) return c
    return undefined
  }

  /**
   * A channel to the peer is up: both sides challenge each other now, and the link becomes the
   * peer's (replacing an older one, as each transport's rules say) only once its proof checks.
   */
  protected establish(connection: LiveConnection): void {
    if (this.closed) {
      connection.open = false
      connection.sink.close('transport closed')
      return
    }
    this.proving.add(connection)
    connection.challenge = newChallenge()
    connection.proofTimer = setTimeout(() => this.guard('proofTimeout', () => {
      if (connection.proved || !connection.open) return
      this.counts.proofTimeouts++
      this.closeConnection(connection, 'no proof of identity')
    }), this.options.proofTimeoutMs ?? DEFAULT_PROOF_TIMEOUT_MS)
    this.sendFrame(connection, encodeLinkFrame({ type: LINK_CHALLENGE, bytes: connection.challenge }))
  }

  /** A frame on a link that has not proved its peer yet: only a challenge and a proof mean anything. */
  private proofFrame(connection: LiveConnection, frame: Uint8Array): void {
    const decoded = isLinkFrame(frame) ? decodeLinkFrame(frame) : undefined
    const link = decoded?.ok === true ? decoded.value : undefined
    if (link?.type === LINK_CHALLENGE && !connection.answered) {
      connection.answered = true
      this.sendFrame(connection, encodeLinkFrame({ type: LINK_PROOF, bytes: proveTo(this.identity, link.bytes, this.localId, connection.remoteId) }))
      return
    }
    if (link?.type === LINK_PROOF && connection.challenge !== undefined) {
      const peer = connection.remoteId
      const address = proverOf(link.bytes, connection.challenge, peer, this.localId)
      if (address === undefined || !this.mayClaim(peer, address)) {
        this.counts.proofsRefused++
        this.closeConnection(connection, address === undefined ? 'bad proof of identity' : `${peer} is bound to another key`)
        return
      }
      connection.proved = true
      connection.remoteAddress = address
      connection.challenge = undefined
      clearTimeout(connection.proofTimer)
      this.proving.delete(connection)
      if (this.options.idIsAddress !== true) this.bindings.bind(peer, address)
      this.counts.proofsAccepted++
      this.surface(connection)
      return
    }
    this.counts.framesBeforeProof++
    this.garbage(connection, 'frame before proof of identity')
  }

  /** Whether the key of `address` may speak as `peer` here. */
  private mayClaim(peer: NodeId, address: string): boolean {
    if (this.options.idIsAddress === true) return address === peer
    const linked = this.links.get(peer)
    const bound = linked?.open === true ? linked.remoteAddress : this.bindings.get(peer)
    return bound === undefined || bound === address
  }

  /** A proved link: it becomes the peer's link (replacing an older one) and core hears of it. */
  private surface(connection: LiveConnection): void {
    const peer = connection.remoteId
    const timer = this.wanted.get(peer)
    if (timer !== undefined) {
      clearTimeout(timer)
      this.wanted.delete(peer)
    }
    const previous = this.links.get(peer)
    if (previous !== undefined && previous !== connection) this.closeConnection(previous, 'replaced by a new link')
    this.links.set(peer, connection)
    this.counts.connectionsOpened++
    this.armKeepAlive()
    this.emit('onConnected', connection)
  }

  /** One frame from the channel of `connection`. */
  protected receiveFrame(connection: LiveConnection, frame: Uint8Array): void {
    if (!connection.open || this.closed) return
    this.counts.framesReceived++
    this.counts.bytesReceived += frame.byteLength
    connection.lastHeardMs = performance.now()
    if (!connection.proved) {
      this.proofFrame(connection, frame)
      return
    }
    if (isLinkFrame(frame)) {
      // Only pings are expected once a link is up; a repeated hello is garbage.
      const link = decodeLinkFrame(frame)
      if (!link.ok) this.garbage(connection, describeDecodeError(link.error))
      else if (link.value.type !== LINK_PING) this.garbage(connection, 'unexpected link frame')
      return
    }
    const decoded = this.codec.decode(frame)
    if (!decoded.ok) {
      this.garbage(connection, describeDecodeError(decoded.error))
      return
    }
    this.counts.messagesReceived++
    this.emit('onMessage', connection, decoded.message)
  }

  /** A frame that could not be used (undecodable, text, too large). */
  protected garbage(connection: LiveConnection, _why: string): void {
    this.counts.garbageFrames++
    connection.garbageFrames++
    const max = this.options.maxGarbageFrames
    if (max > 0 && connection.garbageFrames >= max && connection.open) {
      this.counts.closedForGarbage++
      this.closeConnection(connection, `closed after ${connection.garbageFrames} garbage frames`)
    }
  }

  /** The channel of `connection` went away by itself. */
  protected connectionLost(connection: LiveConnection, reason: string): void {
    if (!connection.open) return
    connection.open = false
    if (!connection.proved) {
      // Core never heard of it; a connect() it was to answer fails.
      clearTimeout(connection.proofTimer)
      this.proving.delete(connection)
      if (connection.dialedByMe && this.connectionTo(connection.remoteId) === undefined) this.failConnect(connection.remoteId, reason)
      return
    }
    if (this.links.get(connection.remoteId) === connection) this.links.delete(connection.remoteId)
    this.counts.connectionsClosed++
    this.emit('onDisconnected', connection, reason)
  }

  /** We close `connection`: core hears of it now, the peer when its channel closes. */
  closeConnection(connection: LiveConnection, reason: string): void {
    if (!connection.open) return
    this.connectionLost(connection, reason)
    this.guard('close', () => connection.sink.close(reason))
  }

  sendOn(connection: LiveConnection, message: WireMessage): void {
    if (!connection.open) {
      this.counts.sentOnClosed++
      return
    }
    const encoded = this.codec.encode(message)
    if (!encoded.ok) {
      this.counts.encodeErrors++
      return
    }
    this.sendFrame(connection, encoded.frame)
  }

  private sendFrame(connection: LiveConnection, frame: Uint8Array): void {
    try {
      const max = this.options.maxBufferedBytes
      if (connection.queuedBound + frame.byteLength > max) {
        connection.queuedBound = connection.sink.bufferedBytes()
        if (connection.queuedBound + frame.byteLength > max) {
          this.counts.droppedBackpressure++
          return
        }
      }
      connection.sink.send(frame)
      connection.queuedBound += frame.byteLength
      connection.lastSentMs = performance.now()
      this.counts.framesSent++
      this.counts.bytesSent += frame.byteLength
    } catch (error) {
      // A channel that closed under us: the close event follows and reports it.
      this.counts.sentOnClosed++
      void error
    }
  }

  private armKeepAlive(): void {
    if (this.options.keepAliveMs <= 0 || this.keepAliveTimer !== undefined || this.closed) return
    const period = Math.max(10, Math.min(this.options.keepAliveMs, this.options.idleTimeoutMs / 3))
    this.keepAliveTimer = setInterval(() => this.guard('keepAlive', () => this.keepAliveTick()), period)
  }

  private keepAliveTick(): void {
    const now = performance.now()
    for (const connection of [...this.links.values()]) {
      if (!connection.open) continue
      if (now - connection.lastHeardMs > this.options.idleTimeoutMs) {
        this.counts.idleTimeouts++
        this.closeConnection(connection, 'peer timed out')
      } else if (now - connection.lastSentMs >= this.options.keepAliveMs) {
        this.sendFrame(connection, PING_FRAME)
      }
    }
    if (this.links.size === 0 && this.keepAliveTimer !== undefined) {
      clearInterval(this.keepAliveTimer)
      this.keepAliveTimer = undefined
    }
  }

  /** Closes every link (core hears onDisconnected "transport closed") and releases everything. */
  async close(): Promise<void> {
    if (this.closed) return
    for (const connection of [...this.links.values(), ...this.proving]) this.closeConnection(connection, 'transport closed')
    this.closed = true
    for (const timer of this.wanted.values()) clearTimeout(timer)
    for (const peer of [...this.wanted.keys()]) this.guard('abortConnect', () => this.abortConnect(peer))
    this.wanted.clear()
    if (this.keepAliveTimer !== undefined) clearInterval(this.keepAliveTimer)
    this.keepAliveTimer = undefined
    await this.closeTransport()
  }

  /** Calls core, which must never throw into a socket callback. */
  protected emit<K extends keyof TransportHandler>(name: K, ...args: Parameters<TransportHandler[K]>): void {
    const handler = this.handler
    if (handler === undefined || this.closed) return
    try {
      (handler[name] as (...a: unknown[]) => void).apply(handler, args)
    } catch (error) {
      this.reportError(error, `handler.${name}`)
    }
  }

  /** Runs `fn`, catching anything: used in every callback of a socket or native binding. */
  protected guard(where: string, fn: () => void): void {
    try {
      fn()
    } catch (error) {
      this.reportError(error, where)
    }
  }

  protected reportError(error: unknown, where: string): void {
    this.counts.errors++
    try {
      if (this.options.onError !== undefined) this.options.onError(error, where)
      else console.error(`[live ${this.localId}] ${where}:`, error)
    } catch {
      // An error reporter that throws has nowhere else to go.
    }
  }
}

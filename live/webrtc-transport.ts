// core's Transport over WebRTC data channels (node-datachannel, libdatachannel's bindings), for
// node-to-node links. Offers, answers and ICE candidates travel as opaque strings through a
// signalling path the caller supplies: setSignalSender() to send, handleSignal() for what
// arrives. A live node wires both to its TrackerClient (sendSignal/onSignal), so the tracker
// that introduced two nodes relays their signalling (live-node.ts).
//
// One link is one PeerConnection with one ordered, reliable data channel ("brtc", protocol
// "brtc/1"). Frames are wire-codec frames; keep-alive pings are link frames (live-link.ts).
//
// Connecting: the dialer creates the channel, which makes libdatachannel produce an offer; the
// answerer sets it as the remote description and answers. Candidates trickle both ways; any that
// arrive before their remote description is set are queued, and any that arrive before their
// offer (possible when signalling takes two paths) wait in a small bounded buffer.
//
// DTLS roles: the offer we send says a=setup:active instead of actpass, so the offerer is the
// DTLS client and the answerer the server. By default libdatachannel makes the answerer the
// client, and the answerer, which can reach the offerer by ICE before the answer has come back
// through the tracker, then sends its ClientHello to an offerer with no DTLS transport yet;
// libdatachannel drops it and OpenSSL retransmits only after 1 s. Measured on loopback with
// node-datachannel 0.33.4 (live/bench-webrtc-setup.ts, 100 links each at 1, 5 and 20 ms of
// signalling delay): 156 of 300 links took that extra second with the default roles, 0 of 300
// with the offerer as client. Only the copy of the offer that is sent is edited; our local
// description keeps actpass and our role follows from the answer (passive). RFC 5763 wants
// actpass in an offer, but answerers accept active: libdatachannel does, and libwebrtc
// (jsep_transport.cc) allows "responder to handle offers with active and passive", insisting on
// actpass only in its own local offer. Chromium (156) links both ways with this: it answers an
// active offer with passive, and the browser transport (browser/) sends the same edited offer;
// live/bench-browser-setup.ts measured no difference in setup time against Chromium either way.
// offererIsDtlsClient: false restores the standard offer.
//
// An attempt that is not open within attemptTimeoutMs, or whose connection fails, is torn down
// and, while connectTimeoutMs allows and attempts remain (maxAttempts), a new one starts with a
// fresh offer.
//
// Races: both nodes offer at once when a tracker tells both to link. The offer of the smaller id
// wins: the larger one drops its own attempt without a word and answers; the smaller ignores the
// other's offer. The node that dropped its attempt still has its connect() answered, by the
// winning link's onConnected or, if that fails too, by onConnectFailed. An offer from a peer
// already linked replaces the link (the peer restarted or lost it), except a stale offer from a
// race (our winning link, same peer incarnation), which is ignored.
//
// node-datachannel calls back from native code, and an exception thrown there aborts the
// process: every callback runs under guard(). Peer connections are closed outside their own
// callbacks (setImmediate). The process must call cleanup() (shutdownWebRtc) before exiting.

import { randomBytes } from 'node:crypto'
import { type DataChannel, PeerConnection, type RtcConfig, cleanup } from 'node-datachannel'
import type { NodeId } from '../core/ports.ts'
import { DEFAULT_LIVE_LINK_OPTIONS, type FrameSink, LiveConnection, type LiveLinkOptions, LiveTransportBase } from './live-link.ts'
import {
  DATA_CHANNEL_LABEL, DATA_CHANNEL_PROTOCOL, DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_WEBRTC_CONNECT_TIMEOUT_MS,
  EARLY_CANDIDATE_KEYS, EARLY_CANDIDATES_PER_KEY, EARLY_FRAMES, type Signal, type SignalSender, type WebRtcStats,
  offerAsDtlsClient, parseSignal, zeroWebRtcStats,
} from './webrtc-signalling.ts'

export {
  DATA_CHANNEL_LABEL, DATA_CHANNEL_PROTOCOL, DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_WEBRTC_CONNECT_TIMEOUT_MS,
  type SignalSender, type WebRtcStats,
} from './webrtc-signalling.ts'

export interface WebRtcTransportOptions extends LiveLinkOptions {
  /** STUN/TURN servers as libdatachannel URLs ("stun:host:port"); none on a LAN or loopback. */
  iceServers: string[]
  /** Local address ICE binds to ("127.0.0.1" in tests); absent: every interface. */
  bindAddress: string | undefined
  /** UDP port range for ICE; absent: any. */
  portRangeBegin: number | undefined
  portRangeEnd: number | undefined
  /** One UDP port for every peer connection of the process. */
  enableIceUdpMux: boolean
  /** One offer/answer/ICE round must open its channel within this. */
  attemptTimeoutMs: number
  /** Attempts per connect(), within connectTimeoutMs. */
  maxAttempts: number
  /** Offer a=setup:active so the offerer is the DTLS client (see above). */
  offererIsDtlsClient: boolean
}

export const DEFAULT_WEBRTC_TRANSPORT_OPTIONS: Readonly<WebRtcTransportOptions> = {
  ...DEFAULT_LIVE_LINK_OPTIONS,
  connectTimeoutMs: DEFAULT_WEBRTC_CONNECT_TIMEOUT_MS,
  iceServers: [],
  bindAddress: undefined,
  portRangeBegin: undefined,
  portRangeEnd: undefined,
  enableIceUdpMux: false,
  attemptTimeoutMs: DEFAULT_ATTEMPT_TIMEOUT_MS,
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  offererIsDtlsClient: true,
}

interface Attempt {
  readonly id: string
  readonly peer: NodeId
  readonly role: 'offerer' | 'answerer'
  readonly pc: PeerConnection
  dc: DataChannel | undefined
  remoteSet: boolean
  /** Remote candidates waiting for the remote description. */
  readonly queued: { c: string; m: string }[]
  remoteIncarnation: string
  connection: LiveConnection | undefined
  /** Opened or given up: no longer an attempt. */
  done: boolean
  /** Its native objects are closed or about to be. */
  tornDown: boolean
  timer: ReturnType<typeof setTimeout> | undefined
  readonly early: Uint8Array[]
}

export class WebRtcTransport extends LiveTransportBase {
  private readonly rtcOptions: WebRtcTransportOptions
  private readonly rtcConfig: RtcConfig
  private sender: SignalSender | undefined
  /** The attempt under way per peer (at most one). */
  private readonly pending = new Map<NodeId, Attempt>()
  /** `peer/attemptId` -> attempt, from creation until torn down (candidates trickle after open). */
  private readonly byId = new Map<string, Attempt>()
  /** Every attempt whose native objects are not closed yet. */
  private readonly native = new Set<Attempt>()
  private readonly earlyCandidates = new Map<string, { c: string; m: string }[]>()
  /** Attempts made for the current connect() per peer. */
  private readonly tries = new Map<NodeId, number>()
  private readonly rtcCounts: WebRtcStats = zeroWebRtcStats()

  constructor(localId: NodeId, options: Partial<WebRtcTransportOptions> = {}) {
    const o = { ...DEFAULT_WEBRTC_TRANSPORT_OPTIONS, ...options }
    super(localId, o)
    if (!(o.attemptTimeoutMs > 0)) throw new RangeError(`attemptTimeoutMs must be > 0, got ${o.attemptTimeoutMs}`)
    if (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1) throw new RangeError(`maxAttempts must be an integer >= 1, got ${o.maxAttempts}`)
    this.rtcOptions = o
    this.rtcConfig = {
      iceServers: o.iceServers,
      enableIceUdpMux: o.enableIceUdpMux,
      maxMessageSize: o.maxFrameBytes,
      ...(o.bindAddress !== undefined ? { bindAddress: o.bindAddress } : {}),
      ...(o.portRangeBegin !== undefined ? { portRangeBegin: o.portRangeBegin } : {}),
      ...(o.portRangeEnd !== undefined ? { portRangeEnd: o.portRangeEnd } : {}),
    }
  }

  get rtcStats(): Readonly<WebRtcStats> {
    return this.rtcCounts
  }

  /** Peer connections not yet closed (links and attempts). */
  get nativeCount(): number {
    return this.native.size
  }

  setSignalSender(sender: SignalSender | undefined): void {
    this.sender = sender
  }

  /** A signalling payload from `from`. Never throws. */
  handleSignal(from: NodeId, payload: string): void {
    this.guard('handleSignal', () => {
      if (this.closed) return
      this.rtcCounts.signalsReceived++
      const s = parseSignal(payload)
      if (s === undefined || from === this.localId) {
        this.rtcCounts.badSignals++
        return
      }
      if (s.t === 'cand') this.onCandidate(from, s.a, s.c, s.m)
      else if (s.t === 'offer') this.onOffer(from, s.a, s.i, s.sdp)
      else this.onAnswer(from, s.a, s.i, s.sdp)
    })
  }

  protected startConnect(peer: NodeId): void {
    if (this.pending.has(peer) || this.connectionTo(peer) !== undefined) return
    this.offer(peer)
  }

  protected abortConnect(peer: NodeId): void {
    this.tries.delete(peer)
    const attempt = this.pending.get(peer)
    if (attempt !== undefined) this.drop(attempt)
  }

  private offer(peer: NodeId): void {
    if (this.sender === undefined) {
      this.failConnect(peer, 'no signalling path')
      return
    }
    this.tries.set(peer, (this.tries.get(peer) ?? 0) + 1)
    const attempt = this.createAttempt(peer, randomBytes(8).toString('hex'), 'offerer', '')
    // Creating the channel starts negotiation: the offer comes back in onLocalDescription.
    this.wireChannel(attempt, attempt.pc.createDataChannel(DATA_CHANNEL_LABEL, { protocol: DATA_CHANNEL_PROTOCOL }))
  }

  private onOffer(from: NodeId, id: string, incarnation: string, sdp: string): void {
    const existing = this.connectionTo(from)
    const pend = this.pending.get(from)
    if (pend?.id === id || this.byId.has(`${from}/${id}`)) {
      this.rtcCounts.staleSignals++
      return
    }
    const iWin = this.localId < from
    if (existing !== undefined && existing.dialedByMe && iWin && existing.remoteIncarnation === incarnation) {
      this.rtcCounts.staleSignals++
      return
    }
    if (pend !== undefined) {
      this.rtcCounts.racesResolved++
      if (pend.role === 'offerer' && iWin) return
      this.drop(pend)
    }
    if (this.sender === undefined) return
    const attempt = this.createAttempt(from, id, 'answerer', incarnation)
    attempt.pc.onDataChannel((dc) => this.guard('onDataChannel', () => {
      if (attempt.tornDown || attempt.dc !== undefined) {
        dc.close()
        return
      }
      this.wireChannel(attempt, dc)
    }))
    this.setRemote(attempt, sdp, 'offer')
  }

  private onAnswer(from: NodeId, id: string, incarnation: string, sdp: string): void {
    const attempt = this.byId.get(`${from}/${id}`)
    if (attempt === undefined || attempt.role !== 'offerer' || attempt.remoteSet || attempt.done) {
      this.rtcCounts.staleSignals++
      return
    }
    attempt.remoteIncarnation = incarnation
    this.setRemote(attempt, sdp, 'answer')
  }

  private onCandidate(from: NodeId, id: string, candidate: string, mid: string): void {
    const key = `${from}/${id}`
    const attempt = this.byId.get(key)
    if (attempt === undefined) {
      let list = this.earlyCandidates.get(key)
      if (list === undefined) {
        if (this.earlyCandidates.size >= EARLY_CANDIDATE_KEYS) this.earlyCandidates.delete(this.earlyCandidates.keys().next().value!)
        list = []
        this.earlyCandidates.set(key, list)
      }
      if (list.length < EARLY_CANDIDATES_PER_KEY) list.push({ c: candidate, m: mid })
      return
    }
    if (!attempt.remoteSet) attempt.queued.push({ c: candidate, m: mid })
    else this.addCandidate(attempt, candidate, mid)
  }

  /** Sets the remote description, then feeds it every candidate that came too early. */
  private setRemote(attempt: Attempt, sdp: string, type: 'offer' | 'answer'): void {
    try {
      attempt.pc.setRemoteDescription(sdp, type)
    } catch (error) {
      this.attemptFailed(attempt, `bad ${type}: ${String(error)}`)
      return
    }
    attempt.remoteSet = true
    const key = `${attempt.peer}/${attempt.id}`
    const early = this.earlyCandidates.get(key) ?? []
    this.earlyCandidates.delete(key)
    for (const { c, m } of [...early, ...attempt.queued]) this.addCandidate(attempt, c, m)
    attempt.queued.length = 0
  }

  private addCandidate(attempt: Attempt, candidate: string, mid: string): void {
    if (attempt.tornDown) return
    try {
      attempt.pc.addRemoteCandidate(candidate, mid)
    } catch {
      // A candidate libdatachannel cannot use (another address family, a stale one): skip it.
      this.rtcCounts.staleSignals++
    }
  }

  private createAttempt(peer: NodeId, id: string, role: Attempt['role'], remoteIncarnation: string): Attempt {
    const pc = new PeerConnection(`${this.localId}>${peer}`, this.rtcConfig)
    const attempt: Attempt = {
      id, peer, role, pc, dc: undefined, remoteSet: false, queued: [], remoteIncarnation, connection: undefined,
      done: false, tornDown: false, timer: undefined, early: [],
    }
    this.rtcCounts.attemptsStarted++
    this.pending.set(peer, attempt)
    this.byId.set(`${peer}/${id}`, attempt)
    this.native.add(attempt)
    attempt.timer = setTimeout(() => this.guard('attemptTimeout', () => this.attemptFailed(attempt, 'attempt timed out')), this.rtcOptions.attemptTimeoutMs)
    pc.onLocalDescription((sdp, type) => this.guard('onLocalDescription', () => {
      if (attempt.tornDown) return
      const t = type === 'offer' ? 'offer' : 'answer'
      const sent = t === 'offer' && this.rtcOptions.offererIsDtlsClient ? offerAsDtlsClient(sdp) : sdp
      if (!this.signal(peer, { t, a: id, i: this.incarnation, sdp: sent })) this.attemptFailed(attempt, 'signalling unavailable')
    }))
    pc.onLocalCandidate((candidate, mid) => this.guard('onLocalCandidate', () => {
      if (!attempt.tornDown) this.signal(peer, { t: 'cand', a: id, c: candidate, m: mid })
    }))
    pc.onStateChange((state) => this.guard('onStateChange', () => {
      if (state === 'failed' || state === 'closed' || state === 'disconnected') this.channelDown(attempt, `peer connection ${state}`)
    }))
    return attempt
  }

  private wireChannel(attempt: Attempt, dc: DataChannel): void {
    attempt.dc = dc
    dc.onOpen(() => this.guard('onOpen', () => this.opened(attempt)))
    dc.onClosed(() => this.guard('onClosed', () => this.channelDown(attempt, 'data channel closed')))
    dc.onError((error) => this.guard('onError', () => this.channelDown(attempt, `data channel error: ${error}`)))
    dc.onMessage((message) => this.guard('onMessage', () => this.onChannelMessage(attempt, message)))
    if (dc.isOpen()) this.opened(attempt)
  }

  private opened(attempt: Attempt): void {
    if (attempt.done || attempt.tornDown || this.closed) return
    attempt.done = true
    clearTimeout(attempt.timer)
    if (this.pending.get(attempt.peer) === attempt) this.pending.delete(attempt.peer)
    this.tries.delete(attempt.peer)
    const dc = attempt.dc!
    const sink: FrameSink = {
      send: (frame) => { dc.sendMessageBinary(frame) },
      bufferedBytes: () => dc.bufferedAmount(),
      close: () => this.teardownSoon(attempt),
    }
    const connection = new LiveConnection(attempt.peer, attempt.role === 'offerer', attempt.remoteIncarnation, sink, this)
    attempt.connection = connection
    this.surface(connection)
    for (const frame of attempt.early.splice(0)) this.receiveFrame(connection, frame)
  }

  private onChannelMessage(attempt: Attempt, message: string | Buffer | ArrayBuffer): void {
    if (attempt.tornDown) return
    const connection = attempt.connection
    if (typeof message === 'string') {
      if (connection !== undefined) this.garbage(connection, 'text message')
      return
    }
    const frame = message instanceof ArrayBuffer ? new Uint8Array(message) : message
    if (connection !== undefined) this.receiveFrame(connection, frame)
    else if (attempt.early.length < EARLY_FRAMES) attempt.early.push(frame)
  }

  /** The channel or its peer connection went down. */
  private channelDown(attempt: Attempt, reason: string): void {
    if (attempt.connection !== undefined) {
      this.connectionLost(attempt.connection, reason)
      this.teardownSoon(attempt)
    } else {
      this.attemptFailed(attempt, reason)
    }
  }

  private attemptFailed(attempt: Attempt, reason: string): void {
    if (attempt.done) return
    this.drop(attempt)
    this.rtcCounts.attemptsFailed++
    const peer = attempt.peer
    if (this.closed || !this.isWanted(peer) || this.pending.has(peer) || this.connectionTo(peer) !== undefined) return
    if ((this.tries.get(peer) ?? 0) < this.rtcOptions.maxAttempts) this.offer(peer)
    else this.failConnect(peer, reason)
  }

  /** Gives up an attempt without a word (it failed, lost a race, or its connect was abandoned). */
  private drop(attempt: Attempt): void {
    attempt.done = true
    clearTimeout(attempt.timer)
    if (this.pending.get(attempt.peer) === attempt) this.pending.delete(attempt.peer)
    this.teardownSoon(attempt)
  }

  /** Closes the native objects outside whatever native callback we are in. */
  private teardownSoon(attempt: Attempt): void {
    if (attempt.tornDown) return
    attempt.tornDown = true
    clearTimeout(attempt.timer)
    this.byId.delete(`${attempt.peer}/${attempt.id}`)
    setImmediate(() => this.closeNative(attempt))
  }

  private closeNative(attempt: Attempt): void {
    if (!this.native.delete(attempt)) return
    try {
      attempt.dc?.close()
    } catch {
      // Already closed.
    }
    try {
      attempt.pc.close()
    } catch {
      // Already closed.
    }
  }

  private signal(to: NodeId, s: Signal): boolean {
    const sender = this.sender
    if (sender === undefined) return false
    let sent = false
    try {
      sent = sender(to, JSON.stringify(s))
    } catch (error) {
      this.reportError(error, 'signal sender')
    }
    if (sent) this.rtcCounts.signalsSent++
    return sent
  }

  protected async closeTransport(): Promise<void> {
    for (const attempt of [...this.native]) {
      attempt.done = true
      attempt.tornDown = true
      clearTimeout(attempt.timer)
      this.closeNative(attempt)
    }
    this.pending.clear()
    this.byId.clear()
    this.earlyCandidates.clear()
    this.tries.clear()
    // Let deferred teardowns and the last native callbacks run before the caller moves on.
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/**
 * Releases libdatachannel's threads and sockets; a process that used this transport hangs at
 * exit without it. Call once, after every WebRtcTransport is closed.
 */
export function shutdownWebRtc(): void {
  cleanup()
}

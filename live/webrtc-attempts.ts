// How a WebRTC link comes about, for both WebRTC transports (webrtc-transport.ts on
// node-datachannel, browser/browser-webrtc-transport.ts on the browser's RTCPeerConnection):
// WebRtcTransportBase owns the connection attempts and their signalling; a subclass only drives
// its platform's peer connection and data channel. No platform API here, so both sides import it.
//
// Signalling: offers, answers and ICE candidates travel as opaque strings (webrtc-signalling.ts)
// through a path the caller supplies: setSignalSender() to send, handleSignal() for what arrives.
// A live node wires both to its TrackerClient (sendSignal/onSignal), so the tracker that
// introduced two nodes relays their signalling (live-node-base.ts).
//
// One link is one peer connection with one ordered, reliable data channel ("brtc", protocol
// "brtc/1"). Frames are wire-codec frames; keep-alive pings are link frames (live-link.ts).
//
// Connecting: the dialer creates the channel and offers; the answerer sets the offer as its
// remote description and answers. Candidates trickle both ways; any that arrive before their
// remote description is set are queued, and any that arrive before their offer (possible when
// signalling takes two paths) wait in a small bounded buffer.
//
// DTLS roles: the offer we send says a=setup:active instead of actpass, so the offerer is the
// DTLS client and the answerer the server. By default libdatachannel makes the answerer the
// client, and the answerer, which can reach the offerer by ICE before the answer has come back
// through the tracker, then sends its ClientHello to an offerer with no DTLS transport yet;
// libdatachannel drops it and OpenSSL retransmits only after 1 s. Measured on loopback with
// node-datachannel 0.33.4 (100 links each at 1, 5 and 20 ms of signalling delay): 156 of 300
// links took that extra second with the default roles, 0 of 300 with the offerer as client;
// with real round trips injected too (`npm run bench:connection-setup -- --libdatachannel-roles`)
// up to 9 of 10 links at RTT 20 ms, and 0.5 RTT more at every RTT. Only the copy of the offer that is sent is edited; our local
// description keeps actpass and our role follows from the answer (passive). RFC 5763 wants
// actpass in an offer, but answerers accept active: libdatachannel does, and libwebrtc
// (jsep_transport.cc) allows "responder to handle offers with active and passive", insisting on
// actpass only in its own local offer. Chromium (156) links both ways with this: it answers an
// active offer with passive, and the browser transport sends the same edited offer;
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
// already linked makes a new link, which replaces the old one (the peer restarted or lost it)
// only once the peer has proved the same key over it (link-proof.ts, run by LiveTransportBase on
// the open channel), except a stale offer from a race (our winning link, same peer incarnation,
// also while it is still proving), which is ignored.
//
// Platform callbacks must never throw (node-datachannel aborts the process on an exception thrown
// in one): subclasses run every callback under guard(), and the hooks here expect to be called so.

import type { NodeId } from '../core/ports.ts'
import { TATUM } from '../core/protocol-era.ts'
import { DEFAULT_LIVE_LINK_OPTIONS, type FrameSink, LiveConnection, type LiveLinkOptions, LiveTransportBase } from './live-link.ts'
import { randomHex } from './random-hex.ts'
import {
  DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_WEBRTC_CONNECT_TIMEOUT_MS, EARLY_CANDIDATE_KEYS, EARLY_CANDIDATES_PER_KEY,
  EARLY_FRAMES, type Signal, type SignalSender, type WebRtcStats, offerAsDtlsClient, parseSignal, zeroWebRtcStats,
} from './webrtc-signalling.ts'

export interface WebRtcAttemptOptions extends LiveLinkOptions {
  /** One offer/answer/ICE round must open its channel within this. */
  attemptTimeoutMs: number
  /** Attempts per connect(), within connectTimeoutMs. */
  maxAttempts: number
  /** Offer a=setup:active so the offerer is the DTLS client (see above). */
  offererIsDtlsClient: boolean
  /**
   * Offers from peers we did not ask to connect to, answered at once (each costs a peer
   * connection and its UDP sockets until it opens or times out); more are dropped and counted.
   */
  maxUnsolicitedAnswers: number
}

/**
 * As many as a node may hold connections (ConnectionManager.ts maxConnections 80, dht 103.3.1, as
 * the Tatum era's connection cap carries it; the DHT's routed offers are admitted by the same
 * bound, live/dht/dht-link-transport.ts): a tracker-era node is asked for at most its neighbour
 * target at once, so honest offers are never refused, and 150 unasked offers no longer make 150
 * peer connections.
 */
export const DEFAULT_MAX_UNSOLICITED_ANSWERS = TATUM.overlay!.connectionCap.maxConnections

export const DEFAULT_WEBRTC_ATTEMPT_OPTIONS: Readonly<WebRtcAttemptOptions> = {
  ...DEFAULT_LIVE_LINK_OPTIONS,
  connectTimeoutMs: DEFAULT_WEBRTC_CONNECT_TIMEOUT_MS,
  attemptTimeoutMs: DEFAULT_ATTEMPT_TIMEOUT_MS,
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  offererIsDtlsClient: true,
  maxUnsolicitedAnswers: DEFAULT_MAX_UNSOLICITED_ANSWERS,
}

/** A remote ICE candidate as signalled: the candidate line and its media id. */
export interface RemoteCandidate {
  c: string
  m: string
}

/** One offer/answer round with one peer, over the platform's peer connection and data channel. */
export interface WebRtcAttempt<Pc, Dc> {
  readonly id: string
  readonly peer: NodeId
  readonly role: 'offerer' | 'answerer'
  readonly pc: Pc
  dc: Dc | undefined
  /** Being set: the browser applies a description asynchronously. */
  remote: 'none' | 'setting' | 'set'
  /** Remote candidates waiting for the remote description. */
  readonly queued: RemoteCandidate[]
  remoteIncarnation: string
  connection: LiveConnection | undefined
  /** Opened or given up: no longer an attempt. */
  done: boolean
  /** Its peer connection is closed or about to be. */
  tornDown: boolean
  timer: ReturnType<typeof setTimeout> | undefined
  readonly early: Uint8Array[]
}

export abstract class WebRtcTransportBase<Pc, Dc extends { close(): void }> extends LiveTransportBase {
  protected readonly attemptOptions: WebRtcAttemptOptions
  private sender: SignalSender | undefined
  /** The attempt under way per peer (at most one). */
  private readonly pending = new Map<NodeId, WebRtcAttempt<Pc, Dc>>()
  /** `peer/attemptId` -> attempt, from creation until torn down (candidates trickle after open). */
  private readonly byId = new Map<string, WebRtcAttempt<Pc, Dc>>()
  /** Every attempt whose peer connection is not closed yet. */
  private readonly unclosed = new Set<WebRtcAttempt<Pc, Dc>>()
  private readonly earlyCandidates = new Map<string, RemoteCandidate[]>()
  /** Attempts made for the current connect() per peer. */
  private readonly tries = new Map<NodeId, number>()
  private readonly rtcCounts: WebRtcStats = zeroWebRtcStats()

  constructor(localId: NodeId, options: WebRtcAttemptOptions) {
    super(localId, options)
    if (!(options.maxUnsolicitedAnswers >= 0)) throw new RangeError(`maxUnsolicitedAnswers must be >= 0, got ${options.maxUnsolicitedAnswers}`)
    if (!(options.attemptTimeoutMs > 0)) throw new RangeError(`attemptTimeoutMs must be > 0, got ${options.attemptTimeoutMs}`)
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) throw new RangeError(`maxAttempts must be an integer >= 1, got ${options.maxAttempts}`)
    this.attemptOptions = options
  }

  // What a platform supplies. Each registers its callbacks under guard().

  /** A new peer connection to `peer`, with nothing wired yet. */
  protected abstract createPeerConnection(peer: NodeId): Pc
  /** Wires the peer connection's callbacks to localDescription, localCandidate and connectionState. */
  protected abstract watchPeerConnection(attempt: WebRtcAttempt<Pc, Dc>): void
  /** Offerer: creates the data channel (useChannel) and gets the offer to localDescription. */
  protected abstract startOffer(attempt: WebRtcAttempt<Pc, Dc>): void
  /** Answerer: hands the channel the offerer creates to channelArrived. */
  protected abstract acceptChannel(attempt: WebRtcAttempt<Pc, Dc>): void
  /** Wires the channel's callbacks to opened, channelDown and channelMessage. */
  protected abstract wireChannel(attempt: WebRtcAttempt<Pc, Dc>, dc: Dc): void
  /** Applies the remote description, then calls remoteDescriptionSet, or attemptFailed. */
  protected abstract setRemoteDescription(attempt: WebRtcAttempt<Pc, Dc>, sdp: string, type: 'offer' | 'answer'): void
  /** Feeds a remote candidate to the peer connection; one it cannot use is skipped and counted (candidateUnusable). */
  protected abstract addRemoteCandidate(attempt: WebRtcAttempt<Pc, Dc>, candidate: RemoteCandidate): void
  /** Sending on an open channel. */
  protected abstract channelSink(dc: Dc): Omit<FrameSink, 'close'>
  /** Closes the channel and the peer connection; never throws. */
  protected abstract closePeerConnection(attempt: WebRtcAttempt<Pc, Dc>): void
  /** Runs the close of a torn-down attempt: now, or where closing is safe on the platform. */
  protected abstract scheduleClose(close: () => void): void

  get rtcStats(): Readonly<WebRtcStats> {
    return this.rtcCounts
  }

  /** Peer connections not yet closed (links and attempts). */
  get peerConnectionCount(): number {
    return this.unclosed.size
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
      if (s.t === 'cand') this.onCandidate(from, s.a, { c: s.c, m: s.m })
      else if (s.t === 'offer') this.onOffer(from, s.a, s.i, s.sdp)
      else this.onAnswer(from, s.a, s.i, s.sdp)
    })
  }

  protected startConnect(peer: NodeId): void {
    if (this.pending.has(peer) || this.connectionTo(peer) !== undefined || this.isProving(peer)) return
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
    this.startOffer(this.createAttempt(peer, randomHex(8), 'offerer', ''))
  }

  private onOffer(from: NodeId, id: string, incarnation: string, sdp: string): void {
    const existing = this.connectionTo(from) ?? this.provingDialTo(from)
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
    if (!this.answersOfferFrom(from)) {
      this.rtcCounts.offersRefused++
      return
    }
    const attempt = this.createAttempt(from, id, 'answerer', incarnation)
    this.acceptChannel(attempt)
    this.setRemote(attempt, sdp, 'offer')
  }

  /**
   * Whether an offer from `from` would be answered now: one we asked for always is; one nobody
   * asked for only while fewer than maxUnsolicitedAnswers such attempts are under way. The one
   * bound on offers, for whoever hands offers in (the DHT asks before it learns their source).
   */
  answersOfferFrom(from: NodeId): boolean {
    return this.isWanted(from) || this.pending.get(from)?.role === 'answerer' || this.unsolicitedAnswers() < this.attemptOptions.maxUnsolicitedAnswers
  }

  /** Answerer attempts under way for peers we did not ask to connect to. */
  private unsolicitedAnswers(): number {
    let n = 0
    for (const attempt of this.pending.values()) if (attempt.role === 'answerer' && !this.isWanted(attempt.peer)) n++
    return n
  }

  private onAnswer(from: NodeId, id: string, incarnation: string, sdp: string): void {
    const attempt = this.byId.get(`${from}/${id}`)
    if (attempt === undefined || attempt.role !== 'offerer' || attempt.remote !== 'none' || attempt.done) {
      this.rtcCounts.staleSignals++
      return
    }
    attempt.remoteIncarnation = incarnation
    this.setRemote(attempt, sdp, 'answer')
  }

  private onCandidate(from: NodeId, id: string, candidate: RemoteCandidate): void {
    const key = `${from}/${id}`
    const attempt = this.byId.get(key)
    if (attempt === undefined) {
      let list = this.earlyCandidates.get(key)
      if (list === undefined) {
        if (this.earlyCandidates.size >= EARLY_CANDIDATE_KEYS) this.earlyCandidates.delete(this.earlyCandidates.keys().next().value!)
        list = []
        this.earlyCandidates.set(key, list)
      }
      if (list.length < EARLY_CANDIDATES_PER_KEY) list.push(candidate)
      return
    }
    if (attempt.remote !== 'set') attempt.queued.push(candidate)
    else this.addCandidate(attempt, candidate)
  }

  private setRemote(attempt: WebRtcAttempt<Pc, Dc>, sdp: string, type: 'offer' | 'answer'): void {
    attempt.remote = 'setting'
    this.setRemoteDescription(attempt, sdp, type)
  }

  /** The remote description is applied: every candidate that came too early follows it. */
  protected remoteDescriptionSet(attempt: WebRtcAttempt<Pc, Dc>): void {
    attempt.remote = 'set'
    const key = `${attempt.peer}/${attempt.id}`
    const early = this.earlyCandidates.get(key) ?? []
    this.earlyCandidates.delete(key)
    for (const candidate of [...early, ...attempt.queued]) this.addCandidate(attempt, candidate)
    attempt.queued.length = 0
  }

  private addCandidate(attempt: WebRtcAttempt<Pc, Dc>, candidate: RemoteCandidate): void {
    if (attempt.tornDown) return
    this.addRemoteCandidate(attempt, candidate)
  }

  /** A remote candidate the platform refused (another address family, a stale one). */
  protected candidateUnusable(): void {
    this.rtcCounts.staleSignals++
  }

  private createAttempt(peer: NodeId, id: string, role: WebRtcAttempt<Pc, Dc>['role'], remoteIncarnation: string): WebRtcAttempt<Pc, Dc> {
    const pc = this.createPeerConnection(peer)
    const attempt: WebRtcAttempt<Pc, Dc> = {
      id, peer, role, pc, dc: undefined, remote: 'none', queued: [], remoteIncarnation, connection: undefined,
      done: false, tornDown: false, timer: undefined, early: [],
    }
    this.rtcCounts.attemptsStarted++
    this.pending.set(peer, attempt)
    this.byId.set(`${peer}/${id}`, attempt)
    this.unclosed.add(attempt)
    attempt.timer = setTimeout(() => this.guard('attemptTimeout', () => this.attemptFailed(attempt, 'attempt timed out')), this.attemptOptions.attemptTimeoutMs)
    this.watchPeerConnection(attempt)
    return attempt
  }

  /** Our offer or answer is ready: signal it (an offer as DTLS client, see above). */
  protected localDescription(attempt: WebRtcAttempt<Pc, Dc>, type: string, sdp: string): void {
    if (attempt.tornDown) return
    const t = type === 'offer' ? 'offer' : 'answer'
    const sent = t === 'offer' && this.attemptOptions.offererIsDtlsClient ? offerAsDtlsClient(sdp) : sdp
    if (!this.signal(attempt.peer, { t, a: attempt.id, i: this.incarnation, sdp: sent })) this.attemptFailed(attempt, 'signalling unavailable')
  }

  protected localCandidate(attempt: WebRtcAttempt<Pc, Dc>, candidate: string, mid: string): void {
    if (!attempt.tornDown) this.signal(attempt.peer, { t: 'cand', a: attempt.id, c: candidate, m: mid })
  }

  protected connectionState(attempt: WebRtcAttempt<Pc, Dc>, state: string): void {
    if (state === 'failed' || state === 'closed' || state === 'disconnected') this.channelDown(attempt, `peer connection ${state}`)
  }

  /** The answerer's channel, created by the offerer; only the first one of an attempt is kept. */
  protected channelArrived(attempt: WebRtcAttempt<Pc, Dc>, dc: Dc): void {
    if (attempt.tornDown || attempt.dc !== undefined) {
      dc.close()
      return
    }
    this.useChannel(attempt, dc)
  }

  protected useChannel(attempt: WebRtcAttempt<Pc, Dc>, dc: Dc): void {
    attempt.dc = dc
    this.wireChannel(attempt, dc)
  }

  protected opened(attempt: WebRtcAttempt<Pc, Dc>): void {
    if (attempt.done || attempt.tornDown || this.closed) return
    attempt.done = true
    clearTimeout(attempt.timer)
    if (this.pending.get(attempt.peer) === attempt) this.pending.delete(attempt.peer)
    this.tries.delete(attempt.peer)
    const sink: FrameSink = { ...this.channelSink(attempt.dc!), close: () => this.teardown(attempt) }
    const connection = new LiveConnection(attempt.peer, attempt.role === 'offerer', attempt.remoteIncarnation, sink, this)
    attempt.connection = connection
    this.establish(connection)
    for (const frame of attempt.early.splice(0)) this.receiveFrame(connection, frame)
  }

  /** A message on the channel: a frame, or 'text' for a text message (garbage). */
  protected channelMessage(attempt: WebRtcAttempt<Pc, Dc>, message: Uint8Array | 'text'): void {
    if (attempt.tornDown) return
    const connection = attempt.connection
    if (message === 'text') {
      if (connection !== undefined) this.garbage(connection, 'text message')
      return
    }
    if (connection !== undefined) this.receiveFrame(connection, message)
    else if (attempt.early.length < EARLY_FRAMES) attempt.early.push(message)
  }

  /** The channel or its peer connection went down. */
  protected channelDown(attempt: WebRtcAttempt<Pc, Dc>, reason: string): void {
    if (attempt.connection !== undefined) {
      this.connectionLost(attempt.connection, reason)
      this.teardown(attempt)
    } else {
      this.attemptFailed(attempt, reason)
    }
  }

  protected attemptFailed(attempt: WebRtcAttempt<Pc, Dc>, reason: string): void {
    if (attempt.done) return
    this.drop(attempt)
    this.rtcCounts.attemptsFailed++
    const peer = attempt.peer
    if (this.closed || !this.isWanted(peer) || this.pending.has(peer) || this.connectionTo(peer) !== undefined || this.isProving(peer)) return
    if ((this.tries.get(peer) ?? 0) < this.attemptOptions.maxAttempts) this.offer(peer)
    else this.failConnect(peer, reason)
  }

  /** Gives up an attempt without a word (it failed, lost a race, or its connect was abandoned). */
  private drop(attempt: WebRtcAttempt<Pc, Dc>): void {
    attempt.done = true
    clearTimeout(attempt.timer)
    if (this.pending.get(attempt.peer) === attempt) this.pending.delete(attempt.peer)
    this.teardown(attempt)
  }

  private teardown(attempt: WebRtcAttempt<Pc, Dc>): void {
    if (attempt.tornDown) return
    attempt.tornDown = true
    clearTimeout(attempt.timer)
    this.byId.delete(`${attempt.peer}/${attempt.id}`)
    this.scheduleClose(() => this.closeOnce(attempt))
  }

  private closeOnce(attempt: WebRtcAttempt<Pc, Dc>): void {
    if (this.unclosed.delete(attempt)) this.closePeerConnection(attempt)
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
    for (const attempt of [...this.unclosed]) {
      attempt.done = true
      attempt.tornDown = true
      clearTimeout(attempt.timer)
      this.closeOnce(attempt)
    }
    this.pending.clear()
    this.byId.clear()
    this.earlyCandidates.clear()
    this.tries.clear()
  }
}

// core's Transport over the browser's RTCPeerConnection data channels: the browser twin of
// webrtc-transport.ts (node-datachannel), so a page and a Node node link with each other. What
// the two must agree on, the signalling payloads, the channel's label and protocol and the DTLS
// role, lives in webrtc-signalling.ts. The rules are the Node transport's (its header says why):
//   - the dialer opens the channel and offers; the answerer answers; candidates trickle both ways
//     and wait for their remote description (or, arriving before their offer, in a small buffer);
//   - the offer sent says a=setup:active, so the offerer is the DTLS client (the local description
//     keeps actpass; libwebrtc and libdatachannel both accept active in a remote offer);
//   - both ends offering at once: the smaller id's offer wins, the larger drops its attempt
//     without a word and answers, and its connect() is answered by the winning link;
//   - an attempt not open within attemptTimeoutMs is torn down and retried while maxAttempts and
//     connectTimeoutMs allow.
// Unlike node-datachannel, the browser's API is asynchronous (descriptions are promises), so an
// attempt tracks its remote description as none, being set, or set: a second answer that arrives
// while the first is being applied is stale, not a second setRemoteDescription.
//
// Browser callbacks cannot take the page down as a native callback can take Node down, but an
// exception thrown into one would still skip the rest of the bookkeeping: every callback runs
// under guard() all the same.

import type { NodeId } from '../../core/ports.ts'
import { DEFAULT_LIVE_LINK_OPTIONS, type FrameSink, LiveConnection, type LiveLinkOptions, LiveTransportBase } from '../live-link.ts'
import { randomHex } from '../random-hex.ts'
import {
  DATA_CHANNEL_LABEL, DATA_CHANNEL_PROTOCOL, DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_WEBRTC_CONNECT_TIMEOUT_MS,
  EARLY_CANDIDATE_KEYS, EARLY_CANDIDATES_PER_KEY, EARLY_FRAMES, type Signal, type SignalSender, type WebRtcStats,
  offerAsDtlsClient, parseSignal, zeroWebRtcStats,
} from '../webrtc-signalling.ts'
import { onArrayBuffer } from './frame-bytes.ts'

export interface BrowserWebRtcTransportOptions extends LiveLinkOptions {
  /** STUN servers as URLs ("stun:host:port"); none on a LAN or loopback. */
  iceServers: string[]
  /** One offer/answer/ICE round must open its channel within this. */
  attemptTimeoutMs: number
  /** Attempts per connect(), within connectTimeoutMs. */
  maxAttempts: number
  /** Offer a=setup:active so the offerer is the DTLS client. */
  offererIsDtlsClient: boolean
}

export const DEFAULT_BROWSER_WEBRTC_OPTIONS: Readonly<BrowserWebRtcTransportOptions> = {
  ...DEFAULT_LIVE_LINK_OPTIONS,
  connectTimeoutMs: DEFAULT_WEBRTC_CONNECT_TIMEOUT_MS,
  iceServers: [],
  attemptTimeoutMs: DEFAULT_ATTEMPT_TIMEOUT_MS,
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  offererIsDtlsClient: true,
}

interface RemoteCandidate {
  c: string
  m: string
}

interface Attempt {
  readonly id: string
  readonly peer: NodeId
  readonly role: 'offerer' | 'answerer'
  readonly pc: RTCPeerConnection
  dc: RTCDataChannel | undefined
  remote: 'none' | 'setting' | 'set'
  /** Remote candidates waiting for the remote description. */
  readonly queued: RemoteCandidate[]
  remoteIncarnation: string
  connection: LiveConnection | undefined
  /** Opened or given up: no longer an attempt. */
  done: boolean
  /** Its peer connection is closed. */
  tornDown: boolean
  timer: ReturnType<typeof setTimeout> | undefined
  readonly early: Uint8Array[]
}

export class BrowserWebRtcTransport extends LiveTransportBase {
  private readonly rtcOptions: BrowserWebRtcTransportOptions
  private readonly rtcConfig: RTCConfiguration
  private sender: SignalSender | undefined
  /** The attempt under way per peer (at most one). */
  private readonly pending = new Map<NodeId, Attempt>()
  /** `peer/attemptId` -> attempt, from creation until torn down (candidates trickle after open). */
  private readonly byId = new Map<string, Attempt>()
  /** Every attempt whose peer connection is not closed yet. */
  private readonly live = new Set<Attempt>()
  private readonly earlyCandidates = new Map<string, RemoteCandidate[]>()
  /** Attempts made for the current connect() per peer. */
  private readonly tries = new Map<NodeId, number>()
  private readonly rtcCounts: WebRtcStats = zeroWebRtcStats()

  constructor(localId: NodeId, options: Partial<BrowserWebRtcTransportOptions> = {}) {
    const o = { ...DEFAULT_BROWSER_WEBRTC_OPTIONS, ...options }
    super(localId, o)
    if (!(o.attemptTimeoutMs > 0)) throw new RangeError(`attemptTimeoutMs must be > 0, got ${o.attemptTimeoutMs}`)
    if (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1) throw new RangeError(`maxAttempts must be an integer >= 1, got ${o.maxAttempts}`)
    this.rtcOptions = o
    this.rtcConfig = { iceServers: o.iceServers.length > 0 ? [{ urls: o.iceServers }] : [] }
  }

  get rtcStats(): Readonly<WebRtcStats> {
    return this.rtcCounts
  }

  /** Peer connections not yet closed (links and attempts). */
  get peerConnectionCount(): number {
    return this.live.size
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
    const attempt = this.createAttempt(peer, randomHex(8), 'offerer', '')
    // The channel must exist before the offer, or the offer has no data section.
    this.wireChannel(attempt, attempt.pc.createDataChannel(DATA_CHANNEL_LABEL, { protocol: DATA_CHANNEL_PROTOCOL }))
    this.sendLocalDescription(attempt)
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
    attempt.pc.ondatachannel = (event) => this.guard('ondatachannel', () => {
      if (attempt.tornDown || attempt.dc !== undefined) {
        event.channel.close()
        return
      }
      this.wireChannel(attempt, event.channel)
    })
    this.setRemote(attempt, sdp, 'offer')
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

  /** Applies the remote description; then every early candidate, and for an offer our answer. */
  private setRemote(attempt: Attempt, sdp: string, type: 'offer' | 'answer'): void {
    attempt.remote = 'setting'
    attempt.pc.setRemoteDescription({ type, sdp }).then(
      () => this.guard('remoteDescription', () => {
        if (attempt.tornDown) return
        attempt.remote = 'set'
        const key = `${attempt.peer}/${attempt.id}`
        const early = this.earlyCandidates.get(key) ?? []
        this.earlyCandidates.delete(key)
        for (const candidate of [...early, ...attempt.queued]) this.addCandidate(attempt, candidate)
        attempt.queued.length = 0
        if (type === 'offer') this.sendLocalDescription(attempt)
      }),
      (error: unknown) => this.guard('remoteDescription', () => this.attemptFailed(attempt, `bad ${type}: ${describeError(error)}`)))
  }

  /** Creates our offer or answer (whichever the state calls for) and signals it. */
  private sendLocalDescription(attempt: Attempt): void {
    attempt.pc.setLocalDescription().then(
      () => this.guard('localDescription', () => {
        const local = attempt.pc.localDescription
        if (attempt.tornDown || local === null) return
        const t = local.type === 'offer' ? 'offer' : 'answer'
        const sdp = t === 'offer' && this.rtcOptions.offererIsDtlsClient ? offerAsDtlsClient(local.sdp) : local.sdp
        if (!this.signal(attempt.peer, { t, a: attempt.id, i: this.incarnation, sdp })) this.attemptFailed(attempt, 'signalling unavailable')
      }),
      (error: unknown) => this.guard('localDescription', () => this.attemptFailed(attempt, `no local description: ${describeError(error)}`)))
  }

  private addCandidate(attempt: Attempt, candidate: RemoteCandidate): void {
    if (attempt.tornDown) return
    // libdatachannel may write the SDP attribute form, "a=candidate:..."; the browser wants the value.
    attempt.pc.addIceCandidate({ candidate: candidate.c.replace(/^a=/, ''), sdpMid: candidate.m }).catch(() => {
      // One the browser cannot use (an unresolvable name, another family, a stale one): skip it.
      this.rtcCounts.staleSignals++
    })
  }

  private createAttempt(peer: NodeId, id: string, role: Attempt['role'], remoteIncarnation: string): Attempt {
    const pc = new RTCPeerConnection(this.rtcConfig)
    const attempt: Attempt = {
      id, peer, role, pc, dc: undefined, remote: 'none', queued: [], remoteIncarnation, connection: undefined,
      done: false, tornDown: false, timer: undefined, early: [],
    }
    this.rtcCounts.attemptsStarted++
    this.pending.set(peer, attempt)
    this.byId.set(`${peer}/${id}`, attempt)
    this.live.add(attempt)
    attempt.timer = setTimeout(() => this.guard('attemptTimeout', () => this.attemptFailed(attempt, 'attempt timed out')), this.rtcOptions.attemptTimeoutMs)
    pc.onicecandidate = (event) => this.guard('onicecandidate', () => {
      const c = event.candidate
      // A null candidate, or an empty one, only marks the end of gathering.
      if (attempt.tornDown || c === null || c.candidate === '') return
      this.signal(peer, { t: 'cand', a: id, c: c.candidate, m: c.sdpMid ?? '0' })
    })
    pc.onconnectionstatechange = () => this.guard('onconnectionstatechange', () => {
      const state = pc.connectionState
      if (state === 'failed' || state === 'closed' || state === 'disconnected') this.channelDown(attempt, `peer connection ${state}`)
    })
    return attempt
  }

  private wireChannel(attempt: Attempt, dc: RTCDataChannel): void {
    attempt.dc = dc
    dc.binaryType = 'arraybuffer'
    dc.onopen = () => this.guard('onopen', () => this.opened(attempt))
    dc.onclose = () => this.guard('onclose', () => this.channelDown(attempt, 'data channel closed'))
    dc.onerror = (event) => this.guard('onerror', () => this.channelDown(attempt, `data channel error: ${describeError((event as RTCErrorEvent).error)}`))
    dc.onmessage = (event: MessageEvent<unknown>) => this.guard('onmessage', () => this.onChannelMessage(attempt, event.data))
    if (dc.readyState === 'open') this.opened(attempt)
  }

  private opened(attempt: Attempt): void {
    if (attempt.done || attempt.tornDown || this.closed) return
    attempt.done = true
    clearTimeout(attempt.timer)
    if (this.pending.get(attempt.peer) === attempt) this.pending.delete(attempt.peer)
    this.tries.delete(attempt.peer)
    const dc = attempt.dc!
    const sink: FrameSink = {
      send: (frame) => dc.send(onArrayBuffer(frame)),
      bufferedBytes: () => dc.bufferedAmount,
      close: () => this.teardown(attempt),
    }
    const connection = new LiveConnection(attempt.peer, attempt.role === 'offerer', attempt.remoteIncarnation, sink, this)
    attempt.connection = connection
    this.surface(connection)
    for (const frame of attempt.early.splice(0)) this.receiveFrame(connection, frame)
  }

  private onChannelMessage(attempt: Attempt, data: unknown): void {
    if (attempt.tornDown) return
    const connection = attempt.connection
    if (!(data instanceof ArrayBuffer)) {
      if (connection !== undefined) this.garbage(connection, 'text message')
      return
    }
    const frame = new Uint8Array(data)
    if (connection !== undefined) this.receiveFrame(connection, frame)
    else if (attempt.early.length < EARLY_FRAMES) attempt.early.push(frame)
  }

  /** The channel or its peer connection went down. */
  private channelDown(attempt: Attempt, reason: string): void {
    if (attempt.connection !== undefined) {
      this.connectionLost(attempt.connection, reason)
      this.teardown(attempt)
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
    this.teardown(attempt)
  }

  /** Closes the channel and the peer connection; the browser fires no events for a local close. */
  private teardown(attempt: Attempt): void {
    if (attempt.tornDown) return
    attempt.tornDown = true
    clearTimeout(attempt.timer)
    this.byId.delete(`${attempt.peer}/${attempt.id}`)
    this.live.delete(attempt)
    try {
      attempt.dc?.close()
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
    for (const attempt of [...this.live]) {
      attempt.done = true
      this.teardown(attempt)
    }
    this.pending.clear()
    this.byId.clear()
    this.earlyCandidates.clear()
    this.tries.clear()
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

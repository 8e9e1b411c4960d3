// core's Transport over the browser's RTCPeerConnection data channels: the browser twin of
// webrtc-transport.ts (node-datachannel), so a page and a Node node link with each other. How a
// link comes about (signalling, races, retries, the DTLS-role edit of the offer) is
// WebRtcTransportBase's (webrtc-attempts.ts), shared with the Node transport; what the two must
// agree on over the wire lives in webrtc-signalling.ts. This drives the browser's API for it.
//
// Unlike node-datachannel, the browser's API is asynchronous (descriptions are promises), so an
// attempt's remote description is none, being set, or set: a second answer that arrives while
// the first is being applied is stale, not a second setRemoteDescription. The offer and the
// answer are made by setLocalDescription(), once the channel exists (an offer without it has no
// data section) or the remote offer is applied.
//
// Browser callbacks cannot take the page down as a native callback can take Node down, but an
// exception thrown into one would still skip the rest of the bookkeeping: every callback runs
// under guard() all the same.

import type { NodeId } from '../../core/ports.ts'
import type { FrameSink } from '../live-link.ts'
import { DEFAULT_WEBRTC_ATTEMPT_OPTIONS, type RemoteCandidate, type WebRtcAttempt, type WebRtcAttemptOptions, WebRtcTransportBase } from '../webrtc-attempts.ts'
import { DATA_CHANNEL_LABEL, DATA_CHANNEL_PROTOCOL } from '../webrtc-signalling.ts'
import { onArrayBuffer } from './frame-bytes.ts'

export interface BrowserWebRtcTransportOptions extends WebRtcAttemptOptions {
  /** STUN servers as URLs ("stun:host:port"); none on a LAN or loopback. */
  iceServers: string[]
}

export const DEFAULT_BROWSER_WEBRTC_OPTIONS: Readonly<BrowserWebRtcTransportOptions> = {
  ...DEFAULT_WEBRTC_ATTEMPT_OPTIONS,
  iceServers: [],
}

type Attempt = WebRtcAttempt<RTCPeerConnection, RTCDataChannel>

export class BrowserWebRtcTransport extends WebRtcTransportBase<RTCPeerConnection, RTCDataChannel> {
  private readonly rtcConfig: RTCConfiguration

  constructor(localId: NodeId, options: Partial<BrowserWebRtcTransportOptions> = {}) {
    const o = { ...DEFAULT_BROWSER_WEBRTC_OPTIONS, ...options }
    super(localId, o)
    this.rtcConfig = { iceServers: o.iceServers.length > 0 ? [{ urls: o.iceServers }] : [] }
  }

  protected createPeerConnection(): RTCPeerConnection {
    return new RTCPeerConnection(this.rtcConfig)
  }

  protected watchPeerConnection(attempt: Attempt): void {
    const pc = attempt.pc
    pc.onicecandidate = (event) => this.guard('onicecandidate', () => {
      const c = event.candidate
      // A null candidate, or an empty one, only marks the end of gathering.
      if (c === null || c.candidate === '') return
      this.localCandidate(attempt, c.candidate, c.sdpMid ?? '0')
    })
    pc.onconnectionstatechange = () => this.guard('onconnectionstatechange', () => this.connectionState(attempt, pc.connectionState))
  }

  protected startOffer(attempt: Attempt): void {
    this.useChannel(attempt, attempt.pc.createDataChannel(DATA_CHANNEL_LABEL, { protocol: DATA_CHANNEL_PROTOCOL }))
    this.sendLocalDescription(attempt)
  }

  protected acceptChannel(attempt: Attempt): void {
    attempt.pc.ondatachannel = (event) => this.guard('ondatachannel', () => this.channelArrived(attempt, event.channel))
  }

  protected wireChannel(attempt: Attempt, dc: RTCDataChannel): void {
    dc.binaryType = 'arraybuffer'
    dc.onopen = () => this.guard('onopen', () => this.opened(attempt))
    dc.onclose = () => this.guard('onclose', () => this.channelDown(attempt, 'data channel closed'))
    dc.onerror = (event) => this.guard('onerror', () => this.channelDown(attempt, `data channel error: ${describeError((event as RTCErrorEvent).error)}`))
    dc.onmessage = (event: MessageEvent<unknown>) => this.guard('onmessage', () => {
      this.channelMessage(attempt, event.data instanceof ArrayBuffer ? new Uint8Array(event.data) : 'text')
    })
    if (dc.readyState === 'open') this.opened(attempt)
  }

  /** For an offer, our answer follows. */
  protected setRemoteDescription(attempt: Attempt, sdp: string, type: 'offer' | 'answer'): void {
    attempt.pc.setRemoteDescription({ type, sdp }).then(
      () => this.guard('remoteDescription', () => {
        if (attempt.tornDown) return
        this.remoteDescriptionSet(attempt)
        if (type === 'offer') this.sendLocalDescription(attempt)
      }),
      (error: unknown) => this.guard('remoteDescription', () => this.attemptFailed(attempt, `bad ${type}: ${describeError(error)}`)))
  }

  /** Creates our offer or answer (whichever the state calls for) and signals it. */
  private sendLocalDescription(attempt: Attempt): void {
    attempt.pc.setLocalDescription().then(
      () => this.guard('localDescription', () => {
        const local = attempt.pc.localDescription
        if (local !== null) this.localDescription(attempt, local.type, local.sdp)
      }),
      (error: unknown) => this.guard('localDescription', () => this.attemptFailed(attempt, `no local description: ${describeError(error)}`)))
  }

  protected addRemoteCandidate(attempt: Attempt, candidate: RemoteCandidate): void {
    // libdatachannel may write the SDP attribute form, "a=candidate:..."; the browser wants the value.
    attempt.pc.addIceCandidate({ candidate: candidate.c.replace(/^a=/, ''), sdpMid: candidate.m }).catch(() => {
      // One the browser cannot use (an unresolvable name, another family, a stale one): skip it.
      this.candidateUnusable()
    })
  }

  protected channelSink(dc: RTCDataChannel): Omit<FrameSink, 'close'> {
    return {
      send: (frame) => dc.send(onArrayBuffer(frame)),
      bufferedBytes: () => dc.bufferedAmount,
    }
  }

  protected closePeerConnection(attempt: Attempt): void {
    try {
      attempt.dc?.close()
      attempt.pc.close()
    } catch {
      // Already closed.
    }
  }

  /** At once: the browser fires no events for a local close. */
  protected scheduleClose(close: () => void): void {
    close()
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

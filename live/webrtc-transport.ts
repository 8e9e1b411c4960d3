// core's Transport over WebRTC data channels (node-datachannel, libdatachannel's bindings), for
// node-to-node links. How a link comes about (signalling, races, retries, the DTLS-role edit of
// the offer) is WebRtcTransportBase's (webrtc-attempts.ts); this drives libdatachannel for it.
// Creating the offerer's channel is what makes libdatachannel produce the offer, and both our
// offer and our answer arrive through onLocalDescription.
//
// node-datachannel calls back from native code, and an exception thrown there aborts the
// process: every callback runs under guard(). Peer connections are closed outside their own
// callbacks (setImmediate). The process must call cleanup() (shutdownWebRtc) before exiting.

import { type DataChannel, PeerConnection, type RtcConfig, cleanup } from 'node-datachannel'
import type { NodeId } from '../core/ports.ts'
import type { FrameSink } from './live-link.ts'
import { DEFAULT_WEBRTC_ATTEMPT_OPTIONS, type RemoteCandidate, type WebRtcAttempt, type WebRtcAttemptOptions, WebRtcTransportBase } from './webrtc-attempts.ts'
import { DATA_CHANNEL_LABEL, DATA_CHANNEL_PROTOCOL } from './webrtc-signalling.ts'

export {
  DATA_CHANNEL_LABEL, DATA_CHANNEL_PROTOCOL, DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_WEBRTC_CONNECT_TIMEOUT_MS,
  type SignalSender, type WebRtcStats,
} from './webrtc-signalling.ts'
export { DEFAULT_MAX_UNSOLICITED_ANSWERS } from './webrtc-attempts.ts'

export interface WebRtcTransportOptions extends WebRtcAttemptOptions {
  /** STUN/TURN servers as libdatachannel URLs ("stun:host:port"); none on a LAN or loopback. */
  iceServers: string[]
  /** Local address ICE binds to and advertises; "0.0.0.0": every interface (what a node across hosts needs). */
  bindAddress: string
  /** UDP port range for ICE; absent: any. */
  portRangeBegin: number | undefined
  portRangeEnd: number | undefined
  /** One UDP port for every peer connection of the process. */
  enableIceUdpMux: boolean
}

/**
 * Ours: libdatachannel binds to every interface and advertises every host address when given no
 * bind address, which tells any peer (and anyone it passes signalling to) the machine's LAN and
 * VPN addresses and opens a UDP socket on each. A node that should be reachable from other hosts
 * says so with bindAddress.
 */
export const DEFAULT_ICE_BIND_ADDRESS = '127.0.0.1'

export const DEFAULT_WEBRTC_TRANSPORT_OPTIONS: Readonly<WebRtcTransportOptions> = {
  ...DEFAULT_WEBRTC_ATTEMPT_OPTIONS,
  iceServers: [],
  bindAddress: DEFAULT_ICE_BIND_ADDRESS,
  portRangeBegin: undefined,
  portRangeEnd: undefined,
  enableIceUdpMux: false,
}

type Attempt = WebRtcAttempt<PeerConnection, DataChannel>

export class WebRtcTransport extends WebRtcTransportBase<PeerConnection, DataChannel> {
  private readonly rtcConfig: RtcConfig

  constructor(localId: NodeId, options: Partial<WebRtcTransportOptions> = {}) {
    const o = { ...DEFAULT_WEBRTC_TRANSPORT_OPTIONS, ...options }
    super(localId, o)
    this.rtcConfig = {
      iceServers: o.iceServers,
      enableIceUdpMux: o.enableIceUdpMux,
      maxMessageSize: o.maxFrameBytes,
      // libdatachannel's own default (no bind address) is every interface.
      ...(o.bindAddress !== '0.0.0.0' ? { bindAddress: o.bindAddress } : {}),
      ...(o.portRangeBegin !== undefined ? { portRangeBegin: o.portRangeBegin } : {}),
      ...(o.portRangeEnd !== undefined ? { portRangeEnd: o.portRangeEnd } : {}),
    }
  }

  /** Peer connections not yet closed (links and attempts): native objects that outlive a leak. */
  get nativeCount(): number {
    return this.peerConnectionCount
  }

  protected createPeerConnection(peer: NodeId): PeerConnection {
    return new PeerConnection(`${this.localId}>${peer}`, this.rtcConfig)
  }

  protected watchPeerConnection(attempt: Attempt): void {
    const pc = attempt.pc
    pc.onLocalDescription((sdp, type) => this.guard('onLocalDescription', () => this.localDescription(attempt, type, sdp)))
    pc.onLocalCandidate((candidate, mid) => this.guard('onLocalCandidate', () => this.localCandidate(attempt, candidate, mid)))
    pc.onStateChange((state) => this.guard('onStateChange', () => this.connectionState(attempt, state)))
  }

  protected startOffer(attempt: Attempt): void {
    // Creating the channel starts negotiation: the offer comes back in onLocalDescription.
    this.useChannel(attempt, attempt.pc.createDataChannel(DATA_CHANNEL_LABEL, { protocol: DATA_CHANNEL_PROTOCOL }))
  }

  protected acceptChannel(attempt: Attempt): void {
    attempt.pc.onDataChannel((dc) => this.guard('onDataChannel', () => this.channelArrived(attempt, dc)))
  }

  protected wireChannel(attempt: Attempt, dc: DataChannel): void {
    dc.onOpen(() => this.guard('onOpen', () => this.opened(attempt)))
    dc.onClosed(() => this.guard('onClosed', () => this.channelDown(attempt, 'data channel closed')))
    dc.onError((error) => this.guard('onError', () => this.channelDown(attempt, `data channel error: ${error}`)))
    dc.onMessage((message) => this.guard('onMessage', () => this.channelMessage(attempt, asFrame(message))))
    if (dc.isOpen()) this.opened(attempt)
  }

  /** Synchronous here: the answer comes back in onLocalDescription. */
  protected setRemoteDescription(attempt: Attempt, sdp: string, type: 'offer' | 'answer'): void {
    try {
      attempt.pc.setRemoteDescription(sdp, type)
    } catch (error) {
      this.attemptFailed(attempt, `bad ${type}: ${String(error)}`)
      return
    }
    this.remoteDescriptionSet(attempt)
  }

  protected addRemoteCandidate(attempt: Attempt, candidate: RemoteCandidate): void {
    try {
      attempt.pc.addRemoteCandidate(candidate.c, candidate.m)
    } catch {
      this.candidateUnusable()
    }
  }

  protected channelSink(dc: DataChannel): Omit<FrameSink, 'close'> {
    return {
      send: (frame) => { dc.sendMessageBinary(frame) },
      bufferedBytes: () => dc.bufferedAmount(),
    }
  }

  protected closePeerConnection(attempt: Attempt): void {
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

  /** Never inside the native callback we may be in. */
  protected scheduleClose(close: () => void): void {
    setImmediate(close)
  }

  protected override async closeTransport(): Promise<void> {
    await super.closeTransport()
    // Let deferred teardowns and the last native callbacks run before the caller moves on.
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** A text message is garbage; a binary one may come as a Buffer or an ArrayBuffer. */
function asFrame(message: string | Buffer | ArrayBuffer): Uint8Array | 'text' {
  if (typeof message === 'string') return 'text'
  return message instanceof ArrayBuffer ? new Uint8Array(message) : message
}

/**
 * Releases libdatachannel's threads and sockets; a process that used this transport hangs at
 * exit without it. Call once, after every WebRtcTransport is closed.
 */
export function shutdownWebRtc(): void {
  cleanup()
}

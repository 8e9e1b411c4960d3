// A live Tatum (trackerless) node in a browser page: LiveDhtNodeBase (the core classes, the
// transport stack of link authentication, connection choice and DHT-routed signalling, shared
// with Node's LiveDhtNode) over the browser's own WebSocket and RTCPeerConnection. A page cannot
// listen, so it has no server: it dials the nodes that run one (the entry points among them),
// and reaches every other node over WebRTC, with the offer, answer and candidates routed over
// the DHT. Its id is the address of its key, proved on every link.

import { type ProbeSocket, probeEntryPoint } from '../dht/entry-point-probe.ts'
import { LiveDhtNodeBase, type LiveDhtNodeOptions } from '../live-dht-node-base.ts'
import { BrowserWebRtcTransport, type BrowserWebRtcTransportOptions } from './browser-webrtc-transport.ts'
import { BrowserWebSocketTransport } from './browser-websocket-transport.ts'

export interface BrowserDhtNodeOptions extends Omit<LiveDhtNodeOptions, 'server' | 'advertisedHost' | 'wrapTransport'> {
  webrtc?: Partial<BrowserWebRtcTransportOptions>
}

export class BrowserDhtNode extends LiveDhtNodeBase<BrowserWebSocketTransport, BrowserWebRtcTransport> {
  constructor(options: BrowserDhtNodeOptions) {
    const made = LiveDhtNodeBase.identityOf(options)
    const id = made.id
    const reporting = { identity: made.identity, idIsAddress: made.idIsAddress, ...(options.onError !== undefined ? { onError: options.onError } : {}) }
    super(options, new BrowserWebSocketTransport(id, { ...reporting }), new BrowserWebRtcTransport(id, { ...options.webrtc, ...reporting }), made)
  }

  /** The node id of the node listening at `url`, over the page's WebSocket. */
  static probe(url: string): Promise<string> {
    // The DOM's send takes a Uint8Array at run time; its type wants one over an ArrayBuffer, which the probe's frame is.
    return probeEntryPoint(url, (u) => new WebSocket(u) as unknown as ProbeSocket)
  }
}

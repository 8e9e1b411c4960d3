// A live Block RTC node in a browser page: LiveNodeBase (the core classes, the composite transport
// and the signalling routes, shared with Node's LiveNode) over the browser's own WebSocket to the
// trackers and RTCPeerConnection to other nodes. It joins the same overlays as Node nodes: same
// tracker, same link frames and wire codec, same signalling and data channel conventions.

import { LiveNodeBase, type LiveNodeBaseOptions } from '../live-node-base.ts'
import { BrowserWebRtcTransport, type BrowserWebRtcTransportOptions } from './browser-webrtc-transport.ts'
import { BrowserWebSocketTransport, type BrowserWebSocketTransportOptions } from './browser-websocket-transport.ts'

export interface BrowserNodeOptions extends LiveNodeBaseOptions {
  webrtc?: Partial<BrowserWebRtcTransportOptions>
  websocket?: Partial<BrowserWebSocketTransportOptions>
}

export class BrowserNode extends LiveNodeBase<BrowserWebSocketTransport, BrowserWebRtcTransport> {
  constructor(override readonly options: BrowserNodeOptions) {
    const reporting = { identity: LiveNodeBase.identityOf(options), ...(options.onError !== undefined ? { onError: options.onError } : {}) }
    super(options,
      new BrowserWebSocketTransport(options.id, { ...options.websocket, peers: LiveNodeBase.trackerDirectory(options.trackers), ...reporting }),
      new BrowserWebRtcTransport(options.id, { ...options.webrtc, ...reporting }))
  }
}

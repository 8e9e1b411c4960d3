// A live Block RTC node in Node: LiveNodeBase (live-node-base.ts: the core classes, the composite
// transport and the signalling routes) over Node's transports, WebSockets (`ws`) to the trackers
// and WebRTC (node-datachannel) to other nodes.

import type { WebRtcTransportOptions } from './webrtc-transport.ts'
import { WebRtcTransport } from './webrtc-transport.ts'
import { WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.ts'
import { LiveNodeBase, type LiveNodeBaseOptions } from './live-node-base.ts'

export type { StopOptions, TrackerAddress } from './live-node-base.ts'

export interface LiveNodeOptions extends LiveNodeBaseOptions {
  webrtc?: Partial<WebRtcTransportOptions>
  websocket?: Partial<WebSocketTransportOptions>
}

export class LiveNode extends LiveNodeBase<WebSocketTransport, WebRtcTransport> {
  constructor(override readonly options: LiveNodeOptions) {
    const onError = options.onError
    const reporting = { identity: LiveNodeBase.identityOf(options), ...(onError !== undefined ? { onError } : {}) }
    super(options,
      new WebSocketTransport(options.id, { ...options.websocket, peers: LiveNodeBase.trackerDirectory(options.trackers), ...reporting }),
      new WebRtcTransport(options.id, { ...options.webrtc, ...reporting }))
  }
}

// A live Tatum (trackerless) node in Node: LiveDhtNodeBase (live-dht-node-base.ts: the core
// classes and the transport stack) over Node's transports, WebSockets (`ws`, dialling and, for a
// node with a server, listening) and WebRTC (node-datachannel).

import WebSocket from 'ws'
import { type ProbeSocket, probeEntryPoint } from './dht/entry-point-probe.ts'
import { LiveDhtNodeBase, type LiveDhtNodeOptions } from './live-dht-node-base.ts'
import { WebRtcTransport, type WebRtcTransportOptions } from './webrtc-transport.ts'
import { WebSocketTransport } from './websocket-transport.ts'

export type { DhtStopOptions, EntryPointAddress, LiveDhtNodeOptions } from './live-dht-node-base.ts'

export interface NodeDhtNodeOptions extends LiveDhtNodeOptions {
  webrtc?: Partial<WebRtcTransportOptions>
}

export class LiveDhtNode extends LiveDhtNodeBase<WebSocketTransport, WebRtcTransport> {
  constructor(override readonly options: NodeDhtNodeOptions) {
    const made = LiveDhtNodeBase.identityOf(options)
    const id = made.id
    const reporting = { identity: made.identity, idIsAddress: made.idIsAddress, ...(options.onError !== undefined ? { onError: options.onError } : {}) }
    super(options, new WebSocketTransport(id, { ...reporting }), new WebRtcTransport(id, { ...options.webrtc, ...reporting }), made)
  }

  /** The node id of the node listening at `url` (dht/entry-point-probe.ts), over `ws`. */
  static probe(url: string): Promise<string> {
    return probeEntryPoint(url, (u) => new WebSocket(u, { perMessageDeflate: false, maxPayload: 4096 }) as unknown as ProbeSocket)
  }

  protected override serve(host: string, port: number): Promise<string> {
    return this.websocket.listen(port, host)
  }
}

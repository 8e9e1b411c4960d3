// One core Transport made of several: a live node reaches its trackers over WebSockets and other
// nodes over WebRTC. `route` picks the transport for a peer; every part reports to the one
// handler core set. An optional tap sees each message before core does (live-node.ts uses it to
// learn which tracker introduced which peer, for signalling) and must not throw.

import type { Connection, NodeId, Transport, TransportHandler } from '../core/ports.ts'

export type MessageTap = (connection: Connection, message: unknown, from: Transport) => void

export class CompositeTransport implements Transport {
  private handler: TransportHandler | undefined

  constructor(
    readonly localId: NodeId,
    readonly parts: readonly Transport[],
    private readonly route: (peer: NodeId) => Transport,
    private readonly tap?: MessageTap
  ) {
    for (const part of parts) {
      if (part.localId !== localId) throw new RangeError(`transport ${part.localId} is not ${localId}`)
      part.setHandler(this.forwarder(part))
    }
  }

  setHandler(handler: TransportHandler): void {
    this.handler = handler
  }

  connect(peer: NodeId): void {
    this.route(peer).connect(peer)
  }

  private forwarder(part: Transport): TransportHandler {
    return {
      onConnected: (c) => this.handler?.onConnected(c),
      onConnectFailed: (peer, reason) => this.handler?.onConnectFailed(peer, reason),
      onMessage: (c, m) => {
        if (this.tap !== undefined) {
          try {
            this.tap(c, m, part)
          } catch {
            // A tap is advisory; core still gets the message.
          }
        }
        this.handler?.onMessage(c, m)
      },
      onDisconnected: (c, reason) => this.handler?.onDisconnected(c, reason),
    }
  }
}

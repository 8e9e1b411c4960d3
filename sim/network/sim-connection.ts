// The objects a simulated node holds: its Transport and one SimConnection per link end. They
// carry no behaviour of their own and hand everything to the network they belong to, so a send is
// one call into the network's hot path with no closure or allocation.

import type { Connection, NodeId, Transport, TransportHandler, WireMessage } from '../../core/ports.ts'

/** What the connection ends and transports call: the network that carries their traffic. */
export interface LinkCarrier {
  transmit(connection: SimConnection, message: WireMessage): void
  closeLink(connection: SimConnection, reason: string): void
  connect(src: number, peer: NodeId): void
}

export class SimConnection implements Connection {
  /** The local node's handler, kept here so a delivery touches one object, not three. */
  handler: TransportHandler | undefined
  open = true
  cut = false
  lastArrivalMs = 0
  peer!: SimConnection
  /** peer.id, copied so a send need not touch the peer's object. */
  peerId = -1
  /** Messages scheduled to arrive at this end: its slot is freed once it is closed and this is 0. */
  inFlight = 0
  constructor(
    readonly id: number,
    readonly local: number,
    readonly remote: number,
    readonly remoteId: NodeId,
    private readonly carrier: LinkCarrier
  ) {}

  send(message: WireMessage): void {
    this.carrier.transmit(this, message)
  }

  close(): void {
    this.carrier.closeLink(this, 'closed by peer')
  }
}

export class SimTransport implements Transport {
  handler: TransportHandler | undefined
  constructor(readonly localId: NodeId, private readonly index: number, private readonly carrier: LinkCarrier) {}
  setHandler(handler: TransportHandler): void {
    this.handler = handler
  }
  connect(peer: NodeId): void {
    this.carrier.connect(this.index, peer)
  }
}

// The objects a simulated node holds: its Transport and one SimConnection per link end. They
// carry no state of their own beyond who they connect, and hand everything to the network they
// belong to, so a send is one call into the network's hot path with no closure or allocation.
// What changes (open, cut, messages in flight, FIFO) the network keeps in typed arrays by end id.

import type { Connection, NodeId, Transport, TransportHandler, WireMessage } from '../../core/ports.ts'

/** What the connection ends and transports call: the network that carries their traffic. */
export interface LinkCarrier {
  transmit(connection: SimConnection, message: WireMessage): void
  closeLink(connection: SimConnection, reason: string): void
  connect(src: number, peer: NodeId): void
  setHandler(index: number, handler: TransportHandler): void
  /** Open: neither end has closed it (and its id has not been reused). */
  isOpen(connection: SimConnection): boolean
}

export class SimConnection implements Connection {
  constructor(
    /**
     * Ends of one link are ids 2k and 2k + 1; an id is reused once both ends are closed and idle,
     * and the ends that had it get -1, so a stale end never reaches a newer link's state.
     */
    public id: number,
    readonly local: number,
    readonly remote: number,
    readonly remoteId: NodeId,
    private readonly carrier: LinkCarrier
  ) {}

  get open(): boolean {
    return this.carrier.isOpen(this)
  }

  send(message: WireMessage): void {
    this.carrier.transmit(this, message)
  }

  close(): void {
    this.carrier.closeLink(this, 'closed by peer')
  }
}

export class SimTransport implements Transport {
  constructor(readonly localId: NodeId, private readonly index: number, private readonly carrier: LinkCarrier) {}
  setHandler(handler: TransportHandler): void {
    this.carrier.setHandler(this.index, handler)
  }
  connect(peer: NodeId): void {
    this.carrier.connect(this.index, peer)
  }
}

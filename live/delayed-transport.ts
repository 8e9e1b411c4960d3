// A delay shim: a Transport that holds each transmission for a link delay before handing it to
// the real transport underneath, so live nodes on one machine see the per-link delays (and loss)
// of a latency model. It exists to compare live runs with simulated ones link for link: the
// simulator delays every transmission of a link by the model's value for that pair, and so does
// this, in user space, at the sender.
//
// - Links stay FIFO: a transmission never leaves before one sent earlier on the same link, even
//   when jitter draws it a shorter delay (as the simulator does).
// - One DelayQueue per process (delay-line.ts) holds every pending transmission, each link a FIFO
//   DelayLine on it, and releases them within tens of microseconds of their due time; how late
//   each one left is recorded, so a run can report the shim's own error.
// - Closing, connecting and everything the transport reports pass straight through; only send()
//   is delayed. A zero delay on a link with nothing queued sends at once.

import type { Connection, NodeId, Transport, TransportHandler, WireMessage } from '../core/ports.ts'
import type { DelayLine, DelayQueue } from './delay-line.ts'

/** What the shim asks about each transmission. */
export interface LinkShaper {
  /** Milliseconds to hold `message` before it goes to `peer`, or null to lose it. */
  delayOf(peer: NodeId, message: WireMessage): number | null
}

/** Counters of one DelayedTransport; they only grow. */
export interface DelayedTransportStats {
  /** Transmissions held for a delay (or passed straight on with a zero one). */
  transmissions: number
  /** Transmissions the shaper chose to lose. */
  lost: number
}

export class DelayedConnection implements Connection {
  /** This link's FIFO path through the queue; made on its first delayed transmission. */
  private line: DelayLine<WireMessage> | undefined

  constructor(readonly inner: Connection, private readonly owner: DelayedTransport) {}

  get remoteId(): NodeId {
    return this.inner.remoteId
  }

  send(message: WireMessage): void {
    this.owner.schedule(this, message)
  }

  close(): void {
    this.inner.close()
  }

  /** Called by the transport: `message` leaves after `delayMs`, and after what this link sent before it. */
  enqueue(delayMs: number, queue: DelayQueue, message: WireMessage): void {
    if (delayMs <= 0 && (this.line === undefined || this.line.pending === 0)) {
      this.inner.send(message)
      return
    }
    this.line ??= queue.line((m: WireMessage) => this.inner.send(m))
    this.line.push(message, delayMs)
  }
}

export class DelayedTransport implements Transport {
  readonly localId: NodeId
  private handler: TransportHandler | undefined
  private readonly wrapped = new WeakMap<Connection, DelayedConnection>()
  private readonly counts: DelayedTransportStats = { transmissions: 0, lost: 0 }

  /**
   * Takes over `inner`'s handler: whoever had set one on `inner` must set it here instead
   * (setHandler), and keep calling `inner.connect` or this object's connect, which is the same.
   */
  constructor(readonly inner: Transport, private readonly shaper: LinkShaper, private readonly queue: DelayQueue) {
    this.localId = inner.localId
    inner.setHandler({
      onConnected: (c) => this.handler?.onConnected(this.wrap(c)),
      onConnectFailed: (peer, reason) => this.handler?.onConnectFailed(peer, reason),
      onMessage: (c, m) => this.handler?.onMessage(this.wrap(c), m),
      onDisconnected: (c, reason) => this.handler?.onDisconnected(this.wrap(c), reason),
    })
  }

  get stats(): Readonly<DelayedTransportStats> {
    return this.counts
  }

  setHandler(handler: TransportHandler): void {
    this.handler = handler
  }

  connect(peer: NodeId): void {
    this.inner.connect(peer)
  }

  schedule(connection: DelayedConnection, message: WireMessage): void {
    const delay = this.shaper.delayOf(connection.remoteId, message)
    if (delay === null) {
      this.counts.lost++
      return
    }
    this.counts.transmissions++
    connection.enqueue(delay, this.queue, message)
  }

  private wrap(connection: Connection): DelayedConnection {
    let d = this.wrapped.get(connection)
    if (d === undefined) {
      d = new DelayedConnection(connection, this)
      this.wrapped.set(connection, d)
    }
    return d
  }
}

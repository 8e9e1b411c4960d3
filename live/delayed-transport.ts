// A delay shim: a Transport that holds each transmission for a link delay before handing it to
// the real transport underneath, so live nodes on one machine see the per-link delays (and loss)
// of a latency model. It exists to compare live runs with simulated ones link for link: the
// simulator delays every transmission of a link by the model's value for that pair, and so does
// this, in user space, at the sender.
//
// - Links stay FIFO: a transmission never leaves before one sent earlier on the same link, even
//   when jitter draws it a shorter delay (as the simulator does).
// - One DelayQueue per process holds every pending transmission in a heap and wakes once for the
//   earliest. Node timers fire up to ~1.5 ms early or late, so the queue sleeps on a timer until
//   shortly before the due time and spins on setImmediate for the rest: sends then leave within
//   a few tens of microseconds of their due time, at the price of a busy event loop during that
//   last stretch. How late each one left is recorded, so a run can report the shim's own error.
// - Closing, connecting and everything the transport reports pass straight through; only send()
//   is delayed. A zero delay on a link with nothing queued sends at once.

import type { Connection, NodeId, Transport, TransportHandler, WireMessage } from '../core/ports.ts'

/** What the shim asks about each transmission. */
export interface LinkShaper {
  /** Milliseconds to hold `message` before it goes to `peer`, or null to lose it. */
  delayOf(peer: NodeId, message: WireMessage): number | null
}

/** Monotonic milliseconds; the queue compares due times on it. */
export type MonotonicClock = () => number

/** The last stretch before a due time that is waited out by spinning rather than on a timer. */
const SPIN_MS = 1.5

interface Pending {
  due: number
  seq: number
  connection: DelayedConnection
  message: WireMessage
}

/** Transmissions waiting for their due time, for every DelayedTransport of a process. */
export class DelayQueue {
  private readonly heap: Pending[] = []
  private seq = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private immediate: ReturnType<typeof setImmediate> | undefined
  /** Due time the armed wake-up is for; Infinity when none is armed. */
  private armedFor = Infinity
  /** How late (ms) each delayed transmission left, in the order they left. */
  readonly latenessMs: number[] = []
  /** Keep at most this many lateness samples (the first ones). */
  maxLatenessSamples = 1_000_000

  constructor(readonly now: MonotonicClock) {}

  get size(): number {
    return this.heap.length
  }

  push(due: number, connection: DelayedConnection, message: WireMessage): void {
    const item: Pending = { due, seq: this.seq++, connection, message }
    const heap = this.heap
    heap.push(item)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(item, heap[parent])) break
      heap[i] = heap[parent]
      i = parent
    }
    heap[i] = item
    if (due < this.armedFor) this.arm()
  }

  /** Drops everything pending and disarms; for a process that is shutting down. */
  clear(): void {
    this.heap.length = 0
    this.disarm()
  }

  private pop(): Pending {
    const heap = this.heap
    const top = heap[0]
    const last = heap.pop()!
    if (heap.length > 0) {
      let i = 0
      const n = heap.length
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const child = r < n && before(heap[r], heap[l]) ? r : l
        if (!before(heap[child], last)) break
        heap[i] = heap[child]
        i = child
      }
      heap[i] = last
    }
    return top
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.immediate !== undefined) clearImmediate(this.immediate)
    this.timer = undefined
    this.immediate = undefined
    this.armedFor = Infinity
  }

  private arm(): void {
    this.disarm()
    if (this.heap.length === 0) return
    const due = this.heap[0].due
    this.armedFor = due
    const wait = due - this.now()
    if (wait > SPIN_MS) this.timer = setTimeout(this.fire, Math.floor(wait - SPIN_MS))
    else this.immediate = setImmediate(this.fire)
  }

  private readonly fire = (): void => {
    this.timer = undefined
    this.immediate = undefined
    this.armedFor = Infinity
    let now = this.now()
    while (this.heap.length > 0 && this.heap[0].due <= now) {
      const item = this.pop()
      if (this.latenessMs.length < this.maxLatenessSamples) this.latenessMs.push(now - item.due)
      item.connection.release(item.message)
      now = this.now()
    }
    this.arm()
  }
}

function before(a: Pending, b: Pending): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq)
}

/** Counters of one DelayedTransport; they only grow. */
export interface DelayedTransportStats {
  /** Transmissions held for a delay (or passed straight on with a zero one). */
  transmissions: number
  /** Transmissions the shaper chose to lose. */
  lost: number
}

export class DelayedConnection implements Connection {
  /** Transmissions of this link still in the queue. */
  private queued = 0
  /** Due time of the last one queued: the next may not leave before it. */
  private lastDue = -Infinity

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

  /** Called by the transport: when `message` may leave, given the link's FIFO order. */
  enqueue(delayMs: number, queue: DelayQueue, message: WireMessage): void {
    if (delayMs <= 0 && this.queued === 0) {
      this.inner.send(message)
      return
    }
    const due = Math.max(queue.now() + delayMs, this.lastDue)
    this.lastDue = due
    this.queued++
    queue.push(due, this, message)
  }

  release(message: WireMessage): void {
    this.queued--
    this.inner.send(message)
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

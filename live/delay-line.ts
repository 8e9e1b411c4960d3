// Releasing items at a due time on real time: what the delay shim (delayed-transport.ts) and the
// user-space UDP and TCP relays (udp-delay-relay.ts, tcp-delay-relay.ts) all do.
//
// - A DelayQueue holds every pending item of its lines in the simulator's event queue (one heap
//   for the project: due time, then the order they were pushed) and wakes once, for the earliest.
//   Node's timers fire up to ~1.5 ms early or late, so the queue sleeps on a timer until `spinMs`
//   before the due time and spins on setImmediate (which still serves I/O between turns) for the
//   rest: items then leave within tens of microseconds of their due time, at the price of a busy
//   event loop during that last stretch. How late each left is recorded, so whoever injects a
//   delay can report its own error beside what it measured.
// - A DelayLine is one FIFO path on a queue: due times never decrease, so an item never
//   overtakes one pushed before it even if its own delay is shorter, as on a link.

import { EventQueue } from '../sim/engine/event-queue.ts'

/** Monotonic milliseconds; due times are compared on it. */
export type MonotonicClock = () => number

/** The stretch before a due time waited out by spinning rather than on a timer. */
export const DEFAULT_SPIN_MS = 1.5

export interface LatenessSummary {
  /** Items released. */
  n: number
  meanMs: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

export class DelayQueue {
  private readonly queue = new EventQueue()
  private readonly lines: DelayLine<unknown>[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private immediate: ReturnType<typeof setImmediate> | undefined
  /** Due time the armed wake-up is for; Infinity when none is armed. */
  private armedFor = Infinity
  /** How late (ms) each item left, in the order they left (the first maxLatenessSamples). */
  readonly latenessMs: number[] = []
  maxLatenessSamples = 1_000_000

  constructor(
    readonly now: MonotonicClock = () => performance.now(),
    private readonly spinMs = DEFAULT_SPIN_MS,
    /** A line's deliver that throws is the caller's bug: reported here, and the queue goes on. */
    private readonly onError: (error: unknown) => void = () => {}
  ) {}

  /** Items waiting in every line. */
  get size(): number {
    return this.queue.size
  }

  /** A new FIFO path whose items go to `deliver` when due. */
  line<T>(deliver: (item: T) => void): DelayLine<T> {
    const line = new DelayLine<T>(this, this.lines.length, deliver)
    this.lines.push(line as DelayLine<unknown>)
    return line
  }

  /** Drops everything pending and disarms; for a process that is shutting down. */
  clear(): void {
    this.queue.clear()
    this.disarm()
  }

  /** For DelayLine: `item` of line number `line` leaves at `due`. */
  push(due: number, line: number, item: unknown): void {
    this.queue.push(due, 0, line, 0, item)
    if (due < this.armedFor) this.arm()
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
    if (this.queue.size === 0) return
    const due = this.queue.peekTime()
    this.armedFor = due
    const wait = due - this.now()
    if (wait > this.spinMs) this.timer = setTimeout(this.fire, Math.floor(wait - this.spinMs))
    else this.immediate = setImmediate(this.fire)
  }

  private readonly fire = (): void => {
    this.timer = undefined
    this.immediate = undefined
    this.armedFor = Infinity
    let now = this.now()
    const queue = this.queue
    while (queue.size > 0 && queue.peekTime() <= now) {
      const due = queue.peekTime()
      const slot = queue.pop()
      if (this.latenessMs.length < this.maxLatenessSamples) this.latenessMs.push(now - due)
      try {
        this.lines[queue.a[slot]].release(queue.ref[slot])
      } catch (error) {
        this.onError(error)
      }
      now = this.now()
    }
    this.arm()
  }
}

export class DelayLine<T> {
  private lastDue = -Infinity
  private waiting = 0
  private closed = false

  constructor(private readonly queue: DelayQueue, private readonly index: number, private readonly deliver: (item: T) => void) {}

  /** Items pushed and not yet released. */
  get pending(): number {
    return this.waiting
  }

  /** Queues `item` to leave at `dueMs` (on the queue's clock), after every earlier item of this line. */
  pushAt(item: T, dueMs: number): void {
    if (this.closed) return
    const due = Math.max(dueMs, this.lastDue)
    this.lastDue = due
    this.waiting++
    this.queue.push(due, this.index, item)
  }

  /** Queues `item` to leave `delayMs` from now. */
  push(item: T, delayMs: number): void {
    this.pushAt(item, this.queue.now() + delayMs)
  }

  /** What is still queued is dropped; nothing more is accepted. */
  close(): void {
    this.closed = true
  }

  /** For DelayQueue. */
  release(item: unknown): void {
    this.waiting--
    if (!this.closed) this.deliver(item as T)
  }
}

export function summarizeLateness(samples: readonly number[]): LatenessSummary {
  if (samples.length === 0) return { n: 0, meanMs: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 }
  const s = [...samples].sort((x, y) => x - y)
  const at = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]
  return { n: s.length, meanMs: s.reduce((x, y) => x + y, 0) / s.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: s[s.length - 1] }
}

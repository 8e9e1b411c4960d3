// The discrete-event loop: virtual time, the event queue, and the ports (Clock, Timers) that
// core nodes get. Hot events (network deliveries) carry ints and a shared message reference,
// so nothing is allocated per simulated message; rare events (timers, scripted actions) may
// carry closures.

import type { Clock, TimerHandle, Timers } from '../../core/ports.ts'
import { EventQueue } from './event-queue.ts'

/** A component that owns some event kinds; the simulator hands it those events. */
export interface EventHandler {
  handleEvent(kind: number, a: number, b: number, ref: unknown): void
}

export const EVENT_TIMER = 0
export const EVENT_CALL = 1
/** Kinds from here up belong to registered handlers. */
export const FIRST_HANDLER_KIND = 2

export class Simulator implements Clock, Timers {
  private readonly queue = new EventQueue()
  private readonly handlers: (EventHandler | undefined)[] = []
  /** Live timers: handle to the queue slot holding its event (the callback is the event's ref). */
  private readonly timerSlots = new Map<TimerHandle, number>()
  private nextTimer = 1
  private nowMs = 0
  /** Events processed so far. */
  events = 0
  private sampler: ((atMs: number) => void) | undefined
  private samplePeriodMs = Infinity
  private samplesTaken = 0
  /** When the next sample is due; Infinity without a sampler, so the loop's check costs one comparison. */
  private nextSampleMs = Infinity

  now(): number {
    return this.nowMs
  }

  get pending(): number {
    return this.queue.size
  }

  nextEventTime(): number {
    return this.queue.peekTime()
  }

  /** Gives `handler` every event of `kind`. */
  register(kind: number, handler: EventHandler): void {
    if (kind < FIRST_HANDLER_KIND) throw new Error(`event kind ${kind} is reserved`)
    if (this.handlers[kind] !== undefined) throw new Error(`event kind ${kind} is taken`)
    this.handlers[kind] = handler
  }

  schedule(atMs: number, kind: number, a: number, b: number, ref: unknown): void {
    if (!(atMs >= this.nowMs)) throw new RangeError(`cannot schedule at ${atMs} ms: now is ${this.nowMs} ms`)
    this.queue.push(atMs, kind, a, b, ref)
  }

  /** For rare, scripted actions (a partition starts, a node joins). Not for per-message work. */
  call(atMs: number, action: () => void): void {
    this.schedule(atMs, EVENT_CALL, 0, 0, action)
  }

  /**
   * Calls `sample(t)` at every multiple t of `periodMs` as virtual time passes it: after every
   * event before t and before any at or after t, so a sample shows the state at exactly t, also
   * across stretches where nothing happens. A sample observes; it must not schedule events.
   */
  sampleEvery(periodMs: number, sample: (atMs: number) => void): void {
    if (!(periodMs > 0)) throw new RangeError(`sample period must be > 0 ms, got ${periodMs}`)
    this.sampler = sample
    this.samplePeriodMs = periodMs
    this.samplesTaken = Math.floor(this.nowMs / periodMs)
    this.nextSampleMs = (this.samplesTaken + 1) * periodMs
  }

  /** Takes every sample due at or before `untilMs` (the run's end, when no event will come). */
  sampleUntil(untilMs: number): void {
    while (this.nextSampleMs <= untilMs) {
      this.nowMs = this.nextSampleMs
      this.samplesTaken++
      // A multiple, not a running sum: no drift over a long run.
      this.nextSampleMs = (this.samplesTaken + 1) * this.samplePeriodMs
      this.sampler!(this.nowMs)
    }
  }

  /** Moves the clock to `atMs` with no event there (a run's hard stop), taking the samples due on the way. */
  advanceTo(atMs: number): void {
    if (atMs < this.nowMs) throw new RangeError(`cannot go back to ${atMs} ms: now is ${this.nowMs} ms`)
    this.sampleUntil(atMs)
    this.nowMs = atMs
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const handle = this.nextTimer++
    this.timerSlots.set(handle, this.queue.push(this.nowMs + Math.max(0, delayMs), EVENT_TIMER, handle, 0, callback))
    return handle
  }

  /** The timer's event leaves the queue: a cleared timer costs no event and no pop. */
  clearTimeout(handle: TimerHandle): void {
    const slot = this.timerSlots.get(handle)
    if (slot === undefined) return
    this.timerSlots.delete(handle)
    this.queue.cancel(slot)
  }

  /**
   * Runs events with time <= untilMs, at most maxEvents of them. The clock stays at the last
   * event run. Returns true while events remain in the queue (at any time).
   */
  run(untilMs: number, maxEvents = Infinity): boolean {
    const queue = this.queue
    let budget = maxEvents
    while (queue.size > 0 && queue.peekTime() <= untilMs && budget-- > 0) {
      const at = queue.peekTime()
      if (at >= this.nextSampleMs) this.sampleUntil(at)
      this.nowMs = at
      const slot = queue.pop()
      const kind = queue.kind[slot]
      const a = queue.a[slot]
      const b = queue.b[slot]
      const ref = queue.ref[slot]
      this.events++
      if (kind === EVENT_TIMER) {
        this.timerSlots.delete(a)
        ;(ref as () => void)()
      } else if (kind === EVENT_CALL) {
        (ref as () => void)()
      } else {
        this.handlers[kind]!.handleEvent(kind, a, b, ref)
      }
    }
    return queue.size > 0
  }
}

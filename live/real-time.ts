// The core's Clock, Timers and Random on real time, for live nodes and trackers. This is the
// live driver's half of the seam: core asks for timers, this arms the platform's timers (Node's or
// a browser's) and calls back.
//
// - Clock: epoch milliseconds (performance.timeOrigin + performance.now()). Monotonic within a
//   process, as core requires, and close enough to Date.now() that a receiver in another process
//   can subtract a message timestamp from its own clock to get a latency (NTP-synced hosts).
// - Timers: setTimeout/clearTimeout with numeric handles, and dispose() to cancel everything at
//   once when a node stops (core has no stop(); its timers would otherwise keep the process up).
// - Random: Alea (seedrandom), as the simulator uses, seeded from an option for reproducible
//   tests or from Web Crypto otherwise. The seed is exposed so a run can be logged.

import { createRandom } from '../sim/engine/random.ts'
import type { Clock, Random, TimerHandle, Timers } from '../core/ports.ts'
import { randomHex } from './random-hex.ts'

/** Epoch milliseconds with sub-millisecond resolution; never goes backwards within a process. */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
}

export interface RealTimersOptions {
  /**
   * Called with an exception thrown by a timer callback. Absent: the exception propagates as any
   * uncaught exception would (tests want that). A long-running process passes a logger.
   */
  onError?: (error: unknown) => void
}

export class RealTimers implements Timers {
  private readonly pending = new Map<TimerHandle, ReturnType<typeof setTimeout>>()
  private nextHandle = 1
  private disposed = false

  constructor(private readonly options: RealTimersOptions = {}) {}

  /** Timers armed and not yet fired or cleared. */
  get pendingCount(): number {
    return this.pending.size
  }

  get isDisposed(): boolean {
    return this.disposed
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const handle = this.nextHandle++
    if (this.disposed) return handle
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0
    const timer = setTimeout(() => {
      this.pending.delete(handle)
      if (this.disposed) return
      if (this.options.onError === undefined) {
        callback()
        return
      }
      try {
        callback()
      } catch (error) {
        this.options.onError(error)
      }
    }, delay)
    this.pending.set(handle, timer)
    return handle
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = this.pending.get(handle)
    if (timer === undefined) return
    clearTimeout(timer)
    this.pending.delete(handle)
  }

  /** Cancels every pending timer; later setTimeout calls arm nothing. */
  dispose(): void {
    this.disposed = true
    for (const timer of this.pending.values()) clearTimeout(timer)
    this.pending.clear()
  }
}

export interface RealRandom extends Random {
  /** The seed this stream was drawn from; passing it back reproduces the stream. */
  readonly seed: string
}

/** The simulator's generator, named the same way: `seed` (and a path) or, without one, 128 random bits. */
export function createRealRandom(seed?: string | number, ...path: (string | number)[]): RealRandom {
  const stream = createRandom(seed ?? randomHex(16), ...path)
  return { seed: stream.name, next: () => stream.next() }
}

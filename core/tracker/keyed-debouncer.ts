// Debounce per key with a maximum wait, on the injected Clock and Timers: a key touched again
// within `debounceMs` waits longer, but never more than `maxWaitMs` after its first touch, so a
// busy stream part still gets its instructions. Touching only moves the deadline later, so the
// pending timer is not cancelled and re-armed on every touch; when it fires early it re-arms once
// for the rest (cheaper in the simulator, whose queue keeps cancelled timers until they are due).

import type { Clock, TimerHandle, Timers } from '../ports.ts'

interface Pending {
  readonly firstMs: number
  deadlineMs: number
  timer: TimerHandle
}

export class KeyedDebouncer<K> {
  private readonly pending = new Map<K, Pending>()

  constructor(
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly debounceMs: number,
    private readonly maxWaitMs: number,
    private readonly flush: (key: K) => void
  ) {}

  touch(key: K): void {
    const now = this.clock.now()
    const p = this.pending.get(key)
    if (p === undefined) {
      const deadlineMs = now + Math.min(this.debounceMs, this.maxWaitMs)
      this.pending.set(key, { firstMs: now, deadlineMs, timer: this.arm(key, deadlineMs - now) })
      return
    }
    p.deadlineMs = Math.min(now + this.debounceMs, p.firstMs + this.maxWaitMs)
  }

  cancel(key: K): void {
    const p = this.pending.get(key)
    if (p === undefined) return
    this.timers.clearTimeout(p.timer)
    this.pending.delete(key)
  }

  cancelAll(): void {
    for (const key of [...this.pending.keys()]) this.cancel(key)
  }

  private arm(key: K, delayMs: number): TimerHandle {
    return this.timers.setTimeout(() => this.fire(key), delayMs)
  }

  private fire(key: K): void {
    const p = this.pending.get(key)
    if (p === undefined) return
    const now = this.clock.now()
    if (now < p.deadlineMs) {
      p.timer = this.arm(key, p.deadlineMs - now)
      return
    }
    this.pending.delete(key)
    this.flush(key)
  }
}

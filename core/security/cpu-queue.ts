// A node's processor as a serial queue in virtual time: work that costs CPU (verifying, signing,
// decrypting) starts when the previous work is done and its result is ready `costMs` later. At
// zero cost, with nothing queued, the job runs at once: that is a live node, which spends real
// CPU time instead, and it keeps the no-crypto path free of timers.

import type { Clock, Timers } from '../ports.ts'

export class CpuQueue {
  private busyUntil = 0
  /** Total CPU time charged, for metrics. */
  busyMs = 0

  constructor(private readonly clock: Clock, private readonly timers: Timers) {}

  /** Runs `job` once `costMs` of CPU time after the work queued before it; returns when that is. */
  run(costMs: number, job: () => void): number {
    const now = this.clock.now()
    if (costMs <= 0 && this.busyUntil <= now) {
      job()
      return now
    }
    const start = this.busyUntil > now ? this.busyUntil : now
    this.busyUntil = start + costMs
    this.busyMs += costMs
    this.timers.setTimeout(job, this.busyUntil - now)
    return this.busyUntil
  }
}

// Network split avoidance (StreamPartNetworkSplitAvoidance.ts, trackerless-network 103.3.1): a
// node that stored itself as an entry point but has fewer than 4 layer-1 neighbours fetches the
// entry points again and joins through them, up to 6 times, waiting 1, 2, 4, 8, 16 and 32 s
// after each attempt. Entry points that did not become neighbours are left out of later
// attempts. As in the reference, the loop does not stop early when an attempt succeeds.

import type { Timers } from '../ports.ts'
import type { DhtNode } from '../dht/dht-node.ts'
import type { StreamEntryPoints } from './stream-entry-points.ts'

export interface SplitAvoidanceOptions {
  readonly minNeighbours: number
  readonly baseDelayMs: number
  readonly maxAttempts: number
}

export class NetworkSplitAvoidance {
  private running = false
  private stopped = false
  private timer: number | undefined
  private readonly excluded = new Set<string>()
  /** Attempts made, for metrics and tests. */
  attempts = 0

  constructor(
    private readonly layer1: DhtNode,
    private readonly entryPoints: StreamEntryPoints,
    private readonly timers: Timers,
    private readonly options: SplitAvoidanceOptions
  ) {}

  get isRunning(): boolean {
    return this.running
  }

  start(): void {
    if (this.running || this.stopped) return
    this.running = true
    this.attempt(1)
  }

  stop(): void {
    this.stopped = true
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer)
  }

  private attempt(i: number): void {
    if (this.stopped) return
    this.attempts++
    const wait = () => {
      if (this.stopped) return
      if (i >= this.options.maxAttempts) {
        this.running = false
        this.excluded.clear()
        return
      }
      this.timer = this.timers.setTimeout(() => this.attempt(i + 1), this.options.baseDelayMs * 2 ** i)
    }
    this.entryPoints.fetch((found) => {
      if (this.stopped) return
      const usable = found.filter((d) => !this.excluded.has(d.nodeId))
      this.layer1.join(usable, false, false, () => {
        if (this.layer1.peers.neighbourCount < this.options.minNeighbours) {
          for (const d of usable) if (!this.layer1.peers.buckets.has(d.nodeId, d.dhtId)) this.excluded.add(d.nodeId)
        }
        wait()
      })
    })
  }
}

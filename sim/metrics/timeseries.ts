// Per-window counts and latency percentiles over simulated time. Windows close as time passes
// them, so memory holds one window's samples, not the run's.

import type { SimNetwork } from '../network/sim-network.ts'
import { quantile, SampleBuffer } from './sample-buffer.ts'

export interface TimeSeriesRow {
  tStartS: number
  tEndS: number
  nodesUp: number
  published: number
  firstReceipts: number
  duplicates: number
  latencyCount: number
  latencyP50Ms: number
  latencyP90Ms: number
  latencyP99Ms: number
  lost: number
}

export const TIMESERIES_COLUMNS: readonly (keyof TimeSeriesRow)[] = [
  'tStartS', 'tEndS', 'nodesUp', 'published', 'firstReceipts', 'duplicates',
  'latencyCount', 'latencyP50Ms', 'latencyP90Ms', 'latencyP99Ms', 'lost',
]

export class TimeSeries {
  readonly rows: TimeSeriesRow[] = []
  published = 0
  duplicates = 0
  private firstReceipts = 0
  private readonly latency = new SampleBuffer('f64')
  private windowStartMs = 0
  private lostAtWindowStart = 0

  constructor(private readonly intervalMs: number, private readonly network: SimNetwork) {}

  firstReceipt(latencyMs: number): void {
    this.firstReceipts++
    this.latency.push(latencyMs)
  }

  /** Closes every window that ends at or before `nowMs`. */
  advance(nowMs: number): void {
    while (nowMs >= this.windowStartMs + this.intervalMs) this.close()
  }

  /** Closes the last, possibly partial, window at the end of the run. */
  finish(endMs: number): void {
    this.advance(endMs)
    if (endMs > this.windowStartMs || this.published + this.firstReceipts + this.duplicates > 0) this.close(endMs)
  }

  private close(endMs = this.windowStartMs + this.intervalMs): void {
    const sorted = this.latency.sorted()
    const lost = this.totalLost()
    this.rows.push({
      tStartS: this.windowStartMs / 1000,
      tEndS: endMs / 1000,
      nodesUp: this.network.upCount(),
      published: this.published,
      firstReceipts: this.firstReceipts,
      duplicates: this.duplicates,
      latencyCount: sorted.length,
      latencyP50Ms: quantile(sorted, 0.5),
      latencyP90Ms: quantile(sorted, 0.9),
      latencyP99Ms: quantile(sorted, 0.99),
      lost: lost - this.lostAtWindowStart,
    })
    this.lostAtWindowStart = lost
    this.windowStartMs = endMs
    this.published = 0
    this.firstReceipts = 0
    this.duplicates = 0
    this.latency.clear()
  }

  private totalLost(): number {
    const l = this.network.lost
    return l.loss + l.partition + l.linkCut + l.closed
  }
}

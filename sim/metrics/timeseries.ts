// Per-window counts and latency percentiles over simulated time. A window closes at its end, as
// time passes it (the simulator's sampler, or a replay's advance before each event), so its
// population and overlay columns show the state at that moment; memory holds one window's
// samples, not the run's.

import type { ObservedNetwork } from '../network/observed-network.ts'
import type { Membership } from './membership.ts'
import { quantile, SampleBuffer } from './sample-buffer.ts'

/** The overlay's shape at one moment, sampled when a window closes. */
export interface OverlaySample {
  components: number
  meanDegree: number
  /** Entry points of the stream part stored in the DHT (builder dht only). */
  entryPoints?: number
}

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
  /** Of the messages published in this window: receipts / nodes online at publish (excluding the publisher). */
  deliveryRatio: number
  /** Connected components among online members of the first stream part, at the window's end. */
  components: number
  meanDegree: number
  /** Stored entry points of the first stream part at the window's end (builder dht; empty otherwise). */
  entryPoints: number
}

export const TIMESERIES_COLUMNS: readonly (keyof TimeSeriesRow)[] = [
  'tStartS', 'tEndS', 'nodesUp', 'published', 'firstReceipts', 'duplicates',
  'latencyCount', 'latencyP50Ms', 'latencyP90Ms', 'latencyP99Ms', 'lost', 'deliveryRatio', 'components', 'meanDegree', 'entryPoints',
]

export class TimeSeries {
  readonly rows: TimeSeriesRow[] = []
  published = 0
  duplicates = 0
  private firstReceipts = 0
  private readonly latency = new SampleBuffer('f64')
  private windowStartMs = 0
  private windowsClosed = 0
  private lostAtWindowStart = 0

  /** Set by the simulation; absent, the overlay columns stay empty. */
  sampleOverlay: (() => OverlaySample) | undefined

  constructor(private readonly intervalMs: number, private readonly network: ObservedNetwork, private readonly membership: Membership) {}

  firstReceipt(latencyMs: number): void {
    this.firstReceipts++
    this.latency.push(latencyMs)
  }

  /** When the open window ends. */
  get windowEndMs(): number {
    return (this.windowsClosed + 1) * this.intervalMs
  }

  /**
   * Closes every window that ends at or before `nowMs`, with the state as it is now. Call it
   * before applying anything that happens at `nowMs`.
   */
  advance(nowMs: number): void {
    while (nowMs >= this.windowEndMs) this.closeWindow()
  }

  /** Closes the last, possibly partial, window at the end of the run. */
  finish(endMs: number): void {
    this.advance(endMs)
    if (endMs > this.windowStartMs || this.published + this.firstReceipts + this.duplicates > 0) this.closeWindow(endMs)
  }

  /** Closes the open window at its end (or at `endMs`, for the last, partial one). */
  closeWindow(endMs = this.windowEndMs): void {
    const sorted = this.latency.sorted()
    const lost = this.totalLost()
    const overlay = this.sampleOverlay?.()
    this.rows.push({
      tStartS: this.windowStartMs / 1000,
      tEndS: endMs / 1000,
      nodesUp: this.membership.online,
      published: this.published,
      firstReceipts: this.firstReceipts,
      duplicates: this.duplicates,
      latencyCount: sorted.length,
      latencyP50Ms: quantile(sorted, 0.5),
      latencyP90Ms: quantile(sorted, 0.9),
      latencyP99Ms: quantile(sorted, 0.99),
      lost: lost - this.lostAtWindowStart,
      deliveryRatio: NaN,
      components: overlay?.components ?? NaN,
      meanDegree: overlay?.meanDegree ?? NaN,
      entryPoints: overlay?.entryPoints ?? NaN,
    })
    this.lostAtWindowStart = lost
    this.windowStartMs = endMs
    this.windowsClosed++
    this.published = 0
    this.firstReceipts = 0
    this.duplicates = 0
    this.latency.clear()
  }

  /** Fills each window's delivery ratio from the messages published in it, once all receipts are in. */
  fillDeliveryRatios(publishedAtMs: readonly number[], expected: readonly number[], received: readonly number[]): void {
    let m = 0
    for (const row of this.rows) {
      let e = 0
      let r = 0
      while (m < publishedAtMs.length && publishedAtMs[m] < row.tEndS * 1000) {
        e += expected[m]
        r += received[m]
        m++
      }
      row.deliveryRatio = e === 0 ? NaN : r / e
    }
  }

  private totalLost(): number {
    const l = this.network.lost
    return l.loss + l.partition + l.linkCut + l.closed
  }
}

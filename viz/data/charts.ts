// Everything the charts need, reduced in Node: a latency histogram and CDF (from deliveries when
// recorded, else from the summary's percentiles), duplicates over time and the time series. The
// run page and the static report both draw from this, so a million-row run ships a few KB.

import { quantileSorted, tickStep } from 'd3'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { deliveryIndex } from './deliveries.ts'
import { readSummary, readTimeseries, type TimeseriesJson } from './runs.ts'
import { scenarioMarkers, type ScenarioMarker } from './events.ts'
import type { Scenario } from '../../sim/scenario/types.ts'

export interface Bin { x0: number; x1: number; count: number }

export interface ChartData {
  latency: {
    /** Where the figures come from: per-receipt rows, or only the summary's percentiles. */
    source: 'deliveries' | 'summary' | 'none'
    samples: number
    histogram: Bin[]
    /** [latency ms, fraction of first receipts at or below it] */
    cdf: Array<[number, number]>
  }
  duplicates: { source: 'timeseries' | 'deliveries' | 'none'; windowS: number; points: Array<{ tS: number; duplicates: number; firstReceipts: number }> }
  timeseries: TimeseriesJson | null
  /** The scenario's timed events, marked on every time chart. */
  events: ScenarioMarker[]
  /** Simulated seconds of the run: every time chart spans [0, this], so their x axes line up. */
  durationS: number | null
  /** Plain-language notes on what was down-sampled or missing. */
  notes: string[]
}

const CDF_POINTS = 400
const HIST_BINS = 50

export function histogram(sorted: Float64Array, target = HIST_BINS): Bin[] {
  if (sorted.length === 0) return []
  const lo = sorted[0], hi = sorted[sorted.length - 1]
  const step = hi > lo ? tickStep(lo, hi, target) : 1
  const start = Math.floor(lo / step) * step
  const n = Math.max(1, Math.floor((hi - start) / step) + 1)
  const bins: Bin[] = Array.from({ length: n }, (_, i) => ({ x0: start + i * step, x1: start + (i + 1) * step, count: 0 }))
  for (const v of sorted) bins[Math.min(n - 1, Math.floor((v - start) / step))].count++
  return bins
}

export function cdf(sorted: Float64Array, points = CDF_POINTS): Array<[number, number]> {
  const n = sorted.length
  if (n === 0) return []
  if (n <= points) return Array.from(sorted, (v, i) => [v, (i + 1) / n] as [number, number])
  const out: Array<[number, number]> = []
  for (let i = 0; i <= points; i++) {
    const q = i / points
    out.push([quantileSorted(sorted as unknown as number[], q) ?? 0, q])
  }
  return out
}

async function has(p: string): Promise<boolean> {
  try { await stat(p); return true } catch { return false }
}

export async function chartData(runDir: string): Promise<ChartData> {
  const notes: string[] = []
  const timeseries = (await has(join(runDir, 'timeseries.csv'))) ? await readTimeseries(runDir) : null
  if (!timeseries) notes.push('No timeseries.csv: time-series charts are empty.')
  const ix = await deliveryIndex(runDir)
  const summary = await readSummary(runDir).catch(() => null)
  const events = scenarioMarkers(summary?.parameters as Partial<Scenario> | undefined)
  const durationS = summary?.simulatedSeconds ?? null

  let latency: ChartData['latency'] = { source: 'none', samples: 0, histogram: [], cdf: [] }
  if (ix) {
    const lat = ix.firstLatencies()
    latency = { source: 'deliveries', samples: lat.length, histogram: histogram(lat), cdf: cdf(lat) }
    notes.push(`${ix.rowCount.toLocaleString('en-US')} delivery rows (${lat.length.toLocaleString('en-US')} first receipts) reduced to a ${latency.histogram.length}-bin histogram and a ${latency.cdf.length}-point CDF.`)
  } else {
    try {
      const s = await readSummary(runDir)
      const d = s.latencyMs
      if (d && d.count > 0) {
        latency = { source: 'summary', samples: d.count, histogram: [], cdf: [[d.p50, 0.5], [d.p90, 0.9], [d.p99, 0.99], [d.max, 1]] }
        notes.push('No deliveries.csv (record.deliveries was off): the latency CDF shows only the summary percentiles and there is no histogram.')
      }
    } catch { notes.push('No summary.json and no deliveries.csv: no latency figures.') }
  }

  let duplicates: ChartData['duplicates'] = { source: 'none', windowS: 0, points: [] }
  if (timeseries && timeseries.columns.duplicates) {
    const c = timeseries.columns
    duplicates = {
      source: 'timeseries',
      windowS: (c.tEndS?.[0] ?? 1) - (c.tStartS?.[0] ?? 0),
      points: c.duplicates.map((d, i) => ({ tS: c.tStartS?.[i] ?? i, duplicates: d ?? 0, firstReceipts: c.firstReceipts?.[i] ?? 0 })),
    }
  } else if (ix && ix.rowCount > 0) {
    let max = 0
    for (let r = 0; r < ix.rowCount; r++) if (ix.at[r] > max) max = ix.at[r]
    const windowS = tickStep(0, max / 1000, 100) || 1
    const n = Math.floor(max / 1000 / windowS) + 1
    const points = Array.from({ length: n }, (_, i) => ({ tS: i * windowS, duplicates: 0, firstReceipts: 0 }))
    for (let r = 0; r < ix.rowCount; r++) {
      const p = points[Math.floor(ix.at[r] / 1000 / windowS)]
      if (ix.dup[r]) p.duplicates++
      else p.firstReceipts++
    }
    duplicates = { source: 'deliveries', windowS, points }
  }
  return { latency, duplicates, timeseries, events, durationS, notes }
}

// Runs picked in the explorer put side by side: for each, the headline metrics `sim compare` uses
// (compare-columns.ts, so both comparisons speak one language), the samples behind each
// percentile, and the latency CDF the run page draws. Differences are the page's to show.

import { COMPARE_METRICS, metricAt, type CompareMetric } from '../../sim/results/compare-columns.ts'
import { chartData } from './charts.ts'
import { HttpError, resolveUnder } from './paths.ts'
import { readSummary } from './runs.ts'

/** More than this many runs side by side no longer fit a page. */
export const MAX_COMPARED_RUNS = 8

export interface ComparedRun {
  key: string
  scenario: string
  seed: number | null
  nodes: number | null
  version: string | null
  commit: string | null
  /** COMPARE_METRICS key -> value; null where summary.json has none. */
  values: Record<string, number | null>
  /** COMPARE_METRICS key -> samples behind it (`<dist>.count` for a percentile); absent for plain ratios. */
  samples: Record<string, number | null>
  latencyCdf: { source: 'deliveries' | 'summary' | 'none'; samples: number; points: Array<[number, number]> }
}

export interface RunComparison { metrics: readonly CompareMetric[]; runs: ComparedRun[] }

/** `latencyMs.p99` -> `latencyMs.count`; null for a metric that is not a distribution's percentile. */
export function samplesKey(metric: string): string | null {
  const m = /^(.+)\.(p\d+|mean|max)$/.exec(metric)
  return m ? `${m[1]}.count` : null
}

/** `keys` are run keys (`<scenario>/<run>` or a sweep point's `<scenario>/<sweep>/<point>`). */
export async function compareRuns(root: string, keys: string[]): Promise<RunComparison> {
  if (keys.length < 2) throw new HttpError(400, 'give at least two runs: ?run=<scenario>/<run>&run=<scenario>/<run>')
  if (keys.length > MAX_COMPARED_RUNS) throw new HttpError(400, `at most ${MAX_COMPARED_RUNS} runs side by side, got ${keys.length}`)
  if (new Set(keys).size !== keys.length) throw new HttpError(400, 'the same run is given twice')
  const runs: ComparedRun[] = []
  for (const key of keys) {
    const segs = key.split('/')
    if (segs.length < 2 || segs.length > 3) throw new HttpError(400, `run ${JSON.stringify(key.slice(0, 100))}: expected <scenario>/<run>`)
    const dir = await resolveUnder(root, segs)
    const summary = await readSummary(dir).catch(() => { throw new HttpError(404, `run ${key} has no summary.json`) })
    const values: Record<string, number | null> = {}
    const samples: Record<string, number | null> = {}
    for (const m of COMPARE_METRICS) {
      values[m.key] = metricAt(summary, m.key)
      const sk = samplesKey(m.key)
      if (sk) samples[m.key] = metricAt(summary, sk)
    }
    const lat = (await chartData(dir)).latency
    runs.push({
      key, scenario: summary.scenario, seed: summary.seed ?? null, nodes: summary.nodes ?? null,
      version: summary.version ?? null, commit: summary.commit ?? null, values, samples,
      latencyCdf: { source: lat.source, samples: lat.samples, points: lat.cdf },
    })
  }
  return { metrics: COMPARE_METRICS, runs }
}

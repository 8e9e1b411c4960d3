// compare.csv: one row per design and seed, appended as each run finishes, so an interrupted
// comparison keeps every row it computed. The columns are design and seed, the headline metrics
// named as in summary.json, then the run's latency sample count, what the design resolved to and
// the run's folder; the preamble names scenario, base seed, version and commit like every CSV.

import type { Scenario } from '../scenario/types.ts'
import { COMPARE_METRICS, LATENCY_COUNT_KEY } from './compare-columns.ts'
import type { CompareRun } from './compare-result.ts'
import { csvNumber, csvPreamble } from './csv.ts'

export const COMPARE_CSV_COLUMNS: readonly string[] = ['design', 'seed', ...COMPARE_METRICS.map((m) => m.key), LATENCY_COUNT_KEY, 'protocol', 'builder', 'runDir']

/** The preamble and header; `designs` and `seeds` are listed in the preamble. */
export function compareCsvHead(base: Pick<Scenario, 'name' | 'seed'>, designs: readonly string[], seeds: readonly number[]): string {
  return `${csvPreamble(base, { designs: designs.join(','), seeds: seeds.join(',') })}${COMPARE_CSV_COLUMNS.join(',')}\n`
}

export function compareCsvRow(design: string, protocol: string, builder: string, run: CompareRun): string {
  const metrics = COMPARE_METRICS.map((m) => {
    const v = run.values[m.key]
    return v === null ? '' : csvNumber(v)
  })
  return `${[design, run.seed, ...metrics, run.latencySamples, protocol, builder, run.runDir].join(',')}\n`
}

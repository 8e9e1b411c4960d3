// sweep.csv, one row per grid point, and, for a sweep replicated over seeds, sweep-runs.csv, one
// row per point and seed. Rows are appended as points finish, in point order; the preamble names
// scenario, base seed, version, commit and the number of points (and the seeds, the confidence
// level and how budgets were judged), so a shard of a sweep writes the same head as the whole.

import type { Scenario } from '../scenario/types.ts'
import { CONFIDENCE, meanInterval } from './compare-stats.ts'
import { csvNumber, csvPreamble } from './csv.ts'
import type { BudgetJudgement } from './budget-check.ts'
import type { Summary } from './summary-types.ts'

export type SweepColumn = readonly [name: string, value: (s: Summary) => number]

const METRIC_COLUMNS: readonly SweepColumn[] = [
  ['deliveryRatio', (s) => s.deliveryRatio],
  ['latencyMeanMs', (s) => s.latencyMs.mean],
  ['latencyP50Ms', (s) => s.latencyMs.p50],
  ['latencyP90Ms', (s) => s.latencyMs.p90],
  ['latencyP99Ms', (s) => s.latencyMs.p99],
  ['latencyCount', (s) => s.latencyMs.count],
  ['duplicatesPerDelivery', (s) => s.duplicatesPerDelivery],
  ['rmr', (s) => s.rmr],
  ['hopsMean', (s) => s.hops.mean],
  ['wallSeconds', (s) => s.wallSeconds],
]

/** Added when the scenario runs the message layer: what apps got and what validation cost. */
const MESSAGE_LAYER_COLUMNS: readonly SweepColumn[] = [
  ['appDeliveryRatio', (s) => s.messageLayer?.app.deliveryRatio ?? NaN],
  ['appLatencyP50Ms', (s) => s.messageLayer?.app.latencyMs.p50 ?? NaN],
  ['appLatencyP99Ms', (s) => s.messageLayer?.app.latencyMs.p99 ?? NaN],
  ['appLatencyCount', (s) => s.messageLayer?.app.latencyMs.count ?? NaN],
  ['forgedDeliveredToApps', (s) => s.messageLayer?.forgedDeliveredToApps ?? NaN],
  ['unpermittedDeliveredToApps', (s) => s.messageLayer?.unpermittedDeliveredToApps ?? NaN],
  ['wastedShare', (s) => s.messageLayer?.wastedShare ?? NaN],
  ['cpuMsPerNodeMean', (s) => s.messageLayer?.cpuMsPerNode.mean ?? NaN],
  ['rejectedAtRelays', (s) => Object.values(s.messageLayer?.rejected.atRelays ?? {}).reduce((a, b) => a + b, 0)],
  ['rejectedAtSubscribers', (s) => s.messageLayer?.rejected.atSubscribers ?? NaN],
  ['refetchedRejected', (s) => s.messageLayer?.ordering.refetchedRejected ?? NaN],
]

/** The statistics of a replicated point, each a column per metric: `<metric>.mean`, `.sd`, `.ciLow`, `.ciHigh`. */
export const REPLICATED_STATS = ['mean', 'sd', 'ciLow', 'ciHigh'] as const

export interface SweepCsvPlan {
  scenario: Pick<Scenario, 'name' | 'seed'>
  /** The swept field paths, in the file's order. */
  keys: readonly string[]
  /** Points in the whole sweep (a shard writes the same number). */
  points: number
  messageLayer: boolean
  /** A replicated sweep: the seeds of every point, and how its budgets are judged. */
  replication?: { seeds: readonly number[]; budgetsOn: BudgetJudgement }
}

export function sweepColumns(plan: SweepCsvPlan): readonly SweepColumn[] {
  return plan.messageLayer ? [...METRIC_COLUMNS, ...MESSAGE_LAYER_COLUMNS] : METRIC_COLUMNS
}

function preamble(plan: SweepCsvPlan): string {
  const r = plan.replication
  return csvPreamble(plan.scenario, r === undefined ? { points: plan.points }
    : { points: plan.points, seeds: r.seeds.join(','), confidence: CONFIDENCE, budgetsOn: r.budgetsOn })
}

/** sweep.csv's preamble and header. */
export function sweepCsvHead(plan: SweepCsvPlan): string {
  const metrics = sweepColumns(plan).map(([c]) => c)
  const header = plan.replication === undefined
    ? [...plan.keys, 'runDir', ...metrics, 'budgetsPassed']
    : [...plan.keys, 'runDir', 'runs', ...metrics.flatMap((c) => REPLICATED_STATS.map((stat) => `${c}.${stat}`)), 'budgetsPassed']
  return `${preamble(plan)}${header.join(',')}\n`
}

/** sweep-runs.csv's preamble and header (replicated sweeps only). */
export function sweepRunsCsvHead(plan: SweepCsvPlan): string {
  return `${preamble(plan)}${[...plan.keys, 'seed', 'runDir', ...sweepColumns(plan).map(([c]) => c), 'budgetsPassed'].join(',')}\n`
}

/** A point's row in sweep.csv, unreplicated. */
export function sweepRow(plan: SweepCsvPlan, point: Record<string, unknown>, runDir: string, summary: Summary): string {
  return row([...pointCells(plan, point), runDir, ...sweepColumns(plan).map(([, f]) => csvNumber(f(summary))), budgetsCell(summary)])
}

/** A run's row in sweep-runs.csv. */
export function sweepRunRow(plan: SweepCsvPlan, point: Record<string, unknown>, seed: number, runDir: string, summary: Summary): string {
  return row([...pointCells(plan, point), String(seed), runDir, ...sweepColumns(plan).map(([, f]) => csvNumber(f(summary))), budgetsCell(summary)])
}

/** A replicated point's row in sweep.csv: per metric the mean, standard deviation and confidence interval over the runs; `held` budgets of the point's `total`. */
export function replicatedRow(plan: SweepCsvPlan, point: Record<string, unknown>, runDir: string, summaries: readonly Summary[], held: number, total: number): string {
  const stats = sweepColumns(plan).flatMap(([, f]) => {
    const s = meanInterval(summaries.map(f))
    return [s.mean, s.sd, s.mean - s.halfWidth, s.mean + s.halfWidth].map(csvNumber)
  })
  return row([...pointCells(plan, point), runDir, String(summaries.length), ...stats, `${held}/${total}`])
}

const row = (cells: readonly string[]) => `${cells.join(',')}\n`

const budgetsCell = (s: Summary) => `${s.budgets.filter((b) => b.pass).length}/${s.budgets.length}`

function pointCells(plan: SweepCsvPlan, point: Record<string, unknown>): string[] {
  return plan.keys.map((key) => {
    const v = point[key]
    const text = typeof v === 'string' ? v : JSON.stringify(v)
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
  })
}

// `sim sweep`: every grid point of a scenario's sweep (or of one shard of it), once or once per
// seed, one run folder each, and sweep.csv with one row per point, appended in point order as
// points finish, so an interrupted sweep keeps what it computed. Runs go through the run pool:
// with --jobs N, N at a time in worker threads, writing the same files as one at a time.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expandSweep } from '../sim/scenario/load.ts'
import { usesMessageLayer } from '../sim/simulation.ts'
import type { Scenario } from '../sim/scenario/types.ts'
import { budgetsHeld, type BudgetJudgement } from '../sim/results/budget-check.ts'
import { CONFIDENCE, meanInterval } from '../sim/results/compare-stats.ts'
import type { Summary } from '../sim/results/summary-types.ts'
import { replicatedRow, sweepCsvHead, sweepRow, sweepRunRow, sweepRunsCsvHead, type SweepCsvPlan } from '../sim/results/sweep-csv.ts'
import { SWEEP_CSV, SWEEP_RUNS_CSV } from '../sim/results/sweep-merge.ts'
import { shardPointIndices, shardRecord, writeShardRecord, type Shard } from '../sim/results/sweep-shard.ts'
import { newRunDir } from '../sim/results/run-dir.ts'
import { fmt, formatTable } from '../sim/results/table.ts'
import { planPoints, runPoints, type PointRunOptions } from './point-runs.ts'

export interface SweepCommandOptions extends PointRunOptions {
  /** Seeds each point runs with; undefined: once, with the scenario's seed. */
  seeds?: number[]
  budgetsOn: BudgetJudgement
  /** Run only this shard's points. */
  shard?: Shard
}

/** The terminal table's metrics: header, value, decimals. */
const TABLE: readonly [string, (s: Summary) => number, number][] = [
  ['deliveryRatio', (s) => s.deliveryRatio, 4],
  ['p50 ms', (s) => s.latencyMs.p50, 3],
  ['p99 ms', (s) => s.latencyMs.p99, 3],
  ['dup/delivery', (s) => s.duplicatesPerDelivery, 3],
  ['rmr', (s) => s.rmr, 3],
]
const LAYER_TABLE: readonly [string, (s: Summary) => number, number][] = [
  ['app ratio', (s) => s.messageLayer?.app.deliveryRatio ?? NaN, 4],
  ['app p99 ms', (s) => s.messageLayer?.app.latencyMs.p99 ?? NaN, 3],
  ['wasted', (s) => s.messageLayer?.wastedShare ?? NaN, 3],
  ['cpu ms/node', (s) => s.messageLayer?.cpuMsPerNode.mean ?? NaN, 3],
]

/** A point's folder; a replicated point's runs are in seed<N>/ inside it. */
export function pointDir(index: number, seed?: number): string {
  return seed === undefined ? `point-${index + 1}` : `point-${index + 1}/seed${seed}`
}

/** Exit code 1 when any budget of any point fails, as with check. */
export async function sweepCommand(scenario: Scenario, opts: SweepCommandOptions): Promise<number> {
  const points = expandSweep(scenario)
  const { seeds, shard, budgetsOn } = opts
  const indices = shardPointIndices(points.length, shard)
  const dir = opts.out ?? newRunDir(scenario.name, shard === undefined ? 'sweep-' : `sweep-shard${shard.index}of${shard.count}-`, scenario.seed)
  mkdirSync(dir, { recursive: true })
  const layer = usesMessageLayer(scenario)
  const plan: SweepCsvPlan = {
    scenario, keys: Object.keys(points[0].point), points: points.length, messageLayer: layer,
    replication: seeds === undefined ? undefined : { seeds, budgetsOn },
  }
  const csv = join(dir, SWEEP_CSV)
  const runsCsv = join(dir, SWEEP_RUNS_CSV)
  writeFileSync(csv, sweepCsvHead(plan))
  if (seeds !== undefined) writeFileSync(runsCsv, sweepRunsCsvHead(plan))
  const record = shard === undefined ? undefined : shardRecord(scenario, seeds, budgetsOn, points.length, shard, indices)
  if (record !== undefined) writeShardRecord(dir, record)

  const metrics = layer ? [...TABLE, ...LAYER_TABLE] : TABLE
  const rows: string[][] = []
  let broken = 0
  const planned = planPoints(points, indices, seeds, (k, seed) => join(dir, pointDir(k, seed)))
  await runPoints(planned, { ...opts, announce: true }, (p, summaries) => {
    const budgets = points[p.index].scenario.budgets
    const held = seeds === undefined ? summaries[0].budgets.filter((b) => b.pass).length : budgetsHeld(budgetsOn, budgets, summaries)
    broken += budgets.length - held
    if (seeds === undefined) appendFileSync(csv, sweepRow(plan, p.point, pointDir(p.index), summaries[0]))
    else {
      appendFileSync(runsCsv, p.runs.map((run, i) => sweepRunRow(plan, p.point, run.seed, pointDir(p.index, run.seed), summaries[i])).join(''))
      appendFileSync(csv, replicatedRow(plan, p.point, pointDir(p.index), summaries, held, budgets.length))
    }
    rows.push([...plan.keys.map((key) => JSON.stringify(p.point[key])), ...metrics.map(([, f, digits]) => cell(summaries.map(f), digits)), `${held}/${budgets.length}`])
  })
  if (record !== undefined) writeShardRecord(dir, { ...record, complete: true })

  console.log(formatTable([...plan.keys, ...metrics.map(([head]) => head), 'budgets'], rows))
  if (seeds !== undefined) {
    console.log(`\neach cell: the mean over ${seeds.length} seed(s) (${seeds.join(', ')}) ± the half-width of its ${Math.round(CONFIDENCE * 100)}% confidence interval `
      + `(Student t), and the standard deviation; budgets judged ${budgetsOn === 'mean' ? 'on the mean over the seeds' : 'on every seed (each must hold)'}`)
  }
  if (shard !== undefined) {
    console.log(`\nshard ${shard.index}/${shard.count}: point(s) ${record!.shardPoints.join(', ') || 'none'} of ${points.length}; `
      + 'put the shards together with `npm run sim -- merge DIR... --out DIR`')
  }
  console.log(`\nresults: ${dir}\n(sweep.csv has one row per point${seeds === undefined ? '' : ', sweep-runs.csv one per point and seed'}; each point's run${seeds === undefined ? ' is' : 's are'} in its own folder)`)
  return broken === 0 ? 0 : 1
}

/** One value, or over seeds `mean ± half-width (sd s)`; `-` for none. */
function cell(values: readonly number[], digits: number): string {
  if (values.length === 1) return fmt(values[0], digits)
  const s = meanInterval(values)
  if (s.n === 0) return '-'
  return `${fmt(s.mean, digits)} ± ${fmt(s.halfWidth, digits)} (sd ${fmt(s.sd, digits)})`
}

// `sim sweep`: every grid point of a scenario's sweep, one run folder each, and sweep.csv with
// one row per point, appended as each finishes so an interrupted sweep keeps what it computed.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expandSweep } from '../sim/scenario/load.ts'
import { usesMessageLayer } from '../sim/simulation.ts'
import type { Scenario } from '../sim/scenario/types.ts'
import { csvNumber, csvPreamble } from '../sim/results/csv.ts'
import type { Summary } from '../sim/results/summary-types.ts'
import { describePoint, runOne, type RunCommandOptions } from './run-command.ts'
import { newRunDir } from '../sim/results/run-dir.ts'
import { fmt, formatTable } from '../sim/results/table.ts'

const METRIC_COLUMNS: readonly [string, (s: Summary) => number][] = [
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
const MESSAGE_LAYER_COLUMNS: readonly [string, (s: Summary) => number][] = [
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

/** Exit code 1 when any budget of any point fails, as with check. */
export async function sweepCommand(scenario: Scenario, opts: RunCommandOptions): Promise<number> {
  const points = expandSweep(scenario)
  const keys = Object.keys(points[0].point)
  const dir = opts.out ?? newRunDir(scenario.name, 'sweep-', scenario.seed)
  mkdirSync(dir, { recursive: true })
  const csv = join(dir, 'sweep.csv')
  const layer = usesMessageLayer(scenario)
  const columns = layer ? [...METRIC_COLUMNS, ...MESSAGE_LAYER_COLUMNS] : METRIC_COLUMNS
  writeFileSync(csv, `${csvPreamble(scenario, { points: points.length })}${[...keys, 'runDir', ...columns.map(([c]) => c), 'budgetsPassed'].join(',')}\n`)
  const rows: string[][] = []
  let failed = 0
  for (const [k, { point, scenario: s }] of points.entries()) {
    const label = `${s.name} [${k + 1}/${points.length}] ${describePoint(point)}`
    if (opts.quiet !== true) console.error(`running ${label}`)
    const runDir = `point-${k + 1}`
    const { summary } = await runOne(s, { ...opts, out: join(dir, runDir) }, label)
    const passed = summary.budgets.filter((b) => b.pass).length
    failed += summary.budgets.length - passed
    const values = keys.map((key) => csvCell(point[key]))
    appendFileSync(csv, `${[...values, runDir, ...columns.map(([, f]) => csvNumber(f(summary))), `${passed}/${summary.budgets.length}`].join(',')}\n`)
    const ml = summary.messageLayer
    rows.push([...keys.map((key) => JSON.stringify(point[key])), fmt(summary.deliveryRatio, 4), fmt(summary.latencyMs.p50), fmt(summary.latencyMs.p99),
      fmt(summary.duplicatesPerDelivery), fmt(summary.rmr),
      ...(layer && ml !== undefined ? [fmt(ml.app.deliveryRatio, 4), fmt(ml.app.latencyMs.p99), fmt(ml.wastedShare, 3), fmt(ml.cpuMsPerNode.mean)] : []),
      `${passed}/${summary.budgets.length}`])
  }
  const layerHeads = layer ? ['app ratio', 'app p99 ms', 'wasted', 'cpu ms/node'] : []
  console.log(formatTable([...keys, 'deliveryRatio', 'p50 ms', 'p99 ms', 'dup/delivery', 'rmr', ...layerHeads, 'budgets'], rows))
  console.log(`\nresults: ${dir}\n(sweep.csv has one row per point; each point's run is in its own folder)`)
  return failed === 0 ? 0 : 1
}

function csvCell(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v)
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

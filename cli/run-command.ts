// `sim run` and `sim check`: one scenario (or, for check, every point of its sweep), results
// written, summary printed, budgets judged.

import type { Scenario } from '../sim/scenario/types.ts'
import { expandSweep } from '../sim/scenario/load.ts'
import { runScenario, type RunHooks } from '../sim/runner.ts'
import { writeRun } from '../sim/results/write-run.ts'
import type { Summary } from '../sim/results/summary-types.ts'
import { formatBudgets, formatSummary } from './print-summary.ts'
import { ProgressDisplay } from '../sim/results/progress.ts'
import { newRunDir } from '../sim/results/run-dir.ts'
import { BaselineCheck, type BaselineOptions } from './baseline-check.ts'

export interface RunCommandOptions {
  out?: string
  quiet: boolean
  hooks?: RunHooks
  /** `live`: real nodes on this machine (live/scenario/); default: the simulator. */
  transport?: 'sim' | 'live'
  /** Live runs: worker processes. */
  workers?: number
  /** check: the baseline to compare with, and where to save one. */
  baseline?: BaselineOptions
}

export async function runOne(scenario: Scenario, opts: RunCommandOptions, label = scenario.name): Promise<{ summary: Summary; dir: string }> {
  if (opts.transport === 'live') {
    // Loaded only here: the simulator never needs node-datachannel.
    const { runLiveAndWrite } = await import('../live/scenario/run-live.ts')
    return runLiveAndWrite(scenario, { out: opts.out, quiet: opts.quiet, workers: opts.workers }, label)
  }
  const progress = ProgressDisplay.forTerminal(opts.quiet, label)
  const { simulation, summary } = await runScenario(scenario, {
    ...opts.hooks,
    onProgress: (p) => progress.update(p),
  }).finally(() => progress.stop())
  const dir = opts.out ?? newRunDir(scenario.name, '', scenario.seed)
  await writeRun(dir, simulation, summary)
  return { summary, dir }
}

export async function runScenarioCommand(scenario: Scenario, opts: RunCommandOptions): Promise<number> {
  if (scenario.sweep !== undefined) {
    console.log(`note: ${scenario.sourceFile} has a sweep; this runs its base point only (use \`sim sweep\` for the grid)`)
  }
  const { summary, dir } = await runOne({ ...scenario, sweep: undefined }, opts)
  console.log(formatSummary(summary, dir))
  return 0
}

/** Exit code 1 when any budget of any point fails, or any metric regresses beyond tolerance against the baseline. */
export async function checkCommand(scenario: Scenario, opts: RunCommandOptions): Promise<number> {
  const points = expandSweep(scenario)
  const baseline = opts.baseline === undefined ? undefined : new BaselineCheck(opts.baseline, scenario)
  let failed = 0
  for (const [k, { point, scenario: s }] of points.entries()) {
    const label = points.length > 1 ? `${s.name} [${k + 1}/${points.length}] ${describePoint(point)}` : s.name
    const { summary, dir } = await runOne(s, { ...opts, out: points.length > 1 && opts.out ? `${opts.out}/point-${k + 1}` : opts.out }, label)
    if (s.budgets.length === 0) console.log(`${label}: no budgets in the scenario${baseline === undefined ? '; nothing to check' : ''}`)
    else console.log(`${label}\n${formatBudgets(summary.budgets)}`)
    const comparison = baseline?.judge(point, s, summary)
    if (comparison !== undefined) console.log(comparison)
    console.log(`results: ${dir}\n`)
    failed += summary.budgets.filter((b) => !b.pass).length
  }
  if (baseline === undefined || points.some(({ scenario: s }) => s.budgets.length > 0)) console.log(failed === 0 ? 'all budgets hold' : `${failed} budget(s) broken`)
  const verdict = baseline?.finish()
  if (verdict !== undefined && verdict.text !== '') console.log(verdict.text)
  return failed === 0 && verdict?.failed !== true ? 0 : 1
}

export function describePoint(point: Record<string, unknown>): string {
  return Object.entries(point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')
}

// `sim run` and `sim check`: one scenario (or, for check, every point of its sweep), results
// written, summary printed, budgets judged.

import { mkdirSync } from 'node:fs'
import type { Scenario } from '../sim/scenario/types.ts'
import { expandSweep } from '../sim/scenario/load.ts'
import { withSeed } from '../sim/scenario/seeds.ts'
import { formatBudgets, formatSummary } from './print-summary.ts'
import { newRunDir } from '../sim/results/run-dir.ts'
import { checkBudgetsOnMean, type BudgetJudgement } from '../sim/results/budget-check.ts'
import { BaselineCheck } from './baseline-check.ts'
import { planPoints, runPoints, type PointRunOptions } from './point-runs.ts'
import { runOne, type RunCommandOptions } from './run-one.ts'

export type { RunCommandOptions }

export async function runScenarioCommand(scenario: Scenario, opts: RunCommandOptions): Promise<number> {
  if (scenario.sweep !== undefined) {
    console.log(`note: ${scenario.sourceFile} has a sweep; this runs its base point only (use \`sim sweep\` for the grid)`)
  }
  if (scenario.seeds !== undefined) {
    console.log(`note: ${scenario.sourceFile} lists seeds; this runs seed ${scenario.seed} only (use \`sim sweep\` or \`sim check\` for every seed)`)
  }
  const { summary, dir } = await runOne({ ...withSeed(scenario, scenario.seed), sweep: undefined }, opts)
  console.log(formatSummary(summary, dir))
  return 0
}

export interface CheckCommandOptions extends PointRunOptions {
  /** Seeds each point runs with; undefined: once, with the scenario's seed. */
  seeds?: number[]
  budgetsOn: BudgetJudgement
}

/**
 * Exit code 1 when any budget of any point fails (on every seed, or on the mean over them, as
 * asked), or any metric regresses beyond tolerance against the baseline (one run per point).
 */
export async function checkCommand(scenario: Scenario, opts: CheckCommandOptions): Promise<number> {
  const points = expandSweep(scenario)
  const { seeds, out } = opts
  const baseline = opts.baseline === undefined ? undefined : new BaselineCheck(opts.baseline, scenario)
  const onMean = seeds !== undefined && opts.budgetsOn === 'mean'
  const dirOf = (k: number, seed: number | undefined) => {
    if (out === undefined) return reservedRunDir(scenario.name, seed ?? points[k].scenario.seed)
    const point = points.length > 1 ? `/point-${k + 1}` : ''
    return seed === undefined ? `${out}${point}` : `${out}${point}/seed${seed}`
  }
  const plan = planPoints(points, points.map((_, k) => k), seeds, dirOf)
  let failed = 0
  await runPoints(plan, opts, (p, summaries) => {
    const { budgets } = points[p.index].scenario
    if (budgets.length === 0) {
      console.log(`${p.label}: no budgets in the scenario${baseline === undefined ? '; nothing to check' : ''}`)
    } else if (onMean) {
      const judged = checkBudgetsOnMean(budgets, summaries)
      console.log(`${p.label}, the mean over seeds ${seeds.join(', ')}\n${formatBudgets(judged)}`)
      failed += judged.filter((b) => !b.pass).length
    } else {
      for (const [i, run] of p.runs.entries()) {
        console.log(`${run.label}\n${formatBudgets(summaries[i].budgets)}${p.runs.length > 1 ? `\nresults: ${run.dir}\n` : ''}`)
        failed += summaries[i].budgets.filter((b) => !b.pass).length
      }
    }
    // sim.ts gives a baseline only to unreplicated points: one run each.
    const comparison = baseline?.judge(p.point, points[p.index].scenario, summaries[0])
    if (comparison !== undefined) console.log(comparison)
    if (budgets.length === 0 || onMean || p.runs.length === 1) console.log(`results: ${p.runs.map((r) => r.dir).join(', ')}\n`)
  })
  const how = seeds === undefined ? '' : onMean ? ' (judged on the mean over the seeds)' : ' (judged on every seed)'
  if (baseline === undefined || points.some(({ scenario: s }) => s.budgets.length > 0)) console.log(failed === 0 ? `all budgets hold${how}` : `${failed} budget(s) broken${how}`)
  const verdict = baseline?.finish()
  if (verdict !== undefined && verdict.text !== '') console.log(verdict.text)
  return failed === 0 && verdict?.failed !== true ? 0 : 1
}

/** A new results/<scenario>/<run-id>/, made at once so that runs planned side by side never share one. */
function reservedRunDir(name: string, seed: number): string {
  const dir = newRunDir(name, '', seed)
  mkdirSync(dir, { recursive: true })
  return dir
}

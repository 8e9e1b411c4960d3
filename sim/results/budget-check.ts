// Budgets against a summary: the CI contract of `sim check`. A point run with several seeds is
// judged either on each seed's summary (every one must hold) or on the mean over the seeds.

import type { Budget } from '../scenario/types.ts'
import { meanInterval } from './compare-stats.ts'
import type { BudgetResult } from './summary-types.ts'

/** How the budgets of a point run with several seeds are judged. */
export const BUDGET_JUDGEMENTS = ['every-seed', 'mean'] as const
export type BudgetJudgement = (typeof BUDGET_JUDGEMENTS)[number]

export function metricValue(summary: object, metric: string): number | null {
  let v: unknown = summary
  for (const key of metric.split('.')) {
    if (typeof v !== 'object' || v === null) return null
    v = (v as Record<string, unknown>)[key]
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

export function checkBudgets(budgets: readonly Budget[], summary: object): BudgetResult[] {
  return budgets.map(({ metric, op, limit }) => {
    const value = metricValue(summary, metric)
    return { metric, op, limit, value, pass: value !== null && compare(value, op, limit) }
  })
}

/** The budgets judged on the mean of each metric over the runs; null (a failure) when any run lacks the metric. */
export function checkBudgetsOnMean(budgets: readonly Budget[], summaries: readonly object[]): BudgetResult[] {
  return budgets.map(({ metric, op, limit }) => {
    const values = summaries.map((s) => metricValue(s, metric))
    const value = values.length > 0 && values.every((v) => v !== null) ? meanInterval(values).mean : null
    return { metric, op, limit, value, pass: value !== null && compare(value, op, limit) }
  })
}

/** How many of a point's budgets hold, judged as asked; `perRun` is each run's summary.budgets. */
export function budgetsHeld(judgement: BudgetJudgement, budgets: readonly Budget[], summaries: readonly { budgets: readonly BudgetResult[] }[]): number {
  if (judgement === 'mean') return checkBudgetsOnMean(budgets, summaries).filter((b) => b.pass).length
  return budgets.filter((_, i) => summaries.every((s) => s.budgets[i]?.pass === true)).length
}

function compare(value: number, op: string, limit: number): boolean {
  switch (op) {
    case '<': return value < limit
    case '<=': return value <= limit
    case '>': return value > limit
    case '>=': return value >= limit
    case '==': return value === limit
    default: return false
  }
}

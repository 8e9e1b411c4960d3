// Budgets against a summary: the CI contract of `sim check`.

import type { Budget } from '../scenario/types.ts'
import type { BudgetResult } from './summary-types.ts'

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

// A run's baseline metrics against a stored baseline's: each metric's change, judged against its
// tolerance in the metric's better direction. Beyond tolerance the wrong way is a regression (CI
// fails); beyond it the right way is an improvement (reported, not a failure).

import { BASELINE_METRICS, type Better } from './baseline-metrics.ts'

/** `relative`: `amount` is a fraction of the baseline's magnitude (5% -> 0.05); else it is in the metric's own unit. */
export interface Tolerance {
  amount: number
  relative: boolean
}

export interface Tolerances {
  all: Tolerance
  /** Per metric (dotted path), overriding `all`. */
  perMetric: Record<string, Tolerance>
}

/** The default: exact, since simulated metrics do not vary between machines. */
export const EXACT: Tolerance = { amount: 0, relative: true }

/**
 * same: equal. within: changed, but no more than the tolerance. regressed / improved: changed
 * beyond it, the worse / better way. missing: the baseline has the metric and the run has not
 * (counts as a regression). new: the run has it and the baseline has not (not judged).
 */
export type Verdict = 'same' | 'within' | 'regressed' | 'improved' | 'missing' | 'new'

export interface MetricComparison {
  metric: string
  better: Better
  baseline: number | null
  now: number | null
  /** now - baseline; null when either is missing. */
  change: number | null
  tolerance: Tolerance
  verdict: Verdict
}

export function compareToBaseline(baseline: Readonly<Record<string, number>>, now: Readonly<Record<string, number>>, tolerances: Tolerances): MetricComparison[] {
  const rows: MetricComparison[] = []
  // Metrics a newer version stopped comparing are skipped: the list in baseline-metrics.ts decides.
  for (const { metric, better } of BASELINE_METRICS) {
    const b = metric in baseline ? baseline[metric] : null
    const n = metric in now ? now[metric] : null
    if (b === null && n === null) continue
    const tolerance = tolerances.perMetric[metric] ?? tolerances.all
    const change = b === null || n === null ? null : n - b
    rows.push({ metric, better, baseline: b, now: n, change, tolerance, verdict: verdict(b, n, better, tolerance) })
  }
  return rows
}

function verdict(baseline: number | null, now: number | null, better: Better, tolerance: Tolerance): Verdict {
  if (baseline === null) return 'new'
  if (now === null) return 'missing'
  if (now === baseline) return 'same'
  const allowed = tolerance.relative ? tolerance.amount * Math.abs(baseline) : tolerance.amount
  const worse = better === 'lower' ? now - baseline : baseline - now
  if (Math.abs(worse) <= allowed) return 'within'
  return worse > 0 ? 'regressed' : 'improved'
}

export function isFailure(row: MetricComparison): boolean {
  return row.verdict === 'regressed' || row.verdict === 'missing'
}

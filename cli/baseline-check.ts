// `sim check --baseline FILE [--tolerance T ...] [--save-baseline FILE]`: each point's metrics
// against a stored baseline, regressions beyond tolerance failing the check, and the baseline
// (re)written from this run.

import type { Scenario } from '../sim/scenario/types.ts'
import type { SweepPoint } from '../sim/scenario/sweep.ts'
import type { Summary } from '../sim/results/summary-types.ts'
import { BASELINE_METRICS, baselineMetrics } from '../sim/results/baseline-metrics.ts'
import { EXACT, compareToBaseline, isFailure, type MetricComparison, type Tolerance, type Tolerances } from '../sim/results/baseline-compare.ts'
import { assertBaselineWritable, baselinePoint, buildBaseline, readBaseline, writeBaseline, type Baseline } from '../sim/results/baseline-file.ts'
import { formatTable } from '../sim/results/table.ts'
import { UsageError } from './options.ts'

export interface BaselineFlags {
  baseline?: string
  'save-baseline'?: string
  tolerance?: string[]
}

/** What the check compares against and writes; every file is read or checked here, before the first run. */
export interface BaselineOptions {
  against?: { file: string; baseline: Baseline; tolerances: Tolerances }
  saveTo?: string
}

export function prepareBaseline(flags: BaselineFlags, scenario: Scenario, points: readonly SweepPoint[]): BaselineOptions | undefined {
  if (flags.tolerance !== undefined && flags.baseline === undefined) throw new UsageError('--tolerance goes with --baseline')
  if (flags.baseline === undefined && flags['save-baseline'] === undefined) return undefined
  const tolerances = parseTolerances(flags.tolerance ?? [])
  if (flags['save-baseline'] !== undefined) assertBaselineWritable(flags['save-baseline'])
  return {
    against: flags.baseline === undefined ? undefined : { file: flags.baseline, baseline: readBaseline(flags.baseline, scenario, points), tolerances },
    saveTo: flags['save-baseline'],
  }
}

const TOLERANCE = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/

/** `5%` (of the baseline's value) or `0.5` (in the metric's unit) for every metric, `METRIC=5%` for one. */
export function parseTolerances(values: readonly string[]): Tolerances {
  const tolerances: Tolerances = { all: EXACT, perMetric: {} }
  let allGiven = false
  for (const value of values) {
    const eq = value.lastIndexOf('=')
    const metric = eq < 0 ? undefined : value.slice(0, eq)
    const m = TOLERANCE.exec(value.slice(eq + 1))
    if (m === null) throw new UsageError(`--tolerance: got "${value}", expected N% (of the baseline's value) or N (in the metric's unit), for every metric or as METRIC=N%`)
    const tolerance: Tolerance = { amount: m[2] === '%' ? Number(m[1]) / 100 : Number(m[1]), relative: m[2] === '%' }
    if (metric === undefined) {
      if (allGiven) throw new UsageError(`--tolerance: got a second tolerance for every metric ("${value}"), expected one (and METRIC=N for single metrics)`)
      allGiven = true
      tolerances.all = tolerance
    } else {
      if (!BASELINE_METRICS.some((b) => b.metric === metric)) {
        throw new UsageError(`--tolerance ${value}: "${metric}" is not a metric baselines hold; expected one of ${BASELINE_METRICS.map((b) => b.metric).join(', ')}`)
      }
      tolerances.perMetric[metric] = tolerance
    }
  }
  return tolerances
}

/** Judges each point as it finishes, keeps what --save-baseline writes, and ends with the verdict. */
export class BaselineCheck {
  private readonly runs: { point: Record<string, unknown>; scenario: Scenario; summary: Summary }[] = []
  private regressed = 0
  private improved = 0

  constructor(private readonly opts: BaselineOptions, private readonly scenario: Scenario) {}

  /** The point's comparison, for the terminal; undefined without --baseline. */
  judge(point: Record<string, unknown>, scenario: Scenario, summary: Summary): string | undefined {
    this.runs.push({ point, scenario, summary })
    const against = this.opts.against
    if (against === undefined) return undefined
    const rows = compareToBaseline(baselinePoint(against.baseline, point).metrics, baselineMetrics(summary), against.tolerances)
    this.regressed += rows.filter(isFailure).length
    this.improved += rows.filter((r) => r.verdict === 'improved').length
    const { version, commit } = against.baseline
    return `baseline ${against.file} (version ${version}, commit ${commit}), tolerance ${describeTolerance(against.tolerances.all)}${Object.keys(against.tolerances.perMetric).length > 0 ? ' unless given per metric' : ''}\n${formatComparison(rows)}`
  }

  /** Writes the baseline if asked; the closing lines, and whether a metric regressed. */
  finish(): { text: string; failed: boolean } {
    const lines: string[] = []
    if (this.opts.against !== undefined) {
      lines.push(this.regressed > 0
        ? `baseline: ${this.regressed} metric(s) regressed beyond tolerance`
        : 'baseline: no metric regressed beyond tolerance')
      if (this.improved > 0) lines.push(`baseline: ${this.improved} metric(s) improved beyond tolerance; if that is meant, lock it in: --save-baseline ${this.opts.against.file}`)
    }
    if (this.opts.saveTo !== undefined) {
      const baseline = buildBaseline(this.scenario, this.runs)
      writeBaseline(this.opts.saveTo, baseline)
      lines.push(`baseline saved: ${this.opts.saveTo} (${baseline.points.length} point(s), commit ${baseline.commit})`)
    }
    return { text: lines.join('\n'), failed: this.regressed > 0 }
  }
}

function describeTolerance(t: Tolerance): string {
  return t.relative ? `${round(t.amount * 100)}%` : String(t.amount)
}

/** Changed metrics in a table; the unchanged ones counted in one line. */
function formatComparison(rows: readonly MetricComparison[]): string {
  const changed = rows.filter((r) => r.verdict !== 'same')
  const same = rows.length - changed.length
  if (changed.length === 0) return `all ${same} metrics as in the baseline`
  const table = formatTable(['metric', 'better', 'baseline', 'now', 'change', 'tolerance', 'result'], changed.map((r) => [
    r.metric, r.better, number(r.baseline), number(r.now), change(r), describeTolerance(r.tolerance),
    r.verdict === 'regressed' || r.verdict === 'missing' ? r.verdict.toUpperCase() : r.verdict === 'new' ? 'new (not in the baseline)' : r.verdict,
  ]))
  return same > 0 ? `${table}\n${same} other metric(s) as in the baseline` : table
}

/** Six significant digits: enough to tell apart two exact simulated figures that differ. */
function number(v: number | null): string {
  return v === null ? '-' : String(round(v))
}

function round(v: number): number {
  return Number(v.toPrecision(6))
}

function change(r: MetricComparison): string {
  if (r.change === null || r.baseline === null) return '-'
  const sign = r.change > 0 ? '+' : ''
  const share = r.baseline === 0 ? '' : ` (${sign}${(100 * r.change / Math.abs(r.baseline)).toFixed(2)}%)`
  return `${sign}${round(r.change)}${share}`
}

// What a comparison has found so far, design by design: each run's headline metrics and latency
// quantiles, the failures, and from them the mean and confidence interval of every metric and the
// pooled latency CDF. compare.json is this, as JSON; compare.md is this, as a table. Nothing here
// reads a clock, so two comparisons of the same scenario and seeds give the same bytes.

import { COMPARE_METRICS, LATENCY_COUNT_KEY, metricAt, type CompareMetric } from './compare-columns.ts'
import { type LatencyQuantiles, pooledCdf } from './compare-cdf.ts'
import { CONFIDENCE, meanInterval, type MeanInterval } from './compare-stats.ts'
import { DESIGNS, type DesignName } from './compare-designs.ts'

/** Version of compare.json's shape, for readers to check. */
export const COMPARE_FORMAT = 1

export interface CompareRun {
  seed: number
  /** The run's folder, relative to the comparison's. */
  runDir: string
  /** COMPARE_METRICS key -> value; null where summary.json has none. */
  values: Record<string, number | null>
  /** Latency samples behind the run's latency figures. */
  latencySamples: number
}

export interface CompareFailure {
  seed: number
  /** What went wrong, in one line. */
  error: string
}

export interface CompareDesignJson {
  design: DesignName
  description: string
  /** What the design set in the scenario (dotted path -> value). */
  overrides: Record<string, string | boolean>
  /** As resolved for this design. */
  protocol: string
  builder: string
  runs: CompareRun[]
  failures: CompareFailure[]
  /** COMPARE_METRICS key -> mean and interval over the runs' seeds (NaN is written as null). */
  stats: Record<string, MeanInterval>
  /** Pooled over the runs: [latency ms, share of first receipts at or below it]. */
  latencyCdf: { samples: number; points: Array<[number, number]> }
}

export interface CompareJson {
  format: number
  scenario: string
  version: string
  commit: string
  seeds: number[]
  confidence: number
  /** Every planned run has finished, well or not. */
  complete: boolean
  metrics: readonly CompareMetric[]
  designs: CompareDesignJson[]
}

export interface ComparePlan {
  scenario: string
  version: string
  commit: string
  seeds: readonly number[]
  /** Each design with what its scenario resolved to. */
  designs: readonly { design: DesignName; protocol: string; builder: string }[]
}

interface DesignState {
  runs: CompareRun[]
  failures: CompareFailure[]
  latency: LatencyQuantiles[]
}

export class CompareResult {
  private readonly byDesign = new Map<DesignName, DesignState>()

  constructor(readonly plan: ComparePlan) {
    for (const { design } of plan.designs) this.byDesign.set(design, { runs: [], failures: [], latency: [] })
  }

  /** Records a finished run from its summary (or anything shaped like summary.json). */
  addRun(design: DesignName, seed: number, runDir: string, summary: unknown, latency: LatencyQuantiles): CompareRun {
    const values: Record<string, number | null> = {}
    for (const m of COMPARE_METRICS) values[m.key] = metricAt(summary, m.key)
    const run: CompareRun = { seed, runDir, values, latencySamples: metricAt(summary, LATENCY_COUNT_KEY) ?? 0 }
    const state = this.state(design)
    state.runs.push(run)
    state.latency.push(latency)
    return run
  }

  addFailure(design: DesignName, seed: number, error: string): void {
    this.state(design).failures.push({ seed, error })
  }

  /** Runs finished so far, failed ones included. */
  get finished(): number {
    let k = 0
    for (const s of this.byDesign.values()) k += s.runs.length + s.failures.length
    return k
  }

  get planned(): number {
    return this.plan.designs.length * this.plan.seeds.length
  }

  get failures(): number {
    let k = 0
    for (const s of this.byDesign.values()) k += s.failures.length
    return k
  }

  toJson(): CompareJson {
    const { scenario, version, commit, seeds } = this.plan
    return {
      format: COMPARE_FORMAT,
      scenario,
      version,
      commit,
      seeds: [...seeds],
      confidence: CONFIDENCE,
      complete: this.finished === this.planned,
      metrics: COMPARE_METRICS,
      designs: this.plan.designs.map(({ design, protocol, builder }) => {
        const state = this.state(design)
        const stats: Record<string, MeanInterval> = {}
        for (const m of COMPARE_METRICS) stats[m.key] = meanInterval(state.runs.map((r) => r.values[m.key]))
        return {
          design,
          description: DESIGNS[design].description,
          overrides: { ...DESIGNS[design].overrides },
          protocol,
          builder,
          runs: state.runs,
          failures: state.failures,
          stats,
          latencyCdf: { samples: state.latency.reduce((a, q) => a + q.count, 0), points: pooledCdf(state.latency) },
        }
      }),
    }
  }

  private state(design: DesignName): DesignState {
    const state = this.byDesign.get(design)
    if (state === undefined) throw new Error(`design ${design} is not in this comparison's plan`)
    return state
  }
}

// The runs of a sweep or a check: each point (of this shard) once, or once per seed, each in the
// folder laid out for it before anything runs, run through the run pool (worker threads, or one
// after another in this thread with a progress bar), and handed back a point at a time, in point
// order, whichever run finished first.

import type { SweepPoint } from '../sim/scenario/sweep.ts'
import type { Scenario } from '../sim/scenario/types.ts'
import { withSeed } from '../sim/scenario/seeds.ts'
import type { Summary } from '../sim/results/summary-types.ts'
import { runJobsInOrder } from '../sim/parallel/run-pool.ts'
import { PoolProgress } from '../sim/parallel/pool-progress.ts'
import { describePoint, runOne, type RunCommandOptions } from './run-one.ts'

export interface PlannedRun {
  /** The run's seed (the scenario's, without replication). */
  seed: number
  scenario: Scenario
  dir: string
  label: string
}

export interface PlannedPoint {
  /** From 0, in the sweep's point order (point-<index + 1> on disk). */
  index: number
  point: Record<string, unknown>
  /** The scenario's name, and the point's place and values when there are several. */
  label: string
  runs: PlannedRun[]
}

export interface PointRunOptions extends RunCommandOptions {
  /** Runs at once. */
  jobs: number
  /** Print `running <label>` before each run in this thread (sweep does). */
  announce?: boolean
}

/**
 * The points at `indices` (all of them, or a shard's), each with a run per seed (or one with its
 * own seed when `seeds` is undefined); `dirOf` lays out the folders.
 */
export function planPoints(points: readonly SweepPoint[], indices: readonly number[], seeds: readonly number[] | undefined,
  dirOf: (index: number, seed: number | undefined) => string): PlannedPoint[] {
  return indices.map((index) => {
    const { point, scenario } = points[index]
    const where = points.length > 1 ? ` [${index + 1}/${points.length}] ${describePoint(point)}` : ''
    const label = `${scenario.name}${where}`
    const runs = seeds === undefined
      ? [{ seed: scenario.seed, scenario, dir: dirOf(index, undefined), label }]
      : seeds.map((seed) => ({ seed, scenario: withSeed(scenario, seed), dir: dirOf(index, seed), label: `${label} seed ${seed}` }))
    return { index, point, label, runs }
  })
}

/**
 * Runs every planned run and calls `onPoint` with a point's summaries (in seed order) once all its
 * runs are in, point after point in plan order. The first failed run stops it: no further run
 * starts, the points before it are handed back, and its error is thrown.
 */
export async function runPoints(plan: readonly PlannedPoint[], opts: PointRunOptions,
  onPoint: (point: PlannedPoint, summaries: Summary[]) => Promise<void> | void): Promise<void> {
  const runs = plan.flatMap((p) => p.runs.map((run) => ({ p, run })))
  const progress = new PoolProgress(opts.jobs > 1 && !opts.quiet, runs.length)
  let summaries: Summary[] = []
  await runJobsInOrder(runs.map(({ run }) => ({ scenario: run.scenario, dir: run.dir })), {
    jobs: opts.jobs,
    stopAfterFailure: true,
    inThread: async (index) => {
      const { run } = runs[index]
      if (opts.announce === true && !opts.quiet) console.error(`running ${run.label}`)
      return runOne(run.scenario, { ...opts, out: run.dir }, run.label)
    },
    onFinished: (index, outcome) => progress.finished(runs[index].run.label, !outcome.ok),
  }, async (index, outcome) => {
    if (!outcome.ok) throw outcome.error
    const { p, run } = runs[index]
    summaries.push(outcome.result.summary)
    if (run !== p.runs[p.runs.length - 1]) return
    const done = summaries
    summaries = []
    await onPoint(p, done)
  })
}

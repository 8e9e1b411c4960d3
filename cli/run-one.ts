// One run of a scenario in this thread, by the simulator (with a progress bar) or live, into its
// folder: what `run` does, and what sweep, check and compare do when runs go one at a time.

import type { Scenario } from '../sim/scenario/types.ts'
import type { RunHooks } from '../sim/runner.ts'
import { runJob } from '../sim/parallel/run-job.ts'
import type { Summary } from '../sim/results/summary-types.ts'
import { ProgressDisplay } from '../sim/results/progress.ts'
import { newRunDir } from '../sim/results/run-dir.ts'
import type { BaselineOptions } from './baseline-check.ts'

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
  const dir = opts.out ?? newRunDir(scenario.name, '', scenario.seed)
  const { summary } = await runJob({ scenario, dir }, { ...opts.hooks, onProgress: (p) => progress.update(p) }).finally(() => progress.stop())
  return { summary, dir }
}

export function describePoint(point: Record<string, unknown>): string {
  return Object.entries(point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')
}

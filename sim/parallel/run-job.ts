// One simulated run from scenario to files: run it, write its folder, hand back what the commands
// tabulate. A run in this thread and a run in a worker thread both come through here, so a run's
// files are the same bytes whichever ran it.

import { runScenario, type RunHooks } from '../runner.ts'
import { writeRun } from '../results/write-run.ts'
import { latencyQuantiles, type LatencyQuantiles } from '../results/compare-cdf.ts'
import type { Summary } from '../results/summary-types.ts'
import type { Scenario } from '../scenario/types.ts'

export interface RunJob {
  /** A single run: no sweep, no seed list. */
  scenario: Scenario
  /** The run's folder. */
  dir: string
  /** Also reduce the run's latencies to quantiles, for compare's pooled CDFs. */
  latencyQuantiles?: boolean
}

export interface RunJobResult {
  summary: Summary
  latency?: LatencyQuantiles
}

export async function runJob(job: RunJob, hooks: RunHooks = {}): Promise<RunJobResult> {
  const { simulation, summary } = await runScenario(job.scenario, hooks)
  await writeRun(job.dir, simulation, summary)
  if (job.latencyQuantiles !== true) return { summary }
  return { summary, latency: latencyQuantiles(simulation.metrics.latencyMs.sorted()) }
}

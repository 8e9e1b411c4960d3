// `sim run|check|sweep FILE --transport live`: one scenario run with real nodes, its files
// written by the simulator's own writers (summary.json, scenario.yaml, topology.json,
// timeseries.csv, deliveries.csv when the scenario records them) into
// results/<scenario>/live-<run-id>/, and progress with an ETA on stderr as simulated runs show it.

import { ProgressDisplay } from '../../sim/results/progress.ts'
import { newRunDir } from '../../sim/results/run-dir.ts'
import { writeRunFiles } from '../../sim/results/write-run.ts'
import type { Scenario } from '../../sim/scenario/types.ts'
import { type LiveOutcome, runLiveScenario } from './coordinator.ts'
import { assertLiveRunnable } from './live-compatibility.ts'
import { type LiveSummary, summarizeLive } from './live-summary.ts'
import { LiveRunRecord } from './replay.ts'

export interface LiveRunOptions {
  out?: string
  quiet: boolean
  /** Worker processes; default: one per 20 nodes, at most one per core. */
  workers?: number
  /** Each worker's CPU profile of the run goes here (worker-profiler.ts). */
  profileDir?: string
}

export interface LiveRun {
  summary: LiveSummary
  record: LiveRunRecord
  outcome: LiveOutcome
}

/** Runs the scenario live and summarizes it; writes nothing. Refuses (exit 2) what live mode cannot do. */
export async function runLive(scenario: Scenario, options: LiveRunOptions, label = scenario.name): Promise<LiveRun> {
  assertLiveRunnable(scenario)
  const startedAt = new Date().toISOString()
  const t0 = performance.now()
  const progress = ProgressDisplay.forTerminal(options.quiet, `${label} (live)`, 'run live')
  const outcome = await runLiveScenario(scenario, {
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.profileDir !== undefined ? { profileDir: options.profileDir } : {}),
    onProgress: (p) => progress.update(p),
  }).finally(() => progress.stop())
  const record = new LiveRunRecord(scenario, outcome)
  const summary = summarizeLive(record, outcome, { wallSeconds: (performance.now() - t0) / 1000, startedAt })
  return { summary, record, outcome }
}

export async function runLiveAndWrite(scenario: Scenario, options: LiveRunOptions, label = scenario.name): Promise<LiveRun & { dir: string }> {
  const run = await runLive(scenario, options, label)
  const dir = options.out ?? newRunDir(scenario.name, 'live-', scenario.seed)
  await writeRunFiles(dir, { scenario, metrics: run.record.metrics, nodeIds: run.record.nodeIds, endMs: run.outcome.endMs }, run.record.topology(), run.summary)
  return { ...run, dir }
}

// `sim compare`: the same scenario (nodes, latency, churn, workload) over several overlay designs
// and seeds. Writes one run folder per design and seed, as `run` writes them, and compare.csv
// (a row per run, appended in design and seed order as runs finish), compare.md and compare.json
// (rewritten after every run), so an interrupted or partly failed comparison keeps everything it
// computed. With --jobs N, N runs go at once in worker threads; the files are the same.

import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadScenario } from '../sim/scenario/load.ts'
import type { Scenario } from '../sim/scenario/types.ts'
import { usesMessageLayer } from '../sim/simulation.ts'
import { assertFitsInMemory, estimateMemory } from '../sim/memory-estimate.ts'
import { consecutiveSeeds, withSeed } from '../sim/scenario/seeds.ts'
import { runJob, type RunJob } from '../sim/parallel/run-job.ts'
import { runJobsInOrder, type JobOutcome } from '../sim/parallel/run-pool.ts'
import { parallelJobs } from '../sim/parallel/jobs.ts'
import { PoolProgress } from '../sim/parallel/pool-progress.ts'
import { newRunDir } from '../sim/results/run-dir.ts'
import { prepareOutputDir } from '../sim/results/output-dir.ts'
import { runMetadata } from '../sim/results/run-metadata.ts'
import { fmt, formatTable } from '../sim/results/table.ts'
import { COMPARE_METRICS } from '../sim/results/compare-columns.ts'
import { compareCsvHead, compareCsvRow } from '../sim/results/compare-csv.ts'
import { DEFAULT_SEEDS, describeOverrides, parseDesigns, resolveDesigns, type DesignName } from '../sim/results/compare-designs.ts'
import { compareMarkdown, describeSeeds, formatInterval } from '../sim/results/compare-markdown.ts'
import { CompareProgress } from '../sim/results/compare-progress.ts'
import { CompareResult, type CompareJson } from '../sim/results/compare-result.ts'

export interface CompareCommandOptions {
  /** The scenario file. */
  file: string
  /** The user's --set overrides (and --seed as seed=N), applied before each design's. */
  set: readonly string[]
  /** --designs as typed; absent: every design. */
  designs?: string
  /** --seeds N; absent: DEFAULT_SEEDS. */
  seeds?: number
  /** --jobs: runs at once. */
  jobs: number
  out?: string
  quiet: boolean
  maxMemoryMb?: number
  dryRun: boolean
}

/** The columns the terminal table shows (all of them are in compare.md). */
const TERMINAL_KEYS = ['latencyMs.p50', 'latencyMs.p99', 'duplicatesPerDelivery', 'rmr', 'deliveryRatio', 'deliveryRatioAfterMassFailure', 'controlBytesPerNodePerSecond']

/** Exit 0 when every run finished, 3 when any failed (the others' results are kept). */
export async function compareCommand(opts: CompareCommandOptions): Promise<number> {
  // The file with the user's overrides first, so its own problems are reported once, not per design.
  const base = loadScenario(opts.file, { set: [...opts.set] })
  const designs = parseDesigns(opts.designs)
  const seeds = consecutiveSeeds(base.seed, opts.seeds ?? DEFAULT_SEEDS)
  const scenarios = resolveDesigns(readFileSync(opts.file, 'utf8'), opts.file, opts.set, designs, seeds)
  for (const runs of scenarios.values()) assertFitsInMemory(runs[0], usesMessageLayer(runs[0]), opts.maxMemoryMb)
  if (opts.out !== undefined) prepareOutputDir(opts.out)
  const total = designs.length * seeds.length
  const estimate = Math.max(...[...scenarios.values()].map((runs) => estimateMemory(runs[0], usesMessageLayer(runs[0])).bytes))
  const { jobs, note } = parallelJobs(opts.jobs, total, estimate)
  if (base.sweep !== undefined) console.log(`note: ${opts.file} has a sweep; compare runs its base point only`)
  if (opts.dryRun) {
    console.log(`compare ${opts.file}: valid; would run ${total} run(s) of ${base.name}: ${designs.length} design(s) (${designs.join(', ')}) x ${describeSeeds(seeds)}, `
      + `${jobs === 1 ? 'one at a time' : `${jobs} at a time`}, about ${Math.round(estimate / 1e6).toLocaleString('en-US')} MB at most${jobs === 1 ? '' : ' each'}; nothing was run`)
    return 0
  }
  if (note !== undefined) console.error(`note: ${note}`)

  const dir = opts.out ?? newRunDir(base.name, 'compare-', base.seed)
  mkdirSync(dir, { recursive: true })
  const { version, commit } = runMetadata()
  const result = new CompareResult({
    scenario: base.name, version, commit, seeds,
    designs: designs.map((design) => {
      const s = scenarios.get(design)![0]
      return { design, protocol: s.protocol, builder: s.topology.builder }
    }),
  })
  const csv = join(dir, 'compare.csv')
  writeFileSync(csv, compareCsvHead(base, designs, seeds))
  writeSummaries(dir, result.toJson())
  const runs = designs.flatMap((design) => scenarios.get(design)!.map((scenario) => ({ design, scenario, runDir: `${design}-seed${scenario.seed}` })))
  const label = (index: number) => `${runs[index].design} seed ${runs[index].scenario.seed}`
  // Runs in this thread show one bar over the comparison; runs in workers, a line as each finishes.
  const progress = CompareProgress.forTerminal(opts.quiet || jobs > 1, total)
  const finished = new PoolProgress(jobs > 1 && !opts.quiet, total)
  const jobList: RunJob[] = runs.map(({ scenario, runDir }) => ({ scenario: { ...withSeed(scenario, scenario.seed), sweep: undefined }, dir: join(dir, runDir), latencyQuantiles: true }))
  try {
    await runJobsInOrder(jobList, {
      jobs,
      inThread: (index) => {
        progress.startRun(index, label(index))
        return runJob(jobList[index], { onProgress: (p) => progress.update(p) })
      },
      onFinished: (index, outcome) => finished.finished(label(index), !outcome.ok),
    }, (index, outcome) => {
      const line = recordRun(csv, result, runs[index].design, runs[index].scenario, runs[index].runDir, outcome, progress)
      progress.log(`[${index + 1}/${total}] ${label(index)}: ${line}`)
      writeSummaries(dir, result.toJson())
    })
  } finally {
    progress.stop()
  }
  const json = result.toJson()
  console.log(`\n${base.name}: ${designs.length} design(s) x ${describeSeeds(seeds)}; mean ± ${Math.round(json.confidence * 100)}% CI over seeds\n`)
  console.log(terminalTable(json))
  console.log(`\nresults: ${dir}\n(compare.md: the table with every column defined; compare.csv: one row per run; each run's files in <design>-seed<N>/)`)
  if (result.failures > 0) {
    console.error(`error: ${result.failures} of ${total} run(s) failed (listed above and in compare.md); the other runs' results are in ${dir}`)
    return 3
  }
  return 0
}

/** Records one design and seed's outcome; a failure is recorded, reported and survived. Returns the line to print. */
function recordRun(csv: string, result: CompareResult, design: DesignName, scenario: Scenario, runDir: string, outcome: JobOutcome, progress: CompareProgress): string {
  if (outcome.ok) {
    const { summary, latency } = outcome.result
    const run = result.addRun(design, scenario.seed, runDir, summary, latency!)
    appendFileSync(csv, compareCsvRow(design, scenario.protocol, scenario.topology.builder, run))
    const v = run.values
    return `latency p50 ${fmt(v['latencyMs.p50'], 1)} ms, p99 ${fmt(v['latencyMs.p99'], 1)} ms, delivery ${fmt(v.deliveryRatio, 4)}, `
      + `after mass failure ${fmt(v.deliveryRatioAfterMassFailure, 4)}, ${summary.wallSeconds.toFixed(1)} s`
  }
  progress.stop()
  const { error } = outcome
  // One line in compare.md and compare.json; the whole story, stack and all, on stderr.
  const firstLine = error.message.split('\n')[0]
  result.addFailure(design, scenario.seed, firstLine)
  console.error(`error: design ${design} (${describeOverrides(design)}), seed ${scenario.seed}: the run failed: ${error.stack ?? error.message}`)
  return `FAILED (${firstLine})`
}

function writeSummaries(dir: string, json: CompareJson): void {
  writeFileSync(join(dir, 'compare.md'), compareMarkdown(json))
  writeFileSync(join(dir, 'compare.json'), compactJson(json))
}

/** Indented JSON with every [x, y] pair on one line, so the CDFs do not take four lines a point. */
export function compactJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(/\[\s+(-?[\d.eE+-]+|null),\s+(-?[\d.eE+-]+|null)\s+\]/g, '[$1, $2]')}\n`
}

function terminalTable(json: CompareJson): string {
  const metrics = COMPARE_METRICS.filter((m) => TERMINAL_KEYS.includes(m.key))
  const header = ['design', 'runs', ...metrics.map((m) => (m.unit === '' ? m.label : `${m.label} ${m.unit}`))]
  const rows = json.designs.map((d) => [d.design, String(d.runs.length), ...metrics.map((m) => formatInterval(d.stats[m.key], m.decimals, json.seeds.length))])
  return formatTable(header, rows)
}

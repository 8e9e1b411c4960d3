// `npm run calibrate -- [FILE] [--runs N] [--workers N] [--out DIR] [--set a.b=v ...]`:
// the sim-versus-live calibration of a scenario (calibration-run.ts), written to
// results/calibration/<scenario>.{md,csv,html} and printed as a markdown table.
// Exit 0 done, 2 bad input (nothing run), 3 a run failed.

import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { RESULTS_DIR } from '../sim/results/run-dir.ts'
import { loadScenario } from '../sim/scenario/load.ts'
import { median } from '../live/scenario/calibration-report.ts'
import { calibrate } from '../live/scenario/calibration-run.ts'
import { UsageError, integerOption, runCommand } from './options.ts'

/** Live runs behind each comparison: enough for a median, few enough for minutes. */
const DEFAULT_RUNS = 3

const USAGE = 'usage: npm run calibrate -- [FILE (default scenarios/calibration.yaml)] [--runs N (3)] [--workers N] [--out DIR (results/calibration)] [--set a.b=value ...] [--quiet]'

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { runs: { type: 'string' }, workers: { type: 'string' }, out: { type: 'string' }, set: { type: 'string', multiple: true }, quiet: { type: 'boolean', default: false } },
  })
  if (positionals.length > 1) throw new UsageError(`unexpected argument(s): ${positionals.slice(1).join(' ')}`)
  const runs = integerOption(values.runs, '--runs', DEFAULT_RUNS, 1)
  const workers = integerOption(values.workers, '--workers', undefined, 1)
  const scenario = loadScenario(positionals[0] ?? 'scenarios/calibration.yaml', { set: values.set ?? [] })
  const outcome = await calibrate(scenario, { runs, out: values.out ?? join(RESULTS_DIR, 'calibration'), quiet: values.quiet, ...(workers !== undefined ? { workers } : {}) })
  console.log(outcome.markdown)
  console.log(`written: ${outcome.files.join(', ')}`)
  const medianGap = median(outcome.comparisons.map((c) => c.receiptGapMs.p50))
  console.log(`median over live runs of the median receipt gap: ${medianGap.toFixed(3)} ms`)
  const simApp = outcome.sim.messageLayer?.app
  if (simApp !== undefined) {
    const liveApp = outcome.live.map((s) => s.messageLayer!.app)
    console.log(`app latency p50: sim ${simApp.latencyMs.p50.toFixed(1)} ms, live median ${median(liveApp.map((a) => a.latencyMs.p50)).toFixed(1)} ms; `
      + `app delivery ratio: sim ${simApp.deliveryRatio.toFixed(4)}, live median ${median(liveApp.map((a) => a.deliveryRatio)).toFixed(4)}`)
  }
  return 0
}

runCommand(() => main(process.argv.slice(2)), USAGE)

// `npm run calibrate -- [FILE] [--runs N] [--workers N] [--out DIR] [--set a.b=v ...]`:
// the sim-versus-live calibration of a scenario (calibration-run.ts), written to
// results/calibration/<scenario>.{md,csv,html} and printed as a markdown table.
// Exit 0 done, 2 bad input (nothing run), 3 a run failed.

import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { RESULTS_DIR } from '../../sim/cli/run-dir.ts'
import { ScenarioErrors, loadScenario } from '../../sim/scenario/load.ts'
import { median } from './calibration-report.ts'
import { calibrate } from './calibration-run.ts'

const USAGE = 'usage: npm run calibrate -- [FILE (default scenarios/calibration.yaml)] [--runs N (3)] [--workers N] [--out DIR (results/calibration)] [--set a.b=value ...] [--quiet]'

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { runs: { type: 'string', default: '3' }, workers: { type: 'string' }, out: { type: 'string' }, set: { type: 'string', multiple: true }, quiet: { type: 'boolean', default: false } },
  })
  const runs = Number(values.runs)
  const workers = values.workers === undefined ? undefined : Number(values.workers)
  if (positionals.length > 1 || !(Number.isInteger(runs) && runs >= 1) || (workers !== undefined && !(Number.isInteger(workers) && workers >= 1))) {
    console.error(USAGE)
    return 2
  }
  const scenario = loadScenario(positionals[0] ?? 'scenarios/calibration.yaml', { set: values.set ?? [] })
  const outcome = await calibrate(scenario, { runs, out: values.out ?? join(RESULTS_DIR, 'calibration'), quiet: values.quiet, ...(workers !== undefined ? { workers } : {}) })
  console.log(outcome.markdown)
  console.log(`written: ${outcome.files.join(', ')}`)
  const medianGap = median(outcome.comparisons.map((c) => c.receiptGapMs.p50))
  console.log(`median over live runs of the median receipt gap: ${medianGap.toFixed(3)} ms`)
  return 0
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (error: unknown) => {
  if (error instanceof ScenarioErrors) {
    console.error(`error: ${error.message}`)
    process.exitCode = 2
  } else if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`error: ${error.message}\n${USAGE}`)
    process.exitCode = 2
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error)
    process.exitCode = 3
  }
})

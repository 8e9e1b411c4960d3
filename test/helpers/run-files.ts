// A run written to disk and read back, for determinism tests: every file a run writes with
// deliveries recorded, summary.json without its wall-clock fields.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runScenario } from '../../sim/runner.ts'
import { writeRun } from '../../sim/results/write-run.ts'
import { WALL_CLOCK_FIELDS } from '../../sim/results/summary-types.ts'
import type { Scenario } from '../../sim/scenario/types.ts'

export const RUN_FILES = ['summary.json', 'scenario.yaml', 'topology.json', 'timeseries.csv', 'deliveries.csv']

export async function runFiles(scenario: Scenario): Promise<Record<string, string>> {
  const { simulation, summary } = await runScenario(scenario)
  const dir = mkdtempSync(join(tmpdir(), 'run-files-'))
  try {
    await writeRun(dir, simulation, summary)
    const files: Record<string, string> = {}
    for (const f of RUN_FILES) files[f] = readFileSync(join(dir, f), 'utf8')
    const parsed = JSON.parse(files['summary.json']) as Record<string, unknown>
    for (const k of WALL_CLOCK_FIELDS) delete parsed[k]
    files['summary.json'] = JSON.stringify(parsed)
    return files
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

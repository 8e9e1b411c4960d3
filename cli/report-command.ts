// `sim report`: hands the run folder to the explorer's static report writer. Loaded on demand
// so plain runs never pay for the explorer's modules.

import { existsSync } from 'node:fs'
import { join } from 'node:path'

export async function reportCommand(runDir: string, outFile?: string): Promise<number> {
  if (!existsSync(join(runDir, 'summary.json')) && !existsSync(join(runDir, 'sweep.csv'))) {
    console.error(`error: ${runDir}: expected a run folder with summary.json (results/<scenario>/<run-id>/) or a sweep folder with sweep.csv`)
    return 2
  }
  const { writeReport } = await import('../viz/report.ts')
  const file = await writeReport(runDir, outFile)
  console.log(`report: ${file}`)
  return 0
}

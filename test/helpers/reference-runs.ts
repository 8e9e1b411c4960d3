// Reference runs: small versions of shipped scenarios whose output files are kept under
// test/fixtures/reference-runs/, so a change to the simulator's storage or delivery path that
// changes any result shows as a differing file. Regenerate (only when a result is meant to
// change): npx tsx test/helpers/reference-runs.ts --write

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { gunzipSync, gzipSync } from 'node:zlib'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadScenario } from '../../sim/scenario/load.ts'
import { PROJECT_ROOT } from '../../sim/results/run-metadata.ts'
import { RUN_FILES, runFiles } from './run-files.ts'

export const REFERENCE_DIR = fileURLToPath(new URL('../fixtures/reference-runs/', import.meta.url))

export interface ReferenceRun {
  name: string
  file: string
  set: string[]
}

/** Quick-start (static overlay), tracker, churn on trackers, and churn, loss and partitions on a static overlay. */
export const REFERENCE_RUNS: readonly ReferenceRun[] = [
  { name: 'quickstart', file: 'scenarios/quickstart.yaml', set: ['nodes=500', 'workload.messagesPerPublisher=10'] },
  { name: 'tracker-1k', file: 'scenarios/tracker-1k.yaml', set: ['nodes=500', 'workload.messagesPerPublisher=10', 'record.deliveries=true'] },
  { name: 'tracker-churn-weibull', file: 'scenarios/tracker-churn-weibull.yaml',
    set: ['nodes=300', 'churn.initialNodes=200', 'churn.arrivalRatePerS=2', 'workload.messagesPerPublisher=60',
      'workload.ratePerSecond=4', 'record.deliveries=true'] },
  { name: 'static-churn-lossy', file: 'scenarios/quickstart.yaml',
    set: ['nodes=300', 'workload.messagesPerPublisher=20', 'workload.publishersPerStream=2', 'network.lossRate=0.02',
      'network.uploadMbps=50', 'network.downloadMbps=50', 'churn.initialNodes=250', 'churn.arrivalRatePerS=3',
      'churn.session.distribution=exponential', 'churn.session.meanS=40', 'churn.crashFraction=0.3'] },
]

/** The files of a run with what differs from commit to commit (version, commit) taken out. */
export async function referenceFiles(run: ReferenceRun): Promise<Record<string, string>> {
  const scenario = loadScenario(join(PROJECT_ROOT, run.file), { set: run.set })
  const files = await runFiles(scenario)
  const out: Record<string, string> = {}
  for (const f of RUN_FILES) out[f] = withoutProvenance(files[f])
  return out
}

function withoutProvenance(text: string): string {
  return text.replace(/^# (version|commit)=.*\n/gm, '').replace(/"(version|commit)":"[^"]*",?/g, '')
}

/** One gzipped JSON file per run, { file name: content }: the delivery traces are large and repetitive. */
export function storedFiles(run: ReferenceRun): Record<string, string> {
  return JSON.parse(gunzipSync(readFileSync(join(REFERENCE_DIR, `${run.name}.json.gz`))).toString('utf8')) as Record<string, string>
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  for (const run of REFERENCE_RUNS) {
    const files = await referenceFiles(run)
    mkdirSync(REFERENCE_DIR, { recursive: true })
    writeFileSync(join(REFERENCE_DIR, `${run.name}.json.gz`), gzipSync(JSON.stringify(files), { level: 9 }))
    console.log(run.name, Object.entries(files).map(([f, t]) => `${f} ${t.length}`).join(', '))
  }
}

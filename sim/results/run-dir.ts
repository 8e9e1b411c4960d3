// Where a run's files go: results/<scenario>/<run-id>/, the run id sortable by time and naming
// the seed, never overwriting an earlier run.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../results/run-metadata.ts'

export const RESULTS_DIR = join(PROJECT_ROOT, 'results')

export function timestampId(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
}

export function newRunDir(scenario: string, prefix: string, seed: number): string {
  const base = join(RESULTS_DIR, scenario, `${prefix}${timestampId()}-seed${seed}`)
  let dir = base
  for (let k = 2; existsSync(dir); k++) dir = `${base}-${k}`
  return dir
}

// CSV files that say where they came from: `# key=value` lines before the header. Read them
// with pandas.read_csv(f, comment='#'), R's read.csv(comment.char='#'), or skip lines that
// start with '#'.

import type { Scenario } from '../scenario/types.ts'
import { runMetadata } from './run-metadata.ts'

export function csvPreamble(scenario: Pick<Scenario, 'name' | 'seed'>, extra: Record<string, string | number> = {}): string {
  const { version, commit } = runMetadata()
  const fields: Record<string, string | number> = { scenario: scenario.name, seed: scenario.seed, version, commit, ...extra }
  return Object.entries(fields).map(([k, v]) => `# ${k}=${v}\n`).join('')
}

/** A number as a CSV cell: empty for NaN, trimmed to 6 decimals so files stay small and stable. */
export function csvNumber(v: number): string {
  if (!Number.isFinite(v)) return ''
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6)
}

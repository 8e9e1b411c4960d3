// The resolved scenario as plain data for summary.json: what the run actually used.

import type { Scenario } from '../scenario/types.ts'

export function scenarioParameters(scenario: Scenario): Record<string, unknown> {
  const { sourceFile: _file, sweep: _sweep, ...rest } = scenario
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>
}

// Scenarios for tests, written as the YAML a user would write.

import { parseScenario } from '../../sim/scenario/load.ts'
import type { Scenario } from '../../sim/scenario/types.ts'

export function scenarioFrom(yaml: string, set: string[] = []): Scenario {
  return parseScenario(yaml, 'test-scenario.yaml', { set })
}

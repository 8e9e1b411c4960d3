// The validated, default-filled document -> the Scenario the engine reads.

import { dirname, resolve } from 'node:path'
import { parseBudget } from './budget.ts'
import { orderBySchema, SCENARIO_SCHEMA } from './schema.ts'
import type { Budget, Scenario } from './types.ts'

/** The YAML form once ajv has filled the defaults: only durationS and budgets still differ from Scenario. */
type FilledDocument = Omit<Scenario, 'durationS' | 'budgets' | 'sourceFile'> & { durationS?: number; budgets: string[] }

/** Call only on a document that passed every check; it trusts the shapes. */
export function resolveScenario(doc: Record<string, unknown>, sourceFile: string): Scenario {
  const filled = doc as unknown as FilledDocument
  const { workload, network } = filled
  const latency =
    network.latency.model === 'matrix'
      ? { ...network.latency, file: resolve(dirname(sourceFile), network.latency.file) }
      : network.latency
  const scenario: Scenario = {
    ...filled,
    network: { ...network, latency },
    // Enough time for every message to be published, plus 30 s for the last ones to spread.
    durationS: filled.durationS ?? workload.warmupS + workload.messagesPerPublisher / workload.ratePerSecond + 30,
    budgets: filled.budgets.map((text) => parseBudget(text) as Budget),
    sourceFile,
  }
  return orderBySchema(scenario, SCENARIO_SCHEMA) as Scenario
}

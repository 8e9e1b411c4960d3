// A resolved Scenario written back in the input format: what a run actually used, loadable again as is.

import { stringify } from 'yaml'
import { formatBudget } from './budget.ts'
import { orderBySchema, SCENARIO_SCHEMA } from './schema.ts'
import type { Scenario } from './types.ts'

/** The Scenario as an input document: budgets as strings, no sourceFile, keys in schema order. */
export function scenarioDocument(s: Scenario): Record<string, unknown> {
  const { sourceFile: _sourceFile, budgets, ...fields } = s
  return orderBySchema({ ...fields, budgets: budgets.map(formatBudget) }, SCENARIO_SCHEMA) as Record<string, unknown>
}

export function toResolvedYaml(s: Scenario): string {
  // No anchors: a reader should see every value where it applies. No folding: diffs stay line-per-field.
  return stringify(scenarioDocument(s), { aliasDuplicateObjects: false, lineWidth: 0 })
}

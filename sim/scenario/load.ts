// Entry point for scenario files: YAML text -> --set overrides -> validation -> resolved Scenario.

import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { ScenarioError, ScenarioErrors } from './errors.ts'
import { isPlainObject } from './path.ts'
import { buildScenario } from './pipeline.ts'
import { applyOverrides } from './set-override.ts'
import { expandSweep } from './sweep.ts'
import type { Scenario } from './types.ts'

export { ScenarioError, ScenarioErrors } from './errors.ts'
export { BUDGET_METRICS, formatBudget, parseBudget } from './budget.ts'
export { expandSweep, type SweepPoint } from './sweep.ts'
export { toResolvedYaml } from './resolved-yaml.ts'
export { SCENARIO_SCHEMA_URL } from './schema.ts'

export interface LoadOptions {
  /** `path=value` overrides, as given to --set; the value is read as YAML. */
  set?: string[]
}

function readYaml(text: string, file: string): Record<string, unknown> {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ScenarioErrors(
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0])
        return new ScenarioError({ file, path: '', value: undefined, expected: error.message, line, column: col })
      }),
    )
  }
  const raw: unknown = doc.toJS()
  // An empty file is an empty scenario, so the user hears which fields are required.
  if (raw === null || raw === undefined) return {}
  if (isPlainObject(raw)) return raw
  throw new ScenarioErrors([new ScenarioError({ file, path: '(top level)', value: raw, expected: 'a mapping of scenario fields' })])
}

/** Throws ScenarioErrors listing every problem (YAML syntax errors alone, since nothing else can be checked). */
export function parseScenario(text: string, file: string, opts: LoadOptions = {}): Scenario {
  const raw = readYaml(text, file)
  const overrides = applyOverrides(raw, opts.set ?? [])
  const ctx = { file, sourceFile: resolve(file), setPaths: overrides.paths }
  let scenario: Scenario
  try {
    scenario = buildScenario(raw, ctx)
  } catch (error) {
    if (error instanceof ScenarioErrors) throw new ScenarioErrors([...overrides.errors, ...error.errors])
    throw error
  }
  if (overrides.errors.length > 0) throw new ScenarioErrors(overrides.errors)
  // Every grid point must be valid before the first run starts, not fail hours into a sweep.
  if (scenario.sweep) expandSweep(scenario)
  return scenario
}

export function loadScenario(file: string, opts: LoadOptions = {}): Scenario {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ScenarioErrors([new ScenarioError({ file, path: '(file)', value: file, expected: `a readable scenario file (${reason})` })])
  }
  return parseScenario(text, file, opts)
}

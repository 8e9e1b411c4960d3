// Sweep grids: the cartesian product of the sweep values, each point a full scenario validated on its own.

import { ScenarioError, ScenarioErrors } from './errors.ts'
import { formatPath, getAt, setAt } from './path.ts'
import { buildScenario, originOf, type BuildContext } from './pipeline.ts'
import { scenarioDocument } from './resolved-yaml.ts'
import { resolveFieldPath } from './schema.ts'
import type { Scenario } from './types.ts'

export interface SweepPoint {
  /** Sweep key -> the value it takes at this point, in sweep key order. */
  point: Record<string, unknown>
  scenario: Scenario
}

/** Points in key order, the last key varying fastest (like nested loops written in that order). */
export function sweepGrid(sweep: Record<string, readonly unknown[]>): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}]
  for (const [key, values] of Object.entries(sweep)) {
    points = points.flatMap((point) => values.map((value) => ({ ...point, [key]: value })))
  }
  return points
}

function withPoint(error: ScenarioError, point: Record<string, unknown>): ScenarioError {
  return new ScenarioError({ file: error.file, path: error.path, value: error.value, expected: error.expected, point })
}

/**
 * One scenario per grid point, without `sweep`. Points are built from the document the scenario was
 * loaded from, so defaults that depend on swept fields (durationS) follow them; a Scenario that did not
 * come from the loader (or a copy of one) falls back to its resolved fields, where durationS is fixed.
 * Throws ScenarioErrors naming the point of every invalid one.
 */
export function expandSweep(s: Scenario): SweepPoint[] {
  const { sweep, ...base } = s
  if (!sweep || Object.keys(sweep).length === 0) return [{ point: {}, scenario: base }]
  const origin = originOf(s)
  const raw = origin?.raw ?? scenarioDocument(s)
  const ctx: BuildContext = origin?.ctx ?? { file: s.sourceFile, sourceFile: s.sourceFile, setPaths: [] }
  const results: SweepPoint[] = []
  const errors: ScenarioError[] = []
  for (const point of sweepGrid(sweep)) {
    const doc = structuredClone(raw)
    delete doc.sweep
    try {
      for (const [key, value] of Object.entries(point)) applySweepValue(doc, key, value, ctx)
      results.push({ point, scenario: buildScenario(doc, ctx) })
    } catch (error) {
      if (!(error instanceof ScenarioErrors)) throw error
      errors.push(...error.errors.map((e) => withPoint(e, point)))
    }
  }
  if (errors.length > 0) throw new ScenarioErrors(errors)
  return results
}

function applySweepValue(doc: Record<string, unknown>, key: string, value: unknown, ctx: BuildContext): void {
  const field = resolveFieldPath(key)
  const fail = (path: string, found: unknown, expected: string) => {
    throw new ScenarioErrors([new ScenarioError({ file: ctx.file, path, value: found, expected })])
  }
  if ('expected' in field) return fail(formatPath(['sweep', key]), value, field.expected)
  const blocked = setAt(doc, field.segments, structuredClone(value))
  if (blocked) fail(formatPath(blocked), getAt(doc, blocked), `a mapping, to set ${key} inside it`)
}

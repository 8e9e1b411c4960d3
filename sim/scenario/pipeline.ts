// One raw document -> one Scenario: validate (filling defaults), run the cross-field rules, resolve.
// Shared by the loader and by sweep expansion, which re-runs it for every grid point.

import { dirname } from 'node:path'
import { ScenarioError, ScenarioErrors } from './errors.ts'
import type { Issue } from './issue.ts'
import { formatPath, startsWith, type Segment } from './path.ts'
import { resolveScenario } from './resolve.ts'
import { ruleIssues } from './rules.ts'
import type { Scenario } from './types.ts'
import { schemaIssues } from './validate.ts'

export interface BuildContext {
  /** The scenario file as the user named it, for messages. */
  file: string
  /** Its absolute path. */
  sourceFile: string
  /** Fields set by --set; problems there are reported against `--set`, not the file. */
  setPaths: Segment[][]
}

interface Origin {
  raw: Record<string, unknown>
  ctx: BuildContext
}

// Sweep points must be built from what the user wrote, not from the resolved form: a default such as
// durationS depends on fields the sweep may change, and resolved per-model fields would clash with a
// swept latency model. The Scenario type stays as the engine needs it, so the origin lives here.
const origins = new WeakMap<Scenario, Origin>()

export function originOf(scenario: Scenario): Origin | undefined {
  return origins.get(scenario)
}

export function toError(issue: Issue, ctx: BuildContext): ScenarioError {
  const fromSet = ctx.setPaths.some((p) => startsWith(issue.path, p))
  return new ScenarioError({ file: fromSet ? '--set' : ctx.file, path: formatPath(issue.path), value: issue.value, expected: issue.expected })
}

/** Throws ScenarioErrors with every problem found. */
export function buildScenario(raw: Record<string, unknown>, ctx: BuildContext): Scenario {
  const doc = structuredClone(raw)
  const schema = schemaIssues(doc)
  const flagged = new Set(schema.map((issue) => formatPath(issue.path)))
  // A field the schema already rejected gets no second complaint from a rule about the same value.
  const rules = ruleIssues(doc, dirname(ctx.sourceFile)).filter((issue) => !flagged.has(formatPath(issue.path)))
  const issues = [...schema, ...rules]
  if (issues.length > 0) throw new ScenarioErrors(issues.map((issue) => toError(issue, ctx)))
  const scenario = resolveScenario(doc, ctx.sourceFile)
  origins.set(scenario, { raw: structuredClone(raw), ctx })
  return scenario
}

// Baseline files (`sim check --save-baseline FILE`, `--baseline FILE`): a scenario's baseline
// metrics at every point of its sweep, with what identifies the runs they came from. A baseline is
// refused, before anything runs, for another scenario, seed or protocol era, or when the scenario
// now resolves to other parameters: its figures would not be comparable.

import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import { InputError } from '../input-error.ts'
import type { Scenario } from '../scenario/types.ts'
import type { SweepPoint } from '../scenario/sweep.ts'
import { isPlainObject } from '../scenario/path.ts'
import { baselineMetrics } from './baseline-metrics.ts'
import { PROJECT_ROOT, runMetadata } from './run-metadata.ts'
import { scenarioParameters } from './scenario-parameters.ts'
import type { Summary } from './summary-types.ts'

export const BASELINE_FORMAT = 'block-rtc-baseline/1'

export interface BaselinePoint {
  /** Sweep key -> value ({} without a sweep): how a point is found again. */
  point: Record<string, unknown>
  /** Of the point's simulated parameters, so a point whose resolution changed is refused too. */
  parametersHash: string
  metrics: Record<string, number>
}

export interface Baseline {
  format: typeof BASELINE_FORMAT
  scenario: string
  seed: number
  /** The protocol era. */
  protocol: string
  /** Where the figures came from, for the report; a different version or commit does not refuse a baseline. */
  version: string
  commit: string
  /** The scenario's simulated parameters (its base point, if it has a sweep). */
  parameters: Record<string, unknown>
  points: BaselinePoint[]
}

/**
 * The resolved parameters that decide what is simulated: without the description, the budgets and
 * what is recorded, and with paths inside the project relative to it, so that a baseline holds in
 * any checkout.
 */
export function simulatedParameters(scenario: Scenario): Record<string, unknown> {
  const { description: _d, budgets: _b, record: _r, ...rest } = scenarioParameters(scenario)
  return JSON.parse(JSON.stringify(rest, (_key, v: unknown) => (typeof v === 'string' && v.startsWith(PROJECT_ROOT) ? relative(PROJECT_ROOT, v) : v))) as Record<string, unknown>
}

export function parametersHash(scenario: Scenario): string {
  return createHash('sha256').update(canonicalJson(simulatedParameters(scenario))).digest('hex').slice(0, 16)
}

/** JSON with object keys sorted, so the hash does not depend on the order fields were resolved in. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (typeof v === 'object' && v !== null) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(v)
}

export function buildBaseline(scenario: Scenario, runs: readonly { point: Record<string, unknown>; scenario: Scenario; summary: Summary }[]): Baseline {
  const { version, commit } = runMetadata()
  return {
    format: BASELINE_FORMAT,
    scenario: scenario.name,
    seed: scenario.seed,
    protocol: scenario.protocol,
    version,
    commit,
    parameters: simulatedParameters({ ...scenario, sweep: undefined }),
    points: runs.map((r) => ({ point: r.point, parametersHash: parametersHash(r.scenario), metrics: baselineMetrics(r.summary) })),
  }
}

/** Refuses, before the run, a path that cannot take the file. */
export function assertBaselineWritable(file: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new InputError(`--save-baseline ${file}: got a folder, expected a file path (e.g. results/baselines/NAME.json)`)
}

export function writeBaseline(file: string, baseline: Baseline): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(baseline, null, 2)}\n`)
}

/** The baseline in `file`, checked against the scenario and its points; InputError naming the file and field otherwise. */
export function readBaseline(file: string, scenario: Scenario, points: readonly SweepPoint[]): Baseline {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new InputError(`--baseline ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}); expected a file written by --save-baseline`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new InputError(`${file}: not JSON (${(error as Error).message}); expected a file written by --save-baseline`)
  }
  const baseline = checkShape(file, data)
  const resave = 'save one for it with --save-baseline'
  if (baseline.scenario !== scenario.name) throw new InputError(`${file}: scenario: got "${baseline.scenario}", expected "${scenario.name}" (the scenario run; ${resave})`)
  if (baseline.seed !== scenario.seed) throw new InputError(`${file}: seed: got ${baseline.seed}, expected ${scenario.seed} (the run's seed; a baseline holds one seed: ${resave})`)
  if (baseline.protocol !== scenario.protocol) throw new InputError(`${file}: protocol: got "${baseline.protocol}", expected "${scenario.protocol}" (the run's protocol era; ${resave})`)
  const differences = differingPaths(baseline.parameters, simulatedParameters({ ...scenario, sweep: undefined }), 'parameters')
  if (differences.length > 0) {
    const shown = differences.slice(0, 3).map(({ path, got, expected }) => `${path}: got ${JSON.stringify(got) ?? 'nothing'}, expected ${JSON.stringify(expected) ?? 'nothing'}`)
    throw new InputError(`${file}: ${shown.join('; ')}${differences.length > 3 ? ` (and ${differences.length - 3} more)` : ''} `
      + '(the scenario as it resolves now: the file, --set or the defaults changed since the baseline was saved; if that is meant, re-save it with --save-baseline)')
  }
  const byKey = new Map(baseline.points.map((p) => [JSON.stringify(p.point), p]))
  const runKeys = new Set(points.map(({ point }) => JSON.stringify(point)))
  const extra = [...byKey.keys()].filter((k) => !runKeys.has(k))
  for (const { point, scenario: s } of points) {
    const stored = byKey.get(JSON.stringify(point))
    if (stored === undefined) throw new InputError(`${file}: points: no point ${JSON.stringify(point)}; expected one per point of the run's sweep${extra.length > 0 ? ` (it has ${extra.join(', ')})` : ''}: re-save it with --save-baseline`)
    const hash = parametersHash(s)
    if (stored.parametersHash !== hash) {
      throw new InputError(`${file}: points ${JSON.stringify(point)}: parametersHash: got ${stored.parametersHash}, expected ${hash} (the point resolves to other parameters now; re-save it with --save-baseline)`)
    }
  }
  if (extra.length > 0) throw new InputError(`${file}: points: got ${extra.join(', ')} besides the run's, expected only the points of the run's sweep (re-save it with --save-baseline)`)
  return baseline
}

export function baselinePoint(baseline: Baseline, point: Record<string, unknown>): BaselinePoint {
  const found = baseline.points.find((p) => JSON.stringify(p.point) === JSON.stringify(point))
  if (found === undefined) throw new Error(`baseline point ${JSON.stringify(point)} vanished after readBaseline checked it`)
  return found
}

function checkShape(file: string, data: unknown): Baseline {
  const fail = (field: string, got: unknown, expected: string): never => {
    throw new InputError(`${file}: ${field}: got ${JSON.stringify(got) ?? 'nothing'}, expected ${expected}`)
  }
  if (!isPlainObject(data)) return fail('(top level)', data, 'an object written by --save-baseline')
  if (data.format !== BASELINE_FORMAT) fail('format', data.format, `"${BASELINE_FORMAT}" (a file written by --save-baseline)`)
  for (const field of ['scenario', 'protocol', 'version', 'commit'] as const) if (typeof data[field] !== 'string') fail(field, data[field], 'a string')
  if (!Number.isInteger(data.seed)) fail('seed', data.seed, 'an integer')
  if (!isPlainObject(data.parameters)) fail('parameters', data.parameters, 'an object')
  if (!Array.isArray(data.points) || data.points.length === 0) fail('points', data.points, 'a non-empty array')
  ;(data.points as unknown[]).forEach((p, k) => {
    if (!isPlainObject(p)) return fail(`points[${k}]`, p, 'an object with point, parametersHash and metrics')
    if (!isPlainObject(p.point)) fail(`points[${k}].point`, p.point, 'an object (sweep key -> value)')
    if (typeof p.parametersHash !== 'string') fail(`points[${k}].parametersHash`, p.parametersHash, 'a string')
    if (!isPlainObject(p.metrics)) return fail(`points[${k}].metrics`, p.metrics, 'an object (metric -> number)')
    for (const [metric, v] of Object.entries(p.metrics)) if (typeof v !== 'number' || !Number.isFinite(v)) fail(`points[${k}].metrics.${metric}`, v, 'a finite number')
  })
  return data as unknown as Baseline
}

/** Dotted paths where two JSON values differ (objects compared key by key, anything else as JSON). */
function differingPaths(got: unknown, expected: unknown, path: string): { path: string; got: unknown; expected: unknown }[] {
  if (isPlainObject(got) && isPlainObject(expected)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(got)])]
    return keys.flatMap((k) => differingPaths(got[k], expected[k], `${path}.${k}`))
  }
  return JSON.stringify(got) === JSON.stringify(expected) ? [] : [{ path, got, expected }]
}

// Every problem with a scenario becomes one ScenarioError; loading throws them all together as a
// ScenarioErrors so a user fixes a file in one pass instead of one error per run.

/** Longest shown value: an error about a huge value (a pasted file, a long list) stays one readable line. */
export const MAX_SHOWN_VALUE_CHARS = 120

/** JSON.stringify, except for values JSON cannot show (Infinity, NaN, undefined), cut at MAX_SHOWN_VALUE_CHARS. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  const shown = JSON.stringify(value)
  if (shown.length <= MAX_SHOWN_VALUE_CHARS) return shown
  return `${shown.slice(0, MAX_SHOWN_VALUE_CHARS)}... (${shown.length.toLocaleString('en-US')} characters)`
}

export interface ScenarioErrorInit {
  /** The scenario file as the user named it, or `--set` for a command-line override. */
  file: string
  /** Dotted path of the offending field, e.g. `network.latency.ms` or `budgets[1]`. */
  path: string
  value: unknown
  /** What would have been accepted, as a human phrase. */
  expected: string
  /** For YAML syntax errors: where the parser stopped (1-based). */
  line?: number
  column?: number
  /** For an invalid sweep grid point: the sweep values that make it up. */
  point?: Record<string, unknown>
}

export class ScenarioError extends Error {
  readonly file: string
  readonly path: string
  readonly value: unknown
  readonly expected: string
  readonly line?: number
  readonly column?: number
  readonly point?: Record<string, unknown>

  constructor(init: ScenarioErrorInit) {
    super(formatMessage(init))
    this.name = 'ScenarioError'
    this.file = init.file
    this.path = init.path
    this.value = init.value
    this.expected = init.expected
    this.line = init.line
    this.column = init.column
    this.point = init.point
  }
}

function formatMessage(e: ScenarioErrorInit): string {
  if (e.line !== undefined) return `${e.file}:${e.line}:${e.column ?? 1}: YAML syntax error: ${e.expected}`
  const where = e.point ? `${e.file}: sweep point ${showPoint(e.point)}: ${e.path}` : `${e.file}: ${e.path}`
  return `${where}: got ${showValue(e.value)}, expected ${e.expected}`
}

export function showPoint(point: Record<string, unknown>): string {
  return Object.entries(point)
    .map(([key, value]) => `${key}=${showValue(value)}`)
    .join(', ')
}

export class ScenarioErrors extends Error {
  readonly errors: readonly ScenarioError[]

  constructor(errors: readonly ScenarioError[]) {
    const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`
    super(`invalid scenario (${count}):\n` + errors.map((e) => `  ${e.message}`).join('\n'))
    this.name = 'ScenarioErrors'
    this.errors = errors
  }
}

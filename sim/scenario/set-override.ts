// `--set a.b=value` overrides, applied to the raw document before validation so that the result is
// checked exactly like a hand-edited file.

import { parse as parseYaml } from 'yaml'
import { ScenarioError } from './errors.ts'
import { formatPath, getAt, isPlainObject, setAt, type Segment } from './path.ts'
import { branchOf, propertiesOf, resolveFieldPath, SCENARIO_SCHEMA, type SchemaNode } from './schema.ts'

export interface Overrides {
  errors: ScenarioError[]
  /** The fields that were set, so later errors about them can name `--set`. */
  paths: Segment[][]
}

const FILE = '--set'

/** A value as YAML reads it: `5000` a number, `[3, 4]` a list, `poisson` a string; empty is "". */
function parseValue(text: string): { value: unknown } | { expected: string } {
  if (text.trim() === '') return { value: '' }
  try {
    return { value: parseYaml(text) }
  } catch (error) {
    return { expected: `a YAML value (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` }
  }
}

export function applyOverrides(doc: Record<string, unknown>, sets: readonly string[]): Overrides {
  const result: Overrides = { errors: [], paths: [] }
  const fail = (path: string, value: unknown, expected: string) =>
    result.errors.push(new ScenarioError({ file: FILE, path, value, expected }))
  for (const arg of sets) {
    const eq = arg.indexOf('=')
    if (eq < 0) {
      fail(arg, arg, 'PATH=VALUE, e.g. topology.degree=6')
      continue
    }
    const key = arg.slice(0, eq).trim()
    const field = resolveFieldPath(key)
    if ('expected' in field) {
      fail(key || '(empty)', arg, field.expected)
      continue
    }
    const parsed = parseValue(arg.slice(eq + 1))
    if ('expected' in parsed) {
      fail(key, arg.slice(eq + 1), parsed.expected)
      continue
    }
    const blocked = setAt(doc, field.segments, parsed.value)
    if (blocked) {
      fail(formatPath(blocked), getAt(doc, blocked), `a mapping, to set ${key} inside it`)
      continue
    }
    dropOtherModelsFields(doc, field.segments)
    result.paths.push(field.segments)
  }
  return result
}

/**
 * `--set network.latency.model=fixed` on a file with a geo latency switches the model: the fields
 * only the old model has (weights, intraRegionRttMs) go, as they would if the file were edited,
 * and the new model's own fields (set before or after) stay.
 */
function dropOtherModelsFields(doc: Record<string, unknown>, segments: readonly string[]): void {
  let node: SchemaNode | undefined = SCENARIO_SCHEMA
  for (const segment of segments.slice(0, -1)) node = node === undefined ? undefined : propertiesOf(node)[segment]
  const tag = segments[segments.length - 1]
  if (node?.discriminator?.propertyName !== tag) return
  const parent = getAt(doc, segments.slice(0, -1))
  if (!isPlainObject(parent)) return
  const branch = branchOf(node, parent)
  if (branch === undefined) return
  for (const key of Object.keys(parent)) if (!(key in (branch.properties ?? {}))) delete parent[key]
}

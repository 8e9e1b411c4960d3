// Schema validation with ajv, and the translation of ajv's errors into issues a user can act on.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { Issue } from './issue.ts'
import { getAt, type Segment } from './path.ts'
import { describeSchema, propertiesOf, SCENARIO_SCHEMA, type SchemaNode } from './schema.ts'
import { closest, unknownPhrase } from './suggest.ts'

let compiled: ValidateFunction | undefined

function validator(): ValidateFunction {
  // useDefaults makes the schema's `default` keywords the single source of every default value.
  compiled ??= new Ajv({ allErrors: true, useDefaults: true, discriminator: true, verbose: true, strict: true }).compile(
    SCENARIO_SCHEMA,
  )
  return compiled
}

/** Validates `doc` in place, filling defaults, and returns what is wrong with it. */
export function schemaIssues(doc: Record<string, unknown>): Issue[] {
  const validate = validator()
  if (validate(doc)) return []
  const issues: Issue[] = []
  const seen = new Set<string>()
  for (const error of validate.errors ?? []) {
    const issue = toIssue(error, doc)
    if (!issue) continue
    const key = JSON.stringify([issue.path, issue.expected])
    if (seen.has(key)) continue
    seen.add(key)
    issues.push(issue)
  }
  return issues
}

function pointerToSegments(pointer: string, doc: unknown): Segment[] {
  const segments: Segment[] = []
  if (pointer === '') return segments
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    segments.push(Array.isArray(getAt(doc, segments)) ? Number(key) : key)
  }
  return segments
}

function toIssue(error: ErrorObject, doc: Record<string, unknown>): Issue | undefined {
  const base = pointerToSegments(error.instancePath, doc)
  const schema = (error.parentSchema ?? {}) as SchemaNode
  switch (error.keyword) {
    case 'discriminator':
      // The tag field's own enum or required error already says this, with the allowed values.
      return undefined
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty)
      const known = Object.keys(schema.properties ?? {})
      const path = [...base, key]
      return { path, value: getAt(doc, path), expected: `a known field; ${unknownPhrase('field', key, known)}` }
    }
    case 'required': {
      const key = String(error.params.missingProperty)
      const child = propertiesOf(schema)[key]
      return { path: [...base, key], value: undefined, expected: `${child ? describeSchema(child) : 'a value'} (required)` }
    }
    case 'enum': {
      const value = getAt(doc, base)
      const hint = typeof value === 'string' ? closest(value, (schema.enum ?? []).map(String)) : undefined
      return { path: base, value, expected: describeSchema(schema) + (hint ? `, did you mean "${hint}"?` : '') }
    }
    default: {
      const value = getAt(doc, base)
      const expected = describeSchema(schema)
      // ajv's number types exclude YAML's .inf and .nan; say so, or "got Infinity, expected > 0" puzzles.
      const nonFinite = typeof value === 'number' && !Number.isFinite(value)
      return { path: base, value, expected: nonFinite ? expected.replace(/^an? (number|integer)/, 'a finite $1') : expected }
    }
  }
}

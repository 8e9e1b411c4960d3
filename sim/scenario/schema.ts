// The published JSON Schema, and what the loader derives from it: field paths for --set and sweep keys,
// human phrases for error messages, and the canonical key order of resolved output.

import { readFileSync } from 'node:fs'
import { isPlainObject } from './path.ts'
import { unknownPhrase } from './suggest.ts'

/** The subset of JSON Schema that scenario.schema.json uses. */
export interface SchemaNode {
  description?: string
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean'
  properties?: Record<string, SchemaNode>
  additionalProperties?: boolean | SchemaNode
  required?: string[]
  items?: SchemaNode
  oneOf?: SchemaNode[]
  discriminator?: { propertyName: string }
  enum?: unknown[]
  const?: unknown
  default?: unknown
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minLength?: number
  minItems?: number
  maxItems?: number
  minProperties?: number
  uniqueItems?: boolean
  pattern?: string
}

export const SCENARIO_SCHEMA_URL = new URL('./scenario.schema.json', import.meta.url)

export const SCENARIO_SCHEMA: SchemaNode = JSON.parse(readFileSync(SCENARIO_SCHEMA_URL, 'utf8'))

/** Properties reachable at a node, including every branch of a oneOf (a field may belong to any model). */
export function propertiesOf(node: SchemaNode): Record<string, SchemaNode> {
  const merged: Record<string, SchemaNode> = { ...node.properties }
  for (const branch of node.oneOf ?? []) {
    for (const [key, child] of Object.entries(branch.properties ?? {})) merged[key] ??= child
  }
  return merged
}

function mapValueSchema(node: SchemaNode): SchemaNode | undefined {
  return isPlainObject(node.additionalProperties) ? (node.additionalProperties as SchemaNode) : undefined
}

export type FieldPath = { segments: string[] } | { expected: string }

/**
 * Splits a dotted path (`network.latency.ms`, `sweep.topology.degree`) into the segments it names in
 * the schema. A free-form mapping (weights, sweep) takes the rest of the path as one key, since sweep
 * keys contain dots themselves.
 */
export function resolveFieldPath(dotted: string, root: SchemaNode = SCENARIO_SCHEMA): FieldPath {
  const parts = dotted.split('.')
  if (parts.some((p) => p === '')) return { expected: 'a dotted field path such as topology.degree' }
  const segments: string[] = []
  let node = root
  for (let i = 0; i < parts.length; i++) {
    const properties = propertiesOf(node)
    const child = properties[parts[i]]
    if (child) {
      segments.push(parts[i])
      node = child
      continue
    }
    const mapValue = mapValueSchema(node)
    if (mapValue) {
      segments.push(parts.slice(i).join('.'))
      return { segments }
    }
    const known = Object.keys(properties)
    const where = segments.length ? ` in ${segments.join('.')}` : ''
    if (known.length === 0) return { expected: `a field path; ${segments.join('.')} has no fields inside` }
    return { expected: `a field path; ${unknownPhrase('field', parts[i], known, where)}` }
  }
  return { segments }
}

function bounds(node: SchemaNode): string[] {
  const out: string[] = []
  if (node.minimum !== undefined) out.push(`>= ${node.minimum}`)
  if (node.exclusiveMinimum !== undefined) out.push(`> ${node.exclusiveMinimum}`)
  if (node.maximum !== undefined) out.push(`<= ${node.maximum}`)
  if (node.exclusiveMaximum !== undefined) out.push(`< ${node.exclusiveMaximum}`)
  return out
}

/** A phrase for everything a node accepts, e.g. "an integer >= 2" or "one of fixed, uniform". */
export function describeSchema(node: SchemaNode): string {
  if (node.const !== undefined) return JSON.stringify(node.const)
  if (node.enum) return `one of ${node.enum.map((v) => String(v)).join(', ')}`
  switch (node.type) {
    case 'integer':
    case 'number': {
      const range = bounds(node)
      const noun = node.type === 'integer' ? 'an integer' : 'a number'
      return range.length ? `${noun} ${range.join(' and ')}` : noun
    }
    case 'string':
      if (node.pattern) return `a string matching ${node.pattern}`
      return node.minLength ? 'a non-empty string' : 'a string'
    case 'boolean':
      return 'true or false'
    case 'array': {
      const items = node.items?.type === 'string' ? ' of strings' : ''
      const size = node.minItems ? 'a non-empty list' : 'a list'
      return size + items + (node.uniqueItems ? ' without duplicates' : '')
    }
    case 'object': {
      const mapValue = mapValueSchema(node)
      if (mapValue) return `a non-empty mapping of name to ${describeSchema(mapValue)}`
      const fields = Object.keys(propertiesOf(node))
      return `a mapping with fields ${fields.join(', ')}`
    }
    default:
      return 'a value'
  }
}

/** The oneOf branch a value selects through its discriminator, if any. */
export function branchOf(node: SchemaNode, value: Record<string, unknown>): SchemaNode | undefined {
  const tag = node.discriminator?.propertyName
  if (tag === undefined) return undefined
  return node.oneOf?.find((branch) => branch.properties?.[tag]?.const === value[tag])
}

/** A copy with mapping keys in schema order (free-form maps keep theirs), undefined fields dropped. */
export function orderBySchema(value: unknown, node: SchemaNode | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => orderBySchema(item, node?.items))
  if (!isPlainObject(value)) return value
  const schema = node && isPlainObject(value) ? (branchOf(node, value) ?? node) : undefined
  const properties = schema?.properties ?? {}
  const mapValue = schema ? mapValueSchema(schema) : undefined
  const keys = [...Object.keys(properties).filter((k) => k in value), ...Object.keys(value).filter((k) => !(k in properties))]
  const out: Record<string, unknown> = {}
  for (const key of keys) {
    if (value[key] === undefined) continue
    out[key] = orderBySchema(value[key], properties[key] ?? mapValue)
  }
  return out
}

// Field paths as segments (string keys, number indices) and their printed form, e.g. `network.events[0].atS`.

export type Segment = string | number

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/

export function formatPath(segments: readonly Segment[]): string {
  if (segments.length === 0) return '(top level)'
  let out = ''
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`
    // Sweep keys contain dots themselves, so they are quoted to keep the path unambiguous.
    else if (!PLAIN_KEY.test(segment)) out += `[${JSON.stringify(segment)}]`
    else out += out === '' ? segment : `.${segment}`
  }
  return out
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function getAt(root: unknown, segments: readonly Segment[]): unknown {
  let node = root
  for (const segment of segments) {
    if (typeof segment === 'number' ? !Array.isArray(node) : !isPlainObject(node)) return undefined
    node = (node as Record<Segment, unknown>)[segment]
  }
  return node
}

/** True if `path` is `prefix` or lies inside it. */
export function startsWith(path: readonly Segment[], prefix: readonly Segment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment)
}

/**
 * Sets a value, creating missing mappings on the way. Returns the segments of an existing
 * non-mapping it would have to write into, or undefined on success.
 */
export function setAt(root: Record<string, unknown>, segments: readonly string[], value: unknown): string[] | undefined {
  let node = root
  for (let i = 0; i < segments.length - 1; i++) {
    const next = node[segments[i]]
    if (next === undefined || next === null) node[segments[i]] = {}
    else if (!isPlainObject(next)) return segments.slice(0, i + 1)
    node = node[segments[i]] as Record<string, unknown>
  }
  node[segments[segments.length - 1]] = value
  return undefined
}

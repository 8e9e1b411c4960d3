// How a node config's sections are checked (node-config.ts, app/app-config.ts,
// storage/storage-config.ts): every problem is reported with the field's full name and what was
// expected, and checking goes on, so a file's problems are all listed at once.

/** Reports one problem: the field's full name, what it held, what was expected. */
export type Problem = (field: string, got: unknown, expected: string) => void

export interface ConfigSection {
  readonly fields: Record<string, unknown>
  /** Reports a problem with one of the section's fields, by its short name. */
  readonly bad: Problem
  /** No problem reported through `bad` so far (unknown fields included). */
  readonly ok: boolean
}

/**
 * Opens section `name`: a mapping whose keys must be among `known`. Undefined (after reporting
 * it) when `raw` is not a mapping; `shape` says what one should hold.
 */
export function openSection(raw: unknown, name: string, known: readonly string[], shape: string, problem: Problem): ConfigSection | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problem(name, raw, shape)
    return undefined
  }
  const fields = raw as Record<string, unknown>
  let ok = true
  const bad: Problem = (field, got, expected) => {
    ok = false
    problem(`${name}.${field}`, got, expected)
  }
  for (const key of Object.keys(fields)) if (!known.includes(key)) bad(key, fields[key], `a known field (${known.join(', ')})`)
  return { fields, bad, get ok() { return ok } }
}

/** Whether `value` is a URL with one of `protocols` ("ws:", "http:", ...). */
export function isUrlWith(value: unknown, protocols: readonly string[]): value is string {
  if (typeof value !== 'string') return false
  try {
    return protocols.includes(new URL(value).protocol)
  } catch {
    return false
  }
}

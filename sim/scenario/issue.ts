import type { Segment } from './path.ts'

/** One problem found by a check, before it is attributed to a file (the scenario or --set). */
export interface Issue {
  path: Segment[]
  value: unknown
  expected: string
}

// Reads a region RTT matrix CSV: the first row is `<anything>,<region>,<region>...`, each next
// row `<region>,<rtt ms>...` in the same order (row = from, column = to). Errors name the file,
// the line and the column, because these files are typed or pasted by hand.

export interface RttMatrix {
  readonly regions: readonly string[]
  /** rttMs[from * regions.length + to] */
  readonly rttMs: Float64Array
}

export class RttMatrixError extends Error {}

export function parseRttMatrixCsv(text: string, file: string): RttMatrix {
  const lines = text.split(/\r?\n/).map((l, i) => ({ line: i + 1, cells: l.split(',').map((c) => c.trim()) }))
    .filter((l) => l.cells.length > 1 || l.cells[0] !== '')
  if (lines.length < 2) throw new RttMatrixError(`${file}: expected a header row and at least one region row, got ${lines.length} non-empty line(s)`)
  const header = lines[0]
  const regions = header.cells.slice(1)
  const seen = new Set<string>()
  for (const [k, r] of regions.entries()) {
    if (r === '') throw new RttMatrixError(`${file}: line ${header.line}, column ${k + 2}: expected a region name, got an empty cell`)
    if (seen.has(r)) throw new RttMatrixError(`${file}: line ${header.line}, column ${k + 2}: region "${r}" appears twice`)
    seen.add(r)
  }
  const n = regions.length
  if (lines.length - 1 !== n) {
    throw new RttMatrixError(`${file}: expected ${n} region rows to match the ${n} columns of line ${header.line}, got ${lines.length - 1}`)
  }
  const rttMs = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    const { line, cells } = lines[i + 1]
    if (cells[0] !== regions[i]) {
      throw new RttMatrixError(`${file}: line ${line}, column 1: expected region "${regions[i]}" (rows in header order), got "${cells[0]}"`)
    }
    if (cells.length !== n + 1) throw new RttMatrixError(`${file}: line ${line}: expected ${n + 1} cells, got ${cells.length}`)
    for (let j = 0; j < n; j++) {
      const cell = cells[j + 1]
      const v = Number(cell)
      if (cell === '' || !Number.isFinite(v) || v < 0) {
        throw new RttMatrixError(`${file}: line ${line}, column ${j + 2} (${regions[i]} -> ${regions[j]}): expected an RTT in ms >= 0, got "${cell}"`)
      }
      rttMs[i * n + j] = v
    }
  }
  return { regions, rttMs }
}

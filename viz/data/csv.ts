// The simulator's CSV dialect: `# key=value` comment lines, then a header, then rows. Small files are
// read whole; deliveries.csv goes through `csvLines` so it is never held in memory as text.

import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'

export interface CsvTable {
  /** From the `# key=value` preamble (scenario, seed, version, commit...). */
  meta: Record<string, string>
  header: string[]
  rows: string[][]
}

/** Splits one line; handles double-quoted fields in case a value ever carries a comma. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',')
  const out: string[] = []
  let cur = '', quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++ }
      else if (c === '"') quoted = false
      else cur += c
    } else if (c === '"') quoted = true
    else if (c === ',') { out.push(cur); cur = '' }
    else cur += c
  }
  out.push(cur)
  return out
}

function parseMeta(line: string, meta: Record<string, string>): void {
  const m = /^#\s*([^=\s]+)\s*=\s*(.*)$/.exec(line)
  if (m) meta[m[1]] = m[2].trim()
}

export function parseCsv(text: string): CsvTable {
  const meta: Record<string, string> = {}
  let header: string[] | null = null
  const rows: string[][] = []
  for (const raw of text.split(/\r?\n/)) {
    if (raw === '') continue
    if (raw.startsWith('#')) { parseMeta(raw, meta); continue }
    if (!header) header = splitCsvLine(raw)
    else rows.push(splitCsvLine(raw))
  }
  return { meta, header: header ?? [], rows }
}

export async function readCsv(path: string): Promise<CsvTable> {
  return parseCsv(await readFile(path, 'utf8'))
}

/**
 * Streams a large CSV: calls `onHeader` once, then `onRow` per data line with the raw line (the
 * caller splits, which lets it skip work). Resolves with the preamble.
 */
export async function streamCsv(
  path: string,
  onHeader: (header: string[]) => void,
  onRow: (line: string) => void
): Promise<Record<string, string>> {
  const meta: Record<string, string> = {}
  let seenHeader = false
  const rl = createInterface({ input: createReadStream(path, { highWaterMark: 1 << 20 }), crlfDelay: Infinity })
  for await (const line of rl) {
    if (line === '') continue
    if (!seenHeader) {
      if (line.startsWith('#')) { parseMeta(line, meta); continue }
      seenHeader = true
      onHeader(splitCsvLine(line))
      continue
    }
    onRow(line)
  }
  return meta
}

/** Empty cells (e.g. latency columns with no samples) become null, not 0. */
export function num(cell: string | undefined): number | null {
  if (cell === undefined || cell.trim() === '') return null
  const v = Number(cell)
  return Number.isFinite(v) ? v : null
}

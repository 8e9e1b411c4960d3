// Reading the small per-run files (summary, topology, time series, sweeps) and listing what is there.

import { readdir, readFile, stat } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import type { Summary } from '../../sim/results/summary-types.ts'
import { num, readCsv } from './csv.ts'
import { HttpError, keyOf } from './paths.ts'

import type { TopologyJson } from '../../sim/results/topology-types.ts'
export type { TopologyEdge, TopologyJson, TopologyNode } from '../../sim/results/topology-types.ts'

export interface RunListItem {
  key: string
  scenario: string
  run: string
  seed: number | null
  nodes: number | null
  deliveryRatio: number | null
  latencyP50Ms: number | null
  latencyP99Ms: number | null
  duplicatesPerDelivery: number | null
  budgetsPassed: number | null
  budgetsTotal: number | null
  version: string | null
  commit: string | null
  startedAt: string | null
  hasDeliveries: boolean
  hasTopology: boolean
  hasTimeseries: boolean
}

export interface SweepListItem { key: string; scenario: string; sweep: string; points: number; parameters: string[]; modifiedAt: string }

async function exists(p: string): Promise<boolean> {
  try { await stat(p); return true } catch { return false }
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true })
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort()
  } catch {
    return []
  }
}

async function readJson<T>(path: string, what: string): Promise<T> {
  return (await readJsonWithText<T>(path, what)).value
}

async function readJsonWithText<T>(path: string, what: string): Promise<{ value: T; text: string }> {
  let text: string
  try { text = await readFile(path, 'utf8') } catch { throw new HttpError(404, `${what} not found for this run`) }
  try { return { value: JSON.parse(text) as T, text } } catch { throw new HttpError(500, `${what} is not valid JSON`) }
}

/**
 * topology.json as the file has it, once it parsed: the API sends these bytes instead of serialising
 * the parsed copy again (a 5,000-node topology is over a megabyte, and the run page waits for it).
 */
export const readTopologyText = async (runDir: string) => (await readJsonWithText<TopologyJson>(join(runDir, 'topology.json'), 'topology.json')).text

export const readSummary = (runDir: string) => readJson<Summary>(join(runDir, 'summary.json'), 'summary.json')
export const readTopology = (runDir: string) => readJson<TopologyJson>(join(runDir, 'topology.json'), 'topology.json')

export async function runItem(root: string, dir: string, scenario: string, run: string): Promise<RunListItem> {
  let s: Partial<Summary> = {}
  try { s = await readSummary(dir) } catch { /* a run still in progress has no summary yet */ }
  const budgets = Array.isArray(s.budgets) ? s.budgets : null
  return {
    key: keyOf(root, dir) ?? `${scenario}/${run}`,
    scenario: s.scenario ?? scenario,
    run,
    seed: s.seed ?? null,
    nodes: s.nodes ?? null,
    deliveryRatio: s.deliveryRatio ?? null,
    latencyP50Ms: s.latencyMs?.p50 ?? null,
    latencyP99Ms: s.latencyMs?.p99 ?? null,
    duplicatesPerDelivery: s.duplicatesPerDelivery ?? null,
    budgetsPassed: budgets ? budgets.filter((b) => b.pass).length : null,
    budgetsTotal: budgets ? budgets.length : null,
    version: s.version ?? null,
    commit: s.commit ?? null,
    startedAt: s.startedAt ?? null,
    hasDeliveries: await exists(join(dir, 'deliveries.csv')),
    hasTopology: await exists(join(dir, 'topology.json')),
    hasTimeseries: await exists(join(dir, 'timeseries.csv')),
  }
}

const isRunDir = async (dir: string) => (await exists(join(dir, 'summary.json'))) || (await exists(join(dir, 'topology.json')))

/** Every `<scenario>/<run>` with a summary or topology, newest first; sweeps are listed apart. */
export async function listRuns(root: string): Promise<{ runs: RunListItem[]; sweeps: SweepListItem[] }> {
  const runs: RunListItem[] = []
  const sweeps: SweepListItem[] = []
  for (const scenario of await subdirs(root)) {
    for (const run of await subdirs(join(root, scenario))) {
      const dir = join(root, scenario, run)
      if (await exists(join(dir, 'sweep.csv'))) {
        try {
          const t = await readCsv(join(dir, 'sweep.csv'))
          const at = t.header.indexOf('runDir')
          sweeps.push({ key: `${scenario}/${run}`, scenario, sweep: run, points: t.rows.length, parameters: t.header.slice(0, Math.max(0, at)), modifiedAt: (await stat(join(dir, 'sweep.csv'))).mtime.toISOString() })
        } catch { /* unreadable sweep: skip rather than fail the list */ }
      } else if (await isRunDir(dir)) {
        runs.push(await runItem(root, dir, scenario, run))
      }
    }
  }
  runs.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || a.key.localeCompare(b.key))
  return { runs, sweeps }
}

export interface TimeseriesJson {
  meta: Record<string, string>
  /** Column name -> values, one per window; empty cells are null. */
  columns: Record<string, Array<number | null>>
  windows: number
}

export async function readTimeseries(runDir: string): Promise<TimeseriesJson> {
  const path = join(runDir, 'timeseries.csv')
  if (!(await exists(path))) throw new HttpError(404, 'timeseries.csv not found for this run')
  const t = await readCsv(path)
  const columns: Record<string, Array<number | null>> = {}
  t.header.forEach((h, i) => { columns[h] = t.rows.map((r) => num(r[i])) })
  return { meta: t.meta, columns, windows: t.rows.length }
}

export interface SweepJson {
  key: string
  meta: Record<string, string>
  /** Swept field paths, in file order (the columns before runDir). */
  parameters: string[]
  /** Numeric metric columns (after runDir). */
  metrics: string[]
  points: Array<{ params: Record<string, string>; values: Record<string, number | null>; runKey: string | null }>
}

/** runDir may be absolute, relative to the working directory, the sweep dir or the results root. */
async function locateRun(root: string, sweepDir: string, runDir: string): Promise<string | null> {
  const candidates = isAbsolute(runDir) ? [runDir] : [resolve(runDir), join(sweepDir, runDir), join(root, runDir), join(sweepDir, '..', runDir)]
  for (const c of candidates) {
    const key = keyOf(root, c)
    if (key && (await isRunDir(c))) return key
  }
  return null
}

export async function readSweep(root: string, sweepDir: string, key: string): Promise<SweepJson> {
  const path = join(sweepDir, 'sweep.csv')
  if (!(await exists(path))) throw new HttpError(404, 'sweep.csv not found')
  const t = await readCsv(path)
  const at = t.header.indexOf('runDir')
  if (at < 0) throw new HttpError(500, 'sweep.csv has no runDir column')
  const parameters = t.header.slice(0, at)
  const metrics = t.header.slice(at + 1)
  const points = []
  for (const r of t.rows) {
    const params: Record<string, string> = {}
    parameters.forEach((p, i) => { params[p] = r[i] ?? '' })
    const values: Record<string, number | null> = {}
    metrics.forEach((m, i) => { values[m] = num(r[at + 1 + i]) })
    points.push({ params, values, runKey: await locateRun(root, sweepDir, r[at] ?? '') })
  }
  return { key, meta: t.meta, parameters, metrics, points }
}

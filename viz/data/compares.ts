// Design comparisons under the results folder (`sim compare`): listing them, and reading one's
// compare.json with each run's key, so the page links to runs that are really there.

import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { CompareJson } from '../../sim/results/compare-result.ts'
import { checkSegments, HttpError } from './paths.ts'

export interface CompareListItem {
  key: string
  scenario: string
  compare: string
  designs: string[]
  seeds: number
  /** Runs recorded (finished well) and failed. */
  runs: number
  failed: number
  complete: boolean
  modifiedAt: string
}

/** compare.json as served: each run with its key under the results root, or null when its folder is gone. */
export interface CompareView extends CompareJson {
  key: string
  runKeys: Record<string, string | null>
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true })
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort()
  } catch {
    return []
  }
}

async function readCompareJson(dir: string): Promise<CompareJson> {
  let text: string
  try { text = await readFile(join(dir, 'compare.json'), 'utf8') } catch { throw new HttpError(404, 'compare.json not found in this folder') }
  let json: unknown
  try { json = JSON.parse(text) } catch { throw new HttpError(500, 'compare.json is not valid JSON') }
  if (typeof json !== 'object' || json === null || !Array.isArray((json as CompareJson).designs)) throw new HttpError(500, 'compare.json has no designs list')
  return json as CompareJson
}

/** Every `<scenario>/<compare>` folder holding a compare.json, newest first. */
export async function listCompares(root: string): Promise<CompareListItem[]> {
  const out: CompareListItem[] = []
  for (const scenario of await subdirs(root)) {
    for (const compare of await subdirs(join(root, scenario))) {
      const dir = join(root, scenario, compare)
      let c: CompareJson
      try { c = await readCompareJson(dir) } catch { continue /* not a comparison, or unreadable: skip rather than fail the list */ }
      out.push({
        key: `${scenario}/${compare}`,
        scenario: c.scenario ?? scenario,
        compare,
        designs: c.designs.map((d) => d.design),
        seeds: Array.isArray(c.seeds) ? c.seeds.length : 0,
        runs: c.designs.reduce((a, d) => a + (d.runs?.length ?? 0), 0),
        failed: c.designs.reduce((a, d) => a + (d.failures?.length ?? 0), 0),
        complete: c.complete === true,
        modifiedAt: (await stat(join(dir, 'compare.json'))).mtime.toISOString(),
      })
    }
  }
  return out.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt) || a.key.localeCompare(b.key))
}

/** One comparison; `key` is its `<scenario>/<compare>` path under the root. */
export async function readCompare(compareDir: string, key: string): Promise<CompareView> {
  const c = await readCompareJson(compareDir)
  const runKeys: Record<string, string | null> = {}
  for (const design of c.designs) {
    for (const run of design.runs ?? []) {
      runKeys[run.runDir] = (await isRunFolder(compareDir, run.runDir)) ? `${key}/${run.runDir}` : null
    }
  }
  return { ...c, key, runKeys }
}

/** A run folder named by compare.json, checked like any URL segment so the file cannot point elsewhere. */
async function isRunFolder(compareDir: string, runDir: string): Promise<boolean> {
  try { checkSegments([runDir]) } catch { return false }
  try { return (await stat(join(compareDir, runDir, 'summary.json'))).isFile() } catch { return false }
}

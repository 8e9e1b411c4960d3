// Where the time of V8 CPU profiles went (node --cpu-prof; the live scale bench's --scale-profile
// writes one per worker; `npx tsx bench/cpu-profile-summary.ts DIR...` prints it), summed
// over every .cpuprofile under the folders given: self time by source file (project files by
// path, packages by name, Node's own as node:internal) and by function. Idle time is left out of
// the shares, so they are of the time the main thread was busy. A native function (an addon's,
// such as node-datachannel's send) is named by the JavaScript function that called it, since
// V8 names addon functions unreliably; functions are named with line and column, as tsx's
// compiled files put a module on one line. Native threads (libdatachannel's) are not in a V8
// profile; compare with the processes' CPU time for them.

import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { formatTable } from '../../sim/results/table.ts'
import { PROJECT_ROOT } from '../../sim/results/run-metadata.ts'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileTotals {
  profiles: number
  /** Microseconds sampled, idle included. */
  totalUs: number
  idleUs: number
  byFile: Map<string, number>
  byFunction: Map<string, number>
}

function profilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? profilesUnder(path) : name.endsWith('.cpuprofile') ? [path] : []
  })
}

/** Where a frame's code lives, as a reader looks for it. */
function fileOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node:internal'
  const path = url.replace(/^file:\/\//, '')
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)
  if (pkg !== null) return pkg[1]
  return path.startsWith(PROJECT_ROOT) ? relative(PROJECT_ROOT, path) : path
}

function functionOf(frame: CallFrame): string {
  const where = fileOf(frame.url, frame.functionName)
  return frame.url === '' ? frame.functionName : `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`
}

/** A VM state such as (garbage collector) or (program), not a function. */
const isState = (frame: CallFrame) => frame.url === '' && frame.functionName.startsWith('(')

export function summarizeProfiles(dirs: readonly string[]): ProfileTotals {
  const totals: ProfileTotals = { profiles: 0, totalUs: 0, idleUs: 0, byFile: new Map(), byFunction: new Map() }
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us)
  for (const file of dirs.flatMap(profilesUnder)) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
    const byId = new Map(profile.nodes.map((n) => [n.id, n]))
    const parent = new Map<number, ProfileNode>()
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n)
    totals.profiles++
    for (let i = 0; i < profile.samples.length; i++) {
      const us = profile.timeDeltas[i] ?? 0
      const node = byId.get(profile.samples[i])!
      const frame = node.callFrame
      totals.totalUs += us
      if (frame.functionName === '(idle)') {
        totals.idleUs += us
        continue
      }
      const caller = parent.get(node.id)?.callFrame
      if (frame.url === '' && !isState(frame) && caller !== undefined && caller.url !== '') {
        add(totals.byFile, `(native) from ${fileOf(caller.url, caller.functionName)}`, us)
        add(totals.byFunction, `native call in ${functionOf(caller)}`, us)
      } else {
        add(totals.byFile, fileOf(frame.url, frame.functionName), us)
        add(totals.byFunction, functionOf(frame), us)
      }
    }
  }
  return totals
}

export function formatProfileTotals(t: ProfileTotals, top: number): string {
  const busy = t.totalUs - t.idleUs
  const rows = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([k, us]) => [k, (us / 1e6).toFixed(2), `${((100 * us) / busy).toFixed(1)}%`])
  return [
    `${t.profiles} profile(s): ${(t.totalUs / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (not idle); shares are of busy time`,
    formatTable(['self time by file', 's', 'share'], rows(t.byFile)),
    '',
    formatTable(['self time by function', 's', 'share'], rows(t.byFunction)),
  ].join('\n')
}

// Text tables for what bench/run.ts measured, and the issue's targets judged against it.
// Every figure printed comes from the run; the only constants here are the targets themselves.

import { formatTable } from '../sim/results/table.ts'
import type { GroupResult } from './common.ts'
import { type MacroResult, receipts } from './macro.ts'
import type { ChildResult } from './macro-child.ts'

export const TARGET_100K_SECONDS = 60
export const TARGET_RECEIPTS_PER_SECOND = 3_000_000
/** Issue 13: 10,000 DHT nodes joined and streaming within this wall time. */
export const TARGET_DHT_10K_SECONDS = 60
/** Issue 13: 100,000 DHT nodes within this wall time and memory. */
export const TARGET_DHT_100K_SECONDS = 600
export const TARGET_DHT_100K_RSS_MB = 8 * 1024
/** Issue 14: the simulator's flooding receipts/s at 100,000 nodes against the bare typed-array flood's. */
export const TARGET_BARE_RATIO_100K = 0.5
/** Issue 14: 1,000,000 nodes x 10 messages within this wall time and peak RSS; 100,000 within TARGET_100K_RSS_MB. */
export const TARGET_1M_SECONDS = 120
export const TARGET_1M_RSS_MB = 2_000
export const TARGET_100K_RSS_MB = 250

/** Four significant digits, thousands separated; `-` for missing. */
export function sig(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-'
  return Number(v.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 4 })
}

const count = (v: number) => Math.round(v).toLocaleString('en-US')

export function formatGroup(g: GroupResult): string {
  const out = [`== ${g.title}   [--only ${g.group}]`]
  if (g.checks.length > 0) {
    out.push('checks, run before timing:')
    for (const c of g.checks) out.push(`  ${c.pass ? 'pass' : c.expectFail ? 'FAIL (expected)' : 'FAIL'}  ${c.name}: ${c.detail}`)
  }
  out.push(formatTable(
    ['case', 'median', 'unit', 'samples', '± rme', 'note'],
    g.rows.map((r) => [r.name, sig(r.median), r.unit, String(r.samples), Number.isFinite(r.rme) ? `${r.rme.toFixed(1)}%` : '-', r.note]),
  ))
  out.push(...g.lines)
  return out.join('\n')
}

export function formatMacro(results: MacroResult[], repeat: number): string {
  const ok = results.filter((r) => r.median !== null)
  const time = ok.map(({ scale, runs, median: m }) => {
    const r = m!
    return [scale.label, count(r.nodes), String(runs), sig(r.wallSeconds), sig(r.setupSeconds), sig(r.runSeconds),
      count(r.events / r.wallSeconds), count(receipts(r)), count(receipts(r) / r.wallSeconds), count(receipts(r) / r.runSeconds)]
  })
  const memory = ok.map(({ scale, runs, median: m }) => {
    const r = m!
    return [scale.label, String(runs), sig(r.peakRssMb), sig(r.startRssMb), count((r.peakRssMb * 2 ** 20) / r.nodes),
      count(((r.peakRssMb - r.startRssMb) * 2 ** 20) / r.nodes), sig(r.deliveryRatio), count(r.published),
      `${sig(r.timeToDataP50Ms)} / ${sig(r.timeToDataP99Ms)} (${count(r.timeToDataCount)})`]
  })
  const flooding = ok.filter((r) => r.bare !== null).map(({ scale, median: m, bare: b }) => {
    const r = m!
    const bareRate = receipts(b!) / b!.wallSeconds
    return [scale.label, count(r.nodes), sig(r.wallSeconds), sig(r.cpuSeconds), count(r.events / r.wallSeconds), count(receipts(r) / r.wallSeconds),
      count(bareRate), sig(receipts(r) / r.wallSeconds / bareRate), sig(b!.cpuSeconds / r.cpuSeconds),
      sig((receipts(r) / r.runSeconds) / (receipts(b!) / b!.runSeconds)),
      sig(r.peakRssMb), count(bytesPerNode(r)), receipts(b!) === receipts(r) ? 'yes' : `no (${count(receipts(b!))})`]
  })
  const out = [
    `== Whole scenarios, one child process per run (${repeat === 1 ? 'one run each' : `median of the runs column, of ${repeat} attempted`})   [--only macro]`,
    ...results.map((r) => `${r.scale.label}: ${r.scale.file.split('/').pop()} --set ${r.scale.set.join(' ')}`),
    `wall = setup + run (as summary.json's wallSeconds); receipts = first receipts + duplicates; time to data from join (or first publish, if later), with its sample count`,
    formatTable(['scale', 'nodes', 'runs', 'wall s', 'setup s', 'run s', 'events/s (wall)', 'receipts', 'receipts/s (wall)', 'receipts/s (run phase)'], time),
    '',
    formatTable(['scale', 'runs', 'peak RSS MB', 'RSS at start MB', 'bytes/node (peak)', 'bytes/node (peak - start)', 'delivery ratio', 'published', 'time to data p50 / p99 ms (n)'], memory),
  ]
  if (flooding.length > 0) {
    out.push('', 'Flooding against the bare typed-array flood of the same overlay, latencies and publish times (bench/bare-flood.ts), run right after each simulator run:',
      'ratio = simulator receipts/s / bare receipts/s: on wall time (setup + run), on CPU time (user + system, all threads; steadier when the machine is shared) and on the run phase\'s wall time; bytes/node = (peak RSS - RSS at start) / nodes',
      formatTable(['scale', 'nodes', 'wall s', 'CPU s', 'events/s', 'receipts/s', 'bare receipts/s', 'ratio (wall)', 'ratio (CPU)', 'ratio (run phase)', 'peak RSS MB', 'bytes/node', 'same receipts'], flooding))
  }
  for (const r of results) for (const e of r.errors) out.push(`FAILED run of ${r.scale.label}: ${e}`)
  return out.join('\n')
}

function bytesPerNode(r: ChildResult): number {
  return ((r.peakRssMb - r.startRssMb) * 2 ** 20) / r.nodes
}

export interface TargetRow {
  target: string
  scale: string
  measured: string
  verdict: 'met' | 'not met' | 'not measured'
}

export function judgeTargets(results: MacroResult[]): TargetRow[] {
  const rows: TargetRow[] = []
  const flood100k = results.find((r) => r.scale.label === 'flood 100k')
  const big = flood100k?.median
  rows.push({
    target: `100,000-node stream with 100 messages in under ${TARGET_100K_SECONDS} s`,
    scale: 'flood 100k',
    measured: big ? `${sig(big.wallSeconds)} s wall (${count(big.published)} messages)` : 'not run (--quick, --only or a failed run)',
    verdict: big ? (big.wallSeconds < TARGET_100K_SECONDS ? 'met' : 'not met') : 'not measured',
  })
  rows.push({
    target: `flooding at 100,000 nodes at >= ${TARGET_BARE_RATIO_100K} of the bare flood's receipts/s (wall)`,
    scale: 'flood 100k',
    measured: big && flood100k.bare
      ? `${sig(receipts(big) / big.wallSeconds / (receipts(flood100k.bare) / flood100k.bare.wallSeconds))} (${count(receipts(big) / big.wallSeconds)}/s against ${count(receipts(flood100k.bare) / flood100k.bare.wallSeconds)}/s)`
      : 'not run (--size, --only or a failed run)',
    verdict: big && flood100k.bare
      ? receipts(big) / big.wallSeconds >= TARGET_BARE_RATIO_100K * receipts(flood100k.bare) / flood100k.bare.wallSeconds ? 'met' : 'not met'
      : 'not measured',
  })
  rows.push({
    target: `100,000 nodes within ${TARGET_100K_RSS_MB} MB peak RSS`,
    scale: 'flood 100k',
    measured: big ? `${sig(big.peakRssMb)} MB (${count(bytesPerNode(big))} bytes/node above the start)` : 'not run (--size, --only or a failed run)',
    verdict: big ? (big.peakRssMb <= TARGET_100K_RSS_MB ? 'met' : 'not met') : 'not measured',
  })
  const million = results.find((r) => r.scale.label === 'flood 1m')?.median
  rows.push({
    target: `1,000,000 nodes x 10 messages within ${TARGET_1M_SECONDS} s and ${count(TARGET_1M_RSS_MB)} MB, full delivery`,
    scale: 'flood 1m',
    measured: million
      ? `${sig(million.wallSeconds)} s wall, peak RSS ${sig(million.peakRssMb)} MB, delivery ratio ${sig(million.deliveryRatio)}`
      : 'not run (npm run bench -- --size 1m)',
    verdict: million
      ? million.wallSeconds <= TARGET_1M_SECONDS && million.peakRssMb <= TARGET_1M_RSS_MB && million.deliveryRatio === 1 ? 'met' : 'not met'
      : 'not measured',
  })
  const dht10k = results.find((r) => r.scale.label === 'dht joins 10k')?.median
  rows.push({
    target: `10,000 DHT nodes joined and streaming in under ${TARGET_DHT_10K_SECONDS} s`,
    scale: 'dht joins 10k',
    measured: dht10k
      ? dht10k.completed === 1
        ? `${sig(dht10k.wallSeconds)} s wall, ${count(dht10k.atTargetDegree)} nodes at the target degree, delivery ratio ${sig(dht10k.deliveryRatio)}`
        : `stopped after ${sig(dht10k.runSeconds)} s wall (${sig(dht10k.cpuSeconds)} s CPU) at ${sig(dht10k.simulatedSeconds)} s simulated: ${count(dht10k.joined)} joined, ${count(dht10k.atTargetDegree)} at the target degree, ${count(dht10k.events)} events, peak RSS ${sig(dht10k.peakRssMb)} MB`
      : 'not run (--quick, --only or a failed run)',
    verdict: dht10k ? (dht10k.wallSeconds < TARGET_DHT_10K_SECONDS && dht10k.completed === 1 ? 'met' : 'not met') : 'not measured',
  })
  const dht100k = results.find((r) => r.scale.label === 'dht joins 100k')?.median
  rows.push({
    target: `100,000 DHT nodes in under ${TARGET_DHT_100K_SECONDS} s and ${sig(TARGET_DHT_100K_RSS_MB)} MB`,
    scale: 'dht joins 100k',
    measured: dht100k
      ? dht100k.completed === 1
        ? `${sig(dht100k.wallSeconds)} s wall, peak RSS ${sig(dht100k.peakRssMb)} MB`
        : `stopped after ${sig(dht100k.runSeconds)} s wall (${sig(dht100k.cpuSeconds)} s CPU) at ${sig(dht100k.simulatedSeconds)} s simulated: ${count(dht100k.joined)} joined, ${count(dht100k.atTargetDegree)} at the target degree, peak RSS ${sig(dht100k.peakRssMb)} MB`
      : 'not run (--quick, --only or a failed run)',
    verdict: dht100k
      ? dht100k.completed === 1 && dht100k.wallSeconds < TARGET_DHT_100K_SECONDS && dht100k.peakRssMb < TARGET_DHT_100K_RSS_MB ? 'met' : 'not met'
      : 'not measured',
  })
  for (const { scale, median: m } of results) {
    if (m === null) continue
    const wall = receipts(m) / m.wallSeconds
    rows.push({
      target: `>= ${count(TARGET_RECEIPTS_PER_SECOND)} message receipts/s on one core (judged on wall)`,
      scale: scale.label,
      measured: `${count(wall)}/s wall, ${count(receipts(m) / m.runSeconds)}/s run phase`,
      verdict: wall >= TARGET_RECEIPTS_PER_SECOND ? 'met' : 'not met',
    })
  }
  return rows
}

/** Like formatTable, but every column left-aligned: these cells are sentences, not numbers. */
function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)))
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

export function formatTargets(rows: TargetRow[]): string {
  return ['== Targets from the issue',
    textTable(['target', 'scale', 'measured', 'verdict'], rows.map((r) => [r.target, r.scale, r.measured, r.verdict])),
    'one core: the event loop is single-threaded; V8 may run GC helper threads on the other core.',
  ].join('\n')
}

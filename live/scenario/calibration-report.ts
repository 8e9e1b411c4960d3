// The files of a sim-versus-live calibration: a markdown table, the same table as CSV (with the
// `# scenario/seed/version/commit` preamble every result CSV has) and a self-contained HTML page
// with the table and two SVG charts (latency CDFs, histogram of per-receipt gaps). No scripts,
// no external assets: it opens from disk.

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { csvNumber, csvPreamble } from '../../sim/results/csv.ts'
import { runMetadata } from '../../sim/results/run-metadata.ts'
import type { Scenario } from '../../sim/scenario/types.ts'

export interface CalibrationRow {
  metric: string
  unit: string
  /** null where the metric only exists for a live run or a comparison. */
  sim: number | null
  /** One value per live run. */
  live: number[]
}

export interface CalibrationReport {
  scenario: Scenario
  method: string
  rows: CalibrationRow[]
  /** Sorted first-receipt latencies: the simulated run and each live run. */
  simLatencies: Float64Array
  liveLatencies: Float64Array[]
  /** Live minus simulated latency per matched receipt, of the live run whose median gap is the median. */
  gapsOfMedianRun: number[]
  medianRun: number
  /** Written into the CSV preamble: how the live runs were made. */
  conditions: Record<string, string | number>
}

export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

function show(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-'
  if (Number.isInteger(v)) return v.toLocaleString('en-US')
  const a = Math.abs(v)
  return v.toFixed(a >= 100 ? 1 : a >= 1 ? 3 : 4)
}

function tableRows(report: CalibrationReport): string[][] {
  return report.rows.map((r) => {
    const m = median(r.live)
    return [r.metric, r.unit, show(r.sim), ...r.live.map(show), show(m), r.sim === null ? '-' : show(m - r.sim)]
  })
}

function header(report: CalibrationReport): string[] {
  return ['metric', 'unit', 'sim', ...report.liveLatencies.map((_, k) => `live ${k + 1}`), 'live median', 'live - sim']
}

export function calibrationMarkdown(report: CalibrationReport): string {
  const { version, commit } = runMetadata()
  const s = report.scenario
  const head = header(report)
  const lines = [
    `# Sim versus live: ${s.name}`,
    '',
    `scenario \`${s.name}\`, seed ${s.seed}, version ${version}, commit ${commit}; ${new Date().toISOString()}`,
    '',
    report.method,
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, c) => (c < 2 ? '---' : '---:')).join(' | ')} |`,
    ...tableRows(report).map((r) => `| ${r.join(' | ')} |`),
    '',
  ]
  return lines.join('\n')
}

export function calibrationCsv(report: CalibrationReport): string {
  const cols = ['metric', 'unit', 'sim', ...report.liveLatencies.map((_, k) => `live${k + 1}`), 'liveMedian', 'liveMinusSim']
  const rows = report.rows.map((r) => {
    const m = median(r.live)
    return [r.metric, r.unit, r.sim === null ? '' : csvNumber(r.sim), ...r.live.map(csvNumber), csvNumber(m), r.sim === null ? '' : csvNumber(m - r.sim)].join(',')
  })
  return `${csvPreamble(report.scenario, { liveRuns: report.liveLatencies.length, ...report.conditions })}${cols.join(',')}\n${rows.map((r) => `${r}\n`).join('')}`
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']
const W = 720
const H = 320
const PAD = { l: 56, r: 16, t: 16, b: 44 }

function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  return (v) => r0 + ((v - d0) / (d1 - d0 || 1)) * (r1 - r0)
}

/** The smallest of 1, 2, 5 x a power of ten that is at least `x`. */
function niceStep(x: number): number {
  const mag = 10 ** Math.floor(Math.log10(x || 1))
  return [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= x) ?? x
}

function ticks(lo: number, hi: number, count = 6): number[] {
  const step = niceStep((hi - lo) / count)
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(10)))
  return out
}

function axes(x: (v: number) => number, y: (v: number) => number, xt: number[], yt: number[], xLabel: string, yLabel: string): string {
  const parts = [
    `<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="#333"/>`,
    `<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}" stroke="#333"/>`,
    ...xt.map((v) => `<line x1="${x(v)}" y1="${H - PAD.b}" x2="${x(v)}" y2="${H - PAD.b + 4}" stroke="#333"/><text x="${x(v)}" y="${H - PAD.b + 16}" text-anchor="middle">${v}</text>`),
    ...yt.map((v) => `<line x1="${PAD.l - 4}" y1="${y(v)}" x2="${PAD.l}" y2="${y(v)}" stroke="#333"/><line x1="${PAD.l}" y1="${y(v)}" x2="${W - PAD.r}" y2="${y(v)}" stroke="#eee"/><text x="${PAD.l - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`),
    `<text x="${(PAD.l + W - PAD.r) / 2}" y="${H - 8}" text-anchor="middle">${xLabel}</text>`,
    `<text transform="translate(14 ${(PAD.t + H - PAD.b) / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`,
  ]
  return parts.join('')
}

/** Empirical CDFs as step lines, at most ~500 points each. */
export function cdfSvg(series: { label: string; sorted: Float64Array }[]): string {
  const hi = Math.max(...series.map((s) => s.sorted[s.sorted.length - 1] ?? 0))
  const x = scale(0, hi, PAD.l, W - PAD.r)
  const y = scale(0, 1, H - PAD.b, PAD.t)
  const lines = series.map((s, k) => {
    const n = s.sorted.length
    const stride = Math.max(1, Math.floor(n / 500))
    const pts: string[] = []
    for (let i = 0; i < n; i += stride) pts.push(`${x(s.sorted[i]).toFixed(1)},${y((i + 1) / n).toFixed(1)}`)
    if (n > 0) pts.push(`${x(s.sorted[n - 1]).toFixed(1)},${y(1).toFixed(1)}`)
    const colour = k === 0 ? '#000' : COLOURS[(k - 1) % COLOURS.length]
    return `<polyline fill="none" stroke="${colour}" stroke-width="${k === 0 ? 2 : 1.3}" ${k === 0 ? 'stroke-dasharray="5 3"' : ''} points="${pts.join(' ')}"/>`
  })
  const legend = series.map((s, k) => `<text x="${W - PAD.r - 150}" y="${PAD.t + 180 + 16 * k}" fill="${k === 0 ? '#000' : COLOURS[(k - 1) % COLOURS.length]}">${k === 0 ? '- - ' : '— '}${s.label}</text>`)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">${axes(x, y, ticks(0, hi), [0, 0.25, 0.5, 0.75, 1], 'first-receipt latency (ms)', 'share of receipts')}${lines.join('')}${legend.join('')}</svg>`
}

/** Bars the histogram draws at most: a run under heavy load spreads its gaps over seconds, and bins widen to fit. */
const MAX_BINS = 240

export function histogramSvg(values: readonly number[], finestBinMs: number): string {
  if (values.length === 0) return '<p>no matched receipts</p>'
  const sorted = [...values].sort((a, b) => a - b)
  // The far tail would squash the body: the last bin collects everything above p99.5.
  const hiCut = sorted[Math.min(sorted.length - 1, Math.ceil(0.995 * sorted.length))]
  const span = (hiCut - sorted[0]) / MAX_BINS
  const binMs = span <= finestBinMs ? finestBinMs : niceStep(span)
  const lo = Math.floor(sorted[0] / binMs) * binMs
  const bins = Math.max(1, Math.ceil((hiCut - lo) / binMs) + 1)
  const counts = new Array(bins).fill(0)
  for (const v of sorted) counts[Math.min(bins - 1, Math.floor((v - lo) / binMs))]++
  const x = scale(lo, lo + bins * binMs, PAD.l, W - PAD.r)
  const top = counts.reduce((m, c) => Math.max(m, c), 0)
  const y = scale(0, top, H - PAD.b, PAD.t)
  const bars = counts.map((c, b) => `<rect x="${x(lo + b * binMs).toFixed(1)}" y="${y(c).toFixed(1)}" width="${Math.max(0.5, x(lo + (b + 1) * binMs) - x(lo + b * binMs) - 0.5).toFixed(1)}" height="${(H - PAD.b - y(c)).toFixed(1)}" fill="#1f77b4"><title>${(lo + b * binMs).toFixed(2)} to ${(lo + (b + 1) * binMs).toFixed(2)} ms${b === bins - 1 ? ' and above' : ''}: ${c}</title></rect>`)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">${axes(x, y, ticks(lo, lo + bins * binMs), ticks(0, top, 4), `live minus simulated latency of the same receipt (ms, bins of ${binMs} ms; last bin: the top 0.5%)`, 'receipts')}${bars.join('')}</svg>`
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

export function calibrationHtml(report: CalibrationReport): string {
  const { version, commit } = runMetadata()
  const s = report.scenario
  const head = header(report)
  const table = `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${tableRows(report).map((r) => `<tr>${r.map((c, k) => `<td${k >= 2 ? ' class="n"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`
  const cdf = cdfSvg([{ label: 'simulated', sorted: report.simLatencies }, ...report.liveLatencies.map((l, k) => ({ label: `live run ${k + 1}`, sorted: l }))])
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sim versus live: ${escapeHtml(s.name)}</title>
<style>body{font-family:sans-serif;max-width:980px;margin:24px auto;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px}td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}p.meta{color:#555}</style>
</head><body>
<h1>Sim versus live: ${escapeHtml(s.name)}</h1>
<p class="meta">scenario ${escapeHtml(s.name)}, seed ${s.seed}, version ${escapeHtml(version)}, commit ${escapeHtml(commit)}; written ${new Date().toISOString()}</p>
<p>${escapeHtml(report.method)}</p>
${table}
<h2>First-receipt latency, cumulative</h2>
${cdf}
<h2>Receipt by receipt: live minus simulated (live run ${report.medianRun + 1})</h2>
${histogramSvg(report.gapsOfMedianRun, 0.25)}
</body></html>
`
}

/** Writes `<name>.md`, `<name>.csv` and `<name>.html` into `dir`; returns their paths. */
export function writeCalibration(dir: string, report: CalibrationReport): string[] {
  mkdirSync(dir, { recursive: true })
  const base = join(dir, report.scenario.name)
  const files = [`${base}.md`, `${base}.csv`, `${base}.html`]
  writeFileSync(files[0], calibrationMarkdown(report))
  writeFileSync(files[1], calibrationCsv(report))
  writeFileSync(files[2], calibrationHtml(report))
  return files
}

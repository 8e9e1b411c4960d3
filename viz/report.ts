// One self-contained HTML report per run: summary table and charts, with d3, the chart code, the
// styles and the (already reduced) data inlined, so it opens from file:// with no server.

import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { D3_PATH, PUBLIC_DIR } from './app.ts'
import { chartData } from './data/charts.ts'
import { readSummary } from './data/runs.ts'
import type { Summary } from '../sim/results/summary-types.ts'

const esc = (s: unknown) => String(s ?? '–').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
/** JSON inside <script>: `</script>` or `<!--` in the data must not end the element. */
const inlineJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c')
/** Inlined code: same concern for the rare `</script` inside a string literal. */
const inlineJs = (code: string) => code.replace(/<\/script/gi, '<\\/script')

function fmt(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–'
  if (Number.isInteger(v)) return v.toLocaleString('en-US')
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) >= 100 ? 1 : 3 })
}

function summaryRows(s: Summary): Array<[string, string]> {
  const d = (x: { count: number; mean: number; p50: number; p90: number; p99: number; max: number } | undefined, unit: string) =>
    x ? `mean ${fmt(x.mean)}${unit} · p50 ${fmt(x.p50)}${unit} · p90 ${fmt(x.p90)}${unit} · p99 ${fmt(x.p99)}${unit} · max ${fmt(x.max)}${unit}` : '–'
  return [
    ['scenario', esc(s.scenario)], ['seed', esc(s.seed)], ['version', esc(s.version)], ['commit', `<code>${esc(s.commit)}</code>`],
    ['started', esc(s.startedAt)], ['nodes', fmt(s.nodes)], ['stream parts', fmt(s.streamParts)], ['published', fmt(s.published)],
    ['expected receipts', fmt(s.receivers)], ['first receipts', fmt(s.firstReceipts)],
    ['delivery ratio', s.deliveryRatio == null ? '–' : `${(s.deliveryRatio * 100).toFixed(3)} %`],
    ['latency (samples)', `${d(s.latencyMs, ' ms')} (${fmt(s.latencyMs?.count)} samples)`],
    ['hops (samples)', `${d(s.hops, '')} (${fmt(s.hops?.count)} samples)`],
    ['stretch (samples)', `${d(s.stretch, '')} (${fmt(s.stretch?.count)} samples)`],
    ['duplicates', `${fmt(s.duplicates)} (${fmt(s.duplicatesPerDelivery)} per delivery)`], ['RMR', fmt(s.rmr)],
    ['payload transmissions', fmt(s.payloadTransmissions)], ['payload bytes / node', fmt(s.payloadBytesPerNode)],
    ['control messages / node / s', fmt(s.controlMessagesPerNodePerSecond)],
    ['lost (loss / partition / link cut)', s.lost ? `${fmt(s.lost.loss)} / ${fmt(s.lost.partition)} / ${fmt(s.lost.linkCut)}` : '–'],
    ['events', fmt(s.events)], ['simulated time', `${fmt(s.simulatedSeconds)} s`], ['wall time', `${fmt(s.wallSeconds)} s`], ['peak RSS', `${fmt(s.peakRssMb)} MB`],
  ]
}

export async function writeReport(runDir: string, outFile?: string): Promise<string> {
  const out = outFile ?? join(runDir, 'report.html')
  const [summary, charts, d3, chartsJs, css] = await Promise.all([
    readSummary(runDir),
    chartData(runDir),
    readFile(D3_PATH, 'utf8'),
    readFile(join(PUBLIC_DIR, 'charts.js'), 'utf8'),
    readFile(join(PUBLIC_DIR, 'style.css'), 'utf8'),
  ])
  const budgets = summary.budgets?.length
    ? `<table class="data"><thead><tr><th>Metric</th><th>Rule</th><th class="num">Value</th><th></th></tr></thead><tbody>${summary.budgets
        .map((b) => `<tr><td><code>${esc(b.metric)}</code></td><td>${esc(b.op)} ${fmt(b.limit)}</td><td class="num">${fmt(b.value)}</td><td><span class="badge ${b.pass ? 'pass' : 'fail'}">${b.pass ? 'pass' : 'fail'}</span></td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="muted">No budgets in this scenario.</p>'
  const overlay = (summary.overlay ?? [])
    .map((o) => `<tr><td>${esc(o.streamPart)}</td><td class="num">${fmt(o.nodes)}</td><td class="num">${fmt(o.edges)}</td><td class="num">${fmt(o.components)}</td><td class="num">${fmt(o.diameterEstimate)}</td><td class="num">${fmt(o.clustering)}</td></tr>`)
    .join('')
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Report · ${esc(summary.scenario)} · seed ${esc(summary.seed)}</title>
<style>${css}</style>
</head>
<body>
<header class="top"><span class="brand">Block RTC <span>report</span></span><span class="crumbs">${esc(summary.scenario)} · seed ${esc(summary.seed)} · ${esc(summary.version)} · <code>${esc(summary.commit)}</code></span></header>
<main>
<h1>${esc(summary.scenario)} <span class="muted" style="font-weight:400">seed ${esc(summary.seed)}</span></h1>
<div class="charts" style="grid-template-columns: repeat(auto-fill, minmax(520px, 1fr))">
  <div class="card"><h2>Summary</h2><table class="kv" id="summary" style="width:100%"><tbody>${summaryRows(summary).map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</tbody></table></div>
  <div class="card"><h2>Budgets</h2>${budgets}
    <h2 style="margin-top:16px">Overlay</h2>${overlay ? `<table class="data"><thead><tr><th>Stream part</th><th class="num">Nodes</th><th class="num">Links</th><th class="num">Components</th><th class="num">Diameter (est.)</th><th class="num">Clustering</th></tr></thead><tbody>${overlay}</tbody></table>` : '<p class="muted">No overlay data.</p>'}
    <h2 style="margin-top:16px">About this report</h2>
    <ul class="note" id="notes">${charts.notes.map((n) => `<li>${esc(n)}</li>`).join('')}<li>Generated ${esc(new Date().toISOString())} from <code>${esc(runDir)}</code>.</li></ul>
  </div>
</div>
<h1 style="margin-top:22px">Charts</h1>
<div class="charts" id="charts"></div>
</main>
<script>${inlineJs(d3)}</script>
<script>${inlineJs(chartsJs)}</script>
<script>
const data = ${inlineJson(charts)};
document.body.dataset.charts = String(VizCharts.renderRunCharts(document.getElementById('charts'), data));
</script>
</body>
</html>
`
  await writeFile(out, html)
  return out
}

// `tsx viz/report.ts RUN_DIR [OUT]` for use without the simulator CLI.
if (process.argv[1]?.endsWith('viz/report.ts')) {
  const [runDir, outFile] = process.argv.slice(2)
  if (!runDir) { console.error('usage: tsx viz/report.ts RUN_DIR [OUT_FILE]'); process.exit(2) }
  console.log(await writeReport(runDir, outFile))
}

// One self-contained HTML report per run (summary, scenario, message layer, the overlay laid out
// and the charts) or per sweep folder (every metric against the swept parameter, with confidence
// intervals when replicated), with d3, the chart code, the styles and the (already reduced) data
// inlined, so it opens from file:// with no server.

import { access, readFile, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { D3_PATH, PUBLIC_DIR } from './app.ts'
import { chartData } from './data/charts.ts'
import { readSummary, readSweep, readTopology } from './data/runs.ts'
import { staticLayout, STATIC_LAYOUT_MAX_NODES } from './data/static-layout.ts'
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

const exists = (p: string) => access(p).then(() => true, () => false)

/** A report of a run folder, or of a sweep folder (one with sweep.csv). */
export async function writeReport(dir: string, outFile?: string): Promise<string> {
  return (await exists(join(dir, 'sweep.csv'))) ? writeSweepReport(dir, outFile) : writeRunReport(dir, outFile)
}

/** ES module files as one inline module: imports between them dropped, exports made plain. */
async function inlineModules(...files: string[]): Promise<string> {
  const code = await Promise.all(files.map((f) => readFile(join(PUBLIC_DIR, f), 'utf8')))
  return code.map((c) => c.replace(/^import .* from '\.\/.*'$/gm, '').replace(/^export /gm, '')).join('\n')
}

async function writeRunReport(runDir: string, outFile?: string): Promise<string> {
  const out = outFile ?? join(runDir, 'report.html')
  const [summary, charts, d3, chartsJs, css, yaml, topology] = await Promise.all([
    readSummary(runDir),
    chartData(runDir),
    readFile(D3_PATH, 'utf8'),
    readFile(join(PUBLIC_DIR, 'charts.js'), 'utf8'),
    readFile(join(PUBLIC_DIR, 'style.css'), 'utf8'),
    readFile(join(runDir, 'scenario.yaml'), 'utf8').catch(() => null),
    readTopology(runDir).catch(() => null),
  ])
  const layout = topology ? staticLayout(topology) : null
  const graphNote = !topology ? 'No topology.json in this run: no overlay to draw.'
    : !layout ? `The overlay has more than ${STATIC_LAYOUT_MAX_NODES.toLocaleString('en-US')} nodes (or none): open the run in the explorer (npm run viz) to see it.` : ''
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
    <h2 style="margin-top:16px">Scenario</h2>${yaml ? `<pre class="yaml" id="scenario">${esc(yaml)}</pre>` : `<pre class="yaml" id="scenario">${esc(JSON.stringify(summary.parameters ?? {}, null, 2))}</pre>`}
    <h2 style="margin-top:16px">About this report</h2>
    <ul class="note" id="notes">${charts.notes.map((n) => `<li>${esc(n)}</li>`).join('')}<li>Generated ${esc(new Date().toISOString())} from <code>${esc(runDir)}</code>.</li></ul>
  </div>
</div>
<div class="charts" style="grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); margin-top:16px">
  <div id="graph">${graphNote ? `<div class="card"><h2>Overlay</h2><p class="muted">${esc(graphNote)}</p></div>` : ''}</div>
  ${summary.messageLayer ? '<div class="card" id="message-layer"><h2>Message layer</h2></div>' : ''}
</div>
<h1 style="margin-top:22px">Charts</h1>
<div class="charts" id="charts"></div>
</main>
<script>${inlineJs(d3)}</script>
<script>${inlineJs(chartsJs)}</script>
<script>
const data = ${inlineJson(charts)};
const layout = ${inlineJson(layout)};
const messageLayer = ${inlineJson(summary.messageLayer ?? null)};
if (layout) document.body.dataset.graphNodes = String(VizCharts.staticGraph(document.getElementById('graph'), layout));
if (messageLayer) {
  const t = document.createElement('table'); t.className = 'kv'; t.style.width = '100%';
  for (const [k, v] of VizCharts.messageLayerRows(messageLayer)) { const tr = t.insertRow(); tr.insertCell().textContent = k; tr.insertCell().textContent = v; }
  document.getElementById('message-layer').appendChild(t);
}
document.body.dataset.charts = String(VizCharts.renderRunCharts(document.getElementById('charts'), data));
</script>
</body>
</html>
`
  await writeFile(out, html)
  return out
}

async function writeSweepReport(sweepDir: string, outFile?: string): Promise<string> {
  const out = outFile ?? join(sweepDir, 'report.html')
  // readSweep finds each point's run relative to a results root: the sweep sits at <root>/<scenario>/<sweep>.
  const root = dirname(dirname(sweepDir))
  const key = `${basename(dirname(sweepDir))}/${basename(sweepDir)}`
  const [sweep, d3, chartsJs, css, modules] = await Promise.all([
    readSweep(root, sweepDir, key),
    readFile(D3_PATH, 'utf8'),
    readFile(join(PUBLIC_DIR, 'charts.js'), 'utf8'),
    readFile(join(PUBLIC_DIR, 'style.css'), 'utf8'),
    inlineModules('names.js', 'sweep-chart.js'),
  ])
  const m = sweep.meta
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sweep report · ${esc(m.scenario)} · ${esc(basename(sweepDir))}</title>
<style>${css}</style>
</head>
<body>
<header class="top"><span class="brand">Block RTC <span>report</span></span><span class="crumbs">${esc(m.scenario)} · sweep ${esc(basename(sweepDir))} · seed ${esc(m.seed)}${m.seeds ? ` (seeds ${esc(m.seeds)})` : ''} · ${esc(m.version)} · <code>${esc(m.commit)}</code></span></header>
<main>
<h1>${esc(m.scenario)} <span class="muted" style="font-weight:400">sweep ${esc(basename(sweepDir))}: ${sweep.points.length} points over ${sweep.parameters.map(esc).join(' × ')}</span></h1>
<p class="note" id="notes">Each chart plots a metric against ${esc(sweep.parameters[sweep.parameters.length - 1])}, one line per value of the other swept fields. Generated ${esc(new Date().toISOString())} from <code>${esc(sweepDir)}</code>.</p>
<div class="charts" id="charts"></div>
<div class="card" style="margin-top:16px"><h2>Grid points</h2><div style="overflow:auto"><table class="data" id="points"></table></div></div>
</main>
<script>${inlineJs(d3)}</script>
<script>${inlineJs(chartsJs)}</script>
<script type="module">
${inlineJs(modules)}
const sweep = ${inlineJson(sweep)};
const { replicated, names } = metricsOf(sweep);
const x = sweep.parameters[sweep.parameters.length - 1];
const charts = document.getElementById('charts');
for (const metric of names) sweepChart(charts, sweep, metric, x, replicated);
const t = document.getElementById('points');
const row = (cells, tag) => { const tr = document.createElement('tr'); for (const c of cells) { const td = document.createElement(tag); td.textContent = c; tr.appendChild(td) } return tr };
t.appendChild(row([...sweep.parameters.map((p) => withUnit(fieldName(p))), ...names.map((n) => withUnit(metricName(n)))], 'th'));
const fmt = VizCharts.fmtNum;
for (const pt of sweep.points) t.appendChild(row([...sweep.parameters.map((p) => pt.params[p]), ...names.map((n) => replicated ? fmt(pt.values[n + '.mean']) + ' ± ' + fmt((pt.values[n + '.ciHigh'] - pt.values[n + '.ciLow']) / 2) : fmt(pt.values[n]))], 'td'));
document.body.dataset.charts = String(charts.querySelectorAll('figure.chart').length);
</script>
</body>
</html>
`
  await writeFile(out, html)
  return out
}

// `tsx viz/report.ts DIR [OUT]` for use without the simulator CLI.
if (process.argv[1]?.endsWith('viz/report.ts')) {
  const [runDir, outFile] = process.argv.slice(2)
  if (!runDir) { console.error('usage: tsx viz/report.ts RUN_OR_SWEEP_DIR [OUT_FILE]'); process.exit(2) }
  console.log(await writeReport(runDir, outFile))
}

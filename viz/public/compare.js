// A design comparison (`sim compare`): one row per design with the mean and confidence interval
// over seeds of each headline metric, the designs' latency CDFs overlaid (each pooled over its
// seeds), and every run with a link to its own page.
import { api, compareApi, fmt, h, header, param, runUrl, showError } from './common.js'

const key = param('compare') || ''
const [scenario, compareName] = key.split('/')
header([['Runs', '/'], [scenario || '?'], [compareName || '?']])
document.getElementById('title').textContent = `Designs compared · ${scenario || ''}`
const designsTable = document.getElementById('designs')

/** As compare.md: `mean ± half-width`, `value (n=1)`, `(n=k)` when some seeds lack the metric, `–` for none. */
function interval(stat, decimals, seeds) {
  if (!stat || !stat.n || stat.mean == null) return '–'
  const num = (v) => v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })
  if (stat.n === 1) return `${num(stat.mean)} (n=1)`
  const cell = stat.halfWidth == null ? num(stat.mean) : `${num(stat.mean)} ± ${num(stat.halfWidth)}`
  return stat.n < seeds ? `${cell} (n=${stat.n})` : cell
}

const title = (m) => (m.unit ? `${m.label} (${m.unit})` : m.label)
const fixed = (v, decimals) => (v == null ? '–' : v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }))

function renderDesigns(c) {
  const seeds = c.seeds.length
  // Metrics down, designs across: ten metrics by at most five designs fit the page without scrolling.
  designsTable.append(h('thead', {}, h('tr', {}, h('th', {}, 'Metric'),
    ...c.designs.map((d, i) => h('th', { class: 'num', 'data-design': d.design }, h('span', { class: 'key', style: 'margin:0;color:inherit' }, h('i', { style: `background:${color(i)}` }), d.design))))))
  const row = (label, cells, attrs = {}) => h('tr', attrs, h('td', {}, label), ...cells.map((cell) => h('td', { class: 'num' }, cell)))
  designsTable.append(h('tbody', {},
    row('protocol', c.designs.map((d) => d.protocol)),
    row('builder', c.designs.map((d) => d.builder)),
    row('runs', c.designs.map((d) => `${d.runs.length}${d.failures.length ? ` (+${d.failures.length} failed)` : ''}`)),
    ...c.metrics.map((m) => row(h('span', { title: `${m.key}: ${m.definition}` }, title(m)), c.designs.map((d) => interval(d.stats[m.key], m.decimals, seeds)), { 'data-metric': m.key }))))
  document.getElementById('ci-note').textContent = `Each cell: the mean over seeds ± the half-width of its ${Math.round(c.confidence * 100)}% confidence interval `
    + '(Student t, n − 1 degrees of freedom); with one seed, the value and n=1.'
  const legend = document.getElementById('legend')
  for (const m of c.metrics) legend.append(h('li', {}, h('b', {}, m.label), ' (', h('code', {}, m.key), m.unit ? `, ${m.unit}` : '', `): ${m.definition}`))
  for (const d of c.designs) legend.append(h('li', {}, h('b', {}, d.design), `: ${d.description}; `, h('code', {}, Object.entries(d.overrides).map(([k, v]) => `${k}: ${v}`).join(', '))))
  const failures = c.designs.flatMap((d) => d.failures.map((f) => `${d.design}, seed ${f.seed}: ${f.error}`))
  if (failures.length) document.getElementById('failures').append(h('div', { class: 'error', style: 'margin-top:10px' }, h('b', {}, 'Failed runs'), h('ul', {}, ...failures.map((f) => h('li', {}, f)))))
}

const color = (i) => window.VizCharts.PALETTE[i % window.VizCharts.PALETTE.length]

function renderCdf(c) {
  const container = document.getElementById('charts')
  // The axis ends at the slowest design's 99.5th percentile: a few stragglers (a joiner's first
  // message after seconds) would otherwise squeeze every curve into the left edge.
  const atTail = (points) => (points.find((p) => p[1] >= 0.995) ?? points[points.length - 1])?.[0] ?? 0
  const xMax = Math.max(1, ...c.designs.map((d) => atTail(d.latencyCdf.points)))
  const cut = (points) => points.filter((p) => p[0] <= xMax)
  const series = c.designs.map((d, i) => ({ name: d.design, color: color(i), points: cut(d.latencyCdf.points), curve: window.d3.curveStepAfter }))
  const samples = c.designs.reduce((a, d) => a + d.latencyCdf.samples, 0)
  window.VizCharts.lineChart(container, {
    id: 'latency-cdf', title: 'Latency CDF by design', subtitle: `pooled over seeds, ${fmt(samples)} first receipts; to the slowest design's 99.5th percentile`,
    xDomain: [0, xMax],
    xLabel: 'first-receipt latency (ms)', xName: 'latency (ms)', yLabel: 'share of first receipts (%)',
    yDomain: [0, 1], yFormat: (v) => `${Math.round(v * 100)}`, tipY: (v) => `${(v * 100).toFixed(1)} %`,
    series, emptyText: 'no latency samples',
  })
  // The same curves from the median up, where designs differ most.
  const tail = series.map((s) => ({ ...s, points: s.points.filter((p) => p[1] >= 0.5) }))
  window.VizCharts.lineChart(container, {
    id: 'latency-cdf-tail', title: 'Latency CDF, upper half', subtitle: 'the same curves from the median up',
    xLabel: 'first-receipt latency (ms)', xName: 'latency (ms)', yLabel: 'share of first receipts (%)',
    xDomain: [0, xMax], yDomain: [0.5, 1], yFormat: (v) => `${Math.round(v * 100)}`, tipY: (v) => `${(v * 100).toFixed(1)} %`,
    series: tail, emptyText: 'no latency samples',
  })
}

function renderRuns(c) {
  const t = document.getElementById('runs')
  t.append(h('thead', {}, h('tr', {}, h('th', {}, 'Design'), h('th', { class: 'num' }, 'Seed'),
    ...c.metrics.map((m) => h('th', { class: 'num', title: m.key }, title(m))), h('th', { class: 'num' }, 'Latency samples'), h('th', {}, 'Run'))))
  const body = h('tbody')
  for (const d of c.designs) {
    for (const r of d.runs) {
      const runKey = c.runKeys[r.runDir]
      body.append(h('tr', {}, h('td', {}, d.design), h('td', { class: 'num' }, r.seed),
        ...c.metrics.map((m) => h('td', { class: 'num' }, fixed(r.values[m.key], m.decimals))), h('td', { class: 'num' }, fmt(r.latencySamples)),
        h('td', {}, runKey ? h('a', { href: runUrl(runKey) }, 'open') : h('span', { class: 'muted' }, 'missing'))))
    }
  }
  t.append(body)
}

try {
  const c = await api(compareApi(key))
  const seeds = c.seeds.length === 1 ? `seed ${c.seeds[0]}` : `seeds ${c.seeds[0]} to ${c.seeds[c.seeds.length - 1]}`
  const runs = c.designs.reduce((a, d) => a + d.runs.length + d.failures.length, 0)
  document.getElementById('info').textContent = `${c.designs.length} designs × ${seeds} · version ${c.version} · commit ${c.commit}`
    + (c.complete ? '' : ` · incomplete: ${runs} of ${c.designs.length * c.seeds.length} runs so far`)
  renderDesigns(c)
  renderCdf(c)
  renderRuns(c)
  document.body.dataset.ready = 'true'
} catch (e) {
  showError(designsTable, e)
}

// Runs picked in the run list, side by side: `compare.html?run=<key>&run=<key>...` (a permalink;
// the first run is the baseline). The headline metrics `sim compare` uses, each with the samples
// behind it and its difference from the baseline; the latency CDFs overlaid; the overlays.
import { api, fmt, h, header, runUrl, showError } from './common.js'
import { cdfCharts, colorOf, difference, overlayThumbs } from './compare-view.js'

const keys = new URLSearchParams(location.search).getAll('run')
header([['Runs', '/'], ['compare'], [`${keys.length} runs`]])
document.title = 'Runs compared · Block RTC explorer'
document.getElementById('title').textContent = 'Runs compared'
document.querySelector('#designs').closest('.card').querySelector('h2').textContent = 'Metrics'
document.getElementById('runs-card').hidden = true
const table = document.getElementById('designs')

/** Rewrites the URL with these runs, in this order (the first is the baseline), and reloads. */
function goTo(list) {
  const q = new URLSearchParams()
  for (const k of list) q.append('run', k)
  location.search = q.toString().replace(/%2F/g, '/')
}

const num = (v, decimals) => (v == null ? '–' : v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }))

function renderTable(c) {
  const base = c.runs[0]
  const heads = c.runs.map((r, i) => h('th', { class: 'num', 'data-run': r.key },
    h('span', { class: 'key', style: 'margin:0;color:inherit' }, h('i', { style: `background:${colorOf(i)}` }), h('a', { href: runUrl(r.key) }, r.key)),
    h('br'), i === 0 ? h('span', { class: 'badge info' }, 'baseline')
      : h('button', { type: 'button', class: 'link', title: `compare the others against ${r.key}`, onclick: () => goTo([r.key, ...keys.filter((k) => k !== r.key)]) }, 'make baseline'),
    ' ', c.runs.length > 2 ? h('button', { type: 'button', class: 'link', title: `drop ${r.key} from the comparison`, onclick: () => goTo(keys.filter((k) => k !== r.key)) }, 'remove') : null))
  table.append(h('thead', {}, h('tr', {}, h('th', {}, 'Metric'), ...heads)))
  const row = (label, cells, attrs = {}) => h('tr', attrs, h('td', {}, label), ...cells.map((cell) => h('td', { class: 'num' }, cell)))
  const body = h('tbody', {},
    row('scenario', c.runs.map((r) => r.scenario)),
    row('seed', c.runs.map((r) => r.seed ?? '–')),
    row('nodes', c.runs.map((r) => fmt(r.nodes))),
    row('version · commit', c.runs.map((r) => `${r.version ?? '–'} · ${(r.commit ?? '–').slice(0, 8)}`)),
    ...c.metrics.map((m) => row(h('span', { title: `${m.key}: ${m.definition}` }, m.unit ? `${m.label} (${m.unit})` : m.label), c.runs.map((r, i) => {
      const v = r.values[m.key]
      const n = r.samples[m.key]
      const diff = i ? difference(v, base.values[m.key], m.decimals) : null
      return h('span', { 'data-value': v ?? '' }, num(v, m.decimals),
        n != null ? h('span', { class: 'samples', title: 'samples behind this percentile' }, ` n=${fmt(n)}`) : null,
        diff != null ? [h('br'), h('span', { class: 'diff' }, diff)] : null)
    }), { 'data-metric': m.key })))
  table.append(body)
  document.getElementById('ci-note').textContent = `Each cell: the run's value and, for a percentile, the samples behind it (n); below, the difference from the baseline (${base.key}) and in brackets relative to it. `
    + 'One run per column, so no confidence interval: run `sim compare` or a replicated sweep for those.'
  const legend = document.getElementById('legend')
  for (const m of c.metrics) legend.append(h('li', {}, h('b', {}, m.label), ' (', h('code', {}, m.key), m.unit ? `, ${m.unit}` : '', `): ${m.definition}`))
}

try {
  if (keys.length < 2) throw new Error('Pick at least two runs in the run list (the boxes on the left) to compare them.')
  const c = await api(`/api/compare-runs?${keys.map((k) => `run=${encodeURIComponent(k)}`).join('&')}`)
  document.getElementById('info').textContent = `${c.runs.length} runs · baseline ${c.runs[0].key}`
  renderTable(c)
  const entries = c.runs.map((r, i) => ({ name: r.key, color: colorOf(i), samples: r.latencyCdf.samples, points: r.latencyCdf.points, runKey: r.key }))
  cdfCharts(document.getElementById('charts'), entries, 'run')
  const partial = c.runs.filter((r) => r.latencyCdf.source === 'summary').map((r) => r.key)
  if (partial.length) document.getElementById('charts').append(h('p', { class: 'note' }, `${partial.join(', ')}: no deliveries.csv, so only the summary's percentiles (p50, p90, p99, max) are drawn.`))
  window.VizCharts.addTableExports(document.querySelector('main'), 'compare-runs')
  await overlayThumbs(document.getElementById('overlays'), entries)
  document.body.dataset.ready = 'true'
} catch (e) {
  showError(table, e)
  document.body.dataset.ready = 'error'
}

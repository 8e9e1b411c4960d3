// The comparison page. `?compare=<scenario>/<compare>`: a design comparison (`sim compare`): one
// column per design with the mean and confidence interval over seeds of each headline metric and
// its difference from the first design, the designs' latency CDFs overlaid (each pooled over its
// seeds), one overlay per design, and every run with a link to its own page.
// `?run=<key>&run=<key>...`: runs picked in the run list (compare-runs.js).
import { api, compareApi, fmt, h, header, param, runUrl, showError } from './common.js'
import { cdfCharts, colorOf, difference, overlayThumbs } from './compare-view.js'

if (new URLSearchParams(location.search).has('run')) await import('./compare-runs.js')
else await showComparison()

async function showComparison() {
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
      row('latency samples (pooled)', c.designs.map((d) => fmt(d.latencyCdf.samples))),
      ...c.metrics.map((m) => row(h('span', { title: `${m.key}: ${m.definition}` }, title(m)), c.designs.map((d, i) => {
        const cell = interval(d.stats[m.key], m.decimals, seeds)
        const diff = i ? difference(d.stats[m.key]?.mean ?? null, c.designs[0].stats[m.key]?.mean ?? null, m.decimals) : null
        return diff == null ? cell : h('span', {}, cell, h('br'), h('span', { class: 'diff' }, `${diff} vs ${c.designs[0].design}`))
      }), { 'data-metric': m.key }))))
    document.getElementById('ci-note').textContent = `Each cell: the mean over seeds ± the half-width of its ${Math.round(c.confidence * 100)}% confidence interval `
      + `(Student t, n − 1 degrees of freedom); with one seed, the value and n=1. Below it, the difference of the means from ${c.designs[0]?.design ?? 'the first design'}.`
    const legend = document.getElementById('legend')
    for (const m of c.metrics) legend.append(h('li', {}, h('b', {}, m.label), ' (', h('code', {}, m.key), m.unit ? `, ${m.unit}` : '', `): ${m.definition}`))
    for (const d of c.designs) legend.append(h('li', {}, h('b', {}, d.design), `: ${d.description}; `, h('code', {}, Object.entries(d.overrides).map(([k, v]) => `${k}: ${v}`).join(', '))))
    const failures = c.designs.flatMap((d) => d.failures.map((f) => `${d.design}, seed ${f.seed}: ${f.error}`))
    if (failures.length) document.getElementById('failures').append(h('div', { class: 'error', style: 'margin-top:10px' }, h('b', {}, 'Failed runs'), h('ul', {}, ...failures.map((f) => h('li', {}, f)))))
  }

  const color = colorOf

  function renderCdf(c) {
    cdfCharts(document.getElementById('charts'), c.designs.map((d, i) => ({ name: d.design, color: color(i), samples: d.latencyCdf.samples, points: d.latencyCdf.points })), 'design')
  }

  /** Each design's overlay, from its first run (the first seed), as small pictures side by side. */
  function renderOverlays(c) {
    return overlayThumbs(document.getElementById('overlays'), c.designs.map((d, i) => {
      const r = d.runs[0]
      return { name: r ? `${d.design} · seed ${r.seed}` : d.design, color: color(i), runKey: r ? c.runKeys[r.runDir] : null }
    }))
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
    window.VizCharts.addTableExports(document.querySelector('main'), 'compare')
    await renderOverlays(c)
    document.body.dataset.ready = 'true'
  } catch (e) {
    showError(designsTable, e)
  }
}

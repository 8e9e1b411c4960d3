// A sweep: any numeric metric against one swept parameter, one line per combination of the others.
import { api, fmt, h, header, param, runUrl, showError, sweepApi } from './common.js'

const key = param('sweep') || ''
const [scenario, sweepName] = key.split('/')
header([['Runs', '/'], [scenario || '?'], [sweepName || '?']])
document.getElementById('title').textContent = `Sweep ${sweepName || ''} · ${scenario || ''}`
const metricSel = document.getElementById('metric')
const xSel = document.getElementById('xparam')
const chart = document.getElementById('chart')

const UNITS = { deliveryRatio: 'ratio', duplicatesPerDelivery: 'count', rmr: 'ratio', hopsMean: 'hops', budgetsPassed: 'count' }
const unitOf = (m) => (m.endsWith('Ms') ? 'ms' : m.endsWith('S') ? 's' : m.endsWith('Mb') ? 'MB' : UNITS[m] || 'value')
const numeric = (v) => v !== '' && Number.isFinite(Number(v))

function draw(s) {
  const metric = metricSel.value, xp = xSel.value
  const others = s.parameters.filter((p) => p !== xp)
  const groups = new Map()
  for (const pt of s.points) {
    const label = others.length ? others.map((o) => `${o}=${pt.params[o]}`).join(', ') : metric
    if (!groups.has(label)) groups.set(label, [])
    const xv = numeric(pt.params[xp]) ? Number(pt.params[xp]) : null
    if (xv != null && pt.values[metric] != null) groups.get(label).push([xv, pt.values[metric]])
  }
  const series = [...groups].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]), dots: true }))
  chart.innerHTML = ''
  window.VizCharts.lineChart(chart, {
    id: 'sweep', title: `${metric} vs ${xp}`, subtitle: `${series.length} line${series.length === 1 ? '' : 's'}, one per ${others.join(' × ') || 'sweep'}`,
    xLabel: `${xp} (${numeric(s.points[0]?.params[xp]) ? 'value' : 'category'})`, xName: xp, yLabel: `${metric} (${unitOf(metric)})`, series,
    emptyText: `${xp} is not numeric`,
  })
}

try {
  const s = await api(sweepApi(key))
  for (const m of s.metrics) metricSel.append(h('option', { value: m }, m))
  for (const p of s.parameters) xSel.append(h('option', { value: p }, p))
  metricSel.value = s.metrics.includes('latencyP99Ms') ? 'latencyP99Ms' : s.metrics[0]
  xSel.value = s.parameters[s.parameters.length - 1] || ''
  document.getElementById('info').textContent = `${s.points.length} grid points · commit ${s.meta.commit || '?'}`
  metricSel.onchange = xSel.onchange = () => draw(s)
  draw(s)
  const t = document.getElementById('points')
  t.append(h('thead', {}, h('tr', {}, ...s.parameters.map((p) => h('th', {}, p)), ...s.metrics.map((m) => h('th', { class: 'num' }, m)), h('th', {}, 'Run'))))
  t.append(h('tbody', {}, ...s.points.map((pt) => h('tr', {},
    ...s.parameters.map((p) => h('td', {}, pt.params[p])),
    ...s.metrics.map((m) => h('td', { class: 'num' }, fmt(pt.values[m]))),
    h('td', {}, pt.runKey ? h('a', { href: runUrl(pt.runKey) }, 'open') : h('span', { class: 'muted' }, 'missing'))))))
  document.body.dataset.ready = 'true'
} catch (e) {
  showError(chart, e)
}

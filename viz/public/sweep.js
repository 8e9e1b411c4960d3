// A sweep: any metric against one swept parameter, one line per combination of the others. Axes
// and menus use readable names with units; a replicated sweep (`--seeds`) draws each point's mean
// with its confidence interval as error bars and a band. URL: /sweep.html?sweep=..[&metric=..][&x=..]
import { api, fmt, h, header, param, runUrl, showError, sweepApi } from './common.js'
import { fieldName, metricName, withUnit } from './names.js'
import { metricsOf, sweepChart } from './sweep-chart.js'

const key = param('sweep') || ''
const [scenario, sweepName] = key.split('/')
header([['Runs', '/'], [scenario || '?'], [sweepName || '?']])
document.getElementById('title').textContent = `Sweep ${sweepName || ''} · ${scenario || ''}`
const metricSel = document.getElementById('metric')
const xSel = document.getElementById('xparam')
const chart = document.getElementById('chart')

function draw(s, replicated) {
  const metric = metricSel.value, xp = xSel.value
  chart.innerHTML = ''
  sweepChart(chart, s, metric, xp, replicated)
  const q = new URLSearchParams(location.search)
  q.set('metric', metric); q.set('x', xp)
  history.replaceState(null, '', `${location.pathname}?${q.toString().replace(/%2F/g, '/')}`)
}

try {
  const s = await api(sweepApi(key))
  const { replicated, names } = metricsOf(s)
  for (const m of names) metricSel.append(h('option', { value: m }, withUnit(metricName(m))))
  for (const p of s.parameters) xSel.append(h('option', { value: p }, withUnit(fieldName(p))))
  const want = param('metric'), wantX = param('x')
  metricSel.value = want && names.includes(want) ? want : names.includes('latencyP99Ms') ? 'latencyP99Ms' : names[0]
  xSel.value = wantX && s.parameters.includes(wantX) ? wantX : s.parameters[s.parameters.length - 1] || ''
  document.getElementById('info').textContent = `${s.points.length} grid points${replicated ? ` × ${s.meta.seeds ? s.meta.seeds.split(',').length : '?'} seeds` : ''} · commit ${s.meta.commit || '?'}`
  metricSel.onchange = xSel.onchange = () => draw(s, replicated)
  draw(s, replicated)
  const t = document.getElementById('points')
  const cols = names
  const show = (m, v) => (metricName(m).share && v != null && Number.isFinite(v) ? `${window.d3.format('.4~r')(v * 100)} %` : fmt(v))
  const cell = (pt, m) => (replicated ? `${show(m, pt.values[`${m}.mean`])} ± ${show(m, (pt.values[`${m}.ciHigh`] - pt.values[`${m}.ciLow`]) / 2)}` : show(m, pt.values[m]))
  t.append(h('thead', {}, h('tr', {}, ...s.parameters.map((p) => h('th', { title: p }, withUnit(fieldName(p)))), ...cols.map((m) => h('th', { class: 'num', title: m }, withUnit(metricName(m)))), h('th', {}, 'Run'))))
  t.append(h('tbody', {}, ...s.points.map((pt) => h('tr', {},
    ...s.parameters.map((p) => h('td', {}, pt.params[p])),
    ...cols.map((m) => h('td', { class: 'num' }, cell(pt, m))),
    h('td', {}, pt.runKey ? h('a', { href: runUrl(pt.runKey) }, 'open') : h('span', { class: 'muted' }, 'missing'))))))
  window.VizCharts.addTableExports(document.querySelector('main'), 'sweep')
  document.body.dataset.ready = 'true'
} catch (e) {
  showError(chart, e)
}

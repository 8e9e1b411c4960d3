// The run list: every run under the results directory with its headline metrics, the sweeps and
// the design comparisons.
import { api, compareUrl, fmt, fmtMs, fmtPct, fmtWhen, h, header, runUrl, showError, sweepUrl } from './common.js'

header([['Runs']])
const table = document.getElementById('runs')
const sweeps = document.getElementById('sweeps')
const filter = document.getElementById('filter')
/** Runs ticked for comparison, kept across filtering. */
const picked = new Set()
const compareButton = document.getElementById('compare-picked')

function updatePicked() {
  compareButton.disabled = picked.size < 2
  compareButton.textContent = picked.size ? `Compare ${picked.size} runs` : 'Compare runs'
}
compareButton.addEventListener('click', () => {
  const q = new URLSearchParams()
  for (const k of picked) q.append('run', k)
  location.href = `/compare.html?${q.toString().replace(/%2F/g, '/')}`
})

function renderRuns(runs) {
  const q = filter.value.trim().toLowerCase()
  const shown = runs.filter((r) => !q || `${r.scenario} ${r.run} ${r.key}`.toLowerCase().includes(q))
  document.getElementById('count').textContent = `${shown.length} of ${runs.length} runs`
  table.innerHTML = ''
  table.append(h('thead', {}, h('tr', {},
    h('th', {}, h('span', { class: 'muted', title: 'tick two or more runs to compare them' }, 'Compare')), h('th', {}, 'Scenario'), h('th', {}, 'Run'), h('th', { class: 'num' }, 'Seed'), h('th', { class: 'num' }, 'Nodes'),
    h('th', { class: 'num' }, 'Delivery ratio'), h('th', { class: 'num' }, 'Latency p50'), h('th', { class: 'num' }, 'Latency p99'),
    h('th', { class: 'num' }, 'Duplicates / delivery'), h('th', {}, 'Budgets'), h('th', {}, 'Data'), h('th', {}, 'When'))))
  const body = h('tbody')
  for (const r of shown) {
    const budgets = r.budgetsTotal == null ? h('span', { class: 'muted' }, '–')
      : h('span', { class: `badge ${r.budgetsPassed === r.budgetsTotal ? 'pass' : 'fail'}` }, `${r.budgetsPassed}/${r.budgetsTotal}`)
    const data = [r.hasTopology && 'graph', r.hasDeliveries && 'deliveries', r.hasTimeseries && 'time series'].filter(Boolean).join(' · ')
    const box = h('input', { type: 'checkbox', 'aria-label': `compare ${r.key}`, 'data-key': r.key, checked: picked.has(r.key) })
    box.addEventListener('change', () => { if (box.checked) picked.add(r.key); else picked.delete(r.key); updatePicked() })
    body.append(h('tr', { 'data-key': r.key },
      h('td', {}, box), h('td', {}, r.scenario), h('td', {}, h('a', { href: runUrl(r.key) }, r.run)),
      h('td', { class: 'num' }, r.seed ?? '–'), h('td', { class: 'num' }, fmt(r.nodes)),
      h('td', { class: 'num' }, fmtPct(r.deliveryRatio)), h('td', { class: 'num' }, fmtMs(r.latencyP50Ms)), h('td', { class: 'num' }, fmtMs(r.latencyP99Ms)),
      h('td', { class: 'num' }, fmt(r.duplicatesPerDelivery)), h('td', {}, budgets), h('td', { class: 'muted' }, data), h('td', { class: 'muted' }, fmtWhen(r.startedAt))))
  }
  table.append(body)
  if (!shown.length) table.append(h('tbody', {}, h('tr', {}, h('td', { colspan: 12, class: 'empty' }, runs.length ? 'No run matches the filter.' : 'No runs yet: try npm run sim -- run scenarios/quickstart.yaml'))))
}

function renderSweeps(list) {
  sweeps.innerHTML = ''
  sweeps.append(h('thead', {}, h('tr', {}, h('th', {}, 'Scenario'), h('th', {}, 'Sweep'), h('th', {}, 'Swept parameters'), h('th', { class: 'num' }, 'Points'), h('th', {}, 'When'))))
  const body = h('tbody')
  for (const s of list) {
    body.append(h('tr', {}, h('td', {}, s.scenario), h('td', {}, h('a', { href: sweepUrl(s.key) }, s.sweep)),
      h('td', {}, h('code', {}, s.parameters.join(', '))), h('td', { class: 'num' }, s.points), h('td', { class: 'muted' }, fmtWhen(s.modifiedAt))))
  }
  if (!list.length) body.append(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No sweeps yet.')))
  sweeps.append(body)
}

function renderCompares(list) {
  const table = document.getElementById('compares')
  table.innerHTML = ''
  table.append(h('thead', {}, h('tr', {}, h('th', {}, 'Scenario'), h('th', {}, 'Comparison'), h('th', {}, 'Designs'), h('th', { class: 'num' }, 'Seeds'),
    h('th', { class: 'num' }, 'Runs'), h('th', {}, 'When'))))
  const body = h('tbody')
  for (const c of list) {
    const runs = `${c.runs}${c.failed ? ` (+${c.failed} failed)` : ''}${c.complete ? '' : ', incomplete'}`
    body.append(h('tr', {}, h('td', {}, c.scenario), h('td', {}, h('a', { href: compareUrl(c.key) }, c.compare)),
      h('td', {}, h('code', {}, c.designs.join(', '))), h('td', { class: 'num' }, c.seeds), h('td', { class: 'num' }, runs), h('td', { class: 'muted' }, fmtWhen(c.modifiedAt))))
  }
  if (!list.length) body.append(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No comparisons yet: try npm run sim -- compare scenarios/compare-designs.yaml')))
  table.append(body)
}

try {
  const [{ runs, sweeps: sw }, { compares }] = await Promise.all([api('/api/runs'), api('/api/compares')])
  renderRuns(runs)
  renderSweeps(sw)
  renderCompares(compares)
  filter.addEventListener('input', () => renderRuns(runs))
  document.body.dataset.ready = 'true'
} catch (e) {
  showError(table, e)
}

// The live page: a WebSocket to /api/live animates the running simulation on the overlay graph,
// plots its ticks, and sends the chosen real-time multiple and pause back to the simulator.
import { fmt, fmtMs, h, header } from './common.js'
import { GraphView } from './graph.js'
import { applyTopologyDiff } from './topology-diff.js'

header([['Live']])
const $ = (id) => document.getElementById(id)
const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100]
const FADE_MS = 700 // wall time a delivery stays lit
const MAX_LIT = 600 // most recent deliveries drawn: beyond this a frame costs more than it shows
const S = { dropped: 0, topology: null, sp: null, ticks: [], recent: [], counts: { first: 0, dup: 0, messages: new Set() }, speed: 1, paused: false, done: false, received: 0 }
const view = new GraphView($('graph'), { onSelect: (id) => showNode(id) })
let ws = null

for (const s of SPEEDS) $('speed').append(h('option', { value: String(s) }, `${s}× real time`))
$('speed').value = '1'
$('speed').onchange = () => send({ speed: Number($('speed').value) })
$('pause').onclick = () => send({ paused: !S.paused })
$('fit').onclick = () => view.resetView()
$('sp').onchange = () => showStreamPart($('sp').value)

function send(control) {
  if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'control', ...control }))
}

function setControl(speed, paused) {
  S.speed = speed; S.paused = paused
  if (!SPEEDS.includes(speed)) $('speed').append(h('option', { value: String(speed) }, `${speed}× real time`))
  $('speed').value = String(speed)
  $('pause').textContent = paused ? '▶ Resume' : 'Pause'
  document.body.dataset.speed = String(speed)
  document.body.dataset.paused = String(paused)
}

function setTopology(t) {
  if (!t) return
  S.topology = t
  const sps = Object.keys(t.streamParts)
  const keep = S.sp && t.streamParts[S.sp] && view.n > 0
  spOptions()
  // A topology re-sent after a reconnect is a change like any other: the picture stays.
  showStreamPart(keep ? S.sp : sps[0], keep)
}

function spOptions() {
  const t = S.topology
  $('sp').replaceChildren(...Object.keys(t.streamParts).map((sp) => h('option', { value: sp }, `${sp} (${fmt(t.streamParts[sp].nodes.length)} nodes)`)))
  if (S.sp) $('sp').value = S.sp
}

/** Nodes and links that came and went: applied to the graph in place, positions kept. */
function onTopologyDiff(diff) {
  if (!S.topology) return
  const changed = applyTopologyDiff(S.topology, diff)
  S.topologyChanges = (S.topologyChanges || 0) + 1
  document.body.dataset.topologyChanges = String(S.topologyChanges)
  spOptions()
  if (!S.topology.streamParts[S.sp]) { const first = Object.keys(S.topology.streamParts)[0]; if (first) showStreamPart(first); return }
  if (changed.includes(S.sp)) showStreamPart(S.sp, true)
}

function showStreamPart(sp, incremental = false) {
  S.sp = sp
  $('sp').value = sp
  view.setGraph(S.topology.streamParts[sp], { incremental })
}

const spOf = (id) => (/^(.+?#\d+)\//.exec(id) || [])[1]

function onDeliveries(list) {
  const now = performance.now()
  for (const [messageId, node, from, atMs, hops, dup] of list) {
    S.received++
    S.counts.messages.add(messageId)
    if (dup) S.counts.dup++
    else S.counts.first++
    const sp = spOf(messageId)
    if (sp && S.sp && sp !== S.sp) continue
    S.recent.push({ node, from, dup, at: now, atMs, hops })
  }
  if (S.recent.length > MAX_LIT) S.recent.splice(0, S.recent.length - MAX_LIT)
  document.body.dataset.deliveries = String(S.received)
}

function onTicks(ticks) {
  for (const t of ticks) S.ticks.push(t)
  document.body.dataset.ticks = String(S.ticks.length)
}

/** Each frame: light what arrived in the last FADE_MS, fading with age. */
function animate() {
  const now = performance.now()
  while (S.recent.length && now - S.recent[0].at > FADE_MS) S.recent.shift()
  if (view.pos && view.index) {
    const buckets = [[], [], []], dupBuckets = [[], [], []], ring = []
    for (const r of S.recent) {
      const i = view.index.get(r.node), f = r.from == null ? undefined : view.index.get(r.from)
      if (i === undefined) continue
      const b = Math.min(2, Math.floor(((now - r.at) / FADE_MS) * 3))
      if (f !== undefined) (r.dup ? dupBuckets : buckets)[b].push(f, i)
      if (!r.dup && b === 0) ring.push(i)
    }
    const alpha = [1, 0.55, 0.25]
    view.setOverlay(S.recent.length ? {
      dim: false,
      lines: [...[2, 1, 0].map((b) => ({ color: '#f472b6', width: 1.1, alpha: alpha[b] * 0.7, pairs: dupBuckets[b] })), ...[2, 1, 0].map((b) => ({ color: '#22d3ee', width: 1.4, alpha: alpha[b], pairs: buckets[b] }))],
      rings: [{ color: '#ffffff', width: 1.2, nodes: ring.slice(-200) }],
    } : null)
  }
  requestAnimationFrame(animate)
}
requestAnimationFrame(animate)

function tiles() {
  const last = S.ticks[S.ticks.length - 1]
  const tile = (label, value) => h('div', { class: 'tile' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value))
  $('tiles').replaceChildren(
    tile('Simulated time', last ? `${fmt(last.tMs / 1000)} s` : '–'),
    tile('Nodes up', last ? fmt(last.nodesUp) : '–'),
    tile('Messages seen', fmt(S.counts.messages.size)),
    tile('First receipts', fmt(last ? last.firstReceipts : S.counts.first)),
    tile('Duplicates', fmt(last ? last.duplicates : S.counts.dup)),
    tile('Speed', S.paused ? 'paused' : `${S.speed}×`),
  )
  $('status').replaceChildren(
    h('div', {}, ws && ws.readyState === 1 ? 'connected' : 'disconnected'),
    h('div', {}, S.done ? 'simulation finished' : S.topology ? 'running' : 'waiting for the simulator…'),
    h('div', {}, `${fmt(S.received)} deliveries drawn${S.dropped ? `, ${fmt(S.dropped)} skipped to keep up` : ''}`),
  )
}

let chartsAt = 0
function charts() {
  const now = performance.now()
  if (now - chartsAt < 500) return
  chartsAt = now
  const el = $('charts')
  el.innerHTML = ''
  const pts = (f) => S.ticks.map((t) => [t.tMs / 1000, f(t)])
  // Ticks carry running totals; the rate is the change per simulated second.
  const rate = (f) => S.ticks.slice(1).map((t, i) => {
    const p = S.ticks[i], dt = (t.tMs - p.tMs) / 1000
    return [t.tMs / 1000, dt > 0 ? (f(t) - f(p)) / dt : null]
  }).filter((q) => q[1] != null)
  window.VizCharts.lineChart(el, {
    id: 'live-receipts', title: 'Receipt rate', xLabel: 'simulated time (s)', xName: 'time (s)', yLabel: 'receipts per simulated second (1/s)',
    series: [{ name: 'first receipts', color: '#2563eb', points: rate((t) => t.firstReceipts) }, { name: 'duplicates', color: '#dc2626', points: rate((t) => t.duplicates) }],
    emptyText: 'waiting for ticks',
  })
  window.VizCharts.lineChart(el, {
    id: 'live-nodes', title: 'Nodes up', xLabel: 'simulated time (s)', xName: 'time (s)', yLabel: 'nodes up (count)',
    series: [{ name: 'nodes up', color: '#059669', points: pts((t) => t.nodesUp) }], emptyText: 'waiting for ticks',
  })
}

function showNode(id) {
  if (id == null) return
  const i = view.index.get(id)
  const nb = [...view.adj[i]].sort((a, b) => a[1] - b[1])
  $('node-panel').replaceChildren(h('h2', {}, id, ' ', view.nodes[i].region ? h('span', { class: 'badge info' }, view.nodes[i].region) : null),
    h('table', { class: 'data' }, h('thead', {}, h('tr', {}, h('th', {}, 'Neighbour'), h('th', { class: 'num' }, 'Link latency'))),
      h('tbody', {}, ...nb.map(([j, l]) => h('tr', {}, h('td', {}, view.ids[j]), h('td', { class: 'num' }, fmtMs(l)))))))
}

function connect() {
  ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`)
  ws.onopen = () => { $('dot').classList.add('on'); document.body.dataset.connected = 'true' }
  ws.onclose = () => { $('dot').classList.remove('on'); document.body.dataset.connected = 'false'; tiles(); if (!S.done) setTimeout(connect, 1000) }
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data)
    if (m.type === 'hello') {
      setControl(m.speed, m.paused)
      S.ticks = []
      onTicks(m.ticks)
      if (m.topology) setTopology(m.topology)
      onDeliveries(m.deliveries)
      if (m.done) { S.done = true; document.body.dataset.done = 'true' }
    } else if (m.type === 'topology') setTopology(m.topology)
    else if (m.type === 'topology-diff') onTopologyDiff(m.diff)
    else if (m.type === 'batch') { onDeliveries(m.deliveries); onTicks(m.ticks); S.dropped += m.dropped || 0 }
    else if (m.type === 'control') setControl(m.speed, m.paused)
    else if (m.type === 'done') { S.done = true; document.body.dataset.done = 'true' }
    tiles()
    charts()
  }
}
tiles()
// The live page exists to follow `sim run --viz`; on the plain explorer there is nothing to connect
// to, and a WebSocket that can only fail would fill the console every second.
fetch('/api/live/status').then((r) => r.json()).then((st) => {
  document.body.dataset.live = String(!!st.live)
  if (st.live) connect()
  else $('status').replaceChildren(h('div', {}, 'No simulation is streaming to this explorer.'),
    h('div', { class: 'muted' }, 'Start one with: npm run sim -- run SCENARIO --viz'))
}).catch(() => { document.body.dataset.live = 'false' }).finally(() => { document.body.dataset.ready = 'true' })

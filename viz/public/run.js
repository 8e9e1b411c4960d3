// The run page: headline tiles, the overlay graph with search, node panel and message replay,
// the charts, and the summary tables. The URL is a permalink: it follows what is shown.
// /run.html?run=<scenario>/<run>[&sp=..][&node=..][&msg=..][&t=ms][&at=ms][&view=x,y,k][&color=..][&hide=a,b]
import { api, fmt, fmtMs, fmtPct, fmtWhen, h, header, param, runApi, showError } from './common.js'
import { GraphView } from './graph.js'
import { searchIds } from './search.js'
import { gexf, graphml } from './graph-export.js'
import { Replay, speedOptions } from './replay.js'

const key = param('run') || ''
const segs = key.split('/')
header([['Runs', '/'], [segs[0] || '?'], [segs.slice(1).join('/') || '?']])
document.getElementById('title').textContent = `${segs.slice(1).join('/')} · ${segs[0]}`

const $ = (id) => document.getElementById(id)
const S = { topology: null, sp: null, summary: null, stats: new Map(), messages: [], msgIndex: -1, replayRows: null }

const view = new GraphView($('graph'), { onSelect: (id) => { showNode(id); permalink() }, onView: () => permalink() })
const replay = new Replay(view, {
  slider: $('slider'),
  setSpeed: (s) => { $('speed').value = String(s) },
  onPlaying: (p) => { $('play').textContent = p ? 'Pause' : '▶ Play' },
  stats: (s) => {
    const box = $('replay')
    if (!s) {
      $('t-label').textContent = 't = –'
      for (const id of ['r-reached', 'r-dups', 'r-hops']) $(id).textContent = '–'
      delete box.dataset.reached
      return
    }
    $('t-label').textContent = `t = +${s.t.toFixed(1)} ms`
    $('r-reached').textContent = `${s.reached} / ${s.receivers}${s.offGraph ? ` (${s.offGraph} receipts off this graph)` : ''}`
    $('r-dups').textContent = String(s.dups)
    $('r-hops').textContent = String(s.hops)
    box.dataset.reached = String(s.reached)
    box.dataset.receivers = String(s.receivers)
    box.dataset.t = String(s.t)
    if (!replay.playing) permalink()
  },
})

/** Writes what is shown into the URL (replaceState: no history entry per click). */
function permalink() {
  if (!S.ready) return
  const q = new URLSearchParams()
  q.set('run', key)
  if (S.sp) q.set('sp', S.sp)
  if (view.selected >= 0) q.set('node', view.ids[view.selected])
  if (replay.data && S.msgIndex >= 0) { q.set('msg', String(S.msgIndex)); q.set('t', String(Math.round(replay.t * 10) / 10)) }
  if (S.history && S.at < S.history.endMs) q.set('at', String(S.at))
  if (view.userMoved) { const { x, y, k } = view.transform; q.set('view', [x, y, k].map((v) => +v.toFixed(k < 1 ? 4 : 2)).join(',')) }
  if ($('color').value !== 'region') q.set('color', $('color').value)
  if (view.layoutMode === 'map') q.set('layout', 'map')
  if (view.hiddenCats.size) q.set('hide', [...view.hiddenCats].join(','))
  const url = `${location.pathname}?${q.toString().replace(/%2F/g, '/')}`
  if (url !== location.pathname + location.search) history.replaceState(null, '', url)
}

for (const s of speedOptions()) $('speed').append(h('option', { value: String(s) }, `${s}× real time`))
$('speed').onchange = () => { replay.speed = Number($('speed').value) }
$('play').onclick = () => (replay.playing ? replay.pause() : replay.play())
$('slider').oninput = () => { replay.pause(); replay.seek(Number($('slider').value)) }
$('clear').onclick = () => { replay.clear(); S.replayRows = null; if (view.selected >= 0) showNode(view.ids[view.selected]) }
$('prev').onclick = () => pickMessage(Math.max(0, S.msgIndex - 1))
$('next').onclick = () => pickMessage(Math.min(S.messages.length - 1, S.msgIndex + 1))
$('msg').onchange = () => pickMessage(Number($('msg').value))
$('fit').onclick = () => { view.resetView(); setTimeout(permalink, 600) }
$('sp').onchange = () => { showStreamPart($('sp').value); permalink() }
$('color').onchange = () => { applyColor(); permalink() }
$('layout').onchange = () => { view.setLayout($('layout').value); setTimeout(permalink, 0) }
$('time-slider').oninput = () => { showAt(Number($('time-slider').value)); permalink() }
view.legend.addEventListener('click', () => setTimeout(permalink, 0))
const fileBase = () => `${key.replace(/\//g, '_')}_${(S.sp || '').replace(/[#/]/g, '_')}`
$('export-png').onclick = () => view.canvas.toBlob((b) => window.VizCharts.download(`${fileBase()}.png`, b, 'image/png'), 'image/png')
$('export-graphml').onclick = () => window.VizCharts.download(`${fileBase()}.graphml`, graphml(view, `${key} ${S.sp}`), 'application/graphml+xml')
$('export-gexf').onclick = () => window.VizCharts.download(`${fileBase()}.gexf`, gexf(view, `${key} ${S.sp}`), 'application/gexf+xml')
$('search').addEventListener('change', () => search($('search').value.trim()))
$('search').addEventListener('keydown', (e) => { if (e.key === 'Enter') search($('search').value.trim()) })

function tile(label, value, sub) {
  return h('div', { class: 'tile' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value), sub ? h('div', { class: 'sub' }, sub) : null)
}

function renderTiles(s) {
  const budgetsOk = s.budgets ? s.budgets.filter((b) => b.pass).length : 0
  $('tiles').replaceChildren(
    tile('Nodes', fmt(s.nodes), `${s.streamParts} stream part${s.streamParts === 1 ? '' : 's'}`),
    tile('Published', fmt(s.published), `${fmt(s.receivers)} expected receipts`),
    tile('Delivery ratio', fmtPct(s.deliveryRatio), `${fmt(s.firstReceipts)} first receipts`),
    tile('Latency p50', fmtMs(s.latencyMs?.p50), `mean ${fmtMs(s.latencyMs?.mean)}`),
    tile('Latency p99', fmtMs(s.latencyMs?.p99), `max ${fmtMs(s.latencyMs?.max)}`),
    tile('Duplicates / delivery', fmt(s.duplicatesPerDelivery), `${fmt(s.duplicates)} duplicates`),
    tile('RMR', fmt(s.rmr), 'relative message redundancy'),
    tile('Hops', fmt(s.hops?.mean), `p99 ${fmt(s.hops?.p99)}`),
    tile('Budgets', s.budgets?.length ? `${budgetsOk}/${s.budgets.length}` : '–', s.budgets?.length ? (budgetsOk === s.budgets.length ? 'all pass' : 'some fail') : 'none set'),
  )
}

function kv(rows) {
  return h('table', { class: 'kv', style: 'width:100%' }, h('tbody', {}, ...rows.filter(Boolean).map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, v)))))
}

function renderSummary(s, yaml) {
  const card = (title, ...body) => h('div', { class: 'card' }, h('h2', {}, title), ...body)
  const budgets = s.budgets?.length
    ? h('table', { class: 'data' }, h('thead', {}, h('tr', {}, h('th', {}, 'Metric'), h('th', {}, 'Rule'), h('th', { class: 'num' }, 'Value'), h('th', {}, ''))),
      h('tbody', {}, ...s.budgets.map((b) => h('tr', {}, h('td', {}, h('code', {}, b.metric)), h('td', {}, `${b.op} ${fmt(b.limit)}`), h('td', { class: 'num' }, fmt(b.value)),
        h('td', {}, h('span', { class: `badge ${b.pass ? 'pass' : 'fail'}` }, b.pass ? 'pass' : 'fail'))))))
    : h('p', { class: 'muted' }, 'No budgets in this scenario.')
  $('summary').replaceChildren(...[
    card('Run', kv([['scenario', s.scenario], ['seed', s.seed], ['version', s.version], ['commit', h('code', {}, s.commit)], ['started', fmtWhen(s.startedAt)],
      s.transport ? ['transport', s.transport] : null,
      ['simulated time', `${fmt(s.simulatedSeconds)} s`], ['wall time', `${fmt(s.wallSeconds)} s`], ['events', fmt(s.events)], ['events / s', fmt(s.eventsPerSecond)], ['peak RSS', `${fmt(s.peakRssMb)} MB`]])),
    card('Delivery', kv([['latency samples', fmt(s.latencyMs?.count)], ['latency mean / p90', `${fmtMs(s.latencyMs?.mean)} / ${fmtMs(s.latencyMs?.p90)}`],
      ['hops samples', fmt(s.hops?.count)], ['stretch mean / p99', `${fmt(s.stretch?.mean)} / ${fmt(s.stretch?.p99)}`], ['payload transmissions', fmt(s.payloadTransmissions)],
      ['payload bytes / node', fmt(s.payloadBytesPerNode)], ['control msgs / node / s', fmt(s.controlMessagesPerNodePerSecond)],
      ['lost (loss / partition / cut)', s.lost ? `${fmt(s.lost.loss)} / ${fmt(s.lost.partition)} / ${fmt(s.lost.linkCut)}` : '–'], ['dropped invalid / malformed', `${fmt(s.droppedInvalid)} / ${fmt(s.droppedMalformed)}`]])),
    s.messageLayer ? renderMessageLayer(s.messageLayer, card) : null,
    card('Budgets', budgets),
    card('Scenario', yaml ? h('pre', { class: 'yaml' }, yaml) : h('pre', { class: 'yaml' }, JSON.stringify(s.parameters ?? {}, null, 2))),
  ].filter(Boolean)) // a run without a message layer has no card, not the text "null"
  window.VizCharts.addTableExports($('summary'), 'summary')

}

/** summary.messageLayer (README, "Message layer metrics"): what apps got and what validation stopped. */
function renderMessageLayer(m, card) {
  return card('Message layer', kv(window.VizCharts.messageLayerRows(m)))
}

function renderOverlayPanel() {
  const o = S.summary?.overlay?.find((x) => x.streamPart === S.sp)
  const g = S.topology.streamParts[S.sp]
  const body = [h('h2', {}, `Overlay · ${S.sp}`)]
  if (o) {
    body.push(kv([['nodes', fmt(o.nodes)], ['links', fmt(o.edges)], ['components', `${o.components} (largest ${fmt(o.largestComponent)})`],
      ['diameter (estimate)', fmt(o.diameterEstimate)], ['clustering', fmt(o.clustering)]]))
    const dd = Object.entries(o.degreeDistribution || {}).map(([d, c]) => [Number(d), c]).sort((a, b) => a[0] - b[0])
    if (dd.length) {
      body.push(h('h3', {}, 'Degree distribution'))
      const max = Math.max(...dd.map((x) => x[1]))
      for (const [d, c] of dd) body.push(h('div', { style: 'display:flex;gap:8px;align-items:center;font-size:12px' }, h('span', { style: 'width:26px;text-align:right' }, d),
        h('span', { style: `height:9px;border-radius:3px;background:#93c5fd;width:${Math.max(2, (180 * c) / max)}px` }), h('span', { class: 'muted' }, fmt(c))))
    }
  } else body.push(kv([['nodes', fmt(g.nodes.length)], ['links', fmt(g.edges.length / 2)]]))
  $('overlay-panel').replaceChildren(...body)
}

/**
 * A churning run's stream part (topology.json `history`): the graph holds every node and link it
 * ever had, and the time slider shows those up at the chosen moment; at the end, the final overlay.
 */
function historyOf(sp) {
  const part = S.topology.streamParts[sp]
  const hist = part.history
  if (!hist || !hist.nodes.length) return null
  const endMs = Math.max(...hist.nodes.map((n) => n.up[n.up.length - 1]))
  return {
    endMs,
    graph: { nodes: hist.nodes, edges: hist.links },
    final: { nodes: new Set(part.nodes.map((n) => n.id)), edges: new Set(part.edges.map((e) => `${e.from} ${e.to}`)) },
    links: hist.links,
  }
}

const upAt = (up, t) => { for (let k = 0; k < up.length; k += 2) if (up[k] <= t && t < up[k + 1]) return true; return false }

/** Shows the overlay as it was at `t` ms (churning runs). */
function showAt(t) {
  const H = S.history
  if (!H) return
  S.at = Math.max(0, Math.min(H.endMs, t))
  $('time-slider').value = String(S.at)
  const end = S.at >= H.endMs
  const nodeMask = Uint8Array.from(view.nodes, (d) => (end ? H.final.nodes.has(d.id) : upAt(d.up, S.at)) ? 1 : 0)
  const edgeMask = new Uint8Array(view.m)
  for (const l of H.links) {
    const a = view.index.get(l.from), b = view.index.get(l.to)
    const k = view.edgeKey.get(a * view.n + b)
    if (k !== undefined && (end ? H.final.edges.has(`${l.from} ${l.to}`) || H.final.edges.has(`${l.to} ${l.from}`) : upAt(l.up, S.at))) edgeMask[k] = 1
  }
  view.setVisible(nodeMask, edgeMask)
  let nodes = 0, links = 0
  for (const v of nodeMask) nodes += v
  for (const v of edgeMask) links += v
  $('time-label').textContent = `t = ${fmt(S.at / 1000)} s${end ? ' (end)' : ''} · ${fmt(nodes)} nodes · ${fmt(links)} links up`
  $('time-row').dataset.nodes = String(nodes)
  $('time-row').dataset.links = String(links)
}

/** Node colour options: topology categories, the degree, and per-node figures from deliveries.csv. */
const METRICS = [
  ['latency', 'first-receipt latency, mean (ms)', (st) => st.latencyMeanMs],
  ['duplicates', 'duplicates received', (st) => st.duplicates],
  ['relayed', 'messages relayed', (st) => st.messagesRelayed],
]
function colorOptions() {
  const opts = [['region', 'region']]
  if (view.hasRoles) opts.push(['role', 'role'])
  opts.push(['degree', 'degree'])
  if (S.stats.size) for (const [k, label] of METRICS) opts.push([k, label])
  if (S.replayRows) opts.push(['hops', 'hops in this replay'])
  const cur = $('color').value || param('color') || 'region'
  $('color').replaceChildren(...opts.map(([v, label]) => h('option', { value: v }, label)))
  $('color').value = opts.some(([v]) => v === cur) ? cur : 'region'
}
function applyColor() {
  const mode = $('color').value
  const m = METRICS.find(([k]) => k === mode)
  if (m) view.setColorMode(mode, { label: m[1], values: view.ids.map((id) => { const st = S.stats.get(id); return st ? m[2](st) : null }) })
  else if (mode === 'hops') {
    const hops = new Map()
    for (const r of S.replayRows ?? []) if (!r.duplicate && !hops.has(r.node)) hops.set(r.node, r.hops)
    view.setColorMode(mode, { label: 'hops in this replay', values: view.ids.map((id) => (id === S.replayPublisher ? 0 : hops.get(id) ?? null)) })
  } else view.setColorMode(mode)
}

function showStreamPart(sp, keepReplay = false) {
  if (!S.topology.streamParts[sp]) return
  S.sp = sp
  $('sp').value = sp
  if (!keepReplay) { replay.clear(); S.replayRows = null }
  S.history = historyOf(sp)
  view.setGraph(S.history ? S.history.graph : S.topology.streamParts[sp])
  // The map needs every node's coordinates (geo and known matrix regions have them).
  $('layout').querySelector('[value=map]').disabled = !view.hasGeo
  $('layout').value = view.layoutMode
  $('time-row').hidden = !S.history
  if (S.history) { $('time-slider').max = String(S.history.endMs); showAt(S.history.endMs) }
  colorOptions()
  if ($('color').value !== 'region') applyColor()
  // Suggestions for the search box: thousands of elements, so after the graph's first frame.
  const dl = $('search-list')
  const ids = view.ids
  requestAnimationFrame(() => setTimeout(() => {
    if (view.ids !== ids) return // another stream part is shown by now
    dl.replaceChildren(...Object.keys(S.topology.streamParts).map((id) => h('option', { value: id })), ...ids.slice(0, 5000).map((id) => h('option', { value: id })))
  }, 0))
  renderOverlayPanel()
  $('node-panel').replaceChildren(h('h2', {}, 'Node'), h('p', { class: 'muted' }, 'Click a node in the graph, or search for one.'))
}

/** Finds a stream part or node: exact first, then ignoring case, then prefix, substring and in-order letters. */
function search(q) {
  const msg = $('search-msg')
  msg.textContent = ''
  if (!q) return
  const sps = Object.keys(S.topology.streamParts)
  const spHit = searchIds(q, sps)[0]
  const nodeHits = searchIds(q, view.ids)
  // A stream part wins only when it matches at least as well as the best node.
  if (spHit && (!nodeHits.length || spHit.rank <= nodeHits[0].rank)) { showStreamPart(spHit.id); permalink(); return }
  let id = nodeHits[0]?.id
  if (id === undefined) {
    for (const sp of sps) {
      const hit = searchIds(q, S.topology.streamParts[sp].nodes.map((n) => n.id))[0]
      if (hit) { showStreamPart(sp); id = hit.id; break }
    }
    if (id === undefined) { msg.textContent = `no node or stream part like "${q}"`; return }
  }
  if (id !== q) msg.textContent = `showing ${id}${nodeHits.length > 1 ? ` (${nodeHits.length} match)` : ''}`
  const i = view.index.get(id)
  const go = () => (view.pos ? view.focus(i) : setTimeout(go, 100))
  go()
}

function showNode(id) {
  const panel = $('node-panel')
  if (id == null) { panel.replaceChildren(h('h2', {}, 'Node'), h('p', { class: 'muted' }, 'Click a node in the graph, or search for one.')); return }
  const i = view.index.get(id)
  const d = view.nodes[i]
  const st = S.stats.get(id)
  const firstPub = S.messages.length ? Math.min(...S.messages.slice(0, 1000).map((m) => m.publishedAtMs)) : null
  const body = [h('h2', {}, id, ' ', d.region ? h('span', { class: 'badge info' }, d.region) : null,
    ...(d.roles ?? []).map((r) => h('span', { class: 'badge role' }, r)), d.adversary ? h('span', { class: 'badge fail' }, d.adversary) : null)]
  body.push(kv([
    d.lat != null && ['location', `${d.lat.toFixed(2)}°, ${d.lon.toFixed(2)}°`],
    d.address && ['publisher address', h('code', { title: d.address }, `${d.address.slice(0, 8)}…${d.address.slice(-4)}`)],
    d.up && ['in the overlay', upText(d.up)],
    ['degree', view.degree[i]],
    ['first receipts', st ? fmt(st.firstReceipts) : 'no deliveries recorded'],
    st && ['messages relayed', fmt(st.messagesRelayed)],
    st && ['copies sent', fmt(st.copiesSent)],
    st && ['duplicates received', fmt(st.duplicates)],
    st && ['first-receipt latency mean', fmtMs(st.latencyMeanMs)],
    st && ['first-receipt latency max', fmtMs(st.latencyMaxMs)],
    st && st.firstDataAtMs != null && ['time to data', firstPub != null ? `${fmtMs(st.firstDataAtMs - firstPub)} after the first publish` : fmtMs(st.firstDataAtMs)],
  ]))
  if (S.replayRows) {
    const mine = S.replayRows.filter((r) => r.node === id)
    const first = mine.find((r) => !r.duplicate)
    body.push(h('h3', {}, 'In this replay'))
    body.push(kv([
      ['first copy', first ? `+${fmt(first.receivedAtMs - S.replayPub)} ms from ${first.from ?? '?'}` : (id === S.replayPublisher ? 'publisher' : 'never')],
      first && ['hops', first.hops],
      ['duplicates', mine.filter((r) => r.duplicate).length],
    ]))
  }
  const nb = [...view.adj[i]].sort((a, b) => a[1] - b[1])
  body.push(h('h3', {}, `Neighbours (${nb.length})`))
  body.push(h('div', { class: 'neighbours' }, h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Node'), h('th', {}, 'Region'), h('th', { class: 'num' }, 'Link latency'))),
    h('tbody', {}, ...nb.map(([j, l]) => h('tr', { onclick: () => view.focus(j) }, h('td', {}, h('a', { href: '#' + view.ids[j], onclick: (e) => e.preventDefault() }, view.ids[j])),
      h('td', { class: 'muted' }, view.nodes[j].region || '–'), h('td', { class: 'num' }, fmtMs(l))))))))
  panel.replaceChildren(...body)
}

function upText(up) {
  const parts = []
  for (let k = 0; k < up.length; k += 2) parts.push(`${fmt(up[k] / 1000)}–${fmt(up[k + 1] / 1000)} s`)
  return parts.join(', ')
}

/**
 * The graph node that published: deliveries.csv names a signed run's publisher by its address,
 * which topology.json gives the publisher node; else the sender of any first hop.
 */
function publisherNode(d) {
  if (view.index.has(d.publisher)) return d.publisher
  const byAddress = view.nodes.find((n) => n.address === d.publisher)
  if (byAddress) return byAddress.id
  return d.receipts.find((r) => r.hops === 1 && r.from != null)?.from ?? d.publisher
}

/** Who should get the message on this graph: its subscribers (by role when known), not the publisher. */
function expectedReceivers(publisher) {
  const subs = view.hasRoles ? view.nodes.filter((n) => n.roles?.includes('subscriber')) : view.nodes
  return subs.filter((n) => n.id !== publisher && (!S.history || S.history.final.nodes.has(n.id) || n.up.some((v, k) => k % 2 === 0 && v <= replayAt())))
    .length
}
const replayAt = () => S.messages[S.msgIndex]?.publishedAtMs ?? 0

async function pickMessage(idx, t0 = null) {
  const m = S.messages[idx]
  if (!m) return
  S.msgIndex = idx
  $('msg').value = String(idx)
  replay.pause()
  try {
    const d = await api(runApi(key, 'deliveries', `?messageId=${encodeURIComponent(m.id)}`))
    const sp = d.streamPart && S.topology.streamParts[d.streamPart] ? d.streamPart : S.sp
    if (sp !== S.sp) showStreamPart(sp, true)
    const start = () => {
      const publisher = publisherNode(d)
      S.replayRows = d.receipts; S.replayPub = d.publishedAtMs; S.replayPublisher = publisher
      replay.load({ ...d, publisher, expected: expectedReceivers(publisher) })
      if (S.history) showAt(Math.min(S.history.endMs, d.publishedAtMs))
      colorOptions()
      if ($('color').value === 'hops') applyColor()
      if (t0 != null) { replay.seek(t0); t0 = null }
      if (view.selected >= 0) showNode(view.ids[view.selected])
      permalink()
    }
    // The graph needs positions before the overlay means anything.
    const wait = () => (view.pos ? start() : setTimeout(wait, 100))
    wait()
  } catch (e) {
    $('t-label').textContent = `could not load message: ${e.message}`
  }
}

async function main() {
  // The topology is asked for at once, beside the file list: on a big run it is most of the bytes,
  // and the first picture waits for it.
  const topologyAnswer = api(runApi(key, 'topology')).then((t) => ({ t }), (e) => ({ e }))
  const { files } = await api(runApi(key, 'info'))
  if (!files['topology.json']) throw new Error('This run has no topology.json, so there is no graph to show.')
  const [summary, { t: topology, e: topologyError }, yaml] = await Promise.all([
    files['summary.json'] ? api(runApi(key, 'summary')) : null,
    topologyAnswer,
    files['scenario.yaml'] ? fetch(runApi(key, 'scenario')).then((r) => (r.ok ? r.text() : null)) : null,
  ])
  if (topologyError) throw topologyError
  S.summary = summary
  S.topology = topology
  if (summary) renderTiles(summary)
  const sps = Object.keys(topology.streamParts)
  if (!sps.length) throw new Error('topology.json has no stream parts')
  $('sp').replaceChildren(...sps.map((sp) => h('option', { value: sp }, `${sp} (${fmt(topology.streamParts[sp].nodes.length)} nodes)`)))
  const wantSp = param('sp')
  showStreamPart(wantSp && topology.streamParts[wantSp] ? wantSp : sps[0])
  // The graph's first frame before the cards below the fold: building them takes a while on a big run.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))
  if (summary) renderSummary(summary, yaml)

  // Charts, messages and node stats load after the graph is on its way.
  api(runApi(key, 'charts')).then((c) => {
    window.VizCharts.renderRunCharts($('charts'), c)
    $('notes').textContent = c.notes.join(' ')
  }).catch((e) => showError($('charts'), e))

  try {
    if (!files['deliveries.csv']) throw new Error('no deliveries')
    const [msgs, nodes] = await Promise.all([api(runApi(key, 'messages')), api(runApi(key, 'nodes'))])
    S.messages = msgs.messages
    for (const n of nodes.nodes) S.stats.set(n.node, n)
    const byAddress = new Map(Object.values(topology.streamParts).flatMap((g) => g.nodes).filter((n) => n.address).map((n) => [n.address, n.id]))
    $('msg').replaceChildren(...S.messages.slice(0, 5000).map((m, i) => h('option', { value: String(i) },
      `#${i + 1} · ${byAddress.get(m.publisher) ?? m.publisher} at ${fmt(m.publishedAtMs / 1000)} s · ${m.receivers} receivers · ${m.duplicates} dups${sps.length > 1 ? ' · ' + (m.streamPart || '') : ''}`)))
    const want = param('msg')
    if (want != null) {
      const idx = /^\d+$/.test(want) ? Number(want) : S.messages.findIndex((m) => m.id === want)
      const t = Number(param('t'))
      if (idx >= 0) await pickMessage(idx, Number.isFinite(t) && param('t') != null ? t : null)
    } else S.msgIndex = -1
  } catch (e) {
    $('msg').replaceChildren(h('option', {}, 'no deliveries recorded (record.deliveries=true)'))
    for (const id of ['play', 'prev', 'next', 'slider']) $(id).disabled = true
  }
  if (param('layout') === 'map' && view.hasGeo) { view.setLayout('map'); $('layout').value = 'map' }
  colorOptions()
  if ($('color').value !== 'region') applyColor()
  for (const c of (param('hide') || '').split(',').filter(Boolean)) view.toggleCategory(c)
  const at = Number(param('at'))
  if (S.history && param('at') != null && Number.isFinite(at)) showAt(at)
  const node = param('node')
  const v = (param('view') || '').split(',').map(Number)
  if (v.length === 3 && v.every(Number.isFinite)) {
    // The shared view wins over centring on the shared node.
    const apply = () => (view.pos ? view.setTransform(v[0], v[1], v[2]) : setTimeout(apply, 50))
    apply()
    if (node && view.index.has(node)) view.select(view.index.get(node), true)
  } else if (node) search(node)
  S.ready = true
  permalink()
  document.body.dataset.ready = 'true'
}

main().catch((e) => showError($('graph'), e))

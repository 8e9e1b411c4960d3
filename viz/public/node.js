// The browser node page: a Block RTC node running in this page (the core bundled for the browser,
// served at /bundle/browser-node.js) joins one stream part through a tracker, or, given a DHT
// entry point, through the trackerless DHT overlay (links to nodes with a server over WebSocket,
// to the rest over WebRTC signalled over the DHT); it publishes text and lists what its message
// layer hands the app (signature checked, decrypted with keys it asked the publisher for, in chain
// order) with its publisher, latency and the neighbour it came from, and counts what it could not
// decrypt. `publisherNodes` (URL parameter and form field, `0xaddress=node-id, ...`) says which
// node to ask for a publisher's keys in a tracker network; `keyRequestTimeoutS` (URL parameter)
// how long an unanswered key request waits before its messages count as undecryptable.
// For the console and for tests, the running node is window.browserNode.
import { h, header, param, showError } from './common.js'

header([['Browser node']])
const $ = (id) => document.getElementById(id)
const MAX_ROWS = 300
const LATENCY_WINDOW = 200
const REFRESH_MS = 500
const STREAM_PART = /^(.+)#(\d+)$/
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()
const ms = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)} ms`)

let lib = null
/** The joined node and what it has seen; null while idle. */
let session = null

$('tracker-url').value = param('tracker') ?? 'ws://127.0.0.1:7700'
$('tracker-id').value = param('trackerId') ?? 't0'
/**
 * The page's key for node id `id`, kept in this browser's local storage: every link proves it, and
 * peers bind a named id to the first key that proved it, so a reload must come back with the same
 * key. Anyone who can run script on this origin can read it: a page is a test node, not a vault.
 */
function pageKey(id) {
  const slot = `brtc-node-key:${id}`
  let key = null
  try { key = localStorage.getItem(slot) } catch { /* storage off: a fresh key per load */ }
  if (key && /^[0-9a-f]{64}$/.test(key)) return key
  key = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('')
  try { localStorage.setItem(slot, key) } catch { /* as above */ }
  return key
}

$('node-id').value = param('id') ?? `browser-${Math.random().toString(16).slice(2, 8)}`
$('stream-part').value = param('stream') ?? 'demo#0'
$('entry-point').value = param('entryPoint') ?? ''
$('publisher-nodes').value = param('publisherNodes') ?? ''
$('join-form').addEventListener('submit', (event) => { event.preventDefault(); join() })
$('leave').addEventListener('click', () => { leave().catch((error) => showError($('errors'), `Leaving failed: ${error.message}`)) })
$('publish').addEventListener('click', publish)
$('text').addEventListener('keydown', (event) => { if (event.key === 'Enter') publish() })
window.addEventListener('pagehide', () => { if (session) session.node.stop({ lingerMs: 0 }).catch(() => {}) })
setInterval(render, REFRESH_MS)
render()

try {
  lib = await import('/bundle/browser-node.js')
  document.body.dataset.ready = 'true'
} catch (error) {
  showError($('errors'), `Could not load the browser node bundle: ${error.message}`)
  $('join').disabled = true
}

function join() {
  if (session || !lib) return
  if ($('entry-point').value.trim() !== '') return joinDht()
  const url = $('tracker-url').value.trim()
  const trackerId = $('tracker-id').value.trim()
  const id = $('node-id').value.trim()
  const sp = $('stream-part').value.trim()
  const parts = STREAM_PART.exec(sp)
  const publishers = publisherNodes()
  const problem = !/^wss?:\/\//.test(url) ? 'The tracker URL must start with ws:// or wss://.'
    : trackerId === '' ? 'The tracker id is empty.'
      : id === '' ? 'The node id is empty.'
        : !parts ? 'A stream part is written stream#partition, for example demo#0.' : publishers.problem ?? null
  $('errors').replaceChildren()
  if (problem) return showError($('errors'), problem)
  const s = newSession({ id, sp, streamId: parts[1], partition: Number(parts[2]), trackerId })
  const stun = param('stun')
  try {
    s.node = new lib.BrowserNode({
      id, privateKey: pageKey(id), trackers: [{ id: trackerId, url }], observer: observerFor(s),
      messageLayer: messageLayerOptions(publishers.map),
      onError: (error, where) => noteError(s, `${where}: ${error && error.message ? error.message : error}`),
      ...(stun ? { webrtc: { iceServers: [stun] } } : {}),
    })
    listContent(s)
    s.node.join(sp)
  } catch (error) {
    if (s.node) s.node.stop({ graceful: false }).catch(() => {})
    return showError($('errors'), error.message)
  }
  session = s
  window.browserNode = s.node
  $('messages').tBodies[0].replaceChildren()
  setJoined(true)
  render()
}

const PUBLISHER_NODE = /^(0x[0-9a-fA-F]{40})=(.+)$/
/** `0xaddress=node-id, ...` as the message layer's publisherNodes, or a problem naming the entry. */
function publisherNodes() {
  const out = {}
  for (const entry of $('publisher-nodes').value.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const m = PUBLISHER_NODE.exec(entry)
    if (!m) return { problem: `Publisher nodes: "${entry}" is not 0x<40 hex digits>=<node id>.` }
    out[m[1].toLowerCase()] = m[2].trim()
  }
  return { map: out }
}

/** The page's message layer settings (the node config's publisherNodes and keyRequestTimeoutS). */
function messageLayerOptions(publishers) {
  const timeoutS = Number(param('keyRequestTimeoutS'))
  return { publisherNodes: publishers, ...(timeoutS > 0 ? { keyRequestTimeoutMs: timeoutS * 1000 } : {}) }
}

/** A fresh session: the node, and what the page has counted of it. */
function newSession(fields) {
  return {
    node: null, firstNeighbourMs: null, received: 0, duplicates: 0, published: 0, decrypted: 0, latencies: [], perPeer: new Map(),
    fromOf: new Map(), errors: [], errorCount: 0, joinedAt: performance.now(), ...fields,
  }
}

/** Rows from what the message layer hands the app: plaintext, in chain order, own messages included. */
function listContent(s) {
  s.node.messages.onContent((m, content) => guarded(s, () => addRow(s, m, content)))
}

/** Through the DHT: the entry point's id from the URL (or ID@URL), a fresh key, no tracker. */
async function joinDht() {
  const spec = $('entry-point').value.trim()
  const sp = $('stream-part').value.trim()
  const parts = STREAM_PART.exec(sp)
  const at = spec.indexOf('@ws')
  const url = at > 0 ? spec.slice(at + 1) : spec
  const publishers = publisherNodes()
  const problem = !/^wss?:\/\//.test(url) ? 'The entry point must be a ws:// or wss:// URL (or ID@URL).'
    : !parts ? 'A stream part is written stream#partition, for example demo#0.' : publishers.problem ?? null
  $('errors').replaceChildren()
  if (problem) return showError($('errors'), problem)
  setJoined(true, 'joining…')
  let entryPointId
  try {
    entryPointId = at > 0 ? spec.slice(0, at) : await lib.BrowserDhtNode.probe(url)
  } catch (error) {
    setJoined(false)
    return showError($('errors'), `The entry point did not answer: ${error.message}`)
  }
  const s = newSession({ id: '', sp, streamId: parts[1], partition: Number(parts[2]), trackerId: null, entryPointId })
  const stun = param('stun')
  try {
    s.node = new lib.BrowserDhtNode({
      entryPoints: [{ nodeId: entryPointId, url }], observer: observerFor(s),
      messageLayer: messageLayerOptions(publishers.map),
      onError: (error, where) => noteError(s, `${where}: ${error && error.message ? error.message : error}`),
      ...(stun ? { webrtc: { iceServers: [stun] } } : {}),
    })
    s.id = s.node.id
    listContent(s)
    await s.node.start()
    s.node.join(sp)
  } catch (error) {
    if (s.node) s.node.stop({ graceful: false }).catch(() => {})
    setJoined(false)
    return showError($('errors'), error.message)
  }
  session = s
  window.browserNode = s.node
  $('messages').tBodies[0].replaceChildren()
  setJoined(true)
  render()
}

async function leave() {
  const s = session
  if (!s) return
  session = null
  setJoined(false)
  await s.node.stop()
  render()
}

function publish() {
  const s = session
  const text = $('text').value
  if (!s || text === '') return
  try {
    s.node.publish(s.streamId, s.partition, encoder.encode(text))
    $('text').value = ''
  } catch (error) {
    noteError(s, `publish: ${error.message}`)
    render()
  }
}

function setJoined(joined, title) {
  document.body.dataset.state = joined ? (title ? 'joining' : 'joined') : 'idle'
  for (const id of ['tracker-url', 'tracker-id', 'node-id', 'stream-part', 'entry-point', 'publisher-nodes', 'join']) $(id).disabled = joined
  for (const id of ['leave', 'text', 'publish']) $(id).disabled = !joined || title !== undefined
  $('dot').classList.toggle('on', joined)
  // The address too, for grants on a registry chain (a DHT node's id is its address already).
  $('title-id').textContent = title ?? (joined ? (session.id === session.node.identity.address ? session.id : `${session.id} · ${session.node.identity.address}`) : '')
}

/** Core calls these inside its own handlers: they only record and draw, and never throw. */
function observerFor(s) {
  return new (class extends lib.SilentObserver {
    published() { guarded(s, () => { s.published++; scheduleRender() }) }
    delivered(m, from) { guarded(s, () => { s.received++; peerCount(s, from.remoteId).first++; noteSender(s, m, from); scheduleRender() }) }
    duplicate(_m, from) { guarded(s, () => { s.duplicates++; peerCount(s, from.remoteId).duplicates++; scheduleRender() }) }
    neighbourAdded() { guarded(s, () => { s.firstNeighbourMs ??= performance.now() - s.joinedAt; scheduleRender() }) }
    neighbourRemoved() { guarded(s, scheduleRender) }
  })()
}

function guarded(s, fn) {
  try { fn() } catch (error) { noteError(s, `page: ${error.message}`) }
}

function peerCount(s, peer) {
  let c = s.perPeer.get(peer)
  if (!c) s.perPeer.set(peer, c = { first: 0, duplicates: 0 })
  return c
}

function noteError(s, text) {
  console.warn(`[browser node] ${text}`)
  s.errorCount++
  s.errors.push(text)
  if (s.errors.length > 20) s.errors.shift()
}

const idOf = (m) => lib.formatMessageId(m.messageId)
/** Senders of first copies still on their way to the app (decryption, ordering), by message. */
const MAX_PENDING_SENDERS = 2000

function noteSender(s, m, from) {
  s.fromOf.set(idOf(m), from)
  if (s.fromOf.size > MAX_PENDING_SENDERS) s.fromOf.delete(s.fromOf.keys().next().value)
}

function addRow(s, m, content) {
  if (session !== s) return
  const own = m.messageId.publisherId === s.node.identity.address
  const from = own ? null : s.fromOf.get(idOf(m)) ?? null
  s.fromOf.delete(idOf(m))
  if (!own) s.decrypted++
  const latencyMs = own ? null : lib.realClock.now() - m.messageId.timestamp
  if (latencyMs !== null) {
    s.latencies.push(latencyMs)
    if (s.latencies.length > LATENCY_WINDOW) s.latencies.shift()
  }
  const text = describeContent(content)
  const encrypted = m.encryptionType !== 0
  const link = from === null ? '' : linkKind(s, from)
  const source = own ? 'published here' : from === null ? 'a storage node' : `${from.remoteId} (${link})`
  const row = h('tr', {
    class: own ? 'own' : null, 'data-publisher': m.messageId.publisherId, 'data-from': from === null ? '' : from.remoteId, 'data-link': link,
    'data-text': text, 'data-encrypted': String(encrypted), 'data-latency-ms': latencyMs === null ? '' : latencyMs.toFixed(3),
  },
    h('td', { class: 'mono' }, new Date().toLocaleTimeString()),
    h('td', { class: 'mono', title: m.messageId.publisherId }, shortAddress(m.messageId.publisherId)),
    h('td', { class: 'text' }, text),
    h('td', {}, h('span', { class: `badge ${encrypted ? 'pass' : 'muted'}`, title: encrypted ? `group key ${m.groupKeyId}` : 'signed, not encrypted' }, encrypted ? 'encrypted' : 'plain')),
    h('td', { class: 'num' }, latencyMs === null ? '–' : `${latencyMs.toFixed(1)} ms`),
    h('td', { class: 'mono' }, source))
  const body = $('messages').tBodies[0]
  body.prepend(row)
  while (body.rows.length > MAX_ROWS) body.lastElementChild.remove()
  scheduleRender()
}

let renderPending = false
/** Many events in one burst redraw the panels once, at the next frame. */
function scheduleRender() {
  if (renderPending) return
  renderPending = true
  requestAnimationFrame(() => { renderPending = false; render() })
}

/** 0x1234…abcd: enough to tell publishers apart at a glance; the full address is the cell's title. */
function shortAddress(address) {
  return address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address
}

function linkKind(s, connection) {
  if (s.node.webrtc.connectionTo(connection.remoteId) === connection) return 'WebRTC'
  if (s.node.websocket.connectionTo(connection.remoteId) === connection) return 'WebSocket'
  return 'closed'
}

/** Text as it is; anything that is not UTF-8 (a Node node's random payload) as its size and first bytes. */
function describeContent(bytes) {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('')
    return `${bytes.byteLength} bytes: ${head}${bytes.byteLength > 8 ? '…' : ''}`
  }
}

function median(values) {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}


function render() {
  const s = session
  const neighbours = s ? s.node.neighbours(s.sp) : []
  const subscriber = s ? s.node.messages.subscriber : undefined
  const undecryptable = subscriber ? subscriber.stats.undecryptable : 0
  document.body.dataset.undecryptable = String(undecryptable)
  $('tiles').replaceChildren(...[
    ['Neighbours', neighbours.length, s ? s.sp : 'not joined'],
    ['Received', s ? s.received : 0, 'first copies'],
    ['Read', s ? s.decrypted : 0, 'plaintext to the page, in order'],
    ['Undecryptable', undecryptable, 'no key came for them'],
    ['Duplicates', s ? s.duplicates : 0, 'copies already seen'],
    ['Published', s ? s.published : 0, 'from this page'],
    ['Latency p50', ms(s ? median(s.latencies) : null), `last ${LATENCY_WINDOW} messages`],
    ['First neighbour', ms(s ? s.firstNeighbourMs : null), 'after joining'],
  ].map(([label, value, sub]) => h('div', { class: 'tile' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, String(value)), h('div', { class: 'sub' }, sub))))

  $('neighbours').tBodies[0].replaceChildren(...neighbours.sort().map((peer) => {
    const c = s.perPeer.get(peer) ?? { first: 0, duplicates: 0 }
    const connection = s.node.node.connection(peer)
    return h('tr', { 'data-peer': peer }, h('td', { class: 'mono' }, peer), h('td', {}, connection ? linkKind(s, connection) : '–'),
      h('td', { class: 'num' }, String(c.first)), h('td', { class: 'num' }, String(c.duplicates)))
  }))
  $('no-neighbours').hidden = neighbours.length > 0
  $('no-messages').hidden = $('messages').tBodies[0].rows.length > 0

  const rows = []
  if (s) {
    const ws = s.node.websocket.stats
    const rtc = s.node.webrtc.stats
    const signalling = s.node.webrtc.rtcStats
    const dht = s.trackerId === null
    const via = dht ? s.entryPointId : s.trackerId
    const linked = s.node.websocket.connectionTo(via) !== undefined
    document.body.dataset.tracker = dht ? 'none' : linked ? 'linked' : 'down'
    document.body.dataset.overlay = dht ? 'dht' : 'tracker'
    const label = dht ? `entry point ${via.slice(0, 10)}…` : via
    rows.push(['node', s.id], [dht ? 'DHT entry point' : 'tracker', h('span', { class: `badge ${linked ? 'pass' : dht ? 'muted' : 'fail'}` }, linked ? `${label} linked` : `${label} not linked`)],
      ...(dht ? [['DHT links (WebSocket)', String(s.node.websocket.connectedPeers().length)], ['links refused (unproved id)', String(s.node.auth ? s.node.auth.counts.refused : 0)]] : []),
      ['WebRTC links', String(s.node.webrtc.connectedPeers().length)],
      ['link attempts (failed)', `${signalling.attemptsStarted} (${signalling.attemptsFailed})`],
      ['signals sent / received', `${signalling.signalsSent} / ${signalling.signalsReceived}`],
      ['frames in / out', `${ws.framesReceived + rtc.framesReceived} / ${ws.framesSent + rtc.framesSent}`],
      ['dropped frames / signals', `${ws.garbageFrames + rtc.garbageFrames} / ${signalling.badSignals}`],
      ...(subscriber ? [['keys asked / received / timed out', `${subscriber.keyRequester.stats.requestsSent} / ${subscriber.keyRequester.stats.keysReceived} / ${subscriber.keyRequester.stats.timeouts}`]] : []),
      ['errors', String(s.errorCount)])
  } else {
    document.body.dataset.tracker = 'none'
    rows.push(['node', 'not running'])
  }
  $('status').replaceChildren(...rows.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, v))))
  if (s && s.errors.length > 0) $('errors').replaceChildren(h('p', { class: 'note' }, `last error: ${s.errors[s.errors.length - 1]}`))
}

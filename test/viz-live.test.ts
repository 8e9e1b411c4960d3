// Live mode without a browser: a WebSocket client against startLiveServer and a feed driven by hand.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { startLiveServer, TOPOLOGY_MIN_INTERVAL_MS, type LiveServer } from '../viz/live.ts'
import { applyTopologyDiff } from '../viz/public/topology-diff.js'
import { liveViewHooks } from '../cli/live-view.ts'
import { runScenario } from '../sim/runner.ts'
import { scenarioFrom } from './helpers/scenario.ts'
import type { TopologyJson } from '../sim/results/topology-types.ts'
import type { TopologyDiff } from '../viz/data/topology-diff.ts'

let root = ''
let live: LiveServer

interface Msg { type: string; [k: string]: unknown }

function connect(url: string): Promise<{ ws: WebSocket; messages: Msg[]; next: (type: string, ms?: number) => Promise<Msg> }> {
  const ws = new WebSocket(url.replace('http', 'ws').replace('/live.html', '/api/live'))
  const messages: Msg[] = []
  let seen = 0
  ws.on('message', (raw) => messages.push(JSON.parse(raw.toString())))
  const next = (type: string, ms = 3000) => new Promise<Msg>((resolve, reject) => {
    const start = Date.now()
    const poll = () => {
      while (seen < messages.length) { const m = messages[seen++]; if (m.type === type) return resolve(m) }
      if (Date.now() - start > ms) return reject(new Error(`no ${type} message within ${ms} ms`))
      setTimeout(poll, 10)
    }
    poll()
  })
  return new Promise((resolve, reject) => { ws.once('open', () => resolve({ ws, messages, next })); ws.once('error', reject) })
}

const Live = suite('startLiveServer')

Live.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'viz-live-'))
  live = await startLiveServer({ resultsDir: root, port: 0 })
})
Live.after(async () => {
  await live.close()
  await rm(root, { recursive: true, force: true })
})

Live('serves the explorer and reports live status', async () => {
  assert.match(live.url, /^http:\/\/127\.0\.0\.1:\d+\/live\.html$/)
  const page = await fetch(live.url)
  assert.is(page.status, 200)
  const st = await (await fetch(live.url.replace('/live.html', '/api/live/status'))).json()
  assert.is(st.live, true)
  assert.is(st.speed, 1)
})

Live('sends hello, batched deliveries and ticks, takes controls, and sends done', async () => {
  const c = await connect(live.url)
  assert.ok(await live.feed.waitForClient(1000))
  assert.is(live.feed.clients(), 1)
  const hello = await c.next('hello')
  assert.is(hello.speed, 1)
  assert.is(hello.paused, false)
  live.feed.topology({ streamParts: { 's#0': { nodes: [{ id: 'a' }, { id: 'b' }], edges: [{ from: 'a', to: 'b', latencyMs: 5 }, { from: 'b', to: 'a', latencyMs: 5 }] } } })
  assert.equal(((await c.next('topology')).topology as { streamParts: object }).streamParts !== undefined, true)
  // Many events in one burst arrive as few batches, not one message each.
  for (let i = 0; i < 500; i++) live.feed.delivery({ messageId: `s#0/a/c/${i}/0`, node: 'b', from: 'a', atMs: i, hops: 1, duplicate: i % 2 === 1 })
  live.feed.tick({ tMs: 500, nodesUp: 2, firstReceipts: 250, duplicates: 250 })
  const batch = await c.next('batch')
  assert.is((batch.deliveries as unknown[]).length, 500)
  assert.equal(batch.ticks, [{ tMs: 500, nodesUp: 2, firstReceipts: 250, duplicates: 250 }])
  assert.equal((batch.deliveries as unknown[][])[1], ['s#0/a/c/1/0', 'b', 'a', 1, 1, 1])
  c.ws.send(JSON.stringify({ type: 'control', speed: 25, paused: true }))
  const ctl = await c.next('control')
  assert.equal([ctl.speed, ctl.paused], [25, true])
  assert.is(live.feed.speed(), 25)
  assert.is(live.feed.paused(), true)
  // Out-of-range and malformed controls are clamped or ignored.
  c.ws.send(JSON.stringify({ type: 'control', speed: 1e9, paused: false }))
  await c.next('control')
  assert.is(live.feed.speed(), 100)
  c.ws.send('not json')
  c.ws.send(JSON.stringify({ type: 'control', speed: 'fast' }))
  await new Promise((r) => setTimeout(r, 50))
  assert.is(live.feed.speed(), 100)
  live.feed.done({ ok: true })
  assert.equal((await c.next('done')).summary, { ok: true })
  // A page that connects late gets the topology, ticks and recent deliveries in its hello.
  const late = await connect(live.url)
  const h2 = await late.next('hello')
  assert.ok(h2.topology)
  assert.is((h2.ticks as unknown[]).length, 1)
  assert.is((h2.deliveries as unknown[]).length, 500)
  assert.is(h2.done, true)
  c.ws.close(); late.ws.close()
})

/** A ring of `n` nodes starting at `first`: each call drops one node and adds one. */
function ring(first: number, n: number): TopologyJson {
  const ids = Array.from({ length: n }, (_, i) => `n${first + i}`)
  const edges = ids.flatMap((id, i) => { const to = ids[(i + 1) % n]; return [{ from: id, to, latencyMs: 5 }, { from: to, to: id, latencyMs: 5 }] })
  return { streamParts: { 's#0': { nodes: ids.map((id) => ({ id })), edges } } }
}

Live('sends a changing overlay as differences, at most one a second, that add up to the latest', async () => {
  const server = await startLiveServer({ resultsDir: root, port: 0 })
  try {
    const c = await connect(server.url)
    await c.next('hello')
    server.feed.topology(ring(0, 50))
    const first = (await c.next('topology')).topology as TopologyJson
    const sizeOfWhole = JSON.stringify(first).length
    // 40 changes in 1.2 s of wall time: at most two differences may go out, not 40 topologies.
    for (let k = 1; k <= 40; k++) { server.feed.topology(ring(k, 50)); await new Promise((r) => setTimeout(r, 30)) }
    await new Promise((r) => setTimeout(r, TOPOLOGY_MIN_INTERVAL_MS + 200))
    const diffs = c.messages.filter((m) => m.type === 'topology-diff')
    assert.ok(diffs.length >= 1 && diffs.length <= 3, `${diffs.length} differences`)
    assert.is(c.messages.filter((m) => m.type === 'topology').length, 1, 'the whole overlay went out once')
    const mine = structuredClone(first)
    for (const d of diffs) applyTopologyDiff(mine, d.diff as TopologyDiff)
    const ids = (t: TopologyJson) => t.streamParts['s#0'].nodes.map((n) => n.id).sort()
    const ends = (t: TopologyJson) => t.streamParts['s#0'].edges.map((e) => `${e.from}>${e.to}`).sort()
    assert.equal(ids(mine), ids(ring(40, 50)))
    assert.equal(ends(mine), ends(ring(40, 50)))
    assert.ok(JSON.stringify(diffs[0].diff).length < sizeOfWhole, 'a difference is smaller than the overlay')
    // A page that connects now gets the overlay the others have, whole.
    const late = await connect(server.url)
    assert.equal(ids((await late.next('hello')).topology as TopologyJson), ids(ring(40, 50)))
    c.ws.close(); late.ws.close()
  } finally { await server.close() }
})

// 1,200 nodes for 20 simulated seconds cannot keep up with 100x real time on any machine we have:
// the run falls behind the pace the page asked for, and must still let ticks out as it goes.
const BEHIND = `
name: behind-pace
protocol: brubeck
seed: 1
nodes: 1200
topology: { degree: 4 }
network: { latency: { model: geo } }
workload: { messagesPerPublisher: 150, ratePerSecond: 10, warmupS: 3 }
`

Live('sends ticks while the simulation runs behind the chosen pace, not only when it ends', async () => {
  const live = await liveViewHooks(0)
  try {
    const c = await connect(live.url)
    c.ws.send(JSON.stringify({ type: 'control', speed: 100 }))
    await c.next('control')
    let ticksBeforeDone = 0
    let done = false
    c.ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString())
      if (m.type === 'done') done = true
      if (m.type === 'batch' && !done && m.ticks.length) ticksBeforeDone++
    })
    const { summary } = await runScenario(scenarioFrom(BEHIND), live.hooks)
    await c.next('done', 5000)
    assert.ok(summary.deliveryRatio > 0.99)
    assert.ok(ticksBeforeDone >= 5, `${ticksBeforeDone} batches of ticks arrived during the run`)
    const topologies = c.messages.filter((m) => m.type === 'topology' || m.type === 'topology-diff').length
    assert.ok(topologies >= 1)
    c.ws.close()
  } finally { await live.close() }
})

Live.run()

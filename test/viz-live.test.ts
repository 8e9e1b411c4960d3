// Live mode without a browser: a WebSocket client against startLiveServer and a feed driven by hand.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { startLiveServer, type LiveServer } from '../viz/live.ts'

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

Live.run()

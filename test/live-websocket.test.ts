// The WebSocket transport on 127.0.0.1: real NetworkNodes become neighbours and exchange
// content; a socket that closes reaches core as onDisconnected; garbage frames are counted and
// dropped, and enough of them close the link; connect failures and a simultaneous dial from
// both ends; a tracker-built overlay on WebSockets alone. Prints loopback round-trip and rate.

import { suite } from 'uvu'
import { OpenResources } from './helpers/open-resources.ts'
import * as assert from 'uvu/assert'
import WebSocket from 'ws'
import { NetworkNode } from '../core/network-node.ts'
import type { WireMessage } from '../core/ports.ts'
import { WIRE_HANDSHAKE } from '../core/ports.ts'
import { Tracker, TrackerOverlay } from '../core/tracker/index.ts'
import { controlWireMessage } from '../core/wire.ts'
import { LINK_HELLO, LINK_WELCOME, decodeLinkFrame, encodeLinkFrame } from '../live/link-frames.ts'
import { ephemeralIdentity } from '../live/link-proof.ts'
import { openRawLink } from './helpers/raw-link.ts'
import { RealTimers, createRealRandom, realClock } from '../live/real-time.ts'
import { WireCodec } from '../live/wire-codec.ts'
import { WebSocketTransport } from '../live/websocket-transport.ts'
import type { Publisher } from '../core/security/publisher.ts'
import { Counting, echoRoundTrips, livePublisherOf, signedContent, until, sleep, Recorder } from './helpers/live.ts'

const SP = 'stream#0'
const open = new OpenResources()
const Nodes = suite('NetworkNodes over WebSockets')
const Transport = suite('WebSocketTransport')
Nodes.after.each(() => open.closeAll())
Transport.after.each(() => open.closeAll())

interface LiveTestNode {
  node: NetworkNode
  transport: WebSocketTransport
  timers: RealTimers
  observer: Counting
  publisher: Publisher
}

function liveNode(id: string, peers: Record<string, string> = {}): LiveTestNode {
  const transport = open.add(new WebSocketTransport(id, { peers }))
  const timers = new RealTimers()
  open.add({ close: () => timers.dispose() })
  const observer = new Counting()
  const node = new NetworkNode({ clock: realClock, timers, random: createRandom(id), transport, observer })
  return { node, transport, timers, observer, publisher: livePublisherOf(node, timers, `test/${id}`) }
}

function createRandom(id: string) {
  return createRealRandom(1, id)
}

async function stop(...nodes: { transport: WebSocketTransport; timers?: RealTimers }[]): Promise<void> {
  for (const n of nodes) n.timers?.dispose()
  await Promise.all(nodes.map((n) => n.transport.close()))
}

Nodes('become neighbours and exchange content both ways', async () => {
  const a = liveNode('a')
  const url = await a.transport.listen(0)
  assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+$/)
  const b = liveNode('b', { a: url })
  a.node.joinStreamPart(SP)
  b.node.joinStreamPart(SP)
  const t0 = performance.now()
  b.node.addNeighbour(SP, 'a')
  await until('neighbours', () => a.node.streamPart(SP)!.hasNeighbour('b') && b.node.streamPart(SP)!.hasNeighbour('a'))
  console.log(`  websocket: connect + handshake ${(performance.now() - t0).toFixed(1)} ms`)
  a.publisher.publish('stream', 0, new TextEncoder().encode('hello from a'))
  b.publisher.publish('stream', 0, new Uint8Array([1, 2, 3]))
  await until('deliveries', () => a.observer.got.length === 1 && b.observer.got.length === 1)
  assert.is(new TextDecoder().decode(b.observer.got[0].content), 'hello from a')
  assert.is(b.observer.got[0].streamPartId, SP)
  assert.equal([...a.observer.got[0].content], [1, 2, 3])
  assert.equal([a.observer.malformeds, b.observer.malformeds], [0, 0])
  assert.is(a.transport.stats.garbageFrames + b.transport.stats.garbageFrames, 0)
  assert.is(a.transport.stats.errors + b.transport.stats.errors, 0)
  await stop(a, b)
})

Nodes('drop a neighbour whose socket closes, naming the reason: onDisconnected reaches core', async () => {
  const a = liveNode('a')
  const url = await a.transport.listen(0)
  const b = liveNode('b', { a: url })
  a.node.joinStreamPart(SP)
  b.node.joinStreamPart(SP)
  b.node.addNeighbour(SP, 'a')
  await until('neighbours', () => a.node.streamPart(SP)!.hasNeighbour('b') && b.node.streamPart(SP)!.hasNeighbour('a'))
  // b goes away as a process would: its transport closes every socket.
  await b.transport.close()
  await until('a notices', () => !a.node.streamPart(SP)!.hasNeighbour('b'))
  assert.is(a.node.connection('b'), undefined)
  assert.match(a.observer.removed.join(), /b: peer closed: transport closed/)
  assert.match(b.observer.removed.join(), /a: transport closed/)
  await stop(a, b)
})

Nodes('flood every message to every node of a tracker-built overlay of 8 nodes on WebSockets alone', async () => {
  const trackerTransport = open.add(new WebSocketTransport('t0'))
  const trackerTimers = new RealTimers()
  open.add({ close: () => trackerTimers.dispose() })
  const tracker = new Tracker({ clock: realClock, timers: trackerTimers, random: createRandom('t0'), transport: trackerTransport })
  const trackerUrl = await trackerTransport.listen(0)
  const nodes = Array.from({ length: 8 }, (_, i) => liveNode(`n${i}`, { t0: trackerUrl }))
  const urls = await Promise.all(nodes.map((n) => n.transport.listen(0)))
  for (const n of nodes) nodes.forEach((m, j) => n.transport.addPeer(m.node.id, urls[j]))
  const overlays = nodes.map((n) => new TrackerOverlay(['t0'], { timers: n.timers, randomFor: (id: string) => createRandom(`${id}/tracker`) }))
  nodes.forEach((n, i) => overlays[i].join(n.node, SP))
  await until('overlay settles', () => {
    const view = tracker.overlay(SP)
    return view.size === 8 && nodes.every((n) => {
      const mine = n.node.streamPart(SP)!.neighbours.map((c) => c.remoteId).sort().join()
      return mine === [...(view.get(n.node.id) ?? [])].sort().join() && mine.split(',').length >= 3
    })
  }, 10_000)
  const count = 20
  for (let i = 0; i < count; i++) nodes[0].publisher.publish('stream', 0, new Uint8Array([i]))
  await until('all delivered', () => nodes.slice(1).every((n) => n.observer.got.length === count))
  await sleep(50)
  const degree = (n: LiveTestNode) => n.node.streamPart(SP)!.neighbours.length
  const expected = degree(nodes[0]) + nodes.slice(1).reduce((s, n) => s + degree(n) - 1, 0)
  const receipts = nodes.reduce((s, n) => s + n.observer.got.length + n.observer.duplicates, 0)
  assert.is(receipts, count * expected, 'flooding identity')
  assert.is(tracker.stats.malformedReceived, 0)
  trackerTimers.dispose()
  await stop(...nodes, { transport: trackerTransport })
})

Transport('takes a raw socket\'s hello, counts and drops garbage frames, delivers valid ones, and answers a cut with onDisconnected', async () => {
  const server = open.add(new WebSocketTransport('srv', { maxGarbageFrames: 0 }))
  const rec = new Recorder()
  server.setHandler(rec)
  const url = await server.listen(0)
  const raw = new WebSocket(url)
  await new Promise((resolve) => raw.once('open', resolve))
  const w = decodeLinkFrame(await openRawLink(raw, 'raw', 'srv'))
  assert.equal(w.ok && w.value.type === LINK_WELCOME ? w.value.nodeId : undefined, 'srv')
  await until('connected', () => rec.events.includes('connected raw'))
  const codec = new WireCodec()
  const frame = (m: WireMessage) => { const e = codec.encode(m); if (!e.ok) throw new Error(e.error); return e.frame }
  raw.send(Uint8Array.of(0xb1, 99))
  raw.send(Uint8Array.of(1, 2, 3))
  raw.send('text is garbage')
  raw.send(frame(controlWireMessage(WIRE_HANDSHAKE, SP)))
  raw.send(encodeLinkFrame({ type: LINK_HELLO, nodeId: 'raw', incarnation: 'i1' }))
  raw.send(frame(signedContent(1, 4)))
  await until('messages', () => rec.messages.length === 2)
  assert.is(server.stats.garbageFrames, 4, 'bad kind, no magic, text, a second hello')
  assert.is(server.stats.messagesReceived, 2)
  assert.is((rec.messages[0] as { streamPartId: string }).streamPartId, SP)
  raw.terminate()
  await until('disconnected', () => rec.events.some((e) => e.startsWith('disconnected raw')))
  assert.equal(rec.events.filter((e) => !e.startsWith('disconnected')), ['connected raw'])
  await server.close()
})

Transport('closes a link after maxGarbageFrames, and drops a socket that never says hello', async () => {
  const server = open.add(new WebSocketTransport('srv', { maxGarbageFrames: 3, helloTimeoutMs: 100 }))
  const rec = new Recorder()
  server.setHandler(rec)
  const url = await server.listen(0)
  const raw = new WebSocket(url)
  await new Promise((resolve) => raw.once('open', resolve))
  await openRawLink(raw, 'raw', 'srv')
  await until('connected', () => rec.events.includes('connected raw'))
  const closed = new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)))
  for (let i = 0; i < 5; i++) raw.send(Uint8Array.of(0xb1, 0, i))
  assert.is(await closed, 1000)
  assert.equal(rec.events, ['connected raw', 'disconnected raw: closed after 3 garbage frames'])
  assert.is(server.stats.closedForGarbage, 1)
  const silent = new WebSocket(url)
  const silentClosed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)))
  assert.is(await silentClosed, 4002)
  assert.is(rec.events.length, 2, 'a socket that never said hello was never a link')
  await server.close()
})

Transport('answers each connect failure once: no address, nothing listening, the wrong node at the address', async () => {
  const other = open.add(new WebSocketTransport('other'))
  const otherUrl = await other.listen(0)
  const dead = open.add(new WebSocketTransport('dead'))
  const deadUrl = await dead.listen(0)
  await dead.close()
  const t = open.add(new WebSocketTransport('me', { peers: { x: deadUrl, y: otherUrl }, connectTimeoutMs: 2_000 }))
  const rec = new Recorder()
  t.setHandler(rec)
  t.connect('nobody')
  t.connect('x')
  t.connect('y')
  await until('three answers', () => rec.events.length === 3)
  await sleep(50)
  const sorted = [...rec.events].sort()
  assert.is(sorted.length, 3)
  assert.match(sorted[0], /^failed nobody: no address for peer/)
  assert.match(sorted[1], /^failed x: .*ECONNREFUSED/)
  assert.match(sorted[2], /^failed y: the node at .* is other/)
  assert.is(t.stats.connectsFailed, 3)
  await t.close()
  await other.close()
})

Transport('makes one link when both ends dial at once: each side hears onConnected once, nobody hears a failure', async () => {
  for (let round = 0; round < 5; round++) {
    const p = open.add(new WebSocketTransport('p'))
    const q = open.add(new WebSocketTransport('q'))
    const [pu, qu] = await Promise.all([p.listen(0), q.listen(0)])
    p.addPeer('q', qu)
    q.addPeer('p', pu)
    const rp = new Recorder()
    const rq = new Recorder()
    p.setHandler(rp)
    q.setHandler(rq)
    p.connect('q')
    q.connect('p')
    await until('both connected', () => rp.events.length >= 1 && rq.events.length >= 1)
    await sleep(100)
    assert.equal(rp.events, ['connected q'])
    assert.equal(rq.events, ['connected p'])
    // Both ends hold the same socket: one dialed it, the other accepted it (p's dial wins when
    // both were open in time; a dial that had not opened yet yields to the hello that arrived).
    assert.is.not(p.connectionTo('q')!.dialedByMe, q.connectionTo('p')!.dialedByMe)
    // It works, and a connect() to a linked peer answers with the same link.
    q.connect('p')
    await until('second answer', () => rq.events.length === 2)
    assert.is(rq.connections[1], rq.connections[0])
    rq.connections[0].send(controlWireMessage(WIRE_HANDSHAKE, SP))
    await until('message', () => rp.messages.length === 1)
    await Promise.all([p.close(), q.close()])
  }
})

Transport('still links to a peer it cannot dial (it does not listen) when both connect at once', async () => {
  const dead = open.add(new WebSocketTransport('dead'))
  const deadUrl = await dead.listen(0)
  await dead.close()
  const a = open.add(new WebSocketTransport('a'))
  const b = open.add(new WebSocketTransport('b'))
  const aUrl = await a.listen(0)
  a.addPeer('b', deadUrl)
  b.addPeer('a', aUrl)
  const ra = new Recorder()
  const rb = new Recorder()
  a.setHandler(ra)
  b.setHandler(rb)
  a.connect('b')
  b.connect('a')
  await until('b linked', () => rb.events.length === 1 && a.connectionTo('b') !== undefined)
  await sleep(50)
  assert.equal(rb.events, ['connected a'])
  assert.ok(ra.events.includes('connected b'))
  assert.ok(ra.events.filter((e) => e.startsWith('failed')).length <= 1, 'a may hear its own dial fail, once')
  await Promise.all([a.close(), b.close()])
})

Transport('replaces the old link of a peer that restarts (new incarnation)', async () => {
  const srv = open.add(new WebSocketTransport('srv'))
  const rec = new Recorder()
  srv.setHandler(rec)
  const url = await srv.listen(0)
  const key = ephemeralIdentity()
  const c1 = open.add(new WebSocketTransport('c', { peers: { srv: url }, identity: key }))
  c1.setHandler(new Recorder())
  c1.connect('srv')
  await until('first link', () => rec.events.length === 1)
  // The restarted process: same id and key (its key file), new transport. The old socket is still open.
  const c2 = open.add(new WebSocketTransport('c', { peers: { srv: url }, identity: key }))
  c2.setHandler(new Recorder())
  c2.connect('srv')
  await until('replaced', () => rec.events.length === 3)
  assert.is(rec.events[0], 'connected c')
  assert.is(rec.events[1], 'disconnected c: replaced by a new link')
  assert.is(rec.events[2], 'connected c')
  assert.is(srv.connectionTo('c')!.remoteIncarnation, c2.incarnation)
  await Promise.all([c1.close(), c2.close(), srv.close()])
})

Transport('refuses a link claiming a linked id with another key, and keeps the real one (impostor)', async () => {
  const srv = open.add(new WebSocketTransport('srv'))
  const rec = new Recorder()
  srv.setHandler(rec)
  const url = await srv.listen(0)
  const real = open.add(new WebSocketTransport('c', { peers: { srv: url } }))
  const realEvents = new Recorder()
  real.setHandler(realEvents)
  real.connect('srv')
  await until('real link', () => rec.events.length === 1)
  const impostor = open.add(new WebSocketTransport('c', { peers: { srv: url } }))
  const impostorEvents = new Recorder()
  impostor.setHandler(impostorEvents)
  impostor.connect('srv')
  // The impostor may have taken the server's proof before the server refused its own.
  await until('impostor refused', () => srv.stats.proofsRefused === 1 && /bound to another key/.test(impostorEvents.events.at(-1) ?? ''))
  assert.equal(rec.events, ['connected c'], 'the server never heard of the impostor')
  assert.is(srv.connectionTo('c')!.remoteIncarnation, real.incarnation)
  assert.is(realEvents.events.length, 1, 'the real link was never touched')
  // Even after the real node leaves, its id stays bound to its key here.
  await real.close()
  await until('real gone', () => rec.events.length === 2)
  const again = open.add(new WebSocketTransport('c', { peers: { srv: url } }))
  const againEvents = new Recorder()
  again.setHandler(againEvents)
  again.connect('srv')
  await until('refused again', () => srv.stats.proofsRefused === 2 && /bound to another key/.test(againEvents.events.at(-1) ?? ''))
  assert.is(rec.events.length, 2)
  await Promise.all([impostor.close(), again.close(), srv.close()])
})

Transport('closes a peer that goes silent as timed out (keep-alive)', async () => {
  const srv = open.add(new WebSocketTransport('srv', { keepAliveMs: 20, idleTimeoutMs: 120 }))
  const rec = new Recorder()
  srv.setHandler(rec)
  const url = await srv.listen(0)
  const raw = new WebSocket(url)
  await new Promise((resolve) => raw.once('open', resolve))
  await openRawLink(raw, 'mute', 'srv')
  await until('connected', () => rec.events.length === 1)
  // The raw socket answers nothing at our level (ws answers pings, but ours are frames).
  await until('timed out', () => rec.events.length === 2, 2_000)
  assert.is(rec.events[1], 'disconnected mute: peer timed out')
  assert.is(srv.stats.idleTimeouts, 1)
  raw.terminate()
  await srv.close()
})

Transport('a burst past maxBufferedBytes is dropped and counted, never queued beyond it, and the link sends again once drained', async () => {
  const max = 256 * 1024
  const message = signedContent(0, 64 * 1024)
  const a = open.add(new WebSocketTransport('a'))
  const b = open.add(new WebSocketTransport('b', { peers: { a: await a.listen(0) }, maxBufferedBytes: max }))
  const ra = new Recorder()
  const rb = new Recorder()
  a.setHandler(ra)
  b.setHandler(rb)
  b.connect('a')
  await until('link', () => rb.connections.length === 1 && ra.connections.length === 1)
  const link = rb.connections[0]
  const sink = (link as unknown as { sink: { bufferedBytes(): number } }).sink
  let received = 0
  ra.onMessage = () => { received++ }
  // 16 MiB in one synchronous burst: the socket cannot drain between sends.
  const burst = 256
  let peak = 0
  for (let i = 0; i < burst; i++) {
    link.send(message)
    peak = Math.max(peak, sink.bufferedBytes())
  }
  const dropped = b.stats.droppedBackpressure
  assert.ok(dropped > 0, 'nothing dropped from a 16 MiB burst on a 256 KiB buffer')
  // The frames' own headers are the only bytes past the bound.
  assert.ok(peak <= max + (burst - dropped) * 16, `${peak} bytes queued, over maxBufferedBytes ${max}`)
  await until('the rest arrives', () => received === burst - dropped, 20_000)
  link.send(message)
  await until('after the drain', () => received === burst - dropped + 1, 10_000)
  assert.is(b.stats.droppedBackpressure, dropped)
})

Transport('sends 5,000 messages one way with no backpressure drops, measuring loopback round trip and rate', async () => {
  // Signed before any link opens: signing thousands in a row would hold the event loop past the
  // links' idle timeout, and the measurement is of the transport, not of signing.
  const n = 5_000
  const messages = Array.from({ length: n }, (_, i) => signedContent(i, 256))
  const a = open.add(new WebSocketTransport('a'))
  const b = open.add(new WebSocketTransport('b', { peers: { a: await a.listen(0) } }))
  try {
    const ra = new Recorder()
    const rb = new Recorder()
    a.setHandler(ra)
    b.setHandler(rb)
    const t0 = performance.now()
    b.connect('a')
    await until('link', () => rb.connections.length === 1 && ra.connections.length === 1)
    const setupMs = performance.now() - t0
    const toA = rb.connections[0]
    const toB = ra.connections[0]
    // Round trip: b sends, a echoes, 500 times in sequence.
    const rtts = await echoRoundTrips(toA, rb, toB, ra, 500, (i) => messages[i])
    // Rate: n messages of 256 bytes one way.
    let received = 0
    ra.onMessage = () => { received++ }
    const start = performance.now()
    for (const m of messages) toA.send(m)
    await until('all received', () => received === n, 60_000)
    const rate = n / ((performance.now() - start) / 1000)
    console.log(`  websocket: link setup ${setupMs.toFixed(1)} ms; round trip p50 ${rtts[250].toFixed(3)} ms, p99 ${rtts[495].toFixed(3)} ms; ${Math.round(rate)} msgs/s of 256 B one way`)
    assert.is(b.stats.droppedBackpressure, 0)
  } finally {
    await Promise.all([a.close(), b.close()])
  }
})

Nodes.run()
Transport.run()

// The WebRTC transport (node-datachannel) with ICE bound to 127.0.0.1: two live nodes link
// through a real Tracker that relays their signalling over WebSockets and exchange content; a
// peer that goes away reaches core as onDisconnected; simultaneous offers end in one link; a
// connect with no signalling answers onConnectFailed after its retries; a 20-node live overlay
// built by a tracker delivers every message to every node, and the receipts obey the flooding
// identity deg(publisher) + sum over the others of (deg - 1). Prints setup time, round trip and
// message rate. If node-datachannel cannot load here, each test prints a SKIP line instead.

import { type Test, suite } from 'uvu'
import { OpenResources } from './helpers/open-resources.ts'
import * as assert from 'uvu/assert'
import type { WireMessage } from '../core/ports.ts'
import { Counting, echoRoundTrips, loadWebRtcModules, signedContent, until, sleep, Recorder } from './helpers/live.ts'

const SP = 'stream#0'
const LOOPBACK = { bindAddress: '127.0.0.1', iceServers: [] as string[] }

const { modules, skipReason } = await loadWebRtcModules()
const open = new OpenResources()
const LiveNodes = suite('LiveNodes over WebRTC')
const Transport = suite('WebRtcTransport')
LiveNodes.after.each(() => open.closeAll())
Transport.after.each(() => open.closeAll())
const rtc = modules?.rtc
const liveNode = modules?.liveNode
const liveTracker = modules?.liveTracker

/** Registers a test, or prints its SKIP line when WebRTC is not available here. */
function rtcTest(group: Test, name: string, fn: () => Promise<void>): void {
  if (skipReason !== undefined) {
    console.log(`SKIP live-webrtc: ${name} (${skipReason})`)
    return
  }
  group(name, fn)
}

/** Two bare WebRTC transports whose signalling is handed over directly (a tracker in a box). */
function rtcPair(a = 'a', b = 'b', options: Partial<import('../live/webrtc-transport.ts').WebRtcTransportOptions> = {}) {
  const ta = open.add(new rtc!.WebRtcTransport(a, { ...LOOPBACK, ...options }))
  const tb = open.add(new rtc!.WebRtcTransport(b, { ...LOOPBACK, ...options }))
  // Asynchronous with 1 ms of delay, as a relay through a tracker is at the least.
  ta.setSignalSender((to, payload) => { if (to === b) setTimeout(() => tb.handleSignal(a, payload), 1); return to === b })
  tb.setSignalSender((to, payload) => { if (to === a) setTimeout(() => ta.handleSignal(b, payload), 1); return to === a })
  const ra = new Recorder()
  const rb = new Recorder()
  ta.setHandler(ra)
  tb.setHandler(rb)
  return { ta, tb, ra, rb }
}

function content(n: number, bytes = 256): WireMessage {
  return signedContent(n, bytes)
}

function settled(nodes: import('../live/live-node.ts').LiveNode[], tracker: import('../live/live-tracker.ts').LiveTracker, minDegree: number): boolean {
  const view = tracker.tracker.overlay(SP)
  if (view.size !== nodes.length) return false
  return nodes.every((n) => {
    const mine = n.neighbours(SP).sort().join()
    return mine === [...(view.get(n.id) ?? [])].sort().join() && n.neighbours(SP).length >= minDegree
  })
}

rtcTest(LiveNodes, 'two nodes link over WebRTC, signalled through a real Tracker over WebSockets, and exchange content', async () => {
  const tracker = open.add(await liveTracker!.LiveTracker.start({ id: 't0', seed: 1 }))
  const observers = [new Counting(), new Counting()]
  const nodes = ['n0', 'n1'].map((id, i) => open.add(new liveNode!.LiveNode({
    id, seed: 1, trackers: [{ id: 't0', url: tracker.url }], webrtc: LOOPBACK, observer: observers[i],
  })))
  const t0 = performance.now()
  for (const n of nodes) n.join(SP)
  await until('neighbours', () => nodes[0].neighbours(SP).includes('n1') && nodes[1].neighbours(SP).includes('n0'))
  console.log(`  webrtc: join -> neighbours through the tracker ${(performance.now() - t0).toFixed(1)} ms`)
  nodes[0].publish('stream', 0, new TextEncoder().encode('over a data channel'))
  nodes[1].publish('stream', 0, new Uint8Array([7]))
  await until('deliveries', () => observers[0].got.length === 1 && observers[1].got.length === 1)
  assert.is(new TextDecoder().decode(observers[1].got[0].content), 'over a data channel')
  assert.equal([...observers[0].got[0].content], [7])
  assert.ok(tracker.tracker.stats.signalsRelayed >= 2, `${tracker.tracker.stats.signalsRelayed} signals relayed`)
  assert.is(tracker.tracker.stats.signalsDropped, 0)
  for (const n of nodes) {
    assert.ok(n.node.connection(n.id === 'n0' ? 'n1' : 'n0') !== undefined)
    assert.is(n.webrtc.stats.garbageFrames + n.webrtc.stats.errors + n.websocket.stats.errors, 0)
  }
  // The link between the nodes is WebRTC; the link to the tracker is a WebSocket.
  assert.ok(nodes[0].webrtc.connectionTo('n1') !== undefined && nodes[0].websocket.connectionTo('n1') === undefined)
  assert.ok(nodes[0].websocket.connectionTo('t0') !== undefined)
  // A node that crashes (its process dies: links close, nothing said) reaches the other's core
  // as onDisconnected, and the tracker hears of it from the dropped WebSocket.
  await nodes[1].stop({ graceful: false })
  await until('n0 notices', () => !nodes[0].neighbours(SP).includes('n1'))
  assert.match(observers[0].removed.join(), /n1: (data channel closed|peer connection (closed|disconnected|failed))/)
  await until('tracker notices', () => tracker.tracker.stats.nodesDisconnected === 1)
  await nodes[0].stop()
  await tracker.stop()
})

rtcTest(LiveNodes, 'a 20-node live overlay built by a tracker delivers every message to every node; receipts obey the flooding identity', async () => {
  // All 20 nodes are on loopback: one address, over the tracker's default cap per address.
  const tracker = open.add(await liveTracker!.LiveTracker.start({ id: 't0', seed: 2, websocket: { maxSocketsPerAddress: 64 } }))
  const count = 20
  const observers = Array.from({ length: count }, () => new Counting())
  const nodes = observers.map((observer, i) => open.add(new liveNode!.LiveNode({
    // All 20 nodes share one thread: this measures flooding over the transport, not 20 nodes' signature
    // checks (at relays, or at the subscriber, which checks what relays did not).
    id: `n${String(i).padStart(2, '0')}`, seed: 2, trackers: [{ id: 't0', url: tracker.url }], webrtc: LOOPBACK, observer, relayValidation: false,
    messageLayer: { subscribe: false },
  })))
  const t0 = performance.now()
  for (const n of nodes) n.join(SP)
  // Settled: every node's neighbours are what the tracker has for it, and it stays so for 300 ms.
  let stableSince = -1
  await until('the overlay settles', () => {
    if (!settled(nodes, tracker, 3)) {
      stableSince = -1
      return false
    }
    if (stableSince < 0) stableSince = performance.now()
    return performance.now() - stableSince >= 300
  }, 30_000)
  const settleMs = stableSince - t0
  const degrees = nodes.map((n) => n.neighbours(SP).length)
  const links = nodes.reduce((s, n) => s + n.webrtc.connectedPeers().length, 0) / 2
  const messages = 50
  const publisher = nodes[0]
  const p0 = performance.now()
  for (let i = 0; i < messages; i++) publisher.publish('stream', 0, new Uint8Array(64).fill(i))
  await until('every node has every message', () => observers.slice(1).every((o) => o.got.length === messages), 10_000)
  const floodMs = performance.now() - p0
  await sleep(200)
  const expectedPerMessage = degrees[0] + degrees.slice(1).reduce((s, d) => s + d - 1, 0)
  const receipts = observers.reduce((s, o) => s + o.got.length + o.duplicates, 0)
  console.log(`  webrtc overlay: ${count} nodes settled in ${settleMs.toFixed(0)} ms (${links} WebRTC links, degrees ${[...new Set(degrees)].sort().join('/')}); `
    + `${messages} messages to all in ${floodMs.toFixed(0)} ms; receipts ${receipts} = ${messages} x ${expectedPerMessage}`)
  assert.ok(settled(nodes, tracker, 3), 'the overlay did not change during the flood')
  assert.is(receipts, messages * expectedPerMessage, 'flooding identity: deg(publisher) + sum of (deg - 1)')
  for (const [i, o] of observers.entries()) {
    assert.is(o.malformeds, 0, `n${i} malformed`)
    if (i > 0) assert.equal(o.got.map((m) => m.content[0]), Array.from({ length: messages }, (_, k) => k), `n${i} got all, in order`)
  }
  // Throughput: 1,000 more messages of 256 B from one publisher, flooded through all 20 nodes
  // of this one process (so it measures one Node thread doing the work of 20 nodes).
  const burst = 1_000
  const before = observers.map((o) => o.got.length + o.duplicates)
  const gotBefore = observers.map((o) => o.got.length)
  const b0 = performance.now()
  for (let i = 0; i < burst; i++) nodes[5].publish('stream', 0, new Uint8Array(256))
  await until('the burst reaches everyone', () => observers.every((o, i) => i === 5 || o.got.length - gotBefore[i] === burst), 20_000)
  const burstS = (performance.now() - b0) / 1000
  // Duplicates trail the last first copy; on a loaded machine by more than any fixed pause.
  const burstReceiptsNow = () => observers.reduce((s, o, i) => s + o.got.length + o.duplicates - before[i], 0)
  const burstExpected = burst * (degrees[5] + degrees.reduce((s, d, i) => i === 5 ? s : s + d - 1, 0))
  await until('every copy of the burst has arrived', () => burstReceiptsNow() >= burstExpected, 20_000).catch(() => undefined)
  await sleep(200)
  const burstReceipts = burstReceiptsNow()
  console.log(`  webrtc overlay: ${burst} messages from n05 to all 19 others in ${(burstS * 1000).toFixed(0)} ms: `
    + `${Math.round(burst / burstS)} messages/s published, ${Math.round(burstReceipts / burstS)} receipts/s over ${links} links`)
  assert.is(burstReceipts, burstExpected, 'flooding identity for the burst')
  assert.is(nodes.reduce((s, n) => s + n.webrtc.stats.droppedBackpressure, 0), 0)
  assert.is(tracker.tracker.stats.malformedReceived, 0)
  assert.is(nodes.reduce((s, n) => s + n.webrtc.stats.errors + n.websocket.stats.errors + n.webrtc.stats.garbageFrames, 0), 0)
  await Promise.all(nodes.map((n) => n.stop()))
  await tracker.stop()
})

rtcTest(Transport, 'both ends offering at once make one link: each side hears onConnected once and no failure', async () => {
  for (let round = 0; round < 3; round++) {
    const { ta, tb, ra, rb } = rtcPair('p', 'q')
    ta.connect('q')
    tb.connect('p')
    await until('both connected', () => ra.events.length >= 1 && rb.events.length >= 1)
    await sleep(100)
    assert.equal(ra.events, ['connected q'])
    assert.equal(rb.events, ['connected p'])
    assert.is(ta.connectionTo('q')!.dialedByMe, true, 'the smaller id\'s offer won')
    assert.ok(ta.rtcStats.racesResolved + tb.rtcStats.racesResolved >= 1)
    ra.connections[0].send(content(1))
    await until('message', () => rb.messages.length === 1)
    await Promise.all([ta.close(), tb.close()])
    assert.is(ta.nativeCount + tb.nativeCount, 0)
  }
})

rtcTest(Transport, 'a closed data channel is onDisconnected at the other end; a closed transport answers nothing more', async () => {
  const { ta, tb, ra, rb } = rtcPair()
  ta.connect('b')
  await until('linked', () => ra.connections.length === 1 && rb.connections.length === 1)
  ra.connections[0].close()
  assert.equal(ra.events, ['connected b', 'disconnected b: closed locally'])
  await until('b notices', () => rb.events.length === 2)
  assert.match(rb.events[1], /^disconnected a: (data channel closed|peer connection)/)
  // Sending on the closed link is dropped and counted, never thrown.
  ra.connections[0].send(content(1))
  assert.is(ta.stats.sentOnClosed, 1)
  await Promise.all([ta.close(), tb.close()])
})

rtcTest(Transport, 'an offer from a linked id with another key opens a channel but replaces nothing (impostor); the same key replaces the link', async () => {
  const { ta, tb, ra, rb } = rtcPair('a', 'b')
  ta.connect('b')
  await until('linked', () => ra.events.length === 1 && rb.events.length === 1, 10_000)
  // A second process calling itself a, with its own key, signalling to b as a (a tracker that did not check, a routed DHT offer).
  const impostor = open.add(new rtc!.WebRtcTransport('a', LOOPBACK))
  impostor.setSignalSender((to, payload) => { if (to === 'b') setTimeout(() => tb.handleSignal('a', payload), 1); return to === 'b' })
  tb.setSignalSender((to, payload) => {
    if (to !== 'a') return false
    setTimeout(() => { ta.handleSignal('b', payload); impostor.handleSignal('b', payload) }, 1)
    return true
  })
  impostor.setHandler(new Recorder())
  impostor.connect('b')
  await until('refused', () => tb.stats.proofsRefused === 1, 10_000)
  await sleep(100)
  assert.equal(rb.events, ['connected a'], 'b never heard of the impostor')
  assert.is(tb.connectionTo('a')!.remoteIncarnation, ta.incarnation)
  // The real a, restarted with its key: its new link replaces the old one.
  const restarted = open.add(new rtc!.WebRtcTransport('a', { ...LOOPBACK, identity: ta.identity }))
  restarted.setSignalSender((to, payload) => { if (to === 'b') setTimeout(() => tb.handleSignal('a', payload), 1); return to === 'b' })
  tb.setSignalSender((to, payload) => { if (to === 'a') setTimeout(() => restarted.handleSignal('b', payload), 1); return to === 'a' })
  restarted.setHandler(new Recorder())
  restarted.connect('b')
  await until('replaced', () => tb.connectionTo('a')?.remoteIncarnation === restarted.incarnation, 10_000)
  assert.equal(rb.events, ['connected a', 'disconnected a: replaced by a new link', 'connected a'])
  await Promise.all([impostor.close(), restarted.close(), ta.close(), tb.close()])
})

rtcTest(Transport, '150 offers nobody asked for make at most maxUnsolicitedAnswers peer connections', async () => {
  // A real offer, captured instead of delivered, then sent to the victim under 150 made-up peer ids.
  const offerer = open.add(new rtc!.WebRtcTransport('o', LOOPBACK))
  let offer: string | undefined
  offerer.setSignalSender((_to, payload) => { if (offer === undefined && payload.includes('"offer"')) offer = payload; return true })
  offerer.setHandler(new Recorder())
  offerer.connect('v')
  await until('an offer', () => offer !== undefined, 10_000)
  const victim = open.add(new rtc!.WebRtcTransport('v', LOOPBACK))
  victim.setSignalSender(() => true)
  victim.setHandler(new Recorder())
  for (let i = 0; i < 150; i++) victim.handleSignal(`flood-${i}`, offer!)
  const made = victim.peerConnectionCount
  console.log(`  FIGURE offer flood: 150 unsolicited offers made ${made} peer connections (cap ${rtc!.DEFAULT_MAX_UNSOLICITED_ANSWERS}), `
    + `${victim.rtcStats.offersRefused} refused`)
  assert.is(made, rtc!.DEFAULT_MAX_UNSOLICITED_ANSWERS)
  assert.is(victim.rtcStats.offersRefused, 150 - rtc!.DEFAULT_MAX_UNSOLICITED_ANSWERS)
  await victim.close()
  await offerer.close()
})

rtcTest(Transport, 'with no signalling path, connect retries, then answers onConnectFailed once', async () => {
  const t = open.add(new rtc!.WebRtcTransport('lonely', { ...LOOPBACK, attemptTimeoutMs: 200, maxAttempts: 2, connectTimeoutMs: 2_000 }))
  const rec = new Recorder()
  t.setHandler(rec)
  t.setSignalSender(() => true) // accepted, never delivered: every attempt times out
  t.connect('ghost')
  await until('failure', () => rec.events.length === 1, 3_000)
  assert.match(rec.events[0], /^failed ghost: attempt timed out/)
  assert.is(t.rtcStats.attemptsStarted, 2)
  t.setSignalSender(undefined)
  t.connect('ghost2')
  await until('second failure', () => rec.events.length === 2)
  assert.is(rec.events[1], 'failed ghost2: no signalling path')
  await sleep(300)
  assert.is(rec.events.length, 2, 'each connect answered once')
  await t.close()
})

rtcTest(Transport, 'garbage signals and garbage frames are counted and never throw', async () => {
  const { ta, tb, ra, rb } = rtcPair()
  for (const junk of ['', 'x', '{}', '[]', 'null', '{"t":"offer","a":"1","i":"2"}', '{"t":"offer","a":"1","i":"2","sdp":"nonsense"}',
    '{"t":"answer","a":"zz","i":"1","sdp":"v=0"}', '{"t":"cand","a":"zz","c":"junk","m":"0"}']) {
    tb.handleSignal('a', junk)
  }
  assert.ok(tb.rtcStats.badSignals >= 6)
  ta.connect('b')
  await until('linked', () => ra.connections.length === 1 && rb.connections.length === 1)
  // Reach under the Connection to put raw bytes on the channel.
  const sink = (ra.connections[0] as unknown as { sink: { send(f: Uint8Array): void } }).sink
  sink.send(Uint8Array.of(0xb1, 99))
  sink.send(Uint8Array.of(1, 2, 3))
  ra.connections[0].send(content(5))
  await until('the good one', () => rb.messages.length === 1)
  assert.is(tb.stats.garbageFrames, 2)
  assert.is(tb.stats.errors + ta.stats.errors, 0)
  await Promise.all([ta.close(), tb.close()])
})

rtcTest(Transport, '10,000 messages go one way with no backpressure drops, measuring link setup, loopback round trip and rate', async () => {
  const { ta, tb, ra, rb } = rtcPair()
  const setups: number[] = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    ta.connect('b')
    await until('linked', () => ra.connections.length === i + 1 && rb.connections.length === i + 1)
    setups.push(performance.now() - t0)
    if (i < 4) {
      ra.connections[i].close()
      await until('closed', () => rb.events.length === 2 * (i + 1))
    }
  }
  const toB = ra.connections[4]
  const toA = rb.connections[4]
  const rtts = await echoRoundTrips(toB, ra, toA, rb, 300, content)
  let received = 0
  rb.onMessage = () => { received++ }
  const n = 10_000
  const start = performance.now()
  // Paced in bursts so the send buffer (maxBufferedBytes) never drops anything.
  for (let sent = 0; sent < n;) {
    for (let k = 0; k < 500 && sent < n; k++, sent++) toB.send(content(sent))
    await until('drain', () => received >= sent - 1_000, 10_000)
  }
  await until('all received', () => received === n, 20_000)
  const rate = n / ((performance.now() - start) / 1000)
  console.log(`  setups ${setups.map((x) => x.toFixed(1)).join(" ")}`)
  setups.sort((x, y) => x - y)
  console.log(`  webrtc: link setup (direct signalling) median ${setups[2].toFixed(1)} ms, max ${setups[4].toFixed(1)} ms; round trip p50 ${rtts[150].toFixed(3)} ms, p99 ${rtts[296].toFixed(3)} ms; ${Math.round(rate)} msgs/s of 256 B one way`)
  assert.is(ta.stats.droppedBackpressure, 0)
  await Promise.all([ta.close(), tb.close()])
})

// After the last suite: WebRTC is shut down once, for the whole file.
if (skipReason === undefined) Transport.after(() => rtc!.shutdownWebRtc())

LiveNodes.run()
Transport.run()

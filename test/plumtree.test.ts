// Plumtree (core/content-delivery/plumtree.ts): its rules one at a time on a few real nodes, then
// on a static random 4-regular overlay against plain flooding with the same seed.
// time-limit: 180 s

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { peerDescriptorOf } from '../core/dht/peer-descriptor.ts'
import { Plumtree } from '../core/content-delivery/plumtree.ts'
import { PLUMTREE_METADATA, PLUMTREE_PAUSE, PLUMTREE_RESUME } from '../core/content-delivery/plumtree-messages.ts'
import { createStreamMessage } from '../core/message.ts'
import { NetworkNode } from '../core/network-node.ts'
import { type Connection, WIRE_CONTENT } from '../core/ports.ts'
import { WIRE_RPC_NOTICE, WIRE_RPC_REQUEST } from '../core/rpc/rpc-messages.ts'
import { RpcEndpoint } from '../core/rpc/rpc-endpoint.ts'
import { StaticOverlay } from '../core/topology/static-overlay.ts'
import { contentWireMessage } from '../core/wire.ts'
import { createRandom } from '../sim/engine/random.ts'
import { Simulator } from '../sim/engine/simulator.ts'
import { createLatencyModel } from '../sim/network/latency-model.ts'
import { SimNetwork } from '../sim/network/sim-network.ts'
import type { LatencyConfig } from '../sim/scenario/types.ts'
import { RecordingObserver } from './helpers/small-world.ts'

const SP = 's#0'

interface World {
  sim: Simulator
  ids: string[]
  nodes: NetworkNode[]
  observers: RecordingObserver[]
  rpcs: RpcEndpoint[]
  plumtrees: (Plumtree | undefined)[]
}

function world(n: number, opts: { seed?: number; latency?: LatencyConfig; plumtree: boolean }): World {
  const seed = opts.seed ?? 1
  const sim = new Simulator()
  const ids = Array.from({ length: n }, (_, i) => `n${i}`)
  const network = new SimNetwork(sim, createLatencyModel(opts.latency ?? { model: 'fixed', ms: 10 }, ids, seed), ids,
    { lossRate: 0, processingDelayMs: 0, connectionSetup: 'instant', connectTimeoutMs: 5_000 }, seed)
  const observers = ids.map(() => new RecordingObserver(sim))
  const nodes = ids.map((id, i) => new NetworkNode({
    clock: sim, timers: sim, random: createRandom(seed, id), transport: network.transport(i), observer: observers[i],
  }))
  const rpcs = nodes.map((node, i) => new RpcEndpoint(node, peerDescriptorOf(ids[i]), sim, sim))
  const plumtrees = nodes.map((node, i) => (opts.plumtree ? new Plumtree(node, rpcs[i], SP) : undefined))
  return { sim, ids, nodes, observers, rpcs, plumtrees }
}

/** Links each pair both ways through the node's own handshake (the static overlay's path). */
function link(w: World, pairs: [number, number][]): void {
  for (const node of w.nodes) node.joinStreamPart(SP)
  for (const p of w.plumtrees) p?.start()
  for (const [a, b] of pairs) w.nodes[a].addNeighbour(SP, w.ids[b])
  w.sim.run(w.sim.now() + 1_000)
}

function publish(w: World, publisher: number, count: number, everyMs: number): void {
  const start = w.sim.now()
  for (let k = 0; k < count; k++) w.sim.call(start + k * everyMs, () => w.nodes[publisher].publish('s', 0, new Uint8Array(16)))
}

const duplicates = (w: World) => w.observers.reduce((s, o) => s + o.duplicates, 0)
const deliveries = (w: World) => w.observers.reduce((s, o) => s + o.delivered_.length, 0)

const Rules = suite('Plumtree: pause, ids on paused links, resume')

Rules('a neighbour that sends a duplicate is paused on that chain and sends ids from then on', () => {
  // Triangle: n1 gets n0's message from n0 and again from n2.
  const w = world(3, { plumtree: true, latency: { model: 'fixed', ms: 10 } })
  link(w, [[0, 1], [1, 2], [2, 0]])
  publish(w, 0, 1, 0)
  w.sim.run(w.sim.now() + 500)
  const chain = w.observers[1].delivered_[0].message.messageId.msgChainId
  assert.ok(w.plumtrees[1]!.isPausedByUs('n2', chain), 'n1 paused n2')
  assert.ok(w.plumtrees[2]!.hasPausedUs('n1', chain), 'n2 knows it is paused towards n1')
  assert.is(w.plumtrees[1]!.counts.pausesSent, 1)
  assert.is(w.plumtrees[2]!.counts.pausesReceived, 1)
  const dupsAfterFirst = duplicates(w)
  publish(w, 0, 1, 0)
  w.sim.run(w.sim.now() + 500)
  assert.ok(duplicates(w) < 2 * dupsAfterFirst, 'the second message makes fewer duplicates than the first')
  assert.ok(w.plumtrees[1]!.counts.metadataSent + w.plumtrees[2]!.counts.metadataSent >= 1, 'ids went on the paused links')
  assert.is(deliveries(w), 4, 'both messages reached both other nodes')
})

Rules('pauses at most maxPausedNeighbours per chain', () => {
  // A star of 5 around n0... n5 is the publisher, linked to n1-n4; n0 hears every message from all four.
  const w = world(6, { plumtree: true })
  link(w, [[5, 1], [5, 2], [5, 3], [5, 4], [0, 1], [0, 2], [0, 3], [0, 4]])
  publish(w, 5, 3, 100)
  w.sim.run(w.sim.now() + 1_000)
  const chain = w.observers[0].delivered_[0].message.messageId.msgChainId
  const paused = ['n1', 'n2', 'n3', 'n4'].filter((p) => w.plumtrees[0]!.isPausedByUs(p, chain))
  assert.is(paused.length, 3)
  assert.is(w.plumtrees[0]!.counts.pausesSent, 3)
  assert.is(w.observers[0].delivered_.length, 3)
})

Rules('ids ahead of our newest message at two timestamps resume that neighbour, which sends what it kept', () => {
  const w = world(2, { plumtree: true })
  link(w, [[0, 1]])
  const p1 = w.plumtrees[1]!
  // n1 has seen ts 1 from n0; then n1 pauses n0 as if n0 had sent a duplicate.
  const m = (ts: number) => contentWireMessage(createStreamMessage(
    { streamId: 's', streamPartition: 0, timestamp: ts, sequenceNumber: 0, publisherId: 'pub', msgChainId: 'chain' },
    ts === 1 ? null : { timestamp: ts - 1, sequenceNumber: 0 }, new Uint8Array(4)))
  const link01 = w.nodes[1].connection('n0')!
  // n0 relays ts 1..3 as first receipts from some other link (n0 keeps them in its resend buffer).
  const elsewhere: Connection = { remoteId: 'elsewhere', send() {}, close() {} }
  w.nodes[0].streamPart(SP)!.handleContent(m(1), elsewhere)
  w.sim.run(w.sim.now() + 100)
  assert.is(w.observers[1].delivered_.length, 1)
  w.nodes[1].streamPart(SP)!.handleContent(m(1), link01)
  w.sim.run(w.sim.now() + 100)
  assert.ok(p1.isPausedByUs('n0', 'chain'), 'the duplicate paused n0')
  w.nodes[0].streamPart(SP)!.handleContent(m(2), elsewhere)
  w.sim.run(w.sim.now() + 100)
  assert.is(w.observers[1].delivered_.length, 1, 'only the id came')
  assert.is(w.plumtrees[0]!.counts.metadataSent, 1)
  assert.is(p1.counts.resumesSent, 0, 'one timestamp ahead is not enough')
  w.nodes[0].streamPart(SP)!.handleContent(m(3), elsewhere)
  w.sim.run(w.sim.now() + 100)
  assert.is(p1.counts.resumesSent, 1)
  assert.is(w.plumtrees[0]!.counts.resent, 2, 'n0 sent again what it kept after ts 1')
  assert.equal(w.observers[1].delivered_.map((d) => d.message.messageId.timestamp), [1, 2, 3])
  assert.is(p1.isPausedByUs('n0', 'chain'), false)
})

Rules('when every remaining neighbour is paused after one goes, the first is resumed', () => {
  // n0 hears from n1, n2, n3 (the publisher n4 feeds all three); two get paused. Then n1 leaves.
  const w = world(5, { plumtree: true })
  link(w, [[4, 1], [4, 2], [4, 3], [0, 1], [0, 2], [0, 3]])
  publish(w, 4, 1, 0)
  w.sim.run(w.sim.now() + 500)
  const p0 = w.plumtrees[0]!
  const chain = w.observers[0].delivered_[0].message.messageId.msgChainId
  const first = w.observers[0].delivered_[0].from
  const paused = ['n1', 'n2', 'n3'].filter((p) => p0.isPausedByUs(p, chain))
  assert.is(paused.length, 2)
  assert.ok(!paused.includes(first))
  w.nodes[w.ids.indexOf(first)].leaveStreamPart(SP)
  w.sim.run(w.sim.now() + 500)
  assert.is(p0.counts.resumesSent, 1)
  const remaining = w.nodes[0].streamPart(SP)!.neighbours.map((c) => c.remoteId)
  assert.is(p0.isPausedByUs(remaining[0], chain), false, 'the first remaining neighbour sends real data again')
})

Rules('malformed notices are refused and counted, never thrown', () => {
  const w = world(2, { plumtree: true })
  link(w, [[0, 1]])
  const sender = w.rpcs[1].local
  const peer: Connection = { remoteId: 'n1', send() {}, close() {} }
  const notices: [number, unknown][] = [
    [PLUMTREE_METADATA, null], [PLUMTREE_METADATA, { msgChainId: 'c', timestamp: 'x' }],
    [PLUMTREE_PAUSE, {}], [PLUMTREE_PAUSE, { msgChainId: 'c'.repeat(101) }],
    [PLUMTREE_RESUME, { msgChainId: 'c' }], [PLUMTREE_RESUME, { msgChainId: 'c', fromTimestamp: Infinity }], [9, {}],
  ]
  for (const [method, body] of notices) {
    w.nodes[0].onMessage(peer, { kind: WIRE_RPC_NOTICE, sizeBytes: 8, service: `plumtree::${SP}`, method, sender, body })
  }
  w.nodes[0].onMessage(peer, { kind: WIRE_RPC_REQUEST, sizeBytes: 8, service: `plumtree::${SP}`, method: 1, requestId: 1, sender, body: {} })
  assert.is(w.plumtrees[0]!.counts.malformed, notices.length + 1)
  assert.is(w.observers[0].malformeds, notices.length + 1)
})

Rules.run()

// ---------------------------------------------------------------------------------------------

interface RunResult {
  duplicates: number
  deliveries: number
  /** Messages each node got, publisher aside. */
  perNode: number[]
  sentContent: number
  metadata: number
}

function staticRun(plumtree: boolean, latency: LatencyConfig, n = 100, messages = 60): RunResult {
  const seed = 5
  const w = world(n, { seed, latency, plumtree })
  const overlay = new StaticOverlay(4)
  overlay.define(SP, w.ids, createRandom(seed, 'overlay'))
  let contentSends = 0
  for (const o of w.observers) {
    const base = o.sent.bind(o)
    o.sent = (m, to) => {
      if (m.kind === WIRE_CONTENT) contentSends++
      base(m, to)
    }
  }
  w.nodes.forEach((node, i) => w.sim.call(i, () => {
    overlay.join(node, SP)
    w.plumtrees[i]?.start()
  }))
  w.sim.run(3_000)
  publish(w, 0, messages, 100)
  w.sim.run(3_000 + messages * 100 + 5_000)
  return {
    duplicates: duplicates(w),
    deliveries: deliveries(w),
    perNode: w.observers.slice(1).map((o) => new Set(o.delivered_.map((d) => d.message.messageId.timestamp * 1000 + d.message.messageId.sequenceNumber)).size),
    sentContent: contentSends,
    metadata: w.plumtrees.reduce((s, p) => s + (p?.counts.metadataSent ?? 0), 0),
  }
}

const Static = suite('Plumtree on a static 4-regular overlay (100 nodes, 60 messages)')

for (const [name, latency] of [
  ['geo latency, no jitter', { model: 'geo', intraRegionRttMs: 4, jitterSdMs: 0 }],
  ['uniform 5-60 ms per transmission', { model: 'uniform', minMs: 5, maxMs: 60 }],
] as [string, LatencyConfig][]) {
  Static(`${name}: every message reaches every node, with far fewer duplicates than flooding`, () => {
    const flood = staticRun(false, latency)
    const tree = staticRun(true, latency)
    assert.is(flood.deliveries, 99 * 60)
    assert.ok(flood.perNode.every((k) => k === 60))
    assert.ok(tree.perNode.every((k) => k === 60), `missing: ${tree.perNode.filter((k) => k < 60).length} nodes`)
    assert.is(tree.deliveries, 99 * 60)
    const floodRate = flood.duplicates / flood.deliveries
    const treeRate = tree.duplicates / tree.deliveries
    // Flooding on a 4-regular graph: (d - 2) + d/(n - 1) duplicates per delivery, about 2.04.
    assert.ok(Math.abs(floodRate - (2 + 4 / 99)) < 0.01, `flooding ${floodRate}`)
    assert.ok(treeRate < floodRate / 4, `plumtree ${treeRate.toFixed(3)} vs flooding ${floodRate.toFixed(3)} duplicates per delivery`)
    assert.ok(tree.sentContent < flood.sentContent / 2)
    assert.ok(tree.metadata > 0)
  })
}

Static('stopped, plumtree hands the relay back: every node floods again', () => {
  const w = world(60, { seed: 3, plumtree: true, latency: { model: 'uniform', minMs: 5, maxMs: 60 } })
  const overlay = new StaticOverlay(4)
  overlay.define(SP, w.ids, createRandom(3, 'overlay'))
  w.nodes.forEach((node, i) => {
    overlay.join(node, SP)
    w.plumtrees[i]!.start()
  })
  w.sim.run(3_000)
  publish(w, 0, 20, 100)
  w.sim.run(w.sim.now() + 5_000)
  const pruned = duplicates(w) / deliveries(w)
  for (const p of w.plumtrees) p!.stop()
  const [dupsBefore, deliveriesBefore] = [duplicates(w), deliveries(w)]
  publish(w, 0, 20, 100)
  w.sim.run(w.sim.now() + 5_000)
  const flooded = (duplicates(w) - dupsBefore) / (deliveries(w) - deliveriesBefore)
  assert.is(deliveries(w) - deliveriesBefore, 59 * 20)
  assert.ok(pruned < 1, `with plumtree ${pruned}`)
  assert.ok(Math.abs(flooded - (2 + 4 / 59)) < 1e-9, `after stop ${flooded}: flooding on a 4-regular graph`)
})

Static.run()

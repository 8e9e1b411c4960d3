// Layer 2 of Tatum (core/content-delivery/): the acceptance rules one by one on a fake
// neighbourhood, then real nodes on the simulated network with a fake layer 1 whose contacts the
// test controls.
// time-limit: 240 s

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type PeerDescriptor, peerDescriptorOf } from '../core/dht/peer-descriptor.ts'
import { compareDistance } from '../core/dht/dht-id.ts'
import { leftDistance, rightDistance, ringPositionOf } from '../core/dht/ring.ts'
import { ContentDeliveryLayer } from '../core/content-delivery/content-delivery-layer.ts'
import { zeroContentDeliveryCounts } from '../core/content-delivery/content-delivery-counts.ts'
import { type ContentDeliveryLayerSettings, createContentDeliveryLayerOptions } from '../core/content-delivery/content-delivery-options.ts'
import { HandshakeResponder } from '../core/content-delivery/handshake-responder.ts'
import { Handshaker } from '../core/content-delivery/handshaker.ts'
import { L2_HANDSHAKE, L2_INTERLEAVE, L2_NEIGHBOUR_UPDATE } from '../core/content-delivery/neighbour-messages.ts'
import type { NeighbourSource } from '../core/content-delivery/neighbour-source.ts'
import { NeighbourFinder } from '../core/content-delivery/neighbour-finder.ts'
import { NeighbourUpdates } from '../core/content-delivery/neighbour-updates.ts'
import type { Neighbourhood, ReplyCallback } from '../core/content-delivery/neighbourhood.ts'
import { NodeList } from '../core/content-delivery/node-list.ts'
import { NodeViews } from '../core/content-delivery/node-views.ts'
import { NetworkNode } from '../core/network-node.ts'
import type { Connection, Random } from '../core/ports.ts'
import { RpcEndpoint } from '../core/rpc/rpc-endpoint.ts'
import { WIRE_RPC_REQUEST } from '../core/rpc/rpc-messages.ts'
import { createRandom, sample } from '../sim/engine/random.ts'
import { Simulator } from '../sim/engine/simulator.ts'
import { createLatencyModel } from '../sim/network/latency-model.ts'
import { SimNetwork } from '../sim/network/sim-network.ts'
import type { LatencyConfig } from '../sim/scenario/types.ts'
import { RecordingObserver } from './helpers/small-world.ts'

const SP = 'stream#0'
const d = (id: string, websocket = false): PeerDescriptor => peerDescriptorOf(id, 0, websocket)

// ---------------------------------------------------------------------------------------------
// A fake neighbourhood: the parts run against it alone, every request recorded for the test to answer.

interface SentRequest { to: string; method: number; body: any; timeoutMs: number; callback: ReplyCallback }

function fakeHood(neighbourIds: string[], overrides: { target?: number } = {}) {
  const options = createContentDeliveryLayerOptions({ neighbourTargetCount: overrides.target ?? 4 })
  const neighbours = new NodeList('me', options.nodeViewSize)
  for (const id of neighbourIds) neighbours.add(d(id))
  const requests: SentRequest[] = []
  const unbound: string[] = []
  const linked = new Set<string>(neighbourIds)
  const timers: (() => void)[] = []
  const hood: Neighbourhood = {
    local: d('me'),
    streamPartId: SP,
    options,
    neighbours,
    views: new NodeViews('me', options.nodeViewSize),
    ongoingHandshakes: new Set(),
    ongoingInterleaves: new Set(),
    counts: zeroContentDeliveryCounts(),
    random: createRandom(1, 'fake'),
    bind: (p) => neighbours.add(p),
    unbind: (id) => {
      unbound.push(id)
      neighbours.remove(id)
    },
    request: (to, method, body, _bytes, timeoutMs, callback) => requests.push({ to: to.nodeId, method, body, timeoutMs, callback }),
    isLinked: (id) => linked.has(id),
    timeoutFor: () => options.handshakeTimeoutMs,
    after: (_ms, fn) => timers.push(fn),
  }
  const handshaker = new Handshaker(hood)
  const finder = new NeighbourFinder(hood, handshaker)
  const responder = new HandshakeResponder(hood, handshaker)
  const updates = new NeighbourUpdates(hood, finder)
  return { hood, requests, unbound, linked, timers, handshaker, finder, responder, updates }
}

/** Answers captured by an RpcReply. */
function replies() {
  const got: any[] = []
  return { got, reply: (body: unknown) => got.push(body) }
}

const Accept = suite('HandshakeResponder: the acceptance rules of HandshakeRpcLocal')

Accept('below the target: yes, and the requester is bound', () => {
  const f = fakeHood(['a', 'b', 'c'])
  const r = replies()
  f.responder.answerHandshake(d('x'), { neighbourIds: [] }, r.reply)
  assert.equal(r.got, [{ accepted: true }])
  assert.equal(f.hood.neighbours.ids(), ['a', 'b', 'c', 'x'])
})

Accept('counts handshakes in flight as taken slots', () => {
  const f = fakeHood(['a', 'b', 'c'])
  f.hood.ongoingHandshakes.add('y')
  const r = replies()
  // 3 + 1 = 4 is not below the target, so only interleaving can take it: the requester lists all of ours.
  f.responder.answerHandshake(d('x'), { neighbourIds: ['a', 'b', 'c'] }, r.reply)
  assert.equal(r.got, [{ accepted: true }], 'no neighbour to hand over: plain yes (the reference does the same)')
  assert.is(f.requests.length, 0)
})

Accept('full, the sender already a neighbour or being asked by us: yes', () => {
  const f = fakeHood(['a', 'b', 'c', 'd'])
  const r = replies()
  f.responder.answerHandshake(d('b'), { neighbourIds: [] }, r.reply)
  f.hood.ongoingHandshakes.add('y')
  f.responder.answerHandshake(d('y'), { neighbourIds: [] }, r.reply)
  assert.equal(r.got, [{ accepted: true }, { accepted: true }])
  assert.is(f.requests.length, 0, 'no interleave for either')
})

Accept('no while one of our neighbours is being moved to the sender', () => {
  const f = fakeHood(['a', 'b'])
  f.hood.ongoingInterleaves.add('x')
  const r = replies()
  f.responder.answerHandshake(d('x'), { neighbourIds: [] }, r.reply)
  assert.equal(r.got, [{ accepted: false }])
  assert.is(f.hood.neighbours.has('x'), false)
})

Accept('full: yes by interleaving, handing over our latest neighbour the requester does not list', () => {
  const f = fakeHood(['a', 'b', 'c', 'd'])
  const r = replies()
  f.responder.answerHandshake(d('x'), { neighbourIds: ['d'] }, r.reply)
  assert.is(r.got.length, 1)
  assert.is(r.got[0].accepted, true)
  assert.is(r.got[0].interleaveTarget.nodeId, 'c', 'd is listed by x, so c, the latest of the rest')
  assert.is(f.hood.neighbours.has('x'), true, 'bound at once, before the interleave ends')
  assert.equal(f.requests.map((q) => [q.to, q.method, q.body.target.nodeId, q.timeoutMs]), [['c', L2_INTERLEAVE, 'x', 10_000]])
  assert.ok(f.hood.ongoingInterleaves.has('c'))
  f.requests[0].callback({ accepted: true })
  assert.equal(f.unbound, ['c'], 'c said it moved: dropped')
  assert.is(f.hood.ongoingInterleaves.size, 0)
  assert.is(f.hood.counts.interleavesCompleted, 1)
})

Accept('an interleave the neighbour refuses or never answers keeps it', () => {
  for (const answer of [{ accepted: false }, undefined, { garbage: 1 }]) {
    const f = fakeHood(['a', 'b', 'c', 'd'])
    f.responder.answerHandshake(d('x'), { neighbourIds: [] }, replies().reply)
    assert.is(f.requests[0].to, 'd')
    f.requests[0].callback(answer)
    assert.equal(f.unbound, [])
    assert.is(f.hood.neighbours.size, 5, 'x added, d kept: one above the target until updates trim')
    assert.is(f.hood.ongoingInterleaves.size, 0)
  }
})

Accept('does not ask a neighbour whose link is gone (the reference sends with connect: false)', () => {
  const f = fakeHood(['a', 'b', 'c', 'd'])
  f.linked.delete('d')
  const r = replies()
  f.responder.answerHandshake(d('x'), { neighbourIds: [] }, r.reply)
  assert.is(r.got[0].interleaveTarget.nodeId, 'd')
  assert.is(f.requests.length, 0)
  assert.equal(f.unbound, [])
})

Accept('never hands over the node that handed the requester over, and sets it aside in the count', () => {
  const f = fakeHood(['a', 'b', 'c', 'd'])
  const r = replies()
  f.responder.answerHandshake(d('x'), { neighbourIds: [], interleaveId: 'd' }, r.reply)
  assert.is(r.got[0].interleaveTarget.nodeId, 'c')
})

Accept('no when interleaving would leave fewer than 2, or when above the target', () => {
  // 4 neighbours, 3 of them being moved: 4 - 3 = 1 < 2.
  const f = fakeHood(['a', 'b', 'c', 'd'])
  for (const id of ['a', 'b', 'c']) f.hood.ongoingInterleaves.add(id)
  const r = replies()
  f.responder.answerHandshake(d('x'), { neighbourIds: [] }, r.reply)
  // 4 - 2 = 2: still allowed.
  f.hood.ongoingInterleaves.delete('c')
  f.responder.answerHandshake(d('y'), { neighbourIds: [] }, r.reply)
  const g = fakeHood(['a', 'b', 'c', 'd', 'e'])
  g.responder.answerHandshake(d('x'), { neighbourIds: [] }, r.reply)
  assert.equal(r.got.map((x) => x.accepted), [false, true, false])
  assert.is(g.hood.neighbours.has('x'), false)
})

Accept('an interleave request: hand-shake with the target naming the asker, then drop the asker and say yes', () => {
  for (const targetAnswer of [{ accepted: true }, { accepted: false }, undefined]) {
    const f = fakeHood(['b', 'c'])
    const r = replies()
    f.responder.answerInterleave(d('b'), d('x'), r.reply)
    assert.equal(f.requests.map((q) => [q.to, q.method, q.body.interleaveId]), [['x', L2_HANDSHAKE, 'b']])
    assert.ok(f.hood.ongoingHandshakes.has('x'))
    assert.equal(r.got, [], 'answers only after its handshake ends')
    f.requests[0].callback(targetAnswer)
    assert.equal(r.got, [{ accepted: true }], 'yes whatever the target said, as the reference')
    assert.equal(f.unbound, ['b'])
    assert.is(f.hood.neighbours.has('x'), targetAnswer?.accepted === true)
    assert.is(f.hood.ongoingHandshakes.size, 0)
  }
})

Accept.run()

const Targets = suite('Handshaker: whom a round asks')

Targets('with no neighbour: a WebSocket node first, then the first left and right ring contacts', () => {
  const f = fakeHood([])
  f.hood.views.nearby.replaceAll([d('n1'), d('w1', true), d('n2')])
  f.hood.views.left.replaceAll([d('l1'), d('l2')])
  f.hood.views.right.replaceAll([d('r1')])
  f.handshaker.attempt([], () => {})
  assert.equal(f.requests.map((q) => q.to), ['w1', 'l1', 'r1'])
  assert.equal(f.requests.map((q) => q.body.concurrentId), ['l1', 'w1', 'w1'], 'each names the other first target, as the reference')
  assert.equal([...f.hood.ongoingHandshakes], ['w1', 'l1', 'r1'])
})

Targets('fills up to the parallel count with the closest and then random contacts', () => {
  const f = fakeHood(['z'])
  f.hood.views.nearby.replaceAll([d('n1', true), d('n2')])
  f.hood.views.random.replaceAll([d('q1'), d('q2'), d('q3')])
  f.handshaker.attempt([], () => {})
  assert.equal(f.requests.map((q) => q.to), ['n1'].concat(f.requests.slice(1).map((q) => q.to)))
  assert.is(f.requests.length, 2, 'one neighbour: no WebSocket step; closest, then one random')
  assert.ok(['q1', 'q2', 'q3'].includes(f.requests[1].to))
})

Targets('one free slot: one target, ring left before right before nearby before random', () => {
  const f = fakeHood(['a', 'b', 'c'])
  f.hood.views.nearby.replaceAll([d('n1')])
  f.hood.views.right.replaceAll([d('r1')])
  f.handshaker.attempt([], () => {})
  assert.equal(f.requests.map((q) => q.to), ['r1'])
  const g = fakeHood(['a', 'b', 'c'])
  g.hood.views.nearby.replaceAll([d('n1')])
  g.hood.views.right.replaceAll([d('r1')])
  g.handshaker.attempt(['r1'], () => {})
  assert.equal(g.requests.map((q) => q.to), ['n1'], 'an excluded peer is skipped')
})

Targets('a round ends with the refusals added to the exclusions; an interleave answer leads to a second handshake', () => {
  const f = fakeHood([])
  f.hood.views.left.replaceAll([d('l1')])
  f.hood.views.right.replaceAll([d('r1')])
  let ended: string[] | undefined
  f.handshaker.attempt([], (ex) => {
    ended = ex
  })
  const [l1, r1] = f.requests
  l1.callback({ accepted: false })
  r1.callback({ accepted: true, interleaveTarget: d('c') })
  assert.is(ended, undefined, 'r1 is not done until its interleave handshake is')
  assert.equal(f.requests.map((q) => [q.to, q.body.interleaveId]), [['l1', undefined], ['r1', undefined], ['c', 'r1']])
  f.requests[2].callback({ accepted: true })
  assert.equal(ended, ['l1'])
  assert.equal(f.hood.neighbours.ids(), ['r1', 'c'])
  assert.is(f.hood.ongoingHandshakes.size, 0)
})

Targets('at the target: no handshake at all', () => {
  const f = fakeHood(['a', 'b', 'c', 'd'])
  f.hood.views.nearby.replaceAll([d('n1')])
  let ended = false
  f.handshaker.attempt([], () => {
    ended = true
  })
  assert.ok(ended)
  assert.is(f.requests.length, 0)
})

Targets.run()

const Updates = suite('NeighbourUpdates: the receiver\'s "remove me" rule')

Updates('a sender we do not list (nor ask) is told to remove us', () => {
  const f = fakeHood(['a'])
  const r = replies()
  f.updates.answer(d('x'), { neighbours: [d('p'), d('me'), d('a')], removeMe: false }, r.reply)
  assert.is(r.got[0].removeMe, true)
  assert.equal(f.hood.views.nearby.ids(), ['p'], 'learns the listed peers that are neither us nor our neighbours')
  assert.is(f.hood.counts.removeMeSent, 1)
})

Updates('both above the target: remove me, and we drop the sender', () => {
  const f = fakeHood(['a', 'b', 'c', 'd', 'x'])
  const r = replies()
  const five = ['x1', 'x2', 'x3', 'x4', 'me'].map((id) => d(id))
  f.updates.answer(d('x'), { neighbours: five, removeMe: false }, r.reply)
  assert.is(r.got[0].removeMe, true)
  assert.equal(f.unbound, ['x'])
  assert.equal(r.got[0].neighbours.map((p: PeerDescriptor) => p.nodeId), ['a', 'b', 'c', 'd'], 'the answer lists us after the drop')
})

Updates('only one of us above the target: keep, and look for more neighbours', () => {
  const f = fakeHood(['a', 'b', 'c', 'd', 'x'])
  const r = replies()
  f.updates.answer(d('x'), { neighbours: ['x1', 'x2', 'x3', 'me'].map((id) => d(id)), removeMe: false }, r.reply)
  assert.is(r.got[0].removeMe, false)
  assert.equal(f.unbound, [])
  assert.ok(f.finder.isRunning)
})

Updates('the sender drops a neighbour that says remove me or does not answer', () => {
  const f = fakeHood(['a', 'b', 'c'])
  f.updates.start()
  f.timers.shift()!()
  assert.equal(f.requests.map((q) => [q.to, q.method]), [['a', L2_NEIGHBOUR_UPDATE], ['b', L2_NEIGHBOUR_UPDATE], ['c', L2_NEIGHBOUR_UPDATE]])
  f.requests[0].callback({ neighbours: [], removeMe: true })
  f.requests[1].callback(undefined)
  f.requests[2].callback({ neighbours: [], removeMe: false })
  assert.equal(f.unbound, ['a', 'b'])
  assert.is(f.hood.counts.removeMeReceived, 2)
  assert.is(f.timers.length, 2, 'the finder\'s start and the next round, set once every answer is in')
})

Updates.run()

// ---------------------------------------------------------------------------------------------
// Real nodes: NetworkNode + RpcEndpoint + ContentDeliveryLayer on SimNetwork (instant links).

/** A layer 1 stand-in whose contact lists the test sets. */
class FixedSource implements NeighbourSource {
  nearby: PeerDescriptor[] = []
  random: PeerDescriptor[] = []
  left: PeerDescriptor[] = []
  right: PeerDescriptor[] = []
  nearbyContacts() { return this.nearby }
  randomContacts() { return this.random }
  ringContacts() { return { left: this.left, right: this.right } }
}

interface World {
  sim: Simulator
  ids: string[]
  nodes: NetworkNode[]
  observers: RecordingObserver[]
  rpcs: RpcEndpoint[]
  layers: ContentDeliveryLayer[]
  sources: FixedSource[]
  index: Map<string, number>
}

function world(n: number, opts: { seed?: number; latency?: LatencyConfig; websocket?: (i: number) => boolean; layer?: ContentDeliveryLayerSettings } = {}): World {
  const seed = opts.seed ?? 1
  const sim = new Simulator()
  const ids = Array.from({ length: n }, (_, i) => `n${i}`)
  const hasServer = opts.websocket ?? (() => false)
  const network = new SimNetwork(sim, createLatencyModel(opts.latency ?? { model: 'fixed', ms: 10 }, ids, seed), ids,
    { lossRate: 0, processingDelayMs: 0, connectionSetup: 'instant', connectTimeoutMs: 5_000, hasServer }, seed)
  const observers = ids.map(() => new RecordingObserver(sim))
  const nodes = ids.map((id, i) => new NetworkNode({
    clock: sim, timers: sim, random: createRandom(seed, id), transport: network.transport(i), observer: observers[i],
  }))
  const rpcs = nodes.map((node, i) => new RpcEndpoint(node, peerDescriptorOf(ids[i], 0, hasServer(i)), sim, sim))
  const sources = ids.map(() => new FixedSource())
  const layers = nodes.map((node, i) => new ContentDeliveryLayer(node, rpcs[i], SP, sources[i],
    { timers: sim, random: createRandom(seed, ids[i], 'layer2') }, opts.layer ?? {}))
  const index = new Map(ids.map((id, i) => [id, i]))
  return { sim, ids, nodes, observers, rpcs, layers, sources, index }
}

/** Every node's bound neighbours, from the node itself (what the relay uses). */
function boundOf(w: World, i: number): string[] {
  return (w.nodes[i].streamPart(SP)?.neighbours ?? []).map((c) => c.remoteId).sort()
}

/** Links bound at one end only, as "a -> b". */
function oneSided(w: World): string[] {
  const out: string[] = []
  w.ids.forEach((id, i) => {
    for (const p of boundOf(w, i)) if (!boundOf(w, w.index.get(p)!).includes(id)) out.push(`${id} -> ${p}`)
  })
  return out
}

function layerListsMatchNodes(w: World): boolean {
  return w.layers.every((l, i) => JSON.stringify([...l.neighbourIds()].sort()) === JSON.stringify(boundOf(w, i)))
}

function components(w: World, members: number[]): number {
  const seen = new Set<number>()
  let count = 0
  for (const start of members) {
    if (seen.has(start)) continue
    count++
    const stack = [start]
    seen.add(start)
    while (stack.length > 0) {
      const i = stack.pop()!
      for (const p of boundOf(w, i)) {
        const j = w.index.get(p)!
        if (!seen.has(j)) {
          seen.add(j)
          stack.push(j)
        }
      }
    }
  }
  return count
}

const Pair = suite('ContentDeliveryLayer: real nodes')

Pair('two nodes that know each other become neighbours at both ends', () => {
  const w = world(2)
  w.sources[0].nearby = [w.rpcs[1].local]
  w.sources[1].nearby = [w.rpcs[0].local]
  w.layers[0].start()
  w.layers[1].start()
  w.sim.run(5_000)
  assert.equal(boundOf(w, 0), ['n1'])
  assert.equal(boundOf(w, 1), ['n0'])
  assert.ok(layerListsMatchNodes(w))
  assert.is(w.layers[0].isFinding, false, 'the finder ends once every contact is a neighbour')
})

Pair('a handshake to a node that runs no layer 2 fails at the RPC timeout: 10 s to dial (WebRTC), 5 s on the open link', () => {
  const w = world(2)
  w.sources[0].nearby = [w.rpcs[1].local]
  w.layers[0].start()
  // Both chains ask n1 at 100 ms; with no neighbour the finder starts over 250 ms after each failure.
  w.sim.run(10_099)
  assert.is(w.layers[0].counts.handshakesFailed, 0)
  w.sim.run(10_100)
  assert.is(w.layers[0].counts.handshakesFailed, 2)
  w.sim.run(15_349)
  assert.is(w.layers[0].counts.handshakesFailed, 2)
  w.sim.run(15_350)
  assert.is(w.layers[0].counts.handshakesFailed, 4)
  assert.equal(boundOf(w, 0), [])
})

/**
 * Hubs h0..h3, each with four leaves; a and b start later, know each other and two hubs each on
 * the ring. Both hubs are full, so each accepts by interleaving: a ends with b, two hubs and the
 * two leaves those hubs handed over, one above the target, and so does b. Their first neighbour
 * update finds both above the target: the link between them goes.
 */
function hubsAndLeaves() {
  const hubs = 4
  const leavesPerHub = 4
  const n = hubs + hubs * leavesPerHub + 2
  const w = world(n)
  const desc = (i: number) => w.rpcs[i].local
  const leafIndex = (h: number, k: number) => hubs + h * leavesPerHub + k
  for (let h = 0; h < hubs; h++) {
    for (let k = 0; k < leavesPerHub; k++) w.sources[leafIndex(h, k)].nearby = [desc(h)]
  }
  const a = n - 2
  const b = n - 1
  w.sources[a].left = [desc(b), desc(0)]
  w.sources[a].right = [desc(b), desc(1)]
  w.sources[b].left = [desc(a), desc(2)]
  w.sources[b].right = [desc(a), desc(3)]
  for (let i = 0; i < a; i++) w.layers[i].start()
  // Leaves forget their hub once bound: nothing but the interleaves moves them later.
  w.sim.run(1_000)
  for (let i = hubs; i < a; i++) {
    w.sources[i].nearby = []
    w.layers[i].contactsChanged()
  }
  w.sim.call(2_000, () => {
    w.layers[a].start()
    w.layers[b].start()
  })
  return { w, a, b, hubs, leafIndex }
}

Pair('a full node accepts by interleaving: the requester gets it and a handed-over neighbour, the moved link goes at both ends', () => {
  const { w, a, b, hubs } = hubsAndLeaves()
  for (let h = 0; h < hubs; h++) assert.is(boundOf(w, h).length, 4, `hub ${h} full before a and b come`)
  w.sim.run(5_000)
  const aIds = boundOf(w, a)
  assert.is(aIds.length, 5, aIds.join())
  assert.ok(aIds.includes(`n${b}`) && aIds.includes('n0') && aIds.includes('n1'), aIds.join())
  const handedOver = aIds.filter((p) => !['n0', 'n1', `n${b}`].includes(p))
  assert.is(handedOver.length, 2)
  for (const p of handedOver) {
    assert.equal(boundOf(w, w.index.get(p)!), [`n${a}`], `${p} moved from its hub to a`)
  }
  for (let h = 0; h < hubs; h++) assert.is(boundOf(w, h).length, 4, `hub ${h} still at the target`)
  assert.equal(oneSided(w), [])
  assert.ok(layerListsMatchNodes(w))
  assert.is(w.layers[0].counts.interleavesCompleted + w.layers[1].counts.interleavesCompleted, 2)
})

Pair('the neighbour update trims a link between two nodes both above the target', () => {
  const { w, a, b } = hubsAndLeaves()
  w.sim.run(11_000)
  assert.is(boundOf(w, a).length, 5)
  // a and b started at 2 s: their first updates go at 12 s.
  w.sim.run(13_000)
  assert.is(boundOf(w, a).includes(`n${b}`), false)
  assert.is(boundOf(w, a).length, 4)
  assert.is(boundOf(w, b).length, 4)
  assert.ok(w.layers[a].counts.removeMeSent + w.layers[b].counts.removeMeSent >= 1)
  assert.equal(oneSided(w), [])
  assert.ok(layerListsMatchNodes(w))
})

Pair('a neighbour that leaves the stream part is dropped and the finder looks again without it', () => {
  const w = world(3)
  w.sources[0].nearby = [w.rpcs[1].local, w.rpcs[2].local]
  w.sources[1].nearby = [w.rpcs[0].local]
  w.sources[2].nearby = [w.rpcs[0].local]
  for (const l of w.layers) l.start()
  w.sim.run(2_000)
  assert.equal(boundOf(w, 0), ['n1', 'n2'])
  w.layers[1].stop()
  w.nodes[1].leaveStreamPart(SP)
  w.sim.run(2_500)
  assert.equal(boundOf(w, 0), ['n2'])
  assert.equal(w.layers[0].neighbourIds(), ['n2'])
  assert.is(w.layers[0].counts.neighboursLost, 1)
})

Pair.run()

const Garbage = suite('ContentDeliveryLayer: what peers send is checked')

Garbage('malformed request bodies are refused and counted, never thrown', () => {
  const w = world(2)
  w.layers[0].start()
  const sender = w.rpcs[1].local
  const link: Connection = { remoteId: sender.nodeId, send() {}, close() {} }
  const bodies: [number, unknown][] = [
    [L2_HANDSHAKE, null], [L2_HANDSHAKE, {}], [L2_HANDSHAKE, { neighbourIds: 'n1' }],
    [L2_HANDSHAKE, { neighbourIds: Array.from({ length: 65 }, (_, i) => `p${i}`) }],
    [L2_HANDSHAKE, { neighbourIds: [7] }], [L2_HANDSHAKE, { neighbourIds: [], interleaveId: 3 }],
    [L2_HANDSHAKE, { neighbourIds: ['x'.repeat(101)] }],
    [L2_INTERLEAVE, { target: { nodeId: 'x' } }], [L2_INTERLEAVE, 42],
    [L2_NEIGHBOUR_UPDATE, { neighbours: [], removeMe: 'yes' }], [L2_NEIGHBOUR_UPDATE, { neighbours: [{}], removeMe: false }],
    [99, {}],
  ]
  let requestId = 1
  for (const [method, body] of bodies) {
    w.nodes[0].onMessage(link, { kind: WIRE_RPC_REQUEST, sizeBytes: 10, service: `layer2::${SP}`, method, requestId: requestId++, sender, body })
  }
  assert.is(w.layers[0].counts.malformed, bodies.length)
  assert.is(w.observers[0].malformeds, bodies.length, 'the node counts each as malformed too')
  assert.is(w.layers[0].neighbourIds().length, 0)
})

Garbage('a garbage answer to our handshake counts as malformed and as a failed handshake', () => {
  const w = world(2)
  w.sources[0].nearby = [w.rpcs[1].local]
  w.rpcs[1].register(`layer2::${SP}`, {
    handleRequest: (_s, _m, _b, reply) => {
      reply({ accepted: 'sure', interleaveTarget: 5 }, 8)
      return true
    },
  })
  w.layers[0].start()
  // The first round only: with no neighbour the finder would go on asking every 250 ms.
  w.sim.run(200)
  assert.is(w.layers[0].counts.malformed, 2)
  assert.is(w.layers[0].counts.handshakesFailed, 2)
  assert.equal(boundOf(w, 0), [])
})

Garbage.run()

// ---------------------------------------------------------------------------------------------
// Many nodes joining with a layer 1 stand-in that knows the members so far.

/**
 * What a layer-1 DHT would give each member: the viewSize members closest by DHT distance, a
 * random sample of the members drawn from the node's own stream, and the closest on each side of
 * the ring. Computed from the members that have joined; every member hears of each join.
 */
class Membership {
  private readonly joined: number[] = []
  constructor(private readonly w: World, private readonly viewSize: number, private readonly ringPerSide: number, private readonly seed: number) {}

  join(i: number): void {
    this.joined.push(i)
    this.refresh(i)
    this.w.layers[i].start()
    for (const j of this.joined) if (j !== i) this.refresh(j)
  }

  private refresh(i: number): void {
    const w = this.w
    const me = w.rpcs[i].local
    const others = this.joined.filter((j) => j !== i).map((j) => w.rpcs[j].local)
    const source = w.sources[i]
    source.nearby = [...others].sort((x, y) => compareDistance(x.dhtId, y.dhtId, me.dhtId)).slice(0, this.viewSize)
    const random: Random = createRandom(this.seed, w.ids[i], 'fake-layer1', others.length)
    source.random = sample(random, others, this.viewSize)
    const p = ringPositionOf(me)
    source.left = [...others].sort((x, y) => leftDistance(p, ringPositionOf(x)) - leftDistance(p, ringPositionOf(y))).slice(0, this.ringPerSide)
    source.right = [...others].sort((x, y) => rightDistance(p, ringPositionOf(x)) - rightDistance(p, ringPositionOf(y))).slice(0, this.ringPerSide)
    w.layers[i].contactsChanged()
  }
}

function joinOverTime(n: number, seed: number, spreadMs: number, layer: ContentDeliveryLayerSettings = {}) {
  const w = world(n, { seed, latency: { model: 'uniform', minMs: 5, maxMs: 60 }, websocket: (i) => i % 5 === 0, layer })
  const membership = new Membership(w, 20, 5, seed)
  const order = createRandom(seed, 'join-order')
  w.ids.forEach((_, i) => w.sim.call(Math.floor(order.next() * spreadMs), () => membership.join(i)))
  return w
}

const Many = suite('ContentDeliveryLayer: 100-200 nodes joining over a few seconds')

Many('every node reaches the target within three update rounds, links are symmetric, the overlay is connected', () => {
  const w = joinOverTime(200, 7, 3_000)
  // A node whose finder ran out of contacts (all refused: above the target) waits for a
  // neighbour's update to start it again; a full node then takes it by interleaving.
  const degreesAt: number[][] = []
  for (const t of [5_000, 10_000, 20_000, 30_000]) {
    w.sim.run(t)
    degreesAt.push(w.ids.map((_, i) => boundOf(w, i).length))
    assert.ok(degreesAt.at(-1)!.every((k) => k >= 1 && k <= 20), `some node alone or above the list's limit at ${t} ms`)
    // One end binds when it answers yes, the other when the yes arrives; a drop reaches the
    // peer as a leave. Either way a link is one-sided for at most one link delay (60 ms here).
    const before = oneSided(w)
    w.sim.run(t + 61)
    const after = new Set(oneSided(w))
    assert.equal(before.filter((l) => after.has(l)), [], `one-sided for more than a link delay at ${t} ms`)
  }
  assert.equal(oneSided(w), [])
  const all = w.ids.map((_, i) => i)
  const degrees = degreesAt.at(-1)!
  assert.ok(layerListsMatchNodes(w), 'each layer lists what its node relays to')
  assert.ok(degrees.every((k) => k >= 4), `below target: ${degrees.filter((k) => k < 4).length}`)
  assert.ok(degreesAt[0].filter((k) => k >= 4).length >= 190, 'most have it 2 s after the last join')
  assert.is(components(w, all), 1)
})

Many('after neighbour updates, no link joins two nodes both above the target', () => {
  const w = joinOverTime(200, 7, 3_000)
  w.sim.run(40_000)
  const all = w.ids.map((_, i) => i)
  const degree = (i: number) => boundOf(w, i).length
  const overfull: string[] = []
  for (const i of all) {
    for (const p of boundOf(w, i)) if (degree(i) > 4 && degree(w.index.get(p)!) > 4) overfull.push(`${w.ids[i]}-${p}`)
  }
  assert.equal(overfull, [])
  assert.equal(oneSided(w), [])
  assert.ok(all.every((i) => degree(i) >= 4))
  assert.is(components(w, all), 1)
  const sum = (f: (l: ContentDeliveryLayer) => number) => w.layers.reduce((s, l) => s + f(l), 0)
  assert.ok(sum((l) => l.counts.neighbourUpdatesSent) > 0)
  assert.ok(sum((l) => l.counts.handshakesAccepted) >= 400, 'at least one accepted handshake per link')
})

Many('the same seed gives the same overlay', () => {
  const snapshot = () => {
    const w = joinOverTime(120, 11, 2_000)
    w.sim.run(15_000)
    return w.ids.map((_, i) => boundOf(w, i).join(',')).join(';') + JSON.stringify(w.layers.map((l) => l.counts))
  }
  assert.is(snapshot(), snapshot())
})

Many('with plumtree on, every message reaches every node with fewer duplicates than flooding', () => {
  const run = (plumtree: boolean) => {
    const w = joinOverTime(100, 5, 2_000, { plumtree })
    w.sim.run(15_000)
    for (let k = 0; k < 30; k++) w.sim.call(15_000 + k * 100, () => w.nodes[0].publish('stream', 0, new Uint8Array(8)))
    w.sim.run(25_000)
    const got = w.observers.slice(1).map((o) => o.delivered_.length)
    const dups = w.observers.reduce((s, o) => s + o.duplicates, 0)
    const pauses = w.layers.reduce((s, l) => s + (l.plumtree?.counts.pausesSent ?? 0), 0)
    return { got, perDelivery: dups / got.reduce((a, b) => a + b, 0), pauses }
  }
  const flood = run(false)
  const tree = run(true)
  assert.ok(flood.got.every((k) => k === 30))
  assert.ok(tree.got.every((k) => k === 30), `missing at ${tree.got.filter((k) => k < 30).length} nodes`)
  assert.is(flood.pauses, 0)
  assert.ok(tree.pauses > 0)
  assert.ok(tree.perDelivery < flood.perDelivery / 3, `plumtree ${tree.perDelivery}, flooding ${flood.perDelivery}`)
})

Many.run()

// Storage nodes and resend requests over the simulated network: what is stored, what each query
// answers, garbage, failures and the stream part -> storage node assignment.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type StreamMessage, createStreamMessage } from '../core/message.ts'
import { NetworkNode } from '../core/network-node.ts'
import type { WireMessage } from '../core/ports.ts'
import {
  MAX_ID_CHARS, InMemoryMessageStore, RESEND_CLIENT_WIRE_KINDS, type ResendClient, type ResendFilter, type ResendQuery,
  type ResendResult, type StorageNode, WIRE_RESEND_END, WIRE_RESEND_MESSAGE, WIRE_RESEND_REQUEST, createResendClient,
  createStorageNode, resendRequestMessage, storageNodesOf, storedPartsOf,
} from '../core/storage/index.ts'
import { trackerIndexOf } from '../core/tracker/index.ts'
import { createRandom } from '../sim/engine/random.ts'
import { Simulator } from '../sim/engine/simulator.ts'
import { createLatencyModel } from '../sim/network/latency-model.ts'
import { SimNetwork, type SimNetworkOptions } from '../sim/network/sim-network.ts'
import { RecordingObserver } from './helpers/small-world.ts'

const SP = 's#0'
const OTHER = 'other#0'

/** n nodes on a fixed-latency network, each with a recording observer. */
function tapWorld(n: number, options: Partial<SimNetworkOptions> = {}) {
  const sim = new Simulator()
  const ids = Array.from({ length: n }, (_, i) => `n${i}`)
  const network = new SimNetwork(sim, createLatencyModel({ model: 'fixed', ms: 10 }, ids, 1), ids,
    { lossRate: 0, processingDelayMs: 0, connectionSetup: 'instant', connectTimeoutMs: 5_000, ...options }, 1)
  const observers = ids.map(() => new RecordingObserver(sim))
  const nodes = ids.map((id, i) => new NetworkNode({
    clock: sim, timers: sim, random: createRandom(1, id), transport: network.transport(i), observer: observers[i],
  }))
  return { sim, network, nodes, observers }
}

interface Ctx {
  world: ReturnType<typeof tapWorld>
  storage: StorageNode<InMemoryMessageStore>
  client: ResendClient
  received: StreamMessage[]
  published: StreamMessage[]
  ask(query: ResendQuery, filter?: ResendFilter, streamPartId?: string): { result: ResendResult | undefined; messages: StreamMessage[] }
}

const key = (m: StreamMessage) => `${m.messageId.publisherId}/${m.messageId.timestamp}.${m.messageId.sequenceNumber}`

/**
 * n0 and n3 publish (one chain each) through n1, the storage node; n2 is a subscriber linked to
 * n1; n4 asks for resends without any link yet. 10 messages per publisher, interleaved, some
 * of n0's sharing a millisecond.
 */
function setup(ctx: Ctx, storageOptions = {}): void {
  const world = tapWorld(5)
  const { sim, nodes } = world
  ctx.world = world
  ctx.storage = createStorageNode(nodes[1], storageOptions)
  ctx.storage.assign(SP)
  nodes[1].joinStreamPart(OTHER) // joined but not assigned: not stored
  for (const i of [0, 2, 3]) nodes[i].joinStreamPart(SP)
  nodes[0].joinStreamPart(OTHER)
  for (const i of [0, 2, 3]) nodes[i].addNeighbour(SP, 'n1')
  nodes[0].addNeighbour(OTHER, 'n1')
  sim.run(Infinity)
  ctx.published = []
  const t0 = sim.now() + 1_000
  for (let i = 0; i < 10; i++) {
    sim.call(t0 + i * 100, () => {
      ctx.published.push(nodes[0].publish('s', 0, new Uint8Array([i])))
      if (i % 3 === 0) ctx.published.push(nodes[0].publish('s', 0, new Uint8Array([i, 1]))) // same ms, seq 1
      nodes[0].publish('other', 0, new Uint8Array([i]))
    })
    sim.call(t0 + 50 + i * 100, () => ctx.published.push(nodes[3].publish('s', 0, new Uint8Array([i]))))
  }
  sim.run(Infinity)
  ctx.received = []
  ctx.client = createResendClient(nodes[4], { timers: sim }, (sp) => storageNodesOf(sp, ['n1']), (m) => ctx.received.push(m))
  ctx.ask = (query, filter = {}, streamPartId = SP) => {
    let result: ResendResult | undefined
    const before = ctx.received.length
    ctx.client.resend(streamPartId, query, filter, (r) => { result = r })
    sim.run(Infinity)
    return { result, messages: ctx.received.slice(before) }
  }
}

const store = suite<Ctx>('storage node')
store.before.each((ctx) => setup(ctx))

store('stores every first receipt of its assigned parts, per chain and in order', (ctx) => {
  const { storage, published, world } = ctx
  assert.is(storage.stats.stored, 24)
  assert.is(storage.store.size, 24)
  for (const chainKey of new Set(published.map((m) => m.chainKey))) {
    assert.equal(storage.store.chain(SP, chainKey).map(key), published.filter((m) => m.chainKey === chainKey).map(key))
  }
  assert.ok(world.observers[1].delivered_.some((d) => d.message.streamPartId === OTHER), 'it did receive the unassigned part')
  assert.is(ctx.storage.store.query(OTHER, { type: 'last', count: 100 }).messages.length, 0, 'but did not store it')
})

store('its own publications are stored too', (ctx) => {
  const m = ctx.world.nodes[1].publish('s', 0, new Uint8Array(1))
  assert.equal(ctx.storage.store.chain(SP, m.chainKey).map(key), [key(m)])
})

store('last N: the newest N across chains, oldest first, then an end marker', (ctx) => {
  const sorted = [...ctx.published].sort((a, b) => a.messageId.timestamp - b.messageId.timestamp || a.messageId.sequenceNumber - b.messageId.sequenceNumber)
  const { result, messages } = ctx.ask({ type: 'last', count: 5 })
  assert.equal(messages.map(key), sorted.slice(-5).map(key))
  assert.equal(result, { requestId: 1, storageNodeId: 'n1', outcome: 'ok', received: 5 })
  assert.is(ctx.ask({ type: 'last', count: 0 }).messages.length, 0)
  assert.is(ctx.ask({ type: 'last', count: 1_000 }).messages.length, 24)
  assert.ok(ctx.world.nodes[4].connection('n1') !== undefined, 'the client linked to the storage node itself')
})

store('from a timestamp: every message at or after it, optionally one publisher', (ctx) => {
  const t = ctx.published[10].messageId.timestamp
  const { messages } = ctx.ask({ type: 'from', fromTimestamp: t })
  assert.equal(messages.map(key), ctx.published.filter((m) => m.messageId.timestamp >= t).map(key))
  const only = ctx.ask({ type: 'from', fromTimestamp: t }, { publisherId: 'n3' }).messages
  assert.ok(only.length > 0 && only.every((m) => m.messageId.publisherId === 'n3'))
  assert.equal(only.map(key), ctx.published.filter((m) => m.messageId.timestamp >= t && m.messageId.publisherId === 'n3').map(key))
})

store('a range of refs, both ends inclusive, per publisher and chain', (ctx) => {
  const chainOf0 = ctx.published.filter((m) => m.messageId.publisherId === 'n0')
  const [from, to] = [chainOf0[2].messageId, chainOf0[8].messageId]
  const filter = { publisherId: 'n0', msgChainId: from.msgChainId }
  const { messages, result } = ctx.ask({ type: 'range', from, to }, filter)
  assert.equal(messages.map(key), chainOf0.slice(2, 9).map(key))
  assert.is(result!.received, 7)
  // Without the filter the other chain's messages in the same time span come too.
  const both = ctx.ask({ type: 'range', from, to }).messages
  assert.ok(both.length > 7 && both.some((m) => m.messageId.publisherId === 'n3'))
  // A chain id that does not exist matches nothing.
  assert.is(ctx.ask({ type: 'range', from, to }, { publisherId: 'n0', msgChainId: 'nope' }).messages.length, 0)
})

store('a part the node does not store is answered "not-stored"', (ctx) => {
  const { result, messages } = ctx.ask({ type: 'last', count: 10 }, {}, OTHER)
  assert.is(result!.outcome, 'not-stored')
  assert.is(messages.length, 0)
  assert.is(ctx.storage.stats.notStored, 1)
})

store('garbage requests are dropped and counted, never thrown, and answered by nothing', (ctx) => {
  const { sim, nodes, observers } = ctx.world
  nodes[2].connect('n1')
  sim.run(Infinity)
  const link = nodes[2].connection('n1')!
  const ok = resendRequestMessage(7, SP, { type: 'last', count: 1 })
  const garbage: unknown[] = [
    { kind: WIRE_RESEND_REQUEST },
    { ...ok, sizeBytes: 'x' },
    { ...ok, requestId: -1 },
    { ...ok, requestId: 1.5 },
    { ...ok, streamPartId: 7 },
    { ...ok, streamPartId: '' },
    { ...ok, streamPartId: 'x'.repeat(MAX_ID_CHARS + 1) },
    { ...ok, publisherId: 5 },
    { ...ok, msgChainId: null },
    { ...ok, query: null },
    { ...ok, query: { type: 'all' } },
    { ...ok, query: { type: 'last', count: -1 } },
    { ...ok, query: { type: 'last', count: 'many' } },
    { ...ok, query: { type: 'from', fromTimestamp: NaN } },
    { ...ok, query: { type: 'range', from: { timestamp: 1 }, to: { timestamp: 2, sequenceNumber: 0 } } },
    { ...ok, query: { type: 'range', from: { timestamp: 1, sequenceNumber: -1 }, to: { timestamp: 2, sequenceNumber: 0 } } },
    { ...ok, query: { type: 'range', from: { timestamp: 3, sequenceNumber: 0 }, to: { timestamp: 2, sequenceNumber: 0 } } },
  ]
  const sentBefore = ctx.storage.stats.messagesSent
  for (const g of garbage) link.send(g as WireMessage)
  sim.run(Infinity)
  assert.is(ctx.storage.stats.malformedRequests, garbage.length)
  assert.is(observers[1].malformeds, garbage.length, 'the node counts them as malformed too')
  assert.is(ctx.storage.stats.requests, 0)
  assert.is(ctx.storage.stats.messagesSent, sentBefore)
  // And it still answers a good one.
  assert.is(ctx.ask({ type: 'last', count: 2 }).messages.length, 2)
})

store('garbage and stray answers at the client are counted and never reach the sink', (ctx) => {
  const { sim, nodes, observers } = ctx.world
  nodes[1].connect('n4')
  sim.run(Infinity)
  const link = nodes[1].connection('n4')!
  const message = ctx.published[0]
  const garbage: unknown[] = [
    { kind: WIRE_RESEND_MESSAGE, sizeBytes: 1, requestId: 1, message: null },
    { kind: WIRE_RESEND_MESSAGE, sizeBytes: 1, requestId: 1, message: { ...message, messageId: { ...message.messageId, timestamp: 'x' } } },
    { kind: WIRE_RESEND_MESSAGE, sizeBytes: 1, requestId: 'one', message },
    { kind: WIRE_RESEND_END, sizeBytes: 1, requestId: 1, count: 0, status: 'fine' },
    { kind: WIRE_RESEND_END, sizeBytes: 1, requestId: 1, count: -2, status: 'ok' },
  ]
  for (const g of garbage) link.send(g as WireMessage)
  // Well-formed but for no request of ours.
  link.send({ kind: WIRE_RESEND_MESSAGE, sizeBytes: 1, requestId: 99, message } as WireMessage)
  link.send({ kind: WIRE_RESEND_END, sizeBytes: 1, requestId: 99, count: 0, status: 'ok' } as WireMessage)
  sim.run(Infinity)
  assert.is(ctx.client.stats.malformed, garbage.length)
  assert.is(observers[4].malformeds, garbage.length)
  assert.is(ctx.client.stats.strayMessages, 2)
  assert.is(ctx.received.length, 0)
  assert.equal([...RESEND_CLIENT_WIRE_KINDS], [WIRE_RESEND_MESSAGE, WIRE_RESEND_END])
})

store('a peer that never answers: the request times out; late answers are stray', (ctx) => {
  const { sim, nodes } = ctx.world
  // n2 is no storage node: its node drops the request as malformed.
  const client = createResendClient(nodes[3], { timers: sim }, () => ['n2'], () => {}, { timeoutMs: 2_000 })
  let result: ResendResult | undefined
  const t0 = sim.now()
  client.resend(SP, { type: 'last', count: 1 }, {}, (r) => { result = r; assert.is(sim.now() - t0, 2_000) })
  sim.run(Infinity)
  assert.is(result!.outcome, 'timeout')
  assert.is(client.stats.timeouts, 1)
  assert.is(client.pendingCount, 0)
})

store('an unreachable storage node fails the request; no storage node at all fails it at once', (ctx) => {
  const { sim, nodes } = ctx.world
  const client = createResendClient(nodes[3], { timers: sim }, (sp) => (sp === SP ? ['ghost'] : []), () => {}, { timeoutMs: 60_000 })
  const outcomes: string[] = []
  client.resend(OTHER, { type: 'last', count: 1 }, {}, (r) => outcomes.push(r.outcome))
  client.resend(SP, { type: 'last', count: 1 }, {}, (r) => outcomes.push(r.outcome))
  client.resend(SP, { type: 'last', count: 2 }, {}, (r) => outcomes.push(r.outcome))
  sim.run(Infinity)
  assert.equal(outcomes, ['no-storage-node', 'unreachable', 'unreachable'])
  assert.is(client.stats.failures, 3)
})

store('a storage node that goes away mid-request fails it as soon as the link drops', (ctx) => {
  const { sim, network } = ctx.world
  ctx.ask({ type: 'last', count: 1 }) // links n4 to the storage node
  let result: ResendResult | undefined
  let endedAt = 0
  ctx.client.resend(SP, { type: 'last', count: 1 }, {}, (r) => { result = r; endedAt = sim.now() })
  const t0 = sim.now()
  network.takeDown(1, false)
  sim.run(Infinity)
  assert.is(result!.outcome, 'disconnected')
  assert.ok(ctx.client.stats.failures === 1 && endedAt - t0 < 5_000, 'before the timeout')
})

store.run()

// ---------------------------------------------------------------------------------------------

const limits = suite<Ctx>('response limits')
limits.before.each((ctx) => setup(ctx, { maxMessagesPerResponse: 5 }))

limits('a response carries at most maxMessagesPerResponse: the newest for last N, the earliest otherwise', (ctx) => {
  const sorted = [...ctx.published].sort((a, b) => a.messageId.timestamp - b.messageId.timestamp || a.messageId.sequenceNumber - b.messageId.sequenceNumber)
  const last = ctx.ask({ type: 'last', count: 100 })
  assert.is(last.result!.outcome, 'truncated')
  assert.equal(last.messages.map(key), sorted.slice(-5).map(key))
  const from = ctx.ask({ type: 'from', fromTimestamp: 0 })
  assert.is(from.result!.outcome, 'truncated')
  assert.equal(from.messages.map(key), sorted.slice(0, 5).map(key))
  assert.is(ctx.ask({ type: 'last', count: 5 }).result!.outcome, 'ok')
  assert.is(ctx.storage.stats.truncated, 2)
})

limits.run()

// ---------------------------------------------------------------------------------------------

const memory = suite('message store')

function msg(ts: number, seq: number, prev: [number, number] | null, chain = 'c'): StreamMessage {
  return createStreamMessage({ streamId: 's', streamPartition: 0, timestamp: ts, sequenceNumber: seq, publisherId: 'p', msgChainId: chain },
    prev === null ? null : { timestamp: prev[0], sequenceNumber: prev[1] }, new Uint8Array(1))
}

memory('late messages are inserted in place; duplicates are refused', () => {
  const s = new InMemoryMessageStore()
  assert.ok(s.add(msg(1, 0, null)))
  assert.ok(s.add(msg(3, 0, [2, 0])))
  assert.ok(s.add(msg(2, 0, [1, 0])))
  assert.not.ok(s.add(msg(2, 0, [1, 0])))
  assert.not.ok(s.add(msg(3, 0, [2, 0])))
  assert.equal(s.chain(SP, 'p/c').map((m) => m.messageId.timestamp), [1, 2, 3])
  assert.is(s.size, 3)
})

memory('each chain keeps at most maxMessagesPerChain, dropping the oldest', () => {
  const s = new InMemoryMessageStore({ maxMessagesPerChain: 3, maxMessagesPerResponse: 100 })
  for (let i = 0; i < 10; i++) s.add(msg(i, 0, i === 0 ? null : [i - 1, 0]))
  for (let i = 0; i < 2; i++) s.add(msg(i, 0, null, 'd'))
  assert.equal(s.chain(SP, 'p/c').map((m) => m.messageId.timestamp), [7, 8, 9])
  assert.is(s.size, 5)
})

memory.run()

// ---------------------------------------------------------------------------------------------

const assignment = suite('storage assignment')

assignment('deterministic, md5-based like the tracker assignment, with replicas wrapping round', () => {
  const ids = ['a', 'b', 'c', 'd']
  for (const sp of ['s#0', 's#1', 'x/y#7', 'stream-3#0']) {
    const first = trackerIndexOf(sp, ids.length)
    assert.equal(storageNodesOf(sp, ids), [ids[first]])
    assert.equal(storageNodesOf(sp, ids, 3), [0, 1, 2].map((k) => ids[(first + k) % 4]))
    assert.equal(new Set(storageNodesOf(sp, ids, 10)), new Set(ids), 'more replicas than nodes: every node')
  }
  assert.equal(storageNodesOf('s#0', []), [])
  assert.throws(() => storageNodesOf('s#0', ids, 0), RangeError)
  const parts = Array.from({ length: 40 }, (_, i) => `s#${i}`)
  const stored = ids.map((id) => storedPartsOf(id, parts, ids, 2))
  assert.is(stored.reduce((n, p) => n + p.length, 0), 80, 'each part stored twice')
  assert.ok(stored.every((p) => p.length > 0), 'load is spread')
})

assignment.run()

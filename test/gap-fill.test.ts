// Ordering and gap fill end to end on the simulated network: publishers, a storage node and
// subscribers on lossy overlays (20% of content transmissions lost). Each subscriber runs an
// OrderingBuffer fed by its node's first receipts and by a ResendClient that asks the storage
// node for its gaps.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { StreamMessage } from '../core/message.ts'
import { NetworkNode } from '../core/network-node.ts'
import { type OrderingBuffer, type OrderingOptions, createOrderingBuffer } from '../core/ordering/index.ts'
import { type InMemoryMessageStore, type ResendClient, type StorageNode, createResendClient, createStorageNode, storageNodesOf } from '../core/storage/index.ts'
import { randomRegularGraph } from '../core/topology/random-regular-graph.ts'
import { createRandom } from '../sim/engine/random.ts'
import { Simulator } from '../sim/engine/simulator.ts'
import { createLatencyModel } from '../sim/network/latency-model.ts'
import { SimNetwork } from '../sim/network/sim-network.ts'
import { RecordingObserver } from './helpers/small-world.ts'

const SP = 's#0'
const LOSS = 0.2

interface Subscriber {
  index: number
  out: StreamMessage[]
  buffer: OrderingBuffer
  client: ResendClient
}

interface WorldOptions {
  /** Index of the storage node. */
  storageAt: number
  /** False: the storage node stores nothing, and answers every request "not-stored". */
  store?: boolean
  orderingOf?: (i: number) => Partial<OrderingOptions>
}

/** n nodes on a lossy network, one of them a storage node of SP; `subscribers` run ordering + resends. */
function world(n: number, subscribers: number[], { storageAt, store = true, orderingOf = () => ({}) }: WorldOptions) {
  const sim = new Simulator()
  const ids = Array.from({ length: n }, (_, i) => `n${i}`)
  const network = new SimNetwork(sim, createLatencyModel({ model: 'fixed', ms: 10 }, ids, 1), ids, { lossRate: LOSS, processingDelayMs: 0, connectionSetup: 'instant', connectTimeoutMs: 5_000 }, 1)
  const nodes = ids.map((id, i) => new NetworkNode({
    clock: sim, timers: sim, random: createRandom(1, id), transport: network.transport(i), observer: new RecordingObserver(sim),
  }))
  for (const node of nodes) node.joinStreamPart(SP)
  const storage: StorageNode<InMemoryMessageStore> = createStorageNode(nodes[storageAt])
  if (store) storage.assign(SP)
  const subs: Subscriber[] = subscribers.map((i) => {
    const out: StreamMessage[] = []
    const sub = { index: i, out } as Subscriber
    sub.client = createResendClient(nodes[i], { timers: sim }, (sp) => storageNodesOf(sp, [`n${storageAt}`]), (m) => sub.buffer.add(m))
    sub.buffer = createOrderingBuffer({ clock: sim, timers: sim }, sub.client, (m) => out.push(m), orderingOf(i))
    nodes[i].listen({ delivered: (m) => sub.buffer.add(m) })
    // Subscribed before anything is published: a chain's lost first messages are fetched too.
    sub.buffer.subscribeFrom(SP, 0)
    return sub
  })
  const link = (a: number, b: number) => nodes[a].addNeighbour(SP, `n${b}`)
  return { sim, network, nodes, storage, subs, link }
}

/** `count` messages from each publisher at 10 per second, interleaved, starting at `startMs`. */
function publish(w: ReturnType<typeof world>, publishers: number[], count: number, startMs: number): StreamMessage[] {
  const published: StreamMessage[] = []
  publishers.forEach((p, k) => {
    for (let i = 0; i < count; i++) {
      w.sim.call(startMs + i * 100 + k * 37, () => {
        if (w.network.isUp(p)) published.push(w.nodes[p].publish('s', 0, new Uint8Array(16)))
      })
    }
  })
  return published
}

const key = (m: StreamMessage) => `${m.chainKey}/${m.messageId.timestamp}.${m.messageId.sequenceNumber}`

/** A subscriber's messages of one chain. */
function chainOf(messages: StreamMessage[], chainKey: string): string[] {
  return messages.filter((m) => m.chainKey === chainKey).map(key)
}

/**
 * A lost last message leaves no later message to reveal the gap, so a subscriber catches up at
 * the end as an app does on reconnect: everything of each chain from its last delivered message.
 */
function catchUp(w: ReturnType<typeof world>, published: StreamMessage[]): void {
  for (const s of w.subs) {
    for (const chainKey of new Set(published.map((m) => m.chainKey))) {
      const first = published.find((m) => m.chainKey === chainKey)!
      if (first.messageId.publisherId === `n${s.index}`) continue
      const last = s.buffer.lastDelivered(SP, chainKey)
      s.client.resend(SP, { type: 'from', fromTimestamp: last?.timestamp ?? 0 },
        { publisherId: first.messageId.publisherId, msgChainId: first.messageId.msgChainId })
    }
  }
  w.sim.run(Infinity)
}

const GapFill = suite('gap fill on a lossy network')

GapFill('makes every subscriber on a lossy line end complete and in order, from the storage node', () => {
  // n0 publishes at one end of the line n0-n1-...-n9 and is the part's storage node too. A
  // message lost on every link out of its publisher reaches no one, a separate storage node
  // included, and no gap fill brings it back; here the storage node has every message by
  // construction, so the test is about gap fill alone. Resent messages are not relayed, so
  // n9, 9 lossy hops out, gets most of the chain by resends.
  const subscribers = [1, 2, 3, 4, 5, 6, 7, 8, 9]
  const w = world(10, subscribers, { storageAt: 0 })
  for (let i = 0; i < 9; i++) w.link(i, i + 1)
  w.sim.run(Infinity)
  const published = publish(w, [0], 100, w.sim.now() + 1_000)
  w.sim.run(Infinity)
  const chainKey = published[0].chainKey
  assert.equal(w.storage.store.chain(SP, chainKey).map(key), published.map(key), 'the storage node has everything')
  assert.ok(w.network.lost.loss > 50, `loss happened (${w.network.lost.loss} transmissions)`)

  // Before any catch-up: each subscriber has an unbroken prefix of the chain, head included.
  for (const s of w.subs) {
    assert.equal(chainOf(s.out, chainKey), published.slice(0, s.out.length).map(key), `n${s.index} in order, no holes`)
    assert.ok(s.out.length >= 90, `n${s.index} got ${s.out.length} of 100`)
  }
  const total = (f: (s: Subscriber) => number) => w.subs.reduce((n, s) => n + f(s), 0)
  const gapsDetected = total((s) => s.buffer.stats.gapsDetected)
  assert.ok(gapsDetected > 50, `gaps happened (${gapsDetected})`)
  assert.is(total((s) => s.buffer.stats.gapsFilled), gapsDetected, 'every gap filled')
  assert.is(total((s) => s.buffer.stats.gapsSkipped), 0)
  assert.ok(total((s) => s.client.stats.messagesReceived) > 100, 'by resends')
  assert.is(total((s) => s.client.stats.timeouts + s.client.stats.failures), 0)

  catchUp(w, published)
  for (const s of w.subs) assert.equal(chainOf(s.out, chainKey), published.map(key), `n${s.index} complete`)
})

GapFill('makes every online subscriber of a lossy sparse overlay end complete, with two publishers and a subscriber crashing', () => {
  const n = 14
  const graph = randomRegularGraph(n, 3, createRandom(5, 'graph'))
  const subscribers = Array.from({ length: n }, (_, i) => i).filter((i) => i !== 1)
  const w = world(n, subscribers, { storageAt: 1 })
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < graph.degreeOf[i]; k++) {
      const j = graph.adjacency[i * graph.degree + k]
      if (i < j) w.link(i, j)
    }
  }
  // A message lost on every link out of its publisher reaches no one, the storage node
  // included, and no gap fill brings it back. So each publisher has 8 links, the storage node
  // among them: with this seed the storage node misses nothing (checked below).
  for (const p of [0, 7]) for (const j of [1, 2, 4, 9, 12]) if (j !== p) w.link(p, j)
  w.sim.run(Infinity)
  const start = w.sim.now() + 1_000
  const published = publish(w, [0, 7], 60, start)
  const crashed = 11
  w.sim.call(start + 3_000, () => {
    w.network.takeDown(crashed, true)
    const s = w.subs.find((x) => x.index === crashed)!
    s.buffer.clear()
    s.client.reset()
  })
  w.sim.run(Infinity)
  const chains = [...new Set(published.map((m) => m.chainKey))]
  assert.is(chains.length, 2)
  for (const c of chains) {
    assert.equal(w.storage.store.chain(SP, c).map(key), published.filter((m) => m.chainKey === c).map(key), 'the storage node has everything')
  }
  w.subs = w.subs.filter((s) => s.index !== crashed)
  catchUp(w, published)
  for (const s of w.subs) {
    for (const c of chains) {
      if (c.startsWith(`n${s.index}/`)) continue
      assert.equal(chainOf(s.out, c), published.filter((m) => m.chainKey === c).map(key), `n${s.index} complete in ${c}`)
    }
  }
  assert.ok(w.subs.some((s) => s.buffer.stats.gapsFilled > 0))
})

GapFill('where no storage node can fill a gap, has light subscribers skip every hole at once, full ones each hole after its own requests, all in order', () => {
  // The storage node stores nothing here: every request is answered "not-stored".
  const subscribers = [2, 3, 4, 5, 6, 7]
  const light = (i: number) => i % 2 === 0
  // Light subscribers may hold all 100 (a full buffer would skip early); full ones only 50.
  const w = world(8, subscribers, {
    storageAt: 1, store: false,
    orderingOf: (i) => (light(i) ? { gapMode: 'light' } : { gapMode: 'full', maxBufferedPerChain: 50 }),
  })
  w.link(0, 2)
  for (let i = 2; i < 7; i++) w.link(i, i + 1)
  w.sim.run(Infinity)
  const published = publish(w, [0], 100, w.sim.now() + 1_000)
  w.sim.run(Infinity)
  const order = new Map(published.map((m, i) => [key(m), i]))
  for (const s of w.subs) {
    const positions = s.out.map((m) => order.get(key(m))!)
    assert.ok(positions.every((p, i) => i === 0 || p > positions[i - 1]), `n${s.index} in order`)
    const st = s.buffer.stats
    if (st.gapsDetected === 0) continue
    assert.is(st.resendRequests, 5 * st.gapsUnfillable, `n${s.index}: 5 tries per unfillable gap`)
    if (light(s.index)) {
      assert.is(st.gapsSkipped, st.gapsDetected, `n${s.index} skipped every gap`)
      assert.is(s.buffer.heldCount, 0)
    } else {
      assert.is(st.gapsSkipped, st.gapsUnfillable, `n${s.index} skipped each gap after its own requests`)
      assert.is(st.gapsSkipped, st.gapsDetected, `n${s.index} asked for every gap`)
      assert.is(s.buffer.heldCount, 0, `n${s.index} stalls nowhere`)
    }
  }
  // The far end of the line surely lost something: both modes were exercised.
  assert.ok(w.subs.filter((s) => light(s.index)).some((s) => s.buffer.stats.gapsSkipped > 0))
  assert.ok(w.subs.filter((s) => !light(s.index)).some((s) => s.buffer.stats.gapsUnfillable > 0))
  assert.ok(w.subs.every((s) => s.client.stats.completed === s.client.stats.requestsSent), 'answered, if only with "not-stored"')
})

GapFill.run()

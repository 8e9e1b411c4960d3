import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { WIRE_CONTENT, type ContentWireMessage } from '../core/ports.ts'
import { createStreamMessage } from '../core/message.ts'
import { smallWorld } from './helpers/small-world.ts'
import type { SimConnection } from '../sim/network/sim-network.ts'

const SP = 's#0'

function linked(latency: Parameters<typeof smallWorld>[1], options: Parameters<typeof smallWorld>[2] = {}) {
  const w = smallWorld(2, latency, options)
  for (const n of w.nodes) n.joinStreamPart(SP)
  w.nodes[0].addNeighbour(SP, 'n1')
  w.sim.run(Infinity)
  const link = w.nodes[0].streamPart(SP)!.neighbours[0] as SimConnection
  return { ...w, link }
}

function message(ts: number, payloadBytes: number, prev: number | null = ts - 1): ContentWireMessage {
  const m = createStreamMessage({ streamId: 's', streamPartition: 0, timestamp: ts, sequenceNumber: 0, publisherId: 'n0', msgChainId: 'c' },
    prev === null ? null : { timestamp: prev, sequenceNumber: 0 }, new Uint8Array(payloadBytes))
  return { kind: WIRE_CONTENT, sizeBytes: payloadBytes, message: m }
}

const Network = suite('SimNetwork')

Network('serialises and queues back-to-back sends at the upload bandwidth', () => {
  // 1 Mbps = 125 bytes/ms: a 1,250-byte message takes 10 ms on the wire.
  const w = linked({ model: 'fixed', ms: 20 }, { uploadMbps: 1 })
  const start = w.sim.now()
  for (let k = 1; k <= 3; k++) w.link.send(message(k, 1250))
  w.sim.run(Infinity)
  const arrivals = w.observers[1].delivered_.map((d) => d.atMs - start)
  assert.equal(arrivals, [30, 40, 50])
})

Network('queues arrivals from two senders at the receiver\'s download bandwidth', () => {
  const w = smallWorld(3, { model: 'fixed', ms: 20 }, { downloadMbps: 1 })
  for (const n of w.nodes) n.joinStreamPart(SP)
  w.nodes[0].addNeighbour(SP, 'n2')
  w.nodes[1].addNeighbour(SP, 'n2')
  w.sim.run(Infinity)
  const start = w.sim.now()
  w.nodes[0].streamPart(SP)!.neighbours[0].send(message(1, 1250))
  const m2 = { ...message(1, 1250), message: createStreamMessage({ streamId: 's', streamPartition: 0, timestamp: 1, sequenceNumber: 0, publisherId: 'n1', msgChainId: 'c' }, null, new Uint8Array(1250)) }
  w.nodes[1].streamPart(SP)!.neighbours[0].send(m2)
  w.sim.run(Infinity)
  assert.equal(w.observers[2].delivered_.map((d) => d.atMs - start), [30, 40])
})

Network('adds the processing delay once per hop', () => {
  const w = linked({ model: 'fixed', ms: 20 }, { processingDelayMs: 3 })
  const start = w.sim.now()
  w.link.send(message(1, 10))
  w.sim.run(Infinity)
  assert.is(w.observers[1].delivered_[0].atMs - start, 23)
})

Network('keeps each link FIFO: with heavy jitter nothing overtakes on one link', () => {
  const w = linked({ model: 'normal', meanMs: 50, sdMs: 40, minMs: 0 })
  for (let k = 1; k <= 500; k++) w.link.send(message(k, 10))
  w.sim.run(Infinity)
  const ts = w.observers[1].delivered_.map((d) => d.message.messageId.timestamp)
  assert.is(ts.length, 500)
  assert.equal(ts, [...ts].sort((a, b) => a - b))
})

Network('loses about the configured share of transmissions, and counts them', () => {
  const w = linked({ model: 'fixed', ms: 5 }, { lossRate: 0.2 })
  for (let k = 1; k <= 5000; k++) w.link.send(message(k, 10))
  w.sim.run(Infinity)
  const lostShare = w.network.lost.loss / 5000
  assert.ok(Math.abs(lostShare - 0.2) < 0.02, `lost ${lostShare}`)
  assert.is(w.observers[1].delivered_.length + w.network.lost.loss, 5000)
})

Network('lets nothing cross a partition while it holds, and resumes traffic when it heals', () => {
  const w = linked({ model: 'fixed', ms: 5 })
  w.network.setPartition(Uint8Array.from([0, 1]))
  w.link.send(message(1, 10))
  w.sim.run(Infinity)
  assert.is(w.observers[1].delivered_.length, 0)
  assert.is(w.network.lost.partition, 1)
  w.network.setPartition(null)
  w.link.send(message(2, 10))
  w.sim.run(Infinity)
  assert.is(w.observers[1].delivered_.length, 1)
})

Network('loses traffic on the cut link only', () => {
  const w = linked({ model: 'fixed', ms: 5 })
  w.network.setCut(w.link, true)
  w.link.send(message(1, 10))
  w.sim.run(Infinity)
  assert.is(w.network.lost.linkCut, 1)
  w.network.setCut(w.link, false)
  w.link.send(message(2, 10))
  w.sim.run(Infinity)
  assert.is(w.observers[1].delivered_.length, 1)
})

Network('loses and counts a message in flight when its link closes', () => {
  const w = linked({ model: 'fixed', ms: 50 })
  w.link.send(message(1, 10))
  w.sim.call(w.sim.now() + 10, () => w.link.close())
  w.sim.run(Infinity)
  assert.is(w.observers[1].delivered_.length, 0)
  assert.is(w.network.lost.closed, 1)
})

Network.run()

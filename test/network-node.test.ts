import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createStreamMessage } from '../core/message.ts'
import { WIRE_CONTENT, type Connection, type WireMessage } from '../core/ports.ts'
import { contentWireMessage } from '../core/wire.ts'
import { smallWorld } from './helpers/small-world.ts'

const SP = 'stream#0'

const NetworkNode = suite('NetworkNode')

NetworkNode('adds a neighbour by connect + handshake, both ends agreeing after one round trip each', () => {
  const { sim, nodes, observers } = smallWorld(2)
  nodes[0].joinStreamPart(SP)
  nodes[1].joinStreamPart(SP)
  nodes[0].addNeighbour(SP, 'n1')
  sim.run(Infinity)
  assert.equal(observers[0].neighbours, ['n1'])
  assert.equal(observers[1].neighbours, ['n0'])
  // connect = 10 ms there + 10 back; handshake = 10 there (n1 adds) + 10 back (n0 adds)
  assert.is(nodes[0].streamPart(SP)!.neighbours.length, 1)
})

NetworkNode('is refused a handshake for a stream part the peer has not joined', () => {
  const { sim, nodes, observers } = smallWorld(2)
  nodes[0].joinStreamPart(SP)
  nodes[0].addNeighbour(SP, 'n1')
  sim.run(Infinity)
  assert.equal(observers[0].neighbours, [])
})

NetworkNode('floods a publish to its neighbours, never relays back to the sender, and counts echoes as duplicates', () => {
  // Triangle 0-1-2: each other node gets it once, and each of them also gets the other's relay.
  const { sim, nodes, observers } = smallWorld(3)
  for (const n of nodes) n.joinStreamPart(SP)
  nodes[0].addNeighbour(SP, 'n1')
  nodes[1].addNeighbour(SP, 'n2')
  nodes[2].addNeighbour(SP, 'n0')
  sim.run(Infinity)
  nodes[0].publish('stream', 0, new Uint8Array(8))
  sim.run(Infinity)
  assert.is(observers[1].delivered_.length, 1)
  assert.is(observers[2].delivered_.length, 1)
  assert.is(observers[0].delivered_.length, 0, 'the publisher does not deliver its own message to itself')
  // receipts = deg(publisher) + sum over others of (deg - 1) = 2 + 1 + 1 = 4: 2 first receipts, 2 duplicates
  assert.is(observers[0].duplicates + observers[1].duplicates + observers[2].duplicates, 2)
})

NetworkNode('gives the messages of a chain increasing numbers and a reference to the previous one', () => {
  const { sim, nodes } = smallWorld(1)
  nodes[0].joinStreamPart(SP)
  const a = nodes[0].publish('stream', 0, new Uint8Array(1))
  const b = nodes[0].publish('stream', 0, new Uint8Array(1))
  sim.call(7.9, () => {})
  sim.run(Infinity)
  const c = nodes[0].publish('stream', 0, new Uint8Array(1))
  assert.is(a.prevMsgRef, null)
  assert.equal([b.messageId.timestamp, b.messageId.sequenceNumber], [0, 1])
  assert.equal(b.prevMsgRef, { timestamp: 0, sequenceNumber: 0 })
  assert.equal([c.messageId.timestamp, c.messageId.sequenceNumber], [7, 0], 'whole milliseconds')
  assert.is(a.messageId.msgChainId, c.messageId.msgChainId)
  assert.is(a.messageId.msgChainId.length, 20)
})

NetworkNode('drops and counts garbage from a peer, never throws', () => {
  const { nodes, observers } = smallWorld(1)
  nodes[0].joinStreamPart(SP)
  const peer: Connection = { remoteId: 'evil', send() {}, close() {} }
  const message = createStreamMessage({ streamId: 'stream', streamPartition: 0, timestamp: 1, sequenceNumber: 0, publisherId: 'p', msgChainId: 'c' }, null, new Uint8Array(1))
  const garbage: unknown[] = [
    null, undefined, 42, 'hello', [], {}, { kind: 99 }, { kind: WIRE_CONTENT },
    { kind: WIRE_CONTENT, sizeBytes: 1, message: null },
    { kind: WIRE_CONTENT, sizeBytes: 1, message: { ...message, messageId: { ...message.messageId, timestamp: 'x' } } },
    { kind: WIRE_CONTENT, sizeBytes: 1, message: { ...message, prevMsgRef: { timestamp: 1 } } },
    { kind: WIRE_CONTENT, sizeBytes: 1, message: { ...message, messageId: { ...message.messageId, sequenceNumber: 0.5 } } },
    { kind: 2, sizeBytes: 'x', streamPartId: SP },
    { kind: 2, sizeBytes: 1, streamPartId: 7 },
  ]
  for (const g of garbage) nodes[0].onMessage(peer, g)
  assert.is(observers[0].malformeds, garbage.length)
})

NetworkNode('drops and counts invalid numbering from a peer, and does not relay it', () => {
  const { sim, nodes, observers } = smallWorld(3)
  for (const n of nodes) n.joinStreamPart(SP)
  nodes[1].addNeighbour(SP, 'n0')
  nodes[1].addNeighbour(SP, 'n2')
  sim.run(Infinity)
  const forged = createStreamMessage(
    { streamId: 'stream', streamPartition: 0, timestamp: 5, sequenceNumber: 0, publisherId: 'n0', msgChainId: 'c' },
    { timestamp: 9, sequenceNumber: 0 }, new Uint8Array(1))
  const link = nodes[0].streamPart(SP)!.neighbours[0]
  link.send(contentWireMessage(forged) as WireMessage)
  sim.run(Infinity)
  assert.is(observers[1].invalids, 1)
  assert.is(observers[1].delivered_.length, 0)
  assert.is(observers[2].delivered_.length + observers[2].duplicates, 0, 'not relayed')
})

NetworkNode('removes the neighbour at both ends of a dropped link', () => {
  const { sim, nodes, observers } = smallWorld(2)
  nodes[0].joinStreamPart(SP)
  nodes[1].joinStreamPart(SP)
  nodes[0].addNeighbour(SP, 'n1')
  sim.run(Infinity)
  nodes[0].streamPart(SP)!.neighbours[0].close()
  sim.run(Infinity)
  assert.equal(observers[0].neighbours, [])
  assert.equal(observers[1].neighbours, [])
})

NetworkNode('tells its neighbours when it leaves gracefully, and they drop the link to it', () => {
  const { sim, nodes, observers } = smallWorld(2)
  nodes[0].joinStreamPart(SP)
  nodes[1].joinStreamPart(SP)
  nodes[0].addNeighbour(SP, 'n1')
  sim.run(Infinity)
  nodes[1].leaveStreamPart(SP)
  sim.run(Infinity)
  assert.equal(observers[0].neighbours, [])
  assert.is(nodes[1].streamPart(SP), undefined)
})

NetworkNode('fails to connect to an unknown peer after the timeout, leaving no neighbour', () => {
  const { sim, nodes, observers } = smallWorld(1)
  nodes[0].joinStreamPart(SP)
  nodes[0].addNeighbour(SP, 'nobody')
  sim.run(Infinity)
  assert.equal(observers[0].neighbours, [])
  assert.is(sim.now(), 5000)
})

NetworkNode.run()

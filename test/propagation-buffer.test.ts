// The propagation buffer of ContentDeliveryNode: ContentDeliveryNodes linked by in-memory links
// on a manual clock, plus one end-to-end check on real NetworkNodes once they pass a clock.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ContentDeliveryNode } from '../core/content-delivery-node.ts'
import { DEFAULT_PROPAGATION_TTL_MS } from '../core/propagation-buffer.ts'
import { createStreamMessage, type StreamMessage } from '../core/message.ts'
import type { Connection, ContentWireMessage, WireMessage } from '../core/ports.ts'
import { contentWireMessage } from '../core/wire.ts'
import { RecordingObserver, smallWorld } from './helpers/small-world.ts'

const SP = 'stream#0'

class ManualClock {
  nowMs = 0
  now(): number {
    return this.nowMs
  }
}

interface Peer {
  readonly id: string
  readonly cdn: ContentDeliveryNode
  readonly observer: RecordingObserver
  sentTo: Map<string, number>
}

/** Links deliver through a queue, drained by `settle`, so relays never recurse. */
class World {
  readonly clock = new ManualClock()
  private readonly queue: (() => void)[] = []

  peer(id: string, options?: { minPropagationTargets?: number; maxMessages?: number }): Peer {
    const observer = new RecordingObserver(this.clock)
    const cdn = new ContentDeliveryNode(SP, observer, undefined, this.clock, [], undefined,
      { maxMessages: options?.maxMessages ?? 150, ttlMs: DEFAULT_PROPAGATION_TTL_MS, minPropagationTargets: options?.minPropagationTargets ?? 2 })
    const peer: Peer = { id, cdn, observer, sentTo: new Map() }
    observer.sent = (_m: WireMessage, to: Connection) => { peer.sentTo.set(to.remoteId, (peer.sentTo.get(to.remoteId) ?? 0) + 1) }
    return peer
  }

  /** Both ends add each other, as a completed handshake does. */
  link(a: Peer, b: Peer): void {
    const ab: Connection = { remoteId: b.id, send: (w) => this.queue.push(() => b.cdn.handleContent(w as ContentWireMessage, ba)), close() {} }
    const ba: Connection = { remoteId: a.id, send: (w) => this.queue.push(() => a.cdn.handleContent(w as ContentWireMessage, ab)), close() {} }
    a.cdn.addNeighbour(ab)
    b.cdn.addNeighbour(ba)
    this.settle()
  }

  settle(): void {
    while (this.queue.length > 0) this.queue.shift()!()
  }
}

let seq = 0
function message(publisher: string, prev: StreamMessage | null): StreamMessage {
  const timestamp = ++seq
  return createStreamMessage({ streamId: 'stream', streamPartition: 0, timestamp, sequenceNumber: 0, publisherId: publisher, msgChainId: 'c' },
    prev === null ? null : { timestamp: prev.messageId.timestamp, sequenceNumber: 0 }, new Uint8Array(4))
}

function publishMany(p: Peer, count: number): StreamMessage[] {
  const out: StreamMessage[] = []
  let prev: StreamMessage | null = null
  for (let i = 0; i < count; i++) {
    prev = message(p.id, prev)
    out.push(prev)
    p.cdn.publish(contentWireMessage(prev))
  }
  return out
}

const PropagationBuffer = suite('propagation buffer')

PropagationBuffer('lets a publisher alone in its part deliver to everyone once neighbours arrive', () => {
  const w = new World()
  const [p, a, b, c] = ['p', 'a', 'b', 'c'].map((id) => w.peer(id))
  publishMany(p, 3)
  assert.is(p.cdn.bufferedCount, 3)
  w.clock.nowMs = 500
  w.link(p, a)
  assert.is(a.observer.delivered_.length, 3)
  assert.is(p.cdn.bufferedCount, 3, 'only one neighbour has them yet')
  w.link(p, b)
  assert.is(b.observer.delivered_.length, 3)
  assert.is(p.cdn.bufferedCount, 0, 'two neighbours had them: dropped')
  // a got them from its only neighbour, so it keeps them too, and hands them on to c.
  assert.is(a.cdn.bufferedCount, 3)
  w.link(a, c)
  assert.is(c.observer.delivered_.length, 3)
  assert.is(a.cdn.bufferedCount, 3, 'a has sent them to one neighbour: the source p does not count')
})

PropagationBuffer('keeps nothing (and allocates nothing) at a node that relays to 2 or more neighbours', () => {
  const w = new World()
  const [p, a, b, c] = ['p', 'a', 'b', 'c'].map((id) => w.peer(id))
  w.link(p, a)
  w.link(a, b)
  w.link(a, c)
  w.link(p, b)
  publishMany(p, 5)
  w.settle()
  for (const x of [p, a]) assert.is(x.cdn.bufferedCount, 0, `${x.id} has 2+ neighbours`)
  assert.is(c.observer.delivered_.length, 5)
  // c's only neighbour is a, the sender: it keeps them for whoever joins it next.
  assert.is(c.cdn.bufferedCount, 5)
})

PropagationBuffer('does not re-send a message kept for the TTL or longer, but re-sends a younger one', () => {
  const w = new World()
  const [p, a, b] = ['p', 'a', 'b'].map((id) => w.peer(id))
  publishMany(p, 1)
  w.clock.nowMs = DEFAULT_PROPAGATION_TTL_MS - 1
  w.link(p, a)
  assert.is(a.observer.delivered_.length, 1, 'just inside the TTL')
  w.clock.nowMs = DEFAULT_PROPAGATION_TTL_MS
  w.link(p, b)
  assert.is(b.observer.delivered_.length, 0, 'expired')
  assert.is(p.cdn.bufferedCount, 0)
})

PropagationBuffer('sends a kept message only to neighbours that lacked it, and drops it once 2 have had it', () => {
  const w = new World()
  const [p, a, b, c] = ['p', 'a', 'b', 'c'].map((id) => w.peer(id))
  w.link(p, a)
  publishMany(p, 1)
  w.settle()
  assert.is(p.sentTo.get('a'), 1)
  assert.is(p.cdn.bufferedCount, 1, 'one neighbour had it')
  w.link(p, b)
  assert.is(p.sentTo.get('a'), 1, 'not re-sent to a')
  assert.is(p.sentTo.get('b'), 1)
  assert.is(p.cdn.bufferedCount, 0)
  w.link(p, c)
  assert.is(p.sentTo.get('c') ?? 0, 0, 'dropped after 2: nothing for c')
  assert.is(c.observer.delivered_.length, 0)
})

PropagationBuffer('does not count the sender: a relay that sent to one other neighbour keeps the message', () => {
  const w = new World()
  const [p, a, b] = ['p', 'a', 'b'].map((id) => w.peer(id))
  w.link(p, a)
  w.link(a, b)
  publishMany(p, 1)
  w.settle()
  assert.is(a.cdn.bufferedCount, 1, 'a sent it to b only')
  assert.is(b.cdn.bufferedCount, 1, "b's only neighbour is the sender: sent to nobody")
  assert.is(b.sentTo.get('a') ?? 0, 0, 'never echoed back to the sender')
})

PropagationBuffer('hands the message to both second and third neighbours that join after the first receipt', () => {
  const w = new World()
  const [p, a, b, c, d] = ['p', 'a', 'b', 'c', 'd'].map((id) => w.peer(id))
  w.link(p, a)
  w.link(p, d)
  publishMany(p, 1)
  w.settle()
  assert.is(a.observer.delivered_.length, 1)
  assert.is(a.cdn.bufferedCount, 1, 'a has sent it to nobody yet')
  w.clock.nowMs = 1_000
  w.link(a, b)
  assert.is(b.observer.delivered_.length, 1, 'the second neighbour gets it from the buffer')
  assert.is(a.cdn.bufferedCount, 1, 'one send so far')
  w.clock.nowMs = 2_000
  w.link(a, c)
  assert.is(c.observer.delivered_.length, 1, 'the third neighbour gets it too')
  assert.is(a.cdn.bufferedCount, 0, 'two sends: dropped')
  assert.is(p.sentTo.get('a'), 1, 'the source sent it once')
})

PropagationBuffer('keeps at most maxMessages, the newest ones', () => {
  const w = new World()
  const p = w.peer('p', { maxMessages: 150 })
  const a = w.peer('a')
  const sent = publishMany(p, 200)
  assert.is(p.cdn.bufferedCount, 150)
  w.link(p, a)
  const got = a.observer.delivered_.map((d) => d.message.messageId.timestamp)
  assert.equal(got, sent.slice(50).map((m) => m.messageId.timestamp))
})

const EndToEnd = suite('propagation buffer on NetworkNodes')

EndToEnd('delivers to all when the publish comes before any neighbour and neighbours arrive later', () => {
  const { sim, nodes, observers } = smallWorld(4)
  for (const n of nodes) n.joinStreamPart(SP)
  nodes[0].publish('stream', 0, new Uint8Array(8))
  sim.run(1_000)
  nodes[1].addNeighbour(SP, 'n0')
  nodes[2].addNeighbour(SP, 'n0')
  nodes[3].addNeighbour(SP, 'n1')
  sim.run(Infinity)
  for (const i of [1, 2, 3]) assert.is(observers[i].delivered_.length, 1, `n${i}`)
})

PropagationBuffer.run()
EndToEnd.run()

// One relay step: NetworkNode.onMessage of a content message at a node with 4 neighbours, on stub
// ports (sends go nowhere, SilentObserver). First receipt: validate, detect, deliver, send to the
// 3 other neighbours; duplicate: validate, detect, stop. Messages are created up front with
// increasing timestamps; a node that has used them all is replaced outside the timed part.

import { createStreamMessage } from '../core/message.ts'
import { NetworkNode } from '../core/network-node.ts'
import { SilentObserver } from '../core/observer.ts'
import type { Connection, ContentWireMessage, Transport, WireMessage } from '../core/ports.ts'
import { WIRE_HANDSHAKE } from '../core/ports.ts'
import { contentWireMessage, controlWireMessage } from '../core/wire.ts'
import { type GroupResult, type MicroOptions, newBench, rowsOf } from './common.ts'

const STREAM = 'bench'
const PART = `${STREAM}#0`
const DEGREE = 4
/** onMessage calls per timed iteration */
const BATCH = 1_000
/** Fresh messages made up front; a node takes POOL / BATCH iterations to use them up. */
const POOL = 200_000

class StubConnection implements Connection {
  sends = 0
  constructor(readonly remoteId: string, private readonly count: boolean) {}
  send(_message: WireMessage): void {
    if (this.count) this.sends++
  }
  close(): void {}
}

/** A node joined to PART with DEGREE neighbours, through the real incoming-handshake path. */
function relayNode(count = false): { node: NetworkNode; links: StubConnection[] } {
  const transport: Transport = { localId: 'n0', setHandler() {}, connect() {} }
  const node = new NetworkNode({
    clock: { now: () => 0 },
    timers: { setTimeout: () => 0, clearTimeout() {} },
    random: { next: () => 0.5 },
    transport,
    observer: new SilentObserver(),
  })
  node.joinStreamPart(PART)
  const links = Array.from({ length: DEGREE }, (_, i) => new StubConnection(`p${i + 1}`, count))
  for (const link of links) {
    node.onConnected(link)
    node.onMessage(link, controlWireMessage(WIRE_HANDSHAKE, PART))
  }
  return { node, links }
}

function messagePool(): ContentWireMessage[] {
  const content = new Uint8Array(256)
  const pool: ContentWireMessage[] = []
  for (let i = 0; i < POOL; i++) {
    const timestamp = 1_700_000_000_000 + i
    const id = { streamId: STREAM, streamPartition: 0, timestamp, sequenceNumber: 0, publisherId: 'pub', msgChainId: 'chain' }
    pool.push(contentWireMessage(createStreamMessage(id, i === 0 ? null : { timestamp: timestamp - 1, sequenceNumber: 0 }, content)))
  }
  return pool
}

export async function relayBench(opts: MicroOptions): Promise<GroupResult> {
  const pool = messagePool()
  // The stubs must see what the rows claim: 3 sends per first receipt, none per duplicate.
  const probe = relayNode(true)
  const sends = () => probe.links.reduce((s, l) => s + l.sends, 0)
  const handshakeReplies = sends()
  for (let i = 0; i < 10; i++) probe.node.onMessage(probe.links[0], pool[i])
  const firstSends = sends() - handshakeReplies
  for (let i = 0; i < 10; i++) probe.node.onMessage(probe.links[1], pool[i])
  const dupSends = sends() - handshakeReplies - firstSends
  const checks = [
    { name: 'first receipt relays to the 3 other neighbours', pass: firstSends === 30, detail: `${firstSends} sends for 10 messages` },
    { name: 'duplicate relays nothing', pass: dupSends === 0, detail: `${dupSends} sends for 10 duplicates` },
  ]

  const bench = newBench(opts)
  let fresh = relayNode()
  let cursor = 0
  bench.add('onMessage, first receipt (relay to 3)', () => {
    const { node, links } = fresh
    const from = links[0]
    for (let i = cursor, end = cursor + BATCH; i < end; i++) node.onMessage(from, pool[i])
    cursor += BATCH
  }, {
    beforeEach() {
      if (cursor + BATCH <= POOL) return
      fresh = relayNode()
      cursor = 0
    },
  })
  const seen = relayNode()
  seen.node.onMessage(seen.links[0], pool[0])
  bench.add('onMessage, duplicate', () => {
    const { node, links } = seen
    const from = links[1]
    const message = pool[0]
    for (let i = 0; i < BATCH; i++) node.onMessage(from, message)
  })
  await bench.run()
  return {
    group: 'relay',
    title: `Relay step, NetworkNode.onMessage at a node with ${DEGREE} neighbours (${BATCH.toLocaleString('en-US')} calls per sample)`,
    rows: rowsOf(bench, BATCH / 1e6, 'M msgs/s'),
    checks,
    lines: [],
  }
}

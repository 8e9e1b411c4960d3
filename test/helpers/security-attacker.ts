// An attacker on the same network as a tracker and its nodes, as a process, for
// test/live-security.test.ts. It knows only what the README says and what it hears as an
// ordinary node: it joins the stream part through the tracker with a key of its own, then
//   poison AHEAD_MS     once it has heard the publisher, sends its neighbours (again every second)
//                       a copy claiming the publisher's id and chain, timestamped AHEAD_MS after
//                       the newest genuine message, with a signature that is not the publisher's
//                       (the "one message silences a publisher" attack);
//   readme-key SEED ID ADDRESS
//                       signs 20 messages with the key the README's example node had
//                       (keccak256 of "SEED/ID", as seed-derived keys were made) claiming the
//                       publisher ADDRESS, 77 bytes each so subscribers' lines show them;
//   join                only joins STREAM_PART (whose id may carry control characters: log injection);
//   sybil COUNT         also opens COUNT more WebSocket links to the tracker, each saying hello with
//                       a made-up node id and reporting STREAM_PART joined with no neighbours, again
//                       every second; none ever completes a link with a node (it answers no signal);
//   impostor ID         joins as node ID (an honest node's id) with a key of its own, and prints
//                       every second what became of its links to the tracker;
//   idle COUNT          also opens COUNT WebSockets to the tracker at once that never say hello, and
//                       prints, 8 s later, how many the tracker still holds: "attacker idle sockets: open O".
// It prints "attacker ready", "attacker forged at EPOCH_MS" when it first strikes, and runs until
// SIGINT/SIGTERM.
// usage: tsx test/helpers/security-attacker.ts TRACKER_URL TRACKER_ID STREAM_PART ATTACK ARGS...

import { keyPairFromSeed } from '../../core/message-layer/identity.ts'
import { signStreamMessage } from '../../core/message-layer/signing.ts'
import { createStreamMessage, type StreamMessage, streamMessageOf } from '../../core/message.ts'
import { SilentObserver } from '../../core/observer.ts'
import type { TransportHandler } from '../../core/ports.ts'
import { contentWireMessage } from '../../core/wire.ts'
import { statusMessage } from '../../core/tracker/tracker-messages.ts'
import { LiveNode } from '../../live/live-node.ts'
import { WebSocketTransport } from '../../live/websocket-transport.ts'
import WebSocket from 'ws'
import { shutdownWebRtc } from '../../live/webrtc-transport.ts'

/** The size that marks the attacker's messages in subscribers' verbose lines. */
export const ATTACK_PAYLOAD_BYTES = 77

/** The Sybils' links hear nothing they answer. */
class SilentHandler implements TransportHandler {
  onConnected(): void {}
  onConnectFailed(): void {}
  onMessage(): void {}
  onDisconnected(): void {}
}

const [url, trackerId, streamPartId, attack, ...args] = process.argv.slice(2)
if (attack === undefined) throw new Error('usage: security-attacker.ts TRACKER_URL TRACKER_ID STREAM_PART (poison AHEAD_MS | readme-key SEED ID ADDRESS | join | sybil COUNT | idle COUNT | impostor ID)')
const [streamId, partition] = [streamPartId.slice(0, streamPartId.lastIndexOf('#')), Number(streamPartId.slice(streamPartId.lastIndexOf('#') + 1))]

let newest: StreamMessage | undefined
class Listening extends SilentObserver {
  override delivered(m: StreamMessage): void {
    if (m.content.byteLength !== ATTACK_PAYLOAD_BYTES && (newest === undefined || m.messageId.timestamp >= newest.messageId.timestamp)) newest = m
  }
}

// The impostor takes the id of the node it impersonates, with a key of its own (it has no other).
const node = new LiveNode({ id: attack === 'impostor' ? args[0] : `attacker-${process.pid}`, trackers: [{ id: trackerId, url }], webrtc: { bindAddress: '127.0.0.1' }, observer: new Listening() })
node.join(streamPartId)
console.log(`attacker ready as ${node.id}`)

function sendToNeighbours(message: StreamMessage): number {
  const part = node.node.streamPart(streamPartId)
  for (const c of part?.neighbours ?? []) c.send(contentWireMessage(message))
  return part?.neighbours.length ?? 0
}

let struck = false
const strike = () => {
  if (!struck) {
    struck = true
    console.log(`attacker forged at ${Date.now()}`)
  }
}

const timers: ReturnType<typeof setTimeout>[] = []
const stopping: (() => Promise<void>)[] = []
if (attack === 'poison') {
  const aheadMs = Number(args[0])
  let last: StreamMessage | undefined
  timers.push(setInterval(() => {
    if (newest === undefined) return
    // The chain's newest genuine message, pushed ahead: every later genuine one looks older.
    const genuine = newest
    const id = genuine.messageId
    last ??= streamMessageOf({
      ...genuine,
      messageId: { ...id, timestamp: id.timestamp + aheadMs, sequenceNumber: 0 },
      prevMsgRef: { timestamp: id.timestamp, sequenceNumber: id.sequenceNumber },
      content: new Uint8Array(ATTACK_PAYLOAD_BYTES),
      signature: genuine.signature.map((b, i) => (i < 64 ? b ^ 0x5a : b)),
    })
    if (sendToNeighbours(last) > 0) strike()
  }, 1000))
} else if (attack === 'readme-key') {
  const [seed, id, address] = args
  const readmeKey = keyPairFromSeed(`${seed}/${id}`)
  let n = 0
  timers.push(setInterval(() => {
    if (node.neighbours(streamPartId).length === 0 || n >= 20) return
    const now = Date.now()
    const message = signStreamMessage(createStreamMessage(
      { streamId, streamPartition: partition, timestamp: now, sequenceNumber: 0, publisherId: address, msgChainId: 'readme-key-forgery' },
      n === 0 ? null : { timestamp: now - 200, sequenceNumber: 0 }, new Uint8Array(ATTACK_PAYLOAD_BYTES)), { ...readmeKey, address })
    sendToNeighbours(message)
    strike()
    n++
  }, 200))
} else if (attack === 'sybil') {
  const count = Number(args[0])
  const sybils = Array.from({ length: count }, (_, i) => {
    const transport = new WebSocketTransport(`sybil-${process.pid}-${i}`, { peers: { [trackerId]: url } })
    transport.setHandler(new SilentHandler())
    transport.connect(trackerId)
    return { transport }
  })
  timers.push(setInterval(() => {
    let linked = 0
    for (const { transport } of sybils) {
      const link = transport.connectionTo(trackerId)
      if (link === undefined) {
        transport.connect(trackerId)
        continue
      }
      link.send(statusMessage(streamPartId, [], 0))
      linked++
    }
    console.log(`attacker sybils linked ${linked}`)
    if (linked > 0) strike()
  }, 1000))
  stopping.push(...sybils.map((s) => () => s.transport.close()))
} else if (attack === 'idle') {
  const count = Number(args[0])
  let closed = 0
  const sockets = Array.from({ length: count }, () => {
    const ws = new WebSocket(url)
    ws.on('error', () => {})
    ws.on('close', () => closed++)
    return ws
  })
  strike()
  timers.push(setTimeout(() => {
    console.log(`attacker idle sockets: open ${count - closed}`)
    for (const ws of sockets) ws.terminate()
  }, 8_000))
} else if (attack === 'impostor') {
  // Joining as ID is the attack; it reports what became of its links to the tracker.
  timers.push(setInterval(() => {
    const s = node.websocket.stats
    console.log(`attacker impostor as ${node.id}: tracker links opened ${s.connectionsOpened}, cut ${s.connectionsClosed}, failed ${s.connectsFailed}; neighbours ${node.neighbours(streamPartId).length}`)
    strike()
  }, 1000))
} else if (attack !== 'join') {
  throw new Error(`unknown attack ${attack}`)
}

const stop = async () => {
  for (const t of timers) clearTimeout(t)
  await Promise.all(stopping.map((s) => s()))
  await node.stop({ graceful: false })
  shutdownWebRtc()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())

// A hostile peer, as a process, for test/live-dht.test.ts: it dials a live DHT node at the URL
// given and misbehaves in every way the node must survive, then prints one line
// "hostile sent {json}" with what it sent and exits 0.
//   1. A link under a node id that is not its key's: it answers the challenge with a proof
//      signed by its own key (the node must refuse the link).
//   2. A raw socket that says hello and speaks before proving its id (the node must drop what
//      comes first).
//   3. A link proved as itself, then:
//      - RPCs whose sender is some other node (wrong sender id),
//      - a closest-peers request for 100,000 contacts and a routed message naming 1,000 nodes
//        (oversize lists), a store whose entry is no descriptor,
//      - frames whose descriptors or byte strings are malformed, and a body that is no JSON,
//      - WebRTC offers routed to the node from 100 made-up sources,
//      - a message of a kind nobody runs.
// usage: tsx test/helpers/hostile-dht-peer.ts ws://HOST:PORT

import { peerDescriptorOf } from '../../core/dht/peer-descriptor.ts'
import { DHT_CLOSEST_PEERS, DHT_PING, DHT_ROUTE, DHT_STORE } from '../../core/dht/dht-messages.ts'
import { keyPairFromSeed } from '../../core/message-layer/identity.ts'
import type { Connection, NodeId, TransportHandler, WireMessage } from '../../core/ports.ts'
import { WIRE_RPC_NOTICE, WIRE_RPC_REQUEST } from '../../core/rpc/rpc-messages.ts'
import { LiveDhtNode } from '../../live/live-dht-node.ts'
import { LINK_HELLO, encodeLinkFrame } from '../../live/link-frames.ts'
import { WireCodec } from '../../live/wire-codec.ts'
import WebSocket from 'ws'
import type { LiveConnection } from '../../live/live-link.ts'
import { WebSocketTransport } from '../../live/websocket-transport.ts'
import { WebRtcTransport, shutdownWebRtc } from '../../live/webrtc-transport.ts'

const url = process.argv[2]
if (url === undefined) throw new Error('usage: hostile-dht-peer.ts ws://HOST:PORT')
const me = keyPairFromSeed('hostile/me')
const victim = keyPairFromSeed('hostile/someone-else')
const target = await LiveDhtNode.probe(url)
const sent = { impersonations: 0, beforeProof: 0, wrongSender: 0, oversize: 0, badBody: 0, badFrames: 0, unknownKind: 0, offers: 0 }
const enc = new TextEncoder()

function handler(onOpen: (c: Connection) => void, onMessage: (c: Connection, m: unknown) => void = () => {}): TransportHandler & { failed: Promise<string> } {
  let fail: (why: string) => void = () => {}
  const failed = new Promise<string>((resolve) => { fail = resolve })
  return {
    failed,
    onConnected: onOpen,
    onConnectFailed: (_peer: NodeId, reason: string) => fail(reason),
    onMessage: onMessage,
    onDisconnected: (_c: Connection, reason: string) => fail(reason),
  }
}

const rawFrame = (kind: number, text: string): Uint8Array => {
  const body = enc.encode(text)
  const out = new Uint8Array(2 + body.length)
  out[0] = 0xb1
  out[1] = kind
  out.set(body, 2)
  return out
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// 1. Claims the victim's id, proves with its own key.
{
  const t = new WebSocketTransport(victim.address, { peers: { [target]: url }, identity: me })
  const h = handler(() => {})
  t.setHandler(h)
  t.connect(target)
  sent.impersonations++
  await Promise.race([h.failed, sleep(3000)])
  await t.close()
}

// 2. Speaks before proving anything: a raw socket, as our transport never would.
{
  const raw = new WebSocket(url)
  await new Promise((resolve, reject) => { raw.once('open', resolve); raw.once('error', reject) })
  raw.send(encodeLinkFrame({ type: LINK_HELLO, nodeId: me.address, incarnation: 'hostile' }))
  const codec = new WireCodec()
  for (let i = 0; i < 3; i++) {
    const frame = codec.encode({ kind: WIRE_RPC_REQUEST, sizeBytes: 0, service: 'layer0', method: DHT_PING, requestId: i + 1, sender: peerDescriptorOf(me.address), body: null } as WireMessage)
    if (!frame.ok) throw new Error(frame.error)
    raw.send(frame.frame)
    sent.beforeProof++
  }
  await sleep(500)
  raw.close()
}

// 3. Proved as itself, then forged and malformed messages.
{
  const t = new WebSocketTransport(me.address, { peers: { [target]: url }, identity: me, idIsAddress: true })
  let opened: (c: Connection) => void = () => {}
  const open = new Promise<Connection>((resolve) => { opened = resolve })
  const h = handler((c) => opened(c))
  t.setHandler(h)
  t.connect(target)
  const c = await Promise.race([open, h.failed.then((why) => { throw new Error(`link 3 failed: ${why}`) })])
  const mine = peerDescriptorOf(me.address)
  const request = (method: number, body: unknown, sender = mine) =>
    c.send({ kind: WIRE_RPC_REQUEST, sizeBytes: 0, service: 'layer0', method, requestId: 1000 + method, sender, body } as WireMessage)
  // Wrong sender: a descriptor of another node on our link.
  request(DHT_PING, null, peerDescriptorOf(victim.address))
  c.send({ kind: WIRE_RPC_NOTICE, sizeBytes: 0, service: 'layer0', method: DHT_PING, sender: peerDescriptorOf(victim.address), body: null } as WireMessage)
  sent.wrongSender += 2
  // Oversize lists.
  const key = new Uint8Array(20).fill(7)
  request(DHT_CLOSEST_PEERS, { key, count: 100_000 })
  const many = Array.from({ length: 1000 }, (_, i) => peerDescriptorOf(`0x${i.toString(16).padStart(40, '0')}`))
  request(DHT_ROUTE, { id: 'x:1', parallelRoots: [], target: mine, via: null, source: mine, reachableThrough: many, path: [me.address], payload: 'w' })
  sent.oversize += 2
  request(DHT_STORE, { key, entry: { creator: 'not a descriptor', storedAtMs: 0, ttlMs: 1 } })
  sent.badBody++
  // Malformed frames: a descriptor with a negative region, a URL on a node without a server, an
  // over-long byte string, and a body that is no JSON.
  const sink = (c as LiveConnection).sink
  const envelope = (senderJson: string, bodyJson = 'null') =>
    `{"service":"layer0","method":${DHT_PING},"requestId":5,"sender":${senderJson},"body":${bodyJson}}`
  sink.send(rawFrame(WIRE_RPC_REQUEST, envelope(`{"$d":["${me.address}",-1,0,null]}`)))
  sink.send(rawFrame(WIRE_RPC_REQUEST, envelope(`{"$d":["${me.address}",0,0,"ws://127.0.0.1:1"]}`)))
  sink.send(rawFrame(WIRE_RPC_REQUEST, envelope(`{"$d":["${me.address}",0,0,null]}`, `{"key":{"$b":"${'ab'.repeat(500)}"}}`)))
  sink.send(rawFrame(WIRE_RPC_REQUEST, '{not json'))
  sent.badFrames += 4
  // WebRTC offers routed to the node from 100 made-up sources, each a real offer (so each answer
  // is a peer connection that waits for its peer): it answers at most its cap at once.
  const sdp = await realOfferSdp()
  for (let i = 0; i < 100; i++) {
    const fake = peerDescriptorOf(`0x${(i + 1).toString(16).padStart(40, 'f')}`)
    const offer = JSON.stringify({ t: 'offer', a: `x${i}`, i: 'inc', sdp })
    const targetDescriptor = peerDescriptorOf(target)
    request(DHT_ROUTE, { id: `flood:${i}`, parallelRoots: [], target: targetDescriptor, via: null, source: fake, reachableThrough: [], path: [me.address], payload: `w${offer}` })
    sent.offers++
  }
  // A kind nobody runs.
  c.send({ kind: 99, sizeBytes: 0, anything: true } as unknown as WireMessage)
  sent.unknownKind++
  await sleep(500)
  await t.close()
}

console.log(`hostile sent ${JSON.stringify(sent)}`)
shutdownWebRtc()
process.exit(0)

/** The SDP of an offer node-datachannel makes, captured instead of sent. */
async function realOfferSdp(): Promise<string> {
  const offerer = new WebRtcTransport('hostile-offerer', { bindAddress: '127.0.0.1' })
  let captured: string | undefined
  offerer.setSignalSender((_to, payload) => {
    const s = JSON.parse(payload) as { t: string; sdp?: string }
    if (captured === undefined && s.t === 'offer') captured = s.sdp
    return true
  })
  offerer.setHandler(handler(() => {}))
  offerer.connect('nobody')
  while (captured === undefined) await sleep(10)
  await offerer.close()
  return captured
}

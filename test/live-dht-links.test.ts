// The live DHT node's link layer without sockets: DhtLinkTransport picks WebSocket, connect-back
// or WebRTC per peer, fails a connect-back nobody answers at its timeout, and bounds the dials and
// offers peers can make it start. Stub transports, real timers (milliseconds). Proofs of identity
// on every link are the transports' own (test/live-link-proof.test.ts).

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type PeerDescriptor, peerDescriptorOf } from '../core/dht/peer-descriptor.ts'
import type { Connection, NodeId, TransportHandler } from '../core/ports.ts'
import { DhtLinkTransport, MAX_CONNECT_BACKS_SERVED } from '../live/dht/dht-link-transport.ts'
import { PeerDirectory } from '../live/dht/peer-directory.ts'
import { Recorder, sleep, until } from './helpers/live.ts'

/** A transport that records what it is asked and lets the test answer. */
class StubTransport {
  handler: TransportHandler | undefined
  readonly connects: NodeId[] = []
  readonly urls = new Map<NodeId, string>()
  readonly signals: [NodeId, string][] = []
  sender: ((to: NodeId, payload: string) => boolean) | undefined
  readonly links = new Map<NodeId, Connection>()
  constructor(readonly localId: NodeId) {}
  setHandler(h: TransportHandler): void { this.handler = h }
  connect(peer: NodeId): void { this.connects.push(peer) }
  addPeer(id: NodeId, url: string): void { this.urls.set(id, url) }
  connectionTo(peer: NodeId): Connection | undefined { return this.links.get(peer) }
  setSignalSender(s: ((to: NodeId, payload: string) => boolean) | undefined): void { this.sender = s }
  handleSignal(from: NodeId, payload: string): void { this.signals.push([from, payload]) }
  /** What the WebRTC transport's cap says (the test sets it). */
  answering = true
  answersOfferFrom(_from: NodeId): boolean { return this.answering }
  open(peer: NodeId): Connection {
    const c: Connection = { remoteId: peer, send: () => {}, close: () => {} }
    this.links.set(peer, c)
    this.handler!.onConnected(c)
    return c
  }
}

function setup(hasServer: boolean, connectBackTimeoutMs = 50) {
  const ws = new StubTransport('me')
  const rtc = new StubTransport('me')
  const directory = new PeerDirectory('me')
  const links = new DhtLinkTransport('me', ws, rtc, directory, hasServer, connectBackTimeoutMs)
  const recorder = new Recorder()
  links.setHandler(recorder)
  const routed: [PeerDescriptor, string][] = []
  let routable = true
  links.setRoute((target, payload) => { routed.push([target, payload]); return routable })
  return { ws, rtc, directory, links, recorder, routed, unroute: () => { routable = false } }
}

const withUrl = (id: string, url: string): PeerDescriptor => ({ ...peerDescriptorOf(id, 0, true), url } as PeerDescriptor)

const Links = suite('DhtLinkTransport')

Links('a peer with a server is dialled at its URL; without one, WebRTC when we have no server, connect-back when we do', async () => {
  const a = setup(false)
  a.directory.learn(withUrl('srv', 'ws://127.0.0.1:7700'), true)
  a.directory.learn(peerDescriptorOf('plain'), true)
  a.links.connect('srv')
  a.links.connect('plain')
  a.links.connect('stranger')
  assert.equal(a.ws.connects, ['srv'])
  assert.is(a.ws.urls.get('srv'), 'ws://127.0.0.1:7700')
  assert.equal(a.rtc.connects, ['plain'])
  await sleep(1)
  assert.equal(a.recorder.events, ['failed stranger: no descriptor for peer'])
  // WebRTC signalling goes out routed over the DHT, marked 'w'.
  assert.ok(a.rtc.sender!('plain', '{"t":"offer"}'))
  assert.equal(a.routed.map(([t, p]) => [t.nodeId, p]), [['plain', 'w{"t":"offer"}']])

  const b = setup(true)
  b.directory.learn(peerDescriptorOf('plain'), true)
  b.links.connect('plain')
  assert.equal(b.rtc.connects, [])
  assert.equal(b.routed.map(([t, p]) => [t.nodeId, p]), [['plain', 'b']])
  // The peer dials back: that link answers the connect.
  b.ws.open('plain')
  assert.equal(b.recorder.events, ['connected plain'])
})

Links('a connect-back nobody answers fails at its timeout, one with no route at once', async () => {
  const a = setup(true, 30)
  a.directory.learn(peerDescriptorOf('silent'), true)
  a.links.connect('silent')
  await until('the timeout', () => a.recorder.events.length > 0, 1_000)
  assert.equal(a.recorder.events, ['failed silent: connect-back timeout'])
  assert.is(a.links.counts.connectBackTimeouts, 1)
  a.unroute()
  a.directory.learn(peerDescriptorOf('far'), true)
  a.links.connect('far')
  await sleep(1)
  assert.equal(a.recorder.events.slice(1), ['failed far: no route for connect-back'])
})

Links('connect-back requests are served by dialling the source, at most a bounded number at once; WebRTC offers only while the WebRTC transport would answer them', () => {
  const a = setup(false)
  for (let i = 0; i < MAX_CONNECT_BACKS_SERVED + 5; i++) a.links.handleRouted(withUrl(`s${i}`, `ws://127.0.0.1:${8000 + i}`), 'b')
  assert.is(a.ws.connects.length, MAX_CONNECT_BACKS_SERVED)
  assert.is(a.links.counts.connectBacksRefused, 5)
  // A request whose source has no server, and a payload of no known kind, are counted and dropped.
  a.links.handleRouted(peerDescriptorOf('noserver'), 'b')
  a.links.handleRouted(peerDescriptorOf('x'), 'zzz')
  assert.is(a.links.counts.badRouted, 2)
  // A failed served dial is none of core's business.
  a.ws.handler!.onConnectFailed('s0', 'refused')
  assert.equal(a.recorder.events, [])

  const offer = (n: number) => `w${JSON.stringify({ t: 'offer', a: `a${n}`, i: 'inc', sdp: 'v=0' })}`
  a.links.handleRouted(peerDescriptorOf('o0'), offer(0))
  assert.is(a.rtc.signals.length, 1)
  // The WebRTC transport would not answer (its cap on unasked offers): dropped, counted, and its
  // claimed source not learnt.
  a.rtc.answering = false
  a.links.handleRouted(peerDescriptorOf('o1'), offer(1))
  assert.is(a.rtc.signals.length, 1)
  assert.is(a.links.counts.offersRefused, 1)
  assert.is(a.directory.get('o1'), undefined)
  // Candidates are never held back.
  a.links.handleRouted(peerDescriptorOf('o2'), `w${JSON.stringify({ t: 'cand', a: 'x', c: 'candidate:1', m: '0' })}`)
  assert.is(a.rtc.signals.length, 2)
})

Links.run()

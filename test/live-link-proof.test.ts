// Proof of identity on every live link (live/link-proof.ts, run by LiveTransportBase), over real
// WebSocket transports on 127.0.0.1: core hears of a link only once its peer proved its key; an id
// that is an address must be proved by that address's key; a named id stays bound to the first
// key that proved it; a peer that talks before its proof, sends a bad one or none is closed and
// never reaches core. Raw sockets play the peers that break the rules.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import WebSocket from 'ws'
import { keyPairFromSeed } from '../core/message-layer/identity.ts'
import { LINK_CHALLENGE, LINK_HELLO, LINK_PROOF, decodeLinkFrame, encodeLinkFrame } from '../live/link-frames.ts'
import { IdBindings, newChallenge, proveTo, proverOf } from '../live/link-proof.ts'
import { WebSocketTransport } from '../live/websocket-transport.ts'
import { OpenResources } from './helpers/open-resources.ts'
import { Recorder, sleep, until } from './helpers/live.ts'

const open = new OpenResources()
const Proof = suite('link proof')
Proof.after.each(() => open.closeAll())

const alice = keyPairFromSeed('proof/alice')
const bob = keyPairFromSeed('proof/bob')
const mallory = keyPairFromSeed('proof/mallory')

async function server(options: ConstructorParameters<typeof WebSocketTransport>[1] = {}) {
  const t = open.add(new WebSocketTransport(bob.address, { identity: bob, idIsAddress: true, ...options }))
  const rec = new Recorder()
  t.setHandler(rec)
  return { t, rec, url: await t.listen(0) }
}

async function rawSocket(url: string): Promise<WebSocket> {
  const raw = new WebSocket(url)
  open.add({ close: () => raw.terminate() })
  await new Promise((resolve, reject) => { raw.once('open', resolve); raw.once('error', reject) })
  return raw
}

Proof('both ends prove their keys, and only then does either side hear of the link', async () => {
  const srv = await server()
  const a = open.add(new WebSocketTransport(alice.address, { peers: { [bob.address]: srv.url }, identity: alice, idIsAddress: true }))
  const rec = new Recorder()
  a.setHandler(rec)
  a.connect(bob.address)
  await until('both linked', () => rec.events.length === 1 && srv.rec.events.length === 1)
  assert.equal(rec.events, [`connected ${bob.address}`])
  assert.equal(srv.rec.events, [`connected ${alice.address}`])
  assert.is(a.stats.proofsAccepted, 1)
  assert.is(srv.t.stats.proofsAccepted, 1)
  assert.is(srv.t.connectionTo(alice.address)!.remoteAddress, alice.address)
})

Proof('an address id proved by another key is refused; the refused peer never reaches core', async () => {
  const srv = await server()
  const liar = open.add(new WebSocketTransport(alice.address, { peers: { [bob.address]: srv.url }, identity: mallory }))
  const rec = new Recorder()
  liar.setHandler(rec)
  liar.connect(bob.address)
  await until('refused', () => srv.t.stats.proofsRefused === 1)
  await sleep(50)
  assert.equal(srv.rec.events, [])
  assert.is(srv.t.connectionTo(alice.address), undefined)
})

Proof('frames before the proof are dropped and counted, too many close the link; no proof closes it at the timeout', async () => {
  const srv = await server({ proofTimeoutMs: 150, maxGarbageFrames: 4 })
  const chatty = await rawSocket(srv.url)
  const closed = new Promise<void>((resolve) => chatty.once('close', () => resolve()))
  chatty.send(encodeLinkFrame({ type: LINK_HELLO, nodeId: alice.address, incarnation: 'i' }))
  for (let i = 0; i < 4; i++) chatty.send(Uint8Array.of(0xb1, 13, 0x7b, 0x7d))
  await closed
  assert.is(srv.t.stats.framesBeforeProof, 4)
  assert.is(srv.t.stats.closedForGarbage, 1)
  const silent = await rawSocket(srv.url)
  const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()))
  silent.send(encodeLinkFrame({ type: LINK_HELLO, nodeId: alice.address, incarnation: 'j' }))
  await silentClosed
  assert.is(srv.t.stats.proofTimeouts, 1)
  assert.equal(srv.rec.events, [], 'core heard of neither')
})

Proof('a proof for another challenge, or for another verifier, does not prove the key', async () => {
  const srv = await server()
  const raw = await rawSocket(srv.url)
  const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()))
  raw.on('message', (d: Buffer) => {
    const f = decodeLinkFrame(new Uint8Array(d))
    // Answers with a proof of a challenge of its own making (a replayed proof), by the right key.
    if (f.ok && f.value.type === LINK_CHALLENGE) raw.send(encodeLinkFrame({ type: LINK_PROOF, bytes: proveTo(alice, newChallenge(), alice.address, bob.address) }))
  })
  raw.send(encodeLinkFrame({ type: LINK_HELLO, nodeId: alice.address, incarnation: 'k' }))
  raw.send(encodeLinkFrame({ type: LINK_CHALLENGE, bytes: newChallenge() }))
  await closed
  assert.is(srv.t.stats.proofsRefused, 1)
  const challenge = newChallenge()
  const proof = proveTo(alice, challenge, alice.address, bob.address)
  assert.is(proverOf(proof, challenge, alice.address, bob.address), alice.address)
  assert.is.not(proverOf(proof, challenge, alice.address, mallory.address), alice.address, 'bound to its verifier')
  assert.is.not(proverOf(proof, challenge, 'someone', bob.address), alice.address, 'bound to its signer id')
})

Proof('named ids: bound to the first key that proves them, the longest unused binding goes first past the cap', () => {
  const b = new IdBindings(2)
  b.bind('a', alice.address)
  b.bind('b', bob.address)
  b.bind('a', alice.address)
  b.bind('c', mallory.address)
  assert.is(b.get('b'), undefined, 'b was the longest unused')
  assert.is(b.get('a'), alice.address)
  assert.is(b.size, 2)
})

Proof.run()

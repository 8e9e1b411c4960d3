// The live wire codec: every kind core sends round-trips; decoded content gets its stream part
// and chain key from its id fields; garbage of every shape returns an error value and never
// throws; the frame bound holds both ways. Also the link frames and the real-time ports.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CONTENT_TYPE_JSON, ENCRYPTION_AES, createStreamMessage } from '../core/message.ts'
import { keyPairFromSeed } from '../core/message-layer/identity.ts'
import { signStreamMessage } from '../core/message-layer/signing.ts'
import { WIRE_HANDSHAKE, WIRE_HANDSHAKE_REPLY, WIRE_LEAVE, type ContentWireMessage, type WireMessage } from '../core/ports.ts'
import { COUNTER_LEFT, MAX_LISTED_NODES, MAX_SIGNAL_PAYLOAD_CHARS, instructionMessage, isTrackerInstructionMessage,
  isTrackerSignalMessage, isTrackerStatusMessage, signalMessage, statusMessage } from '../core/tracker/tracker-messages.ts'
import { contentWireMessage, controlWireMessage, isContentWireMessage, isControlWireMessage } from '../core/wire.ts'
import { LINK_HELLO, LINK_PING, LINK_WELCOME, decodeLinkFrame, encodeLinkFrame } from '../live/link-frames.ts'
import { RealTimers, createRealRandom, realClock } from '../live/real-time.ts'
import { DEFAULT_MAX_FRAME_BYTES, WIRE_FRAME_MAGIC, WireCodec } from '../live/wire-codec.ts'
import { createGroupKeyRequest, createGroupKeyResponse, validateGroupKeyRequest, validateGroupKeyResponse } from '../core/message-layer/key-exchange.ts'
import { isKeyExchangeWireMessage, keyExchangeWireMessage, WIRE_GROUP_KEY_REQUEST, WIRE_GROUP_KEY_RESPONSE } from '../core/security/key-exchange-messages.ts'
import { RealCrypto } from '../core/security/real-crypto.ts'
import { systemSecureRandom } from '../live/live-message-layer.ts'

const publisher = keyPairFromSeed('live-codec/publisher')
const id = { streamId: '0xabc/sensors/temp', streamPartition: 7, timestamp: 1_764_000_000_123, sequenceNumber: 3, publisherId: publisher.address, msgChainId: 'chainÅ€' }
/** Live links carry only signed messages: the content frame is the message layer's codec. */
const signed = (m: ReturnType<typeof createStreamMessage>) => signStreamMessage(m, publisher)

function content(bytes = 32, prev: { timestamp: number; sequenceNumber: number } | null = { timestamp: 1_764_000_000_000, sequenceNumber: 9 }): ContentWireMessage {
  const payload = new Uint8Array(bytes).map((_, i) => (i * 31) & 0xff)
  return contentWireMessage(signed(createStreamMessage(id, prev, payload)))
}

/** Structural equality of a decoded message with what was sent, sizeBytes aside. */
function same(decoded: WireMessage, sent: WireMessage): void {
  const { sizeBytes: _a, ...d } = decoded as unknown as Record<string, unknown>
  const { sizeBytes: _b, ...s } = sent as unknown as Record<string, unknown>
  assert.equal(d, s)
}

function roundTrip(codec: WireCodec, message: WireMessage): WireMessage {
  const e = codec.encode(message)
  if (!e.ok) throw new Error(`encode failed: ${e.error}`)
  // A fresh codec decodes it, so no cache can help.
  const d = new WireCodec().decode(e.frame)
  if (!d.ok) throw new Error(`decode failed: ${d.error}`)
  assert.is(d.message.sizeBytes, e.frame.byteLength, 'sizeBytes is the frame length')
  return d.message
}

const Wire = suite('WireCodec')

Wire('round-trips content with and without a previous reference, JSON and AES types, empty and large', () => {
  const codec = new WireCodec()
  for (const m of [content(), content(0, null), content(200_000)]) {
    const d = roundTrip(codec, m)
    same(d, m)
    assert.ok(isContentWireMessage(d))
  }
  const custom: ContentWireMessage = contentWireMessage(signed({ ...createStreamMessage(id, null, new Uint8Array([1, 2]), CONTENT_TYPE_JSON), encryptionType: ENCRYPTION_AES, groupKeyId: 'gk-1' }))
  same(roundTrip(codec, custom), custom)
  const unsigned = new WireCodec().encode(contentWireMessage(createStreamMessage(id, null, new Uint8Array(1))))
  assert.ok(!unsigned.ok && /signature/.test(unsigned.error), 'an unsigned message has no wire form')
})

Wire('takes decoded content\'s streamPartId and chainKey from the id fields, not from the sender', () => {
  const m = content()
  const forged = { ...m, message: { ...m.message, streamPartId: 'other#0', chainKey: 'mallory/x' } }
  const d = roundTrip(new WireCodec(), forged) as ContentWireMessage
  assert.is(d.message.streamPartId, '0xabc/sensors/temp#7')
  assert.is(d.message.chainKey, `${publisher.address}/chainÅ€`)
})

Wire('round-trips handshake, reply (accepted and refused) and leave, passing core\'s checks', () => {
  const codec = new WireCodec()
  for (const m of [
    controlWireMessage(WIRE_HANDSHAKE, 's#0'), controlWireMessage(WIRE_HANDSHAKE_REPLY, 's#0', true),
    controlWireMessage(WIRE_HANDSHAKE_REPLY, 's#1', false), controlWireMessage(WIRE_LEAVE, 'ünïcode#3'),
  ]) {
    const d = roundTrip(codec, m)
    same(d, m)
    assert.ok(isControlWireMessage(d))
  }
})

Wire('round-trips tracker status, instruction and signal, passing core\'s checks', () => {
  const codec = new WireCodec()
  const many = Array.from({ length: MAX_LISTED_NODES }, (_, i) => `node-${i}`)
  const cases: [WireMessage, (x: unknown) => boolean][] = [
    [statusMessage('s#0', ['n1', 'n2'], 5), isTrackerStatusMessage],
    [statusMessage('s#0', [], COUNTER_LEFT), isTrackerStatusMessage],
    [statusMessage('s#0', many, Number.MAX_SAFE_INTEGER), isTrackerStatusMessage],
    [instructionMessage('s#0', ['n3'], 12), isTrackerInstructionMessage],
    [instructionMessage('s#0', [], 0), isTrackerInstructionMessage],
    [signalMessage('n0', 'n1', JSON.stringify({ t: 'offer', sdp: 'v=0\r\n' })), isTrackerSignalMessage],
    [signalMessage('n0', 'n1', 'é'.repeat(MAX_SIGNAL_PAYLOAD_CHARS)), isTrackerSignalMessage],
  ]
  for (const [m, check] of cases) {
    const d = roundTrip(codec, m)
    same(d, m)
    assert.ok(check(d), `kind ${m.kind}`)
  }
})

Wire('carries a kind with no binary form (a future protocol) as JSON; kind and sizeBytes are the codec\'s', () => {
  const m = { kind: 21, sizeBytes: 1, key: 'abc', contacts: ['a', 'b'], depth: 3 } as WireMessage
  const d = roundTrip(new WireCodec(), m)
  same(d, m)
  const e = new WireCodec().encode({ kind: 22, sizeBytes: 0, kindSpoof: 1 } as WireMessage)
  assert.ok(e.ok)
})

/** A group key request from a subscriber and the publisher's response sealing one key for it, on the wire. */
function keyExchange() {
  const suite = new RealCrypto(systemSecureRandom)
  const subscriber = keyPairFromSeed('live-codec/subscriber')
  const envelope = { streamId: id.streamId, streamPartition: id.streamPartition, timestamp: id.timestamp, sequenceNumber: 0, msgChainId: 'kx' }
  const { message, pending } = createGroupKeyRequest(suite, subscriber, envelope, { requestId: '7', publisherId: publisher.address, groupKeyIds: ['gk-1'] })
  const request = validateGroupKeyRequest(suite, message, publisher.address)
  if (!request.ok) throw new Error(request.error.detail)
  const key = suite.groupKey()
  const response = createGroupKeyResponse(suite, publisher, { timestamp: id.timestamp + 1, sequenceNumber: 0, msgChainId: 'kr' }, request.value, [{ ...key, id: 'gk-1' }])
  return { suite, subscriber, pending, key, request: keyExchangeWireMessage(message), response: keyExchangeWireMessage(response) }
}

Wire('carries group key requests and responses in binary: the sealed key survives and opens for the requester only', () => {
  const kx = keyExchange()
  const request = roundTrip(new WireCodec(), kx.request)
  assert.ok(isKeyExchangeWireMessage(request, WIRE_GROUP_KEY_REQUEST))
  same(request, kx.request)
  const response = roundTrip(new WireCodec(), kx.response)
  assert.ok(isKeyExchangeWireMessage(response, WIRE_GROUP_KEY_RESPONSE))
  if (!isKeyExchangeWireMessage(response, WIRE_GROUP_KEY_RESPONSE)) return
  const keys = validateGroupKeyResponse(kx.suite, response.message, kx.subscriber, kx.pending)
  assert.ok(keys.ok)
  if (keys.ok) assert.equal([...keys.value[0].key], [...kx.key.key])
  // A kind that names the other message type is refused both ways.
  assert.not.ok(new WireCodec().encode({ ...kx.request, kind: WIRE_GROUP_KEY_RESPONSE } as unknown as WireMessage).ok)
  const frame = new WireCodec().encode(kx.request)
  assert.ok(frame.ok)
  if (!frame.ok) return
  const swapped = frame.frame.slice()
  swapped[1] = WIRE_GROUP_KEY_RESPONSE
  const d = new WireCodec().decode(swapped)
  assert.not.ok(d.ok)
  if (!d.ok) assert.is(d.error.field, 'content.messageType')
})

Wire('refuses to encode what cannot go on the wire, as an error value', () => {
  const codec = new WireCodec({ maxFrameBytes: 1024 })
  const bad: unknown[] = [
    content(2000), // over the frame bound
    { kind: 0, sizeBytes: 0 }, { kind: 5, sizeBytes: 0 }, { kind: 300, sizeBytes: 0 }, null,
    { ...content(), message: { ...content().message, messageId: { ...id, sequenceNumber: -1 } } },
    { ...content(), message: { ...content().message, messageId: { ...id, timestamp: Number.NaN } } },
    { ...content(), message: { ...content().message, content: 'text' } },
    statusMessage('s#0', Array.from({ length: MAX_LISTED_NODES + 1 }, () => 'x'), 1),
    { ...statusMessage('s#0', [], 1), counter: 1.5 },
    signalMessage('a', 'b', 'x'.repeat(MAX_SIGNAL_PAYLOAD_CHARS + 1)),
    { kind: 20, sizeBytes: 0, big: 10n },
  ]
  for (const m of bad) {
    const e = codec.encode(m as WireMessage)
    assert.not.ok(e.ok, JSON.stringify(m, (_k, v) => typeof v === 'bigint' ? 'bigint' : v)?.slice(0, 80))
  }
  assert.ok(codec.encode(content(100)).ok, 'the codec still works after errors')
})

Wire('never throws decoding garbage and always says why: random bytes, truncations, bit flips, bad fields', () => {
  const codec = new WireCodec()
  const random = createRealRandom(7)
  const kx = keyExchange()
  const valid = [content(), content(0, null), controlWireMessage(WIRE_HANDSHAKE_REPLY, 's#0', true),
    statusMessage('s#0', ['n1'], 2), instructionMessage('s#0', ['n1', 'n2'], 3), signalMessage('a', 'b', 'payload'), kx.request, kx.response]
    .map((m) => { const e = codec.encode(m); if (!e.ok) throw new Error(e.error); return e.frame })
  let errors = 0
  let decodedOk = 0
  const check = (frame: Uint8Array) => {
    const d = codec.decode(frame)
    if (d.ok) decodedOk++
    else {
      assert.type(d.error.code, 'string')
      errors++
    }
  }
  for (let i = 0; i < 3000; i++) {
    const n = Math.floor(random.next() * 80)
    const frame = new Uint8Array(n).map(() => Math.floor(random.next() * 256))
    if (n > 1 && random.next() < 0.5) frame[0] = WIRE_FRAME_MAGIC
    check(frame)
  }
  for (const f of valid) {
    for (let cut = 0; cut < f.byteLength; cut++) check(f.subarray(0, cut))
    check(Uint8Array.of(...f, 0))
    for (let i = 0; i < 300; i++) {
      const g = f.slice()
      g[Math.floor(random.next() * g.length)] ^= 1 << Math.floor(random.next() * 8)
      check(g)
    }
  }
  // Specific traps: a list count the frame cannot hold, invalid UTF-8, a huge content length.
  check(Uint8Array.of(WIRE_FRAME_MAGIC, 10, 0, 1, 0x41, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff))
  check(Uint8Array.of(WIRE_FRAME_MAGIC, 2, 0, 2, 0xc3, 0x28, 0))
  check(Uint8Array.of(WIRE_FRAME_MAGIC, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff))
  check(Uint8Array.of(WIRE_FRAME_MAGIC, 20, 0x5b, 0x5d))
  check(Uint8Array.of(WIRE_FRAME_MAGIC, 20, 0x7b))
  assert.is(codec.decode('not bytes' as unknown as Uint8Array).ok, false)
  assert.ok(errors > 3000, `${errors} errors, ${decodedOk} decoded`)
})

Wire('refuses to decode a frame over maxFrameBytes before reading it; the default bound is 1 MiB', () => {
  assert.is(DEFAULT_MAX_FRAME_BYTES, 1 << 20)
  const big = new WireCodec().encode(content(5000))
  assert.ok(big.ok)
  if (!big.ok) return
  const d = new WireCodec({ maxFrameBytes: 4096 }).decode(big.frame)
  assert.not.ok(d.ok)
  if (!d.ok) assert.match(d.error.detail, /exceeds/)
  assert.ok(new WireCodec().encode(content(DEFAULT_MAX_FRAME_BYTES - 200)).ok)
  assert.not.ok(new WireCodec().encode(content(DEFAULT_MAX_FRAME_BYTES)).ok)
})

Wire('re-sends the very frame of a decoded content message it relays, and encodes one object asked for twice only once', () => {
  const a = new WireCodec()
  const b = new WireCodec()
  const sent = a.encode(content(64))
  assert.ok(sent.ok)
  if (!sent.ok) return
  const d = b.decode(sent.frame)
  assert.ok(d.ok)
  if (!d.ok) return
  const again = b.encode(d.message)
  assert.ok(again.ok)
  if (again.ok) assert.equal([...again.frame], [...sent.frame])
  const m = content(10)
  const e1 = a.encode(m)
  const e2 = a.encode(m)
  assert.ok(e1.ok && e2.ok && e1.frame === e2.frame)
})

const Frames = suite('link frames')

Frames('round-trip hello, welcome and ping; garbage is refused, never a throw', () => {
  for (const f of [{ type: LINK_HELLO, nodeId: 'n1', incarnation: 'abc' }, { type: LINK_WELCOME, nodeId: 'tracker-ü', incarnation: 'x' }, { type: LINK_PING }] as const) {
    assert.equal(decodeLinkFrame(encodeLinkFrame(f)), { ok: true, value: f })
  }
  const hello = encodeLinkFrame({ type: LINK_HELLO, nodeId: 'n1', incarnation: 'abc' })
  for (let cut = 0; cut < hello.length; cut++) assert.is(decodeLinkFrame(hello.subarray(0, cut)).ok, false)
  assert.is(decodeLinkFrame(Uint8Array.of(...hello, 1)).ok, false)
  assert.is(decodeLinkFrame(Uint8Array.of(0xb0, 9)).ok, false)
  assert.is(decodeLinkFrame(Uint8Array.of(0xb0, 1, 0, 2, 0xc3, 0x28, 0, 1, 0x41)).ok, false)
})

const Ports = suite('real-time ports')

Ports('give an epoch-ms monotonic clock, seeded randoms that repeat, and timers that fire, clear and dispose', async () => {
  const a = realClock.now()
  const b = realClock.now()
  assert.ok(b >= a && Math.abs(a - Date.now()) < 1000)
  const r1 = createRealRandom(42, 'n1')
  const r2 = createRealRandom(42, 'n1')
  const r3 = createRealRandom()
  const xs = Array.from({ length: 5 }, () => r1.next())
  assert.equal(Array.from({ length: 5 }, () => r2.next()), xs)
  assert.ok(xs.every((x) => x >= 0 && x < 1))
  assert.is(createRealRandom(r3.seed).next(), r3.next(), 'the drawn seed reproduces the stream')
  const timers = new RealTimers()
  const fired: string[] = []
  timers.setTimeout(() => fired.push('a'), 5)
  const h = timers.setTimeout(() => fired.push('b'), 5)
  timers.clearTimeout(h)
  timers.clearTimeout(9999)
  timers.setTimeout(() => fired.push('c'), 0)
  // Waits for both rather than a fixed 30 ms: on a loaded machine a 5 ms timer can fire late.
  for (let waited = 0; fired.length < 2 && waited < 10_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
  assert.equal(fired, ['c', 'a'])
  timers.setTimeout(() => fired.push('d'), 5)
  assert.is(timers.pendingCount, 1)
  timers.dispose()
  timers.setTimeout(() => fired.push('e'), 0)
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(fired, ['c', 'a'])
  const errors: unknown[] = []
  const guarded = new RealTimers({ onError: (e) => errors.push(e) })
  guarded.setTimeout(() => { throw new Error('boom') }, 0)
  await new Promise((resolve) => setTimeout(resolve, 10))
  assert.is(errors.length, 1)
})

Wire.run()
Frames.run()
Ports.run()

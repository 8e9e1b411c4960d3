// The storage protocol on the live wire (live/storage/resend-wire.ts through WireCodec): every
// request shape, a resent message with its bytes intact, the end marker; and every mangled frame
// refused with a reason, never a throw, never a message core would not accept.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createStreamMessage } from '../core/message.ts'
import { keyPairFromSeed } from '../core/message-layer/identity.ts'
import { signStreamMessage } from '../core/message-layer/signing.ts'
import type { WireMessage } from '../core/ports.ts'
import {
  RESEND_NOT_STORED, RESEND_TRUNCATED, WIRE_RESEND_MESSAGE, WIRE_RESEND_REQUEST, isResendEndMessage, isResendMessageMessage,
  isResendRequestMessage, resendEndMessage, resendMessageMessage, resendRequestMessage,
} from '../core/storage/storage-messages.ts'
import { createRandom } from '../sim/engine/random.ts'
import { WIRE_FRAME_MAGIC, WireCodec } from '../live/wire-codec.ts'

const publisher = keyPairFromSeed('resend-wire/publisher')
const stored = signStreamMessage(createStreamMessage(
  { streamId: '0xabc/sensors', streamPartition: 3, timestamp: 1_764_000_000_123, sequenceNumber: 2, publisherId: publisher.address, msgChainId: 'ch-Å' },
  { timestamp: 1_764_000_000_100, sequenceNumber: 0 }, new Uint8Array(300).map((_, i) => (i * 7) & 0xff)), publisher)

const REQUESTS = [
  resendRequestMessage(1, 'demo#0', { type: 'last', count: 100 }),
  resendRequestMessage(2 ** 40, '0xabc/sensors#3', { type: 'from', fromTimestamp: 1_764_000_000_000.5 }, { publisherId: publisher.address }),
  resendRequestMessage(3, 'demo#0', { type: 'range', from: { timestamp: 10, sequenceNumber: 1 }, to: { timestamp: 10, sequenceNumber: 5 } },
    { publisherId: publisher.address, msgChainId: 'ch-Å' }),
  resendRequestMessage(4, 'demo#0', { type: 'last', count: 0 }, { msgChainId: 'only-chain' }),
]
const ANSWERS = [resendMessageMessage(9, stored), resendEndMessage(9, 1, 'ok'), resendEndMessage(0, 0, RESEND_NOT_STORED), resendEndMessage(5, 10_000, RESEND_TRUNCATED)]

function frameOf(codec: WireCodec, m: WireMessage): Uint8Array {
  const e = codec.encode(m)
  if (!e.ok) throw new Error(`encode failed: ${e.error}`)
  return e.frame
}

/** Equal apart from sizeBytes, which is the frame's length; bytes compared as arrays. */
function plain(m: WireMessage): unknown {
  return JSON.parse(JSON.stringify({ ...m, sizeBytes: 0 }, (_k, v) => v instanceof Uint8Array ? { bytes: [...v] } : v))
}

const Wire = suite('resend messages on the live wire')

Wire('requests, resent messages and end markers round-trip; the frame is binary and a resent message keeps its bytes', () => {
  const codec = new WireCodec()
  for (const m of [...REQUESTS, ...ANSWERS]) {
    const frame = frameOf(codec, m)
    assert.is(frame[0], WIRE_FRAME_MAGIC)
    assert.is(frame[1], m.kind)
    const d = new WireCodec().decode(frame)
    assert.ok(d.ok, d.ok ? '' : `${d.error.field}: ${d.error.detail}`)
    if (!d.ok) continue
    assert.is(d.message.sizeBytes, frame.byteLength)
    assert.equal(plain(d.message), plain(m))
    assert.ok(isResendRequestMessage(d.message) || isResendMessageMessage(d.message) || isResendEndMessage(d.message), 'core accepts it')
  }
  const resent = new WireCodec().decode(frameOf(codec, ANSWERS[0]))
  assert.ok(resent.ok && isResendMessageMessage(resent.message))
  if (resent.ok && isResendMessageMessage(resent.message)) {
    const m = resent.message.message
    assert.ok(m.content instanceof Uint8Array && m.signature instanceof Uint8Array)
    assert.equal([...m.content], [...stored.content])
    assert.is(m.streamPartId, '0xabc/sensors#3', 'computed from the id fields')
    assert.is(m.chainKey, stored.chainKey)
  }
  // Not the JSON fallback: the content's 300 bytes are in the frame once, as bytes.
  assert.ok(frameOf(codec, ANSWERS[0]).byteLength < 300 + 200)
})

Wire('refuses to encode what core could not have built', () => {
  const codec = new WireCodec()
  const bad: WireMessage[] = [
    { ...REQUESTS[0], requestId: -1 } as WireMessage,
    { ...REQUESTS[2], query: { type: 'range', from: { timestamp: 5, sequenceNumber: 0 }, to: { timestamp: 4, sequenceNumber: 0 } } } as unknown as WireMessage,
    { ...ANSWERS[1], status: 'maybe' } as unknown as WireMessage,
    resendMessageMessage(1, createStreamMessage(stored.messageId, null, new Uint8Array(1))), // unsigned: no wire form
  ]
  for (const m of bad) assert.not.ok(codec.encode(m).ok, JSON.stringify(m, (_k, v) => v instanceof Uint8Array ? '<bytes>' : v))
})

Wire('refuses malformed frames naming the field: flags, query type, a range that ends before it starts, NaN, trailing bytes', () => {
  const codec = new WireCodec()
  const request = frameOf(codec, REQUESTS[2])
  const cases: [string, Uint8Array, RegExp][] = []
  const flags = request.slice()
  flags[10 + 2 + 'demo#0'.length] = 0x80
  cases.push(['flags', flags, /flags/])
  const last = frameOf(codec, REQUESTS[0])
  const type = last.slice()
  type[10 + 2 + 'demo#0'.length + 1] = 7
  cases.push(['query type', type, /query type/])
  const nan = last.slice()
  new DataView(nan.buffer).setFloat64(nan.length - 8, Number.NaN)
  cases.push(['NaN count', nan, /requestId|count|query/])
  const reversed = request.slice()
  new DataView(reversed.buffer).setFloat64(reversed.length - 32, 99)
  cases.push(['reversed range', reversed, /range|timestamp/])
  const trailing = new Uint8Array([...frameOf(codec, ANSWERS[1]), 0])
  cases.push(['trailing', trailing, /end/])
  const message = frameOf(codec, ANSWERS[0]).slice()
  message[10] = 99
  cases.push(['the message inside', message, /message\./])
  for (const [name, frame, field] of cases) {
    const d = new WireCodec().decode(frame)
    assert.not.ok(d.ok, name)
    if (!d.ok) assert.match(`${d.error.field} ${d.error.detail}`, field, name)
  }
})

Wire('fuzz: every truncation and thousands of bit flips and random bodies decode to an error or to a message core accepts, never a throw', () => {
  const codec = new WireCodec()
  const random = createRandom(16, 'resend-wire-fuzz')
  const frames = [...REQUESTS, ...ANSWERS].map((m) => frameOf(codec, m))
  let refused = 0
  let decoded = 0
  const check = (frame: Uint8Array) => {
    const d = codec.decode(frame)
    if (!d.ok) {
      refused++
      assert.type(d.error.code, 'string')
      return
    }
    decoded++
    const m = d.message
    if (m.kind === WIRE_RESEND_REQUEST) assert.ok(isResendRequestMessage(m))
    else if (m.kind === WIRE_RESEND_MESSAGE) assert.ok(isResendMessageMessage(m))
    else assert.ok(isResendEndMessage(m))
  }
  for (const f of frames) for (let n = 0; n < f.length; n++) check(f.subarray(0, n))
  for (let i = 0; i < 5_000; i++) {
    const f = frames[Math.floor(random.next() * frames.length)].slice()
    const flips = 1 + Math.floor(random.next() * 3)
    for (let k = 0; k < flips; k++) f[2 + Math.floor(random.next() * (f.length - 2))] ^= 1 << Math.floor(random.next() * 8)
    check(f)
  }
  for (let i = 0; i < 2_000; i++) {
    const n = 2 + Math.floor(random.next() * 60)
    const f = new Uint8Array(n).map(() => Math.floor(random.next() * 256))
    f[0] = WIRE_FRAME_MAGIC
    f[1] = 30 + Math.floor(random.next() * 3)
    check(f)
  }
  assert.ok(refused > 5_000 && decoded > 0, `refused ${refused}, decoded ${decoded}`)
})

Wire.run()

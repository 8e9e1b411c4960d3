import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  CODEC_VERSION, CONTENT_TYPE_BINARY, CONTENT_TYPE_JSON, createCodecOptions, decodeStreamMessage, DEFAULT_MAX_MESSAGE_BYTES,
  encodeStreamMessage, ENCRYPTION_AES, ENCRYPTION_NONE, ERR, MAX_PARTITION, MAX_SEQUENCE_NUMBER, MAX_TIMESTAMP,
  MESSAGE_TYPE_CONTENT, MESSAGE_TYPE_GROUP_KEY_REQUEST, MESSAGE_TYPE_GROUP_KEY_RESPONSE, MessageLayerException,
  SIGNATURE_TYPE_SECP256K1, streamMessageOf, validateStreamMessage, type DecodeResult, type StreamMessage,
} from '../core/message-layer/index.ts'

const PUBLISHER = '0x7e5f4552091a69125d5dfcb7b8c2659029395bdf'

/** Codec tests need only a signature of the right shape; signing.test.ts checks real ones. */
function fakeSignature(fill = 0xab, v = 27): Uint8Array {
  const s = new Uint8Array(65).fill(fill)
  s[64] = v
  return s
}

function message(over: Partial<StreamMessage> & { id?: Partial<StreamMessage['messageId']> } = {}): StreamMessage {
  const { id, ...rest } = over
  return streamMessageOf({
    messageId: { streamId: `${PUBLISHER}/sensors/temp`, streamPartition: 3, timestamp: 1_700_000_000_123, sequenceNumber: 0, publisherId: PUBLISHER, msgChainId: 'chain-a1', ...id },
    prevMsgRef: { timestamp: 1_700_000_000_100, sequenceNumber: 2 },
    messageType: MESSAGE_TYPE_CONTENT,
    contentType: CONTENT_TYPE_JSON,
    encryptionType: ENCRYPTION_NONE,
    groupKeyId: null,
    newGroupKey: null,
    content: new TextEncoder().encode('{"temp":21.5}'),
    signatureType: SIGNATURE_TYPE_SECP256K1,
    signature: fakeSignature(),
    ...rest,
  })
}

const VARIANTS: Record<string, StreamMessage> = {
  'plain JSON with prev': message(),
  'first of chain (no prev), empty binary content': message({ prevMsgRef: null, contentType: CONTENT_TYPE_BINARY, content: new Uint8Array(0) }),
  'encrypted with key id': message({ encryptionType: ENCRYPTION_AES, groupKeyId: 'gk-1', content: new Uint8Array(60).fill(9) }),
  'encrypted with new group key': message({ encryptionType: ENCRYPTION_AES, groupKeyId: 'gk-1', newGroupKey: { id: 'gk-2', data: new Uint8Array(60).fill(3) } }),
  'group key request': message({ messageType: MESSAGE_TYPE_GROUP_KEY_REQUEST, contentType: CONTENT_TYPE_BINARY, prevMsgRef: null }),
  'group key response': message({ messageType: MESSAGE_TYPE_GROUP_KEY_RESPONSE, contentType: CONTENT_TYPE_BINARY }),
  'extremes': message({ id: { streamPartition: MAX_PARTITION, timestamp: MAX_TIMESTAMP, sequenceNumber: MAX_SEQUENCE_NUMBER }, prevMsgRef: { timestamp: 0, sequenceNumber: 0 } }),
  'zeros': message({ id: { streamPartition: 0, timestamp: 0, sequenceNumber: 0 }, signature: fakeSignature(0, 28) }),
  'unicode and a leading BOM survive exactly': message({ id: { streamId: '\uFEFFström/温度/🌡️', msgChainId: 'ç😀' } }),
  '64 KiB binary content': message({ contentType: CONTENT_TYPE_BINARY, content: Uint8Array.from({ length: 65536 }, (_, i) => i * 7) }),
}

function decoded(r: DecodeResult): StreamMessage {
  if (!r.ok) throw new Error(`decode failed: ${r.error.code} ${r.error.detail}`)
  return r.message
}

function code(r: DecodeResult): string {
  return r.ok ? 'ok' : r.error.code
}

/** Plain-object view so assert.equal compares byte contents, not view offsets. */
function plain(m: StreamMessage): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v) => (v instanceof Uint8Array ? bytesToHex(v) : v)))
}

const Codec = suite('StreamMessage codec')

Codec('decodes every variant to an equal message that re-encodes to the same bytes', () => {
  for (const [name, m] of Object.entries(VARIANTS)) {
    const bytes = encodeStreamMessage(m)
    const back = decoded(decodeStreamMessage(bytes))
    assert.equal(plain(back), plain(m), name)
    assert.is(bytesToHex(encodeStreamMessage(back)), bytesToHex(bytes), name)
  }
})

Codec('lays out the version first, then fixed bytes, in a compact size', () => {
  const m = message()
  const bytes = encodeStreamMessage(m)
  assert.is(bytes[0], CODEC_VERSION)
  assert.is(bytes[1], 1, 'flags: prev only')
  assert.equal([...bytes.subarray(2, 7)], [MESSAGE_TYPE_CONTENT, CONTENT_TYPE_JSON, ENCRYPTION_NONE, SIGNATURE_TYPE_SECP256K1, 3])
  assert.is(bytes[7], m.messageId.streamId.length, 'streamId length prefix')
  assert.equal([...bytes.subarray(bytes.length - 65)], [...m.signature])
  // 7 fixed + 1+55 stream id + 6 ts + 1 seq + 20 publisher + 1+8 chain + 6+1 prev + 1+13 content + 65 signature
  assert.is(bytes.length, 185)
  assert.is(bytes.length - m.content.length - m.messageId.streamId.length, 117, 'header and signature overhead')
})

Codec('never throws decoding non-bytes input, and says what it got', () => {
  for (const x of [undefined, null, 'abc', 42, {}, [1, 2, 3], new ArrayBuffer(8), new Uint16Array(4)]) {
    const r = decodeStreamMessage(x)
    assert.is(code(r), ERR.NOT_BYTES)
  }
  assert.ok(decodeStreamMessage(Buffer.from(encodeStreamMessage(message()))).ok, 'a Node Buffer is a Uint8Array')
})

Codec('refuses every proper prefix of a valid encoding, and a trailing byte', () => {
  for (const m of Object.values(VARIANTS).slice(0, 6)) {
    const bytes = encodeStreamMessage(m)
    for (let n = 0; n < bytes.length; n++) assert.is.not(code(decodeStreamMessage(bytes.subarray(0, n))), 'ok', `prefix ${n}`)
    const longer = new Uint8Array(bytes.length + 1)
    longer.set(bytes)
    assert.is(code(decodeStreamMessage(longer)), ERR.TRAILING_BYTES)
  }
})

Codec('refuses header fields out of range with a specific code', () => {
  const bytes = encodeStreamMessage(message())
  const at = (i: number, v: number) => { const b = bytes.slice(); b[i] = v; return code(decodeStreamMessage(b)) }
  assert.is(at(0, 2), ERR.UNSUPPORTED_VERSION)
  assert.is(at(0, 0), ERR.UNSUPPORTED_VERSION)
  assert.is(at(1, 1 | 8), ERR.BAD_FLAGS)
  assert.is(at(2, 3), ERR.BAD_ENUM, 'messageType')
  assert.is(at(3, 2), ERR.BAD_ENUM, 'contentType')
  assert.is(at(4, 2), ERR.BAD_ENUM, 'encryptionType')
  assert.is(at(5, 0), ERR.BAD_ENUM, 'signatureType')
  assert.is(at(6, 100), ERR.OUT_OF_RANGE, 'partition 100')
  assert.is(at(6, 99), 'ok', 'partition 99')
  assert.is(at(bytes.length - 1, 29), ERR.BAD_SIGNATURE, 'v byte')
  assert.is(at(7, 0), ERR.BAD_LENGTH, 'empty streamId')
})

Codec('takes varints in shortest form only, bounded, at most 8 bytes', () => {
  const m = message({ id: { sequenceNumber: 5 } })
  const bytes = encodeStreamMessage(m)
  const seqAt = 8 + m.messageId.streamId.length + 6 // after streamId and a 6-byte timestamp
  assert.is(bytes[seqAt], 5)
  const padded = new Uint8Array(bytes.length + 1)
  padded.set(bytes.subarray(0, seqAt))
  padded.set([0x85, 0x00], seqAt) // 5 written in two bytes
  padded.set(bytes.subarray(seqAt + 1), seqAt + 2)
  assert.is(code(decodeStreamMessage(padded)), ERR.BAD_VARINT)
  // 2^31 as sequence number: above MAX_SEQUENCE_NUMBER.
  const big = new Uint8Array(bytes.length + 4)
  big.set(bytes.subarray(0, seqAt))
  big.set([0x80, 0x80, 0x80, 0x80, 0x08], seqAt)
  big.set(bytes.subarray(seqAt + 1), seqAt + 5)
  assert.is(code(decodeStreamMessage(big)), ERR.OUT_OF_RANGE)
  // A timestamp of nine continuation bytes never gets read as a number.
  const tsAt = 8 + m.messageId.streamId.length
  const long = bytes.slice()
  long.fill(0x81, tsAt, tsAt + 9)
  assert.ok([ERR.BAD_VARINT, ERR.OUT_OF_RANGE].includes(code(decodeStreamMessage(long)) as never))
})

Codec('takes strings only as well-formed UTF-8 within their byte bounds', () => {
  const m = message({ id: { streamId: 'abc' } })
  const bytes = encodeStreamMessage(m)
  for (const bad of [[0xff, 0x62, 0x63], [0xc0, 0x81, 0x63] /* overlong */, [0xed, 0xa0, 0x80] /* surrogate */]) {
    const b = bytes.slice()
    b.set(bad, 8)
    assert.is(code(decodeStreamMessage(b)), ERR.BAD_STRING)
  }
  const longId = 'x'.repeat(256)
  assert.throws(() => encodeStreamMessage(message({ id: { streamId: longId } })), (e: unknown) => e instanceof MessageLayerException && e.code === ERR.BAD_LENGTH)
  const loose = createCodecOptions({ maxStreamIdBytes: 300 })
  const wire = encodeStreamMessage(message({ id: { streamId: longId } }), loose)
  assert.ok(decodeStreamMessage(wire, loose).ok)
  assert.is(code(decodeStreamMessage(wire)), ERR.OUT_OF_RANGE, 'the default bound refuses it at the length prefix')
})

Codec('bounds the size, by default at 1 MiB, configurable, checked before parsing', () => {
  assert.is(DEFAULT_MAX_MESSAGE_BYTES, 1024 * 1024)
  const huge = new Uint8Array(DEFAULT_MAX_MESSAGE_BYTES + 1)
  assert.is(code(decodeStreamMessage(huge)), ERR.TOO_LARGE)
  const small = createCodecOptions({ maxMessageBytes: 1000 })
  const m = message({ contentType: CONTENT_TYPE_BINARY, content: new Uint8Array(900) })
  assert.throws(() => encodeStreamMessage(m, small), (e: unknown) => e instanceof MessageLayerException && e.code === ERR.TOO_LARGE)
  assert.is(code(decodeStreamMessage(encodeStreamMessage(m), small)), ERR.TOO_LARGE)
  const fits = message({ contentType: CONTENT_TYPE_BINARY, content: new Uint8Array(DEFAULT_MAX_MESSAGE_BYTES - 200) })
  assert.ok(decodeStreamMessage(encodeStreamMessage(fits)).ok)
  assert.throws(() => createCodecOptions({ maxMessageBytes: 0 }))
})

Codec('refuses inconsistent field combinations in both encode and decode', () => {
  const cases: [string, StreamMessage][] = [
    ['AES without key id', message({ encryptionType: ENCRYPTION_AES })],
    ['key id without AES', message({ groupKeyId: 'gk' })],
    ['new group key on plain content', message({ newGroupKey: { id: 'gk-2', data: new Uint8Array(60) } })],
    ['encrypted key request', message({ messageType: MESSAGE_TYPE_GROUP_KEY_REQUEST, contentType: CONTENT_TYPE_BINARY, encryptionType: ENCRYPTION_AES, groupKeyId: 'gk' })],
    ['JSON key response', message({ messageType: MESSAGE_TYPE_GROUP_KEY_RESPONSE })],
  ]
  for (const [name, m] of cases) {
    assert.is(validateStreamMessage(m)?.code, ERR.INCONSISTENT_FIELDS, name)
    assert.throws(() => encodeStreamMessage(m), (e: unknown) => e instanceof MessageLayerException, name)
  }
  // The same on the wire: flip the encryption type byte of a valid plain message.
  const b = encodeStreamMessage(message())
  b[4] = ENCRYPTION_AES
  assert.is(code(decodeStreamMessage(b)), ERR.INCONSISTENT_FIELDS)
})

Codec('refuses to encode what decode could never produce', () => {
  const bad: [string, StreamMessage][] = [
    ['checksummed publisher', message({ id: { publisherId: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf' } })],
    ['partition 100', message({ id: { streamPartition: 100 } })],
    ['negative timestamp', message({ id: { timestamp: -1 } })],
    ['fractional timestamp', message({ id: { timestamp: 1.5 } })],
    ['unsafe timestamp', message({ id: { timestamp: 2 ** 53 } })],
    ['sequence number 2^31', message({ id: { sequenceNumber: 2 ** 31 } })],
    ['lone surrogate', message({ id: { msgChainId: 'a\uD800' } })],
    ['empty chain id', message({ id: { msgChainId: '' } })],
    ['short signature', message({ signature: new Uint8Array(64) })],
    ['content not bytes', message({ content: [1, 2] as unknown as Uint8Array })],
    ['prev undefined', message({ prevMsgRef: undefined as unknown as null })],
  ]
  for (const [name, m] of bad) {
    assert.ok(validateStreamMessage(m) !== null, name)
    assert.throws(() => encodeStreamMessage(m), (e: unknown) => e instanceof MessageLayerException, name)
  }
})

Codec('decodes byte fields as views into the input (zero copy)', () => {
  const bytes = encodeStreamMessage(VARIANTS['encrypted with new group key'])
  const m = decoded(decodeStreamMessage(bytes))
  assert.is(m.content.buffer, bytes.buffer)
  assert.is(m.signature.buffer, bytes.buffer)
})

Codec.run()

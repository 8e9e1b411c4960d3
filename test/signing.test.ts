import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import {
  CONTENT_TYPE_JSON, decodeStreamMessage, encodeStreamMessage, ENCRYPTION_AES, ENCRYPTION_NONE, ERR, keyPairFromPrivateKey,
  keyPairFromSeed, MESSAGE_TYPE_CONTENT, MessageLayerException, personalMessageHash, recoverAddress, signaturePayload, signHash,
  signStreamMessage, verifyStreamMessage, type StreamMessage, type UnsignedStreamMessage,
} from '../core/message-layer/index.ts'

const N = secp256k1.Point.Fn.ORDER
const publisher = keyPairFromPrivateKey('0x0123456789012345678901234567890123456789012345678901234567890123')
const other = keyPairFromSeed('signing/other')

function unsigned(over: Partial<UnsignedStreamMessage> = {}): UnsignedStreamMessage {
  return {
    messageId: { streamId: 'stream', streamPartition: 1, timestamp: 2000, sequenceNumber: 3, publisherId: publisher.address, msgChainId: 'chain' },
    prevMsgRef: { timestamp: 1000, sequenceNumber: 4 },
    messageType: MESSAGE_TYPE_CONTENT,
    contentType: CONTENT_TYPE_JSON,
    encryptionType: ENCRYPTION_NONE,
    groupKeyId: null,
    newGroupKey: null,
    content: utf8ToBytes('{"a":1}'),
    ...over,
  }
}

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code)

const PersonalSign = suite('personal_sign')

PersonalSign('matches the published vector (web3.js docs): hash, signature r||s||v and recovery', () => {
  const kp = keyPairFromPrivateKey('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318')
  const hash = personalMessageHash(utf8ToBytes('Some data'))
  assert.is(bytesToHex(hash), '1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655')
  const signature = signHash(hash, kp.privateKey)
  assert.is(bytesToHex(signature), 'b91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c')
  assert.equal(recoverAddress(hash, signature), { ok: true, value: '0x2c7536e3605d9c16a7a3d7b1898e529396a65c23' })
  assert.is(bytesToHex(personalMessageHash(utf8ToBytes('Hello World'))), 'a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2')
})

const Payload = suite('signaturePayload')

Payload('is exactly the PROTOCOL.md concatenation', () => {
  const m = unsigned({ newGroupKey: { id: 'gk2', data: Uint8Array.of(1, 2, 3) }, encryptionType: ENCRYPTION_AES, groupKeyId: 'gk1' })
  const expected = concatBytes(
    utf8ToBytes(`stream1${2000}${3}${publisher.address}chain`),
    utf8ToBytes('10004'), // prev: timestamp then sequence number, decimal, no separator
    utf8ToBytes('{"a":1}'),
    utf8ToBytes('gk2'), Uint8Array.of(1, 2, 3),
  )
  assert.is(bytesToHex(signaturePayload(m)), bytesToHex(expected))
  assert.is(bytesToHex(signaturePayload(unsigned({ prevMsgRef: null }))), bytesToHex(utf8ToBytes(`stream120003${publisher.address}chain{"a":1}`)))
  const hash = personalMessageHash(expected)
  assert.is(bytesToHex(hash), bytesToHex(keccak_256(concatBytes(utf8ToBytes(`\x19Ethereum Signed Message:\n${expected.length}`), expected))))
})

const Verify = suite('signature verification')

Verify('accepts a signed message, through the codec too, and recovery names the publisher', () => {
  assert.is(publisher.address, '0x14791697260e4c9a71f18484c9f997b308e59325')
  const m = signStreamMessage(unsigned(), publisher)
  assert.is(m.signature.length, 65)
  assert.ok([27, 28].includes(m.signature[64]))
  assert.equal(verifyStreamMessage(m), { ok: true, value: publisher.address })
  const wire = decodeStreamMessage(encodeStreamMessage(m))
  assert.ok(wire.ok && verifyStreamMessage(wire.message).ok)
  // Deterministic (RFC 6979): the same message signs to the same bytes.
  assert.is(bytesToHex(signStreamMessage(unsigned(), publisher).signature), bytesToHex(m.signature))
})

Verify('rejects every single tampered byte of the payload', () => {
  const payload = signaturePayload(unsigned({ encryptionType: ENCRYPTION_AES, groupKeyId: 'g', newGroupKey: { id: 'n', data: Uint8Array.of(9, 9) } }))
  const signature = signHash(personalMessageHash(payload), publisher.privateKey)
  for (let i = 0; i < payload.length; i++) {
    const t = payload.slice()
    t[i] ^= 0x01
    const r = recoverAddress(personalMessageHash(t), signature)
    assert.ok(!r.ok || r.value !== publisher.address, `payload byte ${i}`)
  }
  // Dropping or appending a byte changes the length in the envelope as well.
  for (const t of [payload.subarray(1), payload.subarray(0, payload.length - 1), concatBytes(payload, Uint8Array.of(0))]) {
    const r = recoverAddress(personalMessageHash(t), signature)
    assert.ok(!r.ok || r.value !== publisher.address)
  }
})

Verify('rejects every single tampered byte of the signature', () => {
  const m = signStreamMessage(unsigned(), publisher)
  for (let i = 0; i < 65; i++) {
    for (const flip of [0x01, 0x80]) {
      const signature = m.signature.slice()
      signature[i] ^= flip
      assert.is.not(code(verifyStreamMessage({ ...m, signature })), 'ok', `signature byte ${i} ^ ${flip}`)
    }
  }
})

Verify('rejects every field change in an encoded message, except the unsigned type bytes', () => {
  const m = signStreamMessage(unsigned({ encryptionType: ENCRYPTION_AES, groupKeyId: 'g1', newGroupKey: { id: 'g2', data: new Uint8Array(60).fill(5) } }), publisher)
  const wire = encodeStreamMessage(m)
  // Bytes 2..5 hold messageType, contentType, encryptionType and signatureType: PROTOCOL.md's
  // payload does not cover the first three (see signing.ts); the group key id string isn't either.
  const gkAt = wire.length - 65 - 1 - m.content.length - 1 - 60 - 1 - 2 - 1 - 2
  const unsignedBytes = new Set([2, 3, 4, gkAt + 1, gkAt + 2])
  let refusedByCodec = 0
  let refusedBySignature = 0
  for (let i = 0; i < wire.length; i++) {
    const t = wire.slice()
    t[i] ^= 0x01
    const d = decodeStreamMessage(t)
    if (!d.ok) {
      refusedByCodec++
      continue
    }
    const v = verifyStreamMessage(d.message)
    if (unsignedBytes.has(i)) continue
    assert.is.not(code(v), 'ok', `wire byte ${i}`)
    refusedBySignature++
  }
  assert.ok(refusedBySignature > m.content.length, `${refusedBySignature} by signature, ${refusedByCodec} by codec`)
  // The known gap, pinned: the group key id can be changed without breaking the signature.
  const relabelled = { ...m, groupKeyId: 'zz' }
  assert.ok(verifyStreamMessage(relabelled).ok)
})

Verify('rejects a tampered publisher or a signature by another key', () => {
  const m = signStreamMessage(unsigned(), publisher)
  const spoofed: StreamMessage = { ...m, messageId: { ...m.messageId, publisherId: other.address } }
  assert.is(code(verifyStreamMessage(spoofed)), ERR.WRONG_SIGNER)
  for (let i = 2; i < 42; i++) {
    const hex = m.messageId.publisherId
    const changed = hex.slice(0, i) + (hex[i] === '0' ? '1' : '0') + hex.slice(i + 1)
    assert.is.not(code(verifyStreamMessage({ ...m, messageId: { ...m.messageId, publisherId: changed } })), 'ok', `publisher digit ${i}`)
  }
  // Signed by another key but claiming the publisher.
  const forged: StreamMessage = { ...m, signature: signHash(personalMessageHash(signaturePayload(m)), other.privateKey) }
  assert.is(code(verifyStreamMessage(forged)), ERR.WRONG_SIGNER)
  // signStreamMessage refuses to sign for someone else.
  assert.throws(() => signStreamMessage(unsigned(), other), (e: unknown) => e instanceof MessageLayerException && e.code === ERR.WRONG_SIGNER)
})

Verify('rejects malformed signatures: high s, zero r, r >= n, bad v, wrong length, unknown type', () => {
  const m = signStreamMessage(unsigned(), publisher)
  const hash = personalMessageHash(signaturePayload(m))
  const s = BigInt('0x' + bytesToHex(m.signature.subarray(32, 64)))
  // The malleable twin (r, n - s, flipped v) recovers the same key; it is refused by policy.
  const twin = concatBytes(m.signature.subarray(0, 32), hexToBytes((N - s).toString(16).padStart(64, '0')), Uint8Array.of(55 - m.signature[64]))
  const twinKey = new secp256k1.Signature(BigInt('0x' + bytesToHex(twin.subarray(0, 32))), N - s, twin[64] - 27).recoverPublicKey(hash)
  assert.is(bytesToHex(twinKey.toBytes(true)), bytesToHex(publisher.publicKey), 'the twin is mathematically valid')
  assert.is(code(recoverAddress(hash, twin)), ERR.BAD_SIGNATURE)
  const zeroR = m.signature.slice()
  zeroR.fill(0, 0, 32)
  assert.is(code(recoverAddress(hash, zeroR)), ERR.BAD_SIGNATURE)
  const bigR = m.signature.slice()
  bigR.fill(0xff, 0, 32)
  assert.is(code(recoverAddress(hash, bigR)), ERR.BAD_SIGNATURE)
  for (const v of [0, 1, 26, 29, 255]) {
    const sig = m.signature.slice()
    sig[64] = v
    assert.is(code(recoverAddress(hash, sig)), ERR.BAD_SIGNATURE, `v ${v}`)
  }
  assert.is(code(recoverAddress(hash, m.signature.subarray(0, 64))), ERR.BAD_SIGNATURE)
  assert.is(code(verifyStreamMessage({ ...m, signatureType: 7 as never })), ERR.UNSUPPORTED_SIGNATURE_TYPE)
  // An x with no curve point: recovery fails and says so instead of throwing.
  let noPoint = 0
  for (let x = 5n; noPoint === 0; x++) {
    const sig = concatBytes(hexToBytes(x.toString(16).padStart(64, '0')), m.signature.subarray(32))
    const r = recoverAddress(hash, sig)
    if (!r.ok) noPoint++
  }
  assert.is(noPoint, 1)
})

Verify('accepts a signature moved between field splits of the unseparated payload (a known limitation, pinned)', () => {
  // PROTOCOL.md concatenates the id fields with no separators, so stream "s1" partition 2 and
  // stream "s" partition 12 sign identical bytes. This test documents it; a protocol change that
  // adds separators or length prefixes should make it fail and be updated.
  const a = signStreamMessage(unsigned({ messageId: { ...unsigned().messageId, streamId: 's1', streamPartition: 2 } }), publisher)
  const moved: StreamMessage = { ...a, messageId: { ...a.messageId, streamId: 's', streamPartition: 12 } }
  assert.ok(verifyStreamMessage(moved).ok)
})

PersonalSign.run()
Payload.run()
Verify.run()

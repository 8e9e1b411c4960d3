import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import {
  CONTENT_OVERHEAD_BYTES, CONTENT_TYPE_BINARY, createDeterministicSecureRandom, createGroupKey, createGroupKeyRequest,
  createGroupKeyResponse, decodeStreamMessage, decryptContent, decryptNextGroupKey, ECIES_OVERHEAD_BYTES, eciesDecrypt,
  eciesEncrypt, encodeStreamMessage, encryptContent, encryptNextGroupKey, ERR, generateGroupKey, keyPairFromSeed,
  MESSAGE_TYPE_CONTENT, MessageLayerException, openContent, sealContent, signStreamMessage, validateGroupKeyRequest, validateGroupKeyResponse,
  verifyStreamMessage, type GroupKey, type KeyPair, type PendingGroupKeyRequest, type StreamMessage,
} from '../core/message-layer/index.ts'
import { RealCrypto } from '../core/security/real-crypto.ts'

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

const publisher = keyPairFromSeed('enc/publisher')
/** Key exchange through the real suite; its randomness only seals keys, which these tests never compare. */
const kx = new RealCrypto(createDeterministicSecureRandom('enc/kx-suite'))
const alice = keyPairFromSeed('enc/alice')
const bob = keyPairFromSeed('enc/bob')
const eve = keyPairFromSeed('enc/eve')
const streamId = `${publisher.address}/secret`

const Content = suite('content encryption')

Content('round-trips with a fresh IV per message and 28 bytes of overhead', () => {
  const random = createDeterministicSecureRandom('enc/1')
  const key = generateGroupKey(random)
  assert.is(key.key.length, 32)
  assert.is(key.id.length, 32)
  const plain = utf8ToBytes('attack at dawn')
  const a = encryptContent(plain, key, random)
  const b = encryptContent(plain, key, random)
  assert.is(a.length, plain.length + CONTENT_OVERHEAD_BYTES)
  assert.is.not(bytesToHex(a.subarray(0, 12)), bytesToHex(b.subarray(0, 12)), 'different IVs')
  assert.is.not(bytesToHex(a), bytesToHex(b), 'same plaintext, different ciphertexts')
  const opened = decryptContent(a, key)
  assert.ok(opened.ok && text(opened.value) === 'attack at dawn')
  for (const size of [0, 1, 1024, 65536]) {
    const data = Uint8Array.from({ length: size }, (_, i) => i)
    const r = decryptContent(encryptContent(data, key, random), key)
    assert.ok(r.ok && bytesToHex(r.value) === bytesToHex(data), `size ${size}`)
  }
})

Content('answers a wrong key or a tampered or truncated ciphertext with an error value, never a throw', () => {
  const random = createDeterministicSecureRandom('enc/2')
  const key = generateGroupKey(random)
  const wrong = generateGroupKey(random)
  const sealed = encryptContent(utf8ToBytes('secret'), key, random)
  assert.is(code(decryptContent(sealed, wrong)), ERR.DECRYPTION_FAILED)
  for (let i = 0; i < sealed.length; i++) {
    const t = sealed.slice()
    t[i] ^= 0x40
    assert.is(code(decryptContent(t, key)), ERR.DECRYPTION_FAILED, `byte ${i}`)
  }
  assert.is(code(decryptContent(sealed.subarray(0, 27), key)), ERR.BAD_CIPHERTEXT)
  assert.is(code(decryptContent(sealed.subarray(0, sealed.length - 1), key)), ERR.DECRYPTION_FAILED)
  assert.is(code(decryptContent('nope' as never, key)), ERR.BAD_CIPHERTEXT)
  assert.throws(() => createGroupKey('k', new Uint8Array(16)))
  assert.throws(() => createGroupKey('', new Uint8Array(32)))
})

const Ecies = suite('ECIES')

Ecies('opens for the recipient only; altered data and other keys fail cleanly', () => {
  const random = createDeterministicSecureRandom('enc/3')
  const secret = random.bytes(32)
  const sealed = eciesEncrypt(alice.publicKey, secret, random)
  assert.is(sealed.length, 32 + ECIES_OVERHEAD_BYTES)
  const opened = eciesDecrypt(alice, sealed)
  assert.ok(opened.ok && bytesToHex(opened.value) === bytesToHex(secret))
  assert.is(code(eciesDecrypt(bob, sealed)), ERR.DECRYPTION_FAILED)
  for (let i = 0; i < sealed.length; i++) {
    const t = sealed.slice()
    t[i] ^= 0x01
    assert.ok(!eciesDecrypt(alice, t).ok, `byte ${i}`)
  }
  assert.is(code(eciesDecrypt(alice, sealed.subarray(0, ECIES_OVERHEAD_BYTES - 1))), ERR.BAD_CIPHERTEXT)
  // An uncompressed recipient key works the same; two seals of one secret differ (fresh ephemeral key).
  const toUncompressed = eciesEncrypt(secp256k1.getPublicKey(alice.privateKey, false), secret, random)
  assert.is.not(bytesToHex(toUncompressed), bytesToHex(sealed))
  const reopened = eciesDecrypt(alice, toUncompressed)
  assert.ok(reopened.ok && bytesToHex(reopened.value) === bytesToHex(secret))
  assert.throws(() => eciesEncrypt(new Uint8Array(33), secret, random))
})

/** A publisher's chain of content messages with a current key, optionally announcing the next. */
class Publisher {
  private seq = 0
  private prev: { timestamp: number; sequenceNumber: number } | null = null
  constructor(readonly keys: KeyPair, readonly random = createDeterministicSecureRandom('enc/publisher-random')) {}
  publish(plain: string, current: GroupKey, next?: GroupKey): Uint8Array {
    const timestamp = 1000 + this.seq++
    const sealed = sealContent(utf8ToBytes(plain), current, this.random, next)
    const m = signStreamMessage({
      messageId: { streamId, streamPartition: 0, timestamp, sequenceNumber: 0, publisherId: this.keys.address, msgChainId: 'c' },
      prevMsgRef: this.prev, messageType: MESSAGE_TYPE_CONTENT, contentType: CONTENT_TYPE_BINARY, ...sealed,
    }, this.keys)
    this.prev = { timestamp, sequenceNumber: 0 }
    return encodeStreamMessage(m)
  }
}

/** A subscriber: decode, verify, open with its key store, and keep any rotated-in key. */
class Subscriber {
  readonly keys = new Map<string, GroupKey>()
  constructor(readonly identity: KeyPair) {}
  receive(wire: Uint8Array): { ok: true; text: string } | { ok: false; code: string } {
    const d = decodeStreamMessage(wire)
    if (!d.ok) return { ok: false, code: d.error.code }
    const v = verifyStreamMessage(d.message)
    if (!v.ok) return { ok: false, code: v.error.code }
    const opened = openContent(d.message, (id) => this.keys.get(id))
    if (!opened.ok) return { ok: false, code: opened.error.code }
    if (opened.value.nextGroupKey !== null) this.keys.set(opened.value.nextGroupKey.id, opened.value.nextGroupKey)
    return { ok: true, text: text(opened.value.content) }
  }
}

let requestCounter = 0
/** The full exchange over the wire: signed request, publisher-side validation, sealed response, validation. */
function exchange(sub: Subscriber, keys: GroupKey[], wanted: string[], random = createDeterministicSecureRandom('enc/kx')): void {
  const { message, pending } = createGroupKeyRequest(kx, sub.identity, { streamId, streamPartition: 0, timestamp: 50, sequenceNumber: requestCounter, msgChainId: 'kx' }, { requestId: `req-${++requestCounter}`, publisherId: publisher.address, groupKeyIds: wanted })
  const onWire = decodeStreamMessage(encodeStreamMessage(message))
  if (!onWire.ok) throw new Error(onWire.error.detail)
  const request = validateGroupKeyRequest(kx, onWire.message, publisher.address)
  if (!request.ok) throw new Error(request.error.detail)
  assert.is(request.value.requesterId, sub.identity.address)
  const response = createGroupKeyResponse(new RealCrypto(random), publisher, { timestamp: 60, sequenceNumber: 0, msgChainId: 'kx' }, request.value, keys.filter((k) => request.value.groupKeyIds.includes(k.id)))
  const back = decodeStreamMessage(encodeStreamMessage(response))
  if (!back.ok) throw new Error(back.error.detail)
  const received = validateGroupKeyResponse(kx, back.message, sub.identity, pending)
  if (!received.ok) throw new Error(received.error.detail)
  for (const k of received.value) sub.keys.set(k.id, k)
}

const GroupKeys = suite('group keys and key exchange')

GroupKeys('a subscriber without the key cannot read; after the key exchange it can', () => {
  const random = createDeterministicSecureRandom('enc/4')
  const pub = new Publisher(publisher)
  const key = generateGroupKey(random, 'k1')
  const sub = new Subscriber(alice)
  const wire = pub.publish('hello', key)
  assert.equal(sub.receive(wire), { ok: false, code: ERR.UNKNOWN_GROUP_KEY })
  exchange(sub, [key], ['k1'])
  assert.equal(sub.receive(wire), { ok: true, text: 'hello' })
  // An eavesdropper who knows the id but guesses a key learns nothing.
  const eveSub = new Subscriber(eve)
  eveSub.keys.set('k1', createGroupKey('k1', new Uint8Array(32).fill(1)))
  assert.equal(eveSub.receive(wire), { ok: false, code: ERR.DECRYPTION_FAILED })
})

GroupKeys('on rotation the next key rides in a message encrypted with the current one', () => {
  const random = createDeterministicSecureRandom('enc/5')
  const pub = new Publisher(publisher)
  const k1 = generateGroupKey(random, 'k1')
  const k2 = generateGroupKey(random, 'k2')
  const sub = new Subscriber(alice)
  sub.keys.set(k1.id, k1)
  const late = new Subscriber(bob) // joins after the rotation message and never had k1
  assert.equal(sub.receive(pub.publish('one', k1, k2)), { ok: true, text: 'one' })
  assert.ok(sub.keys.has('k2'))
  assert.is(bytesToHex(sub.keys.get('k2')!.key), bytesToHex(k2.key))
  const two = pub.publish('two', k2)
  assert.equal(sub.receive(two), { ok: true, text: 'two' })
  assert.equal(late.receive(two), { ok: false, code: ERR.UNKNOWN_GROUP_KEY })
  // The sealed next key is bound to its id and to the current key.
  const sealed = encryptNextGroupKey(k2, k1, random)
  assert.ok(decryptNextGroupKey(sealed, k1).ok)
  assert.is(code(decryptNextGroupKey({ ...sealed, id: 'k3' }, k1)), ERR.DECRYPTION_FAILED)
  assert.is(code(decryptNextGroupKey(sealed, k2)), ERR.DECRYPTION_FAILED)
})

GroupKeys('after a rekey a revoked subscriber cannot read messages under the new key', () => {
  const random = createDeterministicSecureRandom('enc/6')
  const pub = new Publisher(publisher)
  const k1 = generateGroupKey(random, 'k1')
  const [sAlice, sBob] = [new Subscriber(alice), new Subscriber(bob)]
  exchange(sAlice, [k1], ['k1'])
  exchange(sBob, [k1], ['k1'])
  assert.equal(sBob.receive(pub.publish('before', k1)), { ok: true, text: 'before' })
  // Bob is revoked: a fresh key (not announced under k1, which Bob has) goes to Alice only.
  const k2 = generateGroupKey(random, 'k2')
  exchange(sAlice, [k1, k2], ['k2'])
  const after = pub.publish('after', k2)
  assert.equal(sAlice.receive(after), { ok: true, text: 'after' })
  assert.equal(sBob.receive(after), { ok: false, code: ERR.UNKNOWN_GROUP_KEY })
  // Bob asks for k2: the publisher (permission check is the caller's) answers with no keys.
  const { message, pending } = createGroupKeyRequest(kx, bob, { streamId, streamPartition: 0, timestamp: 70, sequenceNumber: 0, msgChainId: 'kx' }, { requestId: 'bob-2', publisherId: publisher.address, groupKeyIds: ['k2'] })
  const request = validateGroupKeyRequest(kx, message, publisher.address)
  assert.ok(request.ok)
  const refused = createGroupKeyResponse(new RealCrypto(random), publisher, { timestamp: 71, sequenceNumber: 0, msgChainId: 'kx' }, request.ok ? request.value : (null as never), [])
  const got = validateGroupKeyResponse(kx, refused, bob, pending)
  assert.ok(got.ok && got.value.length === 0)
  assert.equal(sBob.receive(after), { ok: false, code: ERR.UNKNOWN_GROUP_KEY })
  // Bob's copy of a response sealed for Alice does not open with Bob's key.
  const { message: aliceReq, pending: alicePending } = createGroupKeyRequest(kx, alice, { streamId, streamPartition: 0, timestamp: 72, sequenceNumber: 0, msgChainId: 'kx' }, { requestId: 'a-3', publisherId: publisher.address, groupKeyIds: ['k2'] })
  const aliceValid = validateGroupKeyRequest(kx, aliceReq, publisher.address)
  assert.ok(aliceValid.ok)
  const forAlice = createGroupKeyResponse(new RealCrypto(random), publisher, { timestamp: 73, sequenceNumber: 0, msgChainId: 'kx' }, aliceValid.ok ? aliceValid.value : (null as never), [k2])
  assert.is(code(validateGroupKeyResponse(kx, forAlice, bob, { ...alicePending })), ERR.NOT_FOR_US)
})

GroupKeys('the key exchange validators refuse forged, misaddressed and unexpected messages', () => {
  const random = createDeterministicSecureRandom('enc/7')
  const k1 = generateGroupKey(random, 'k1')
  const env = { streamId, streamPartition: 0, timestamp: 80, sequenceNumber: 0, msgChainId: 'kx' }
  const { message, pending } = createGroupKeyRequest(kx, alice, env, { requestId: 'r', publisherId: publisher.address, groupKeyIds: ['k1'] })
  assert.is(code(validateGroupKeyRequest(kx, message, eve.address)), ERR.NOT_FOR_US)
  // A relay swaps in its own public key: the signature no longer holds.
  const swapped: StreamMessage = { ...message, content: message.content.slice() }
  swapped.content.set(eve.publicKey, 1 + 1 + 1 + 20)
  assert.is(code(validateGroupKeyRequest(kx, swapped, publisher.address)), ERR.WRONG_SIGNER)
  // Eve signs a request carrying Alice's key... and her own address: the key does not match the signer.
  const { message: eveReq } = createGroupKeyRequest(kx, eve, env, { requestId: 'r', publisherId: publisher.address, groupKeyIds: ['k1'] })
  const eveWithAliceKey = { ...eveReq, content: eveReq.content.slice() }
  eveWithAliceKey.content.set(alice.publicKey, 1 + 1 + 1 + 20)
  const resigned = signStreamMessage(eveWithAliceKey, eve)
  assert.is(code(validateGroupKeyRequest(kx, resigned, publisher.address)), ERR.PUBLIC_KEY_MISMATCH)
  // Our own encoder refuses what a peer's decoder would refuse.
  for (const groupKeyIds of [[], ['a', 'a'], ['x'.repeat(129)]]) {
    assert.throws(() => createGroupKeyRequest(kx, alice, env, { requestId: 'r', publisherId: publisher.address, groupKeyIds }), (e: unknown) => e instanceof MessageLayerException, JSON.stringify(groupKeyIds).slice(0, 20))
  }
  const notARequest = { ...message, messageType: MESSAGE_TYPE_CONTENT } as StreamMessage
  assert.is(code(validateGroupKeyRequest(kx, notARequest, publisher.address)), ERR.WRONG_MESSAGE_TYPE)

  const valid = validateGroupKeyRequest(kx, message, publisher.address)
  if (!valid.ok) throw new Error(valid.error.detail)
  const response = createGroupKeyResponse(new RealCrypto(random), publisher, { timestamp: 81, sequenceNumber: 0, msgChainId: 'kx' }, valid.value, [k1])
  assert.ok(validateGroupKeyResponse(kx, response, alice, pending).ok)
  const expect = (p: Partial<PendingGroupKeyRequest>) => code(validateGroupKeyResponse(kx, response, alice, { ...pending, ...p }))
  assert.is(expect({ requestId: 'other' }), ERR.UNEXPECTED_RESPONSE)
  assert.is(expect({ publisherId: eve.address }), ERR.UNEXPECTED_RESPONSE)
  assert.is(expect({ streamPartition: 1 }), ERR.UNEXPECTED_RESPONSE)
  assert.is(expect({ groupKeyIds: ['k9'] }), ERR.UNEXPECTED_RESPONSE)
  // Eve answers in the publisher's place.
  const eveAnswer = signStreamMessage({ ...response, messageId: { ...response.messageId, publisherId: eve.address } }, eve)
  assert.is(code(validateGroupKeyResponse(kx, eveAnswer, alice, pending)), ERR.UNEXPECTED_RESPONSE)
  const tampered = { ...response, content: response.content.slice() }
  tampered.content[tampered.content.length - 1] ^= 1
  assert.is(code(validateGroupKeyResponse(kx, tampered, alice, pending)), ERR.WRONG_SIGNER)
})

Content.run()
Ecies.run()
GroupKeys.run()

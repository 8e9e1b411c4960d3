// Fuzzing the decoders with a fixed seed: random byte strings and mutations of valid encodings.
// Asserts that nothing throws, that no input takes long, that no INTERNAL error (a bug of ours
// caught at the boundary) appears, and that whatever decodes re-encodes to the very same bytes.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Random } from '../core/ports.ts'
import { createRandom, randomInt } from '../sim/engine/random.ts'
import {
  CONTENT_TYPE_BINARY, createDeterministicSecureRandom, createGroupKeyRequest, createGroupKeyResponse, decodeGroupKeyRequest,
  decodeGroupKeyResponse, decodeStreamMessage, encodeGroupKeyRequest, encodeGroupKeyResponse, encodeStreamMessage,
  ENCRYPTION_AES, ERR, generateGroupKey, keyPairFromSeed, MESSAGE_TYPE_CONTENT, sealContent, signStreamMessage,
  validateGroupKeyRequest, type Result, type StreamMessage,
} from '../core/message-layer/index.ts'
import { RealCrypto } from '../core/security/real-crypto.ts'

const SEED = 20251125
const STREAM_INPUTS = 120_000
const KEY_EXCHANGE_INPUTS = 20_000
// Times are printed, never asserted: decode speed is measured by `npm run bench -- --only crypto`.

const publisher = keyPairFromSeed('fuzz/publisher')
const subscriber = keyPairFromSeed('fuzz/subscriber')
const secure = createDeterministicSecureRandom('fuzz/secure')
const kx = new RealCrypto(createDeterministicSecureRandom('fuzz/kx-suite'))
const streamId = `${publisher.address}/fuzz`

function seedMessages(): Uint8Array[] {
  const key = generateGroupKey(secure, 'gk-1')
  const base = {
    messageId: { streamId, streamPartition: 7, timestamp: 1_700_000_000_000, sequenceNumber: 3, publisherId: publisher.address, msgChainId: 'chain' },
    prevMsgRef: { timestamp: 1_699_999_999_000, sequenceNumber: 0 },
    messageType: MESSAGE_TYPE_CONTENT,
    contentType: CONTENT_TYPE_BINARY,
    encryptionType: 0,
    groupKeyId: null,
    newGroupKey: null,
    content: new TextEncoder().encode('hello fuzz'),
  } as const
  const sealed = sealContent(new Uint8Array(40).fill(1), key, secure, generateGroupKey(secure, 'gk-2'))
  const messages: StreamMessage[] = [
    signStreamMessage(base, publisher),
    signStreamMessage({ ...base, prevMsgRef: null, content: new Uint8Array(0) }, publisher),
    signStreamMessage({ ...base, ...sealed, encryptionType: ENCRYPTION_AES }, publisher),
    signStreamMessage({ ...base, contentType: 0, messageId: { ...base.messageId, streamId: 'ström/🌡️', msgChainId: 'ç' }, content: new Uint8Array(300).fill(0x7b) }, publisher),
  ]
  const { message: request } = createGroupKeyRequest(kx, subscriber, { streamId, streamPartition: 7, timestamp: 5, sequenceNumber: 0, msgChainId: 'kx' }, { requestId: 'r1', publisherId: publisher.address, groupKeyIds: ['gk-1', 'gk-2'] })
  const valid = validateGroupKeyRequest(kx, request, publisher.address)
  if (!valid.ok) throw new Error(valid.error.detail)
  messages.push(request, createGroupKeyResponse(new RealCrypto(secure), publisher, { timestamp: 6, sequenceNumber: 0, msgChainId: 'kx' }, valid.value, [key]))
  return messages.map((m) => encodeStreamMessage(m))
}

function randomBytes(random: Random, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = randomInt(random, 256)
  return out
}

/** One mutation of `input`, chosen at random; each kind targets a different decoder path. */
function mutate(random: Random, input: Uint8Array, others: Uint8Array[]): Uint8Array {
  const b = input.slice()
  const pos = randomInt(random, b.length)
  switch (randomInt(random, 8)) {
    case 0: { // one to eight bit flips
      const flips = 1 + randomInt(random, 8)
      for (let i = 0; i < flips; i++) b[randomInt(random, b.length)] ^= 1 << randomInt(random, 8)
      return b
    }
    case 1: // truncation
      return b.subarray(0, pos)
    case 2: { // insertion of random bytes
      const ins = randomBytes(random, 1 + randomInt(random, 16))
      return concat(b.subarray(0, pos), ins, b.subarray(pos))
    }
    case 3: // deletion of a range
      return concat(b.subarray(0, pos), b.subarray(Math.min(b.length, pos + 1 + randomInt(random, 16))))
    case 4: { // length-field corruption: a byte in the header region set to an extreme or off-by-one
      const at = randomInt(random, Math.min(b.length, 96))
      const choices = [0x00, 0x01, 0x7f, 0x80, 0xff, (b[at] + 1) & 0xff, (b[at] - 1) & 0xff]
      b[at] = choices[randomInt(random, choices.length)]
      return b
    }
    case 5: { // a duplicated region
      const len = 1 + randomInt(random, Math.min(64, b.length - pos))
      return concat(b.subarray(0, pos + len), b.subarray(pos, pos + len), b.subarray(pos + len))
    }
    case 6: { // splice: head of this one, tail of another
      const other = others[randomInt(random, others.length)]
      return concat(b.subarray(0, pos), other.subarray(randomInt(random, other.length)))
    }
    default: { // a huge varint where a length may sit
      const varint = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)
      return concat(b.subarray(0, pos), varint.subarray(randomInt(random, 8)), b.subarray(pos + 1))
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

interface Stats {
  inputs: number
  decoded: number
  codes: Map<string, number>
  thrown: string[]
  notCanonical: number
  maxCallMs: number
  totalMs: number
}

/** Feeds `next()` inputs to `decode`; on success `reencode` must give the input back. */
function fuzz<T>(count: number, next: () => Uint8Array, decode: (b: Uint8Array) => { ok: boolean; error?: { code: string } } & Partial<{ message: T; value: T }>, reencode: (x: T) => Uint8Array): Stats {
  const s: Stats = { inputs: 0, decoded: 0, codes: new Map(), thrown: [], notCanonical: 0, maxCallMs: 0, totalMs: 0 }
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    const input = next()
    const t0 = performance.now()
    let r: ReturnType<typeof decode>
    try {
      r = decode(input)
    } catch (e) {
      s.thrown.push(String(e))
      continue
    } finally {
      s.maxCallMs = Math.max(s.maxCallMs, performance.now() - t0)
      s.inputs++
    }
    const c = r.ok ? 'ok' : r.error!.code
    s.codes.set(c, (s.codes.get(c) ?? 0) + 1)
    if (r.ok) {
      s.decoded++
      if (!equalBytes(reencode((r.message ?? r.value) as T), input)) s.notCanonical++
    }
  }
  s.totalMs = performance.now() - started
  return s
}

function check(name: string, s: Stats, minInputs: number): void {
  const codes = [...s.codes.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')
  console.log(`${name}: ${s.inputs.toLocaleString('en-US')} inputs in ${s.totalMs.toFixed(0)} ms, max ${s.maxCallMs.toFixed(2)} ms per call; ${codes}`)
  assert.ok(s.inputs >= minInputs, `${s.inputs} inputs`)
  assert.equal(s.thrown.slice(0, 3), [], 'no exception escapes')
  assert.is(s.codes.get(ERR.INTERNAL) ?? 0, 0, 'no INTERNAL errors')
  assert.is(s.notCanonical, 0, 'every successful decode re-encodes to identical bytes')
}

const StreamDecode = suite('decodeStreamMessage')

StreamDecode(`survives ${STREAM_INPUTS.toLocaleString('en-US')} random and mutated inputs (seed ${SEED}), re-encoding what decodes to the same bytes`, () => {
  const seeds = seedMessages()
  const random = createRandom(SEED, 'codec-fuzz', 'stream')
  const next = (): Uint8Array => {
    const kind = random.next()
    if (kind < 0.25) {
      // Random bytes; half start with the right version so the parser gets past byte 0.
      const b = randomBytes(random, random.next() < 0.9 ? randomInt(random, 300) : randomInt(random, 4096))
      if (b.length > 0 && random.next() < 0.5) b[0] = 1
      return b
    }
    let b = seeds[randomInt(random, seeds.length)]
    const rounds = kind < 0.85 ? 1 : 1 + randomInt(random, 4)
    for (let i = 0; i < rounds && b.length > 0; i++) b = mutate(random, b, seeds)
    return b
  }
  const s = fuzz(STREAM_INPUTS, next, decodeStreamMessage, (m: StreamMessage) => encodeStreamMessage(m))
  check('stream message', s, 100_000)
  assert.ok(s.decoded > 1000, `mutations that still decode exercise the canonical check (${s.decoded})`)
  assert.ok(s.codes.size >= 10, 'inputs reach many distinct refusals')
})

const KeyExchangeDecode = suite('group key request/response decoders')

KeyExchangeDecode(`survive ${KEY_EXCHANGE_INPUTS.toLocaleString('en-US')} random and mutated inputs each, re-encoding what decodes to the same bytes`, () => {
  const secureKx = createDeterministicSecureRandom('fuzz/kx')
  const request = encodeGroupKeyRequest({ requestId: 'req-1', recipientId: publisher.address, publicKey: subscriber.publicKey, groupKeyIds: ['a', 'gk-2', 'ü'] })
  const { message } = createGroupKeyRequest(kx, subscriber, { streamId, streamPartition: 0, timestamp: 1, sequenceNumber: 0, msgChainId: 'c' }, { requestId: 'req-1', publisherId: publisher.address, groupKeyIds: ['a', 'b'] })
  const valid = validateGroupKeyRequest(kx, message, publisher.address)
  if (!valid.ok) throw new Error(valid.error.detail)
  const responseMessage = createGroupKeyResponse(new RealCrypto(secureKx), publisher, { timestamp: 2, sequenceNumber: 0, msgChainId: 'c' }, valid.value, [generateGroupKey(secureKx, 'a'), generateGroupKey(secureKx, 'b')])
  const response = responseMessage.content
  const random = createRandom(SEED, 'codec-fuzz', 'key-exchange')
  const source = (seed: Uint8Array) => (): Uint8Array => random.next() < 0.2 ? randomBytes(random, randomInt(random, 200)) : mutate(random, seed, [request, response])
  const asResult = <T>(r: Result<T>) => r as { ok: boolean; error?: { code: string }; value?: T }
  check('group key request', fuzz(KEY_EXCHANGE_INPUTS, source(request), (b) => asResult(decodeGroupKeyRequest(b)), encodeGroupKeyRequest), KEY_EXCHANGE_INPUTS)
  check('group key response', fuzz(KEY_EXCHANGE_INPUTS, source(response), (b) => asResult(decodeGroupKeyResponse(b)), encodeGroupKeyResponse), KEY_EXCHANGE_INPUTS)
})

StreamDecode.run()
KeyExchangeDecode.run()

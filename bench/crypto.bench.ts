// The message layer's costs per operation, in pure JS (@noble, as a browser would run it):
// secp256k1 signatures and verifications (verification = address recovery + keccak), AES-256-GCM
// content encryption at 1 KiB and 64 KiB, ECIES sealing of a 32-byte group key, and the wire
// codec. IVs and ephemeral keys come from crypto.getRandomValues, as on a live node.

import {
  CONTENT_TYPE_BINARY, decodeStreamMessage, decryptContent, eciesDecrypt, eciesEncrypt, encodeStreamMessage, encryptContent,
  ENCRYPTION_NONE, generateGroupKey, keyPairFromSeed, MESSAGE_TYPE_CONTENT, openContent, sealContent, signStreamMessage,
  verifyStreamMessage, type SecureRandom, type StreamMessage, type UnsignedStreamMessage,
} from '../core/message-layer/index.ts'
import { type Check, type GroupResult, type MicroOptions, type MicroRow, newBench, rowsOf, sink } from './common.ts'

const KIB = 1024
const SIGN_BATCH = 20
const ECIES_BATCH = 10

const webRandom: SecureRandom = { bytes: (n) => crypto.getRandomValues(new Uint8Array(n)) }

function pattern(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff)
}

function unsigned(publisherId: string, content: Uint8Array, seq = 0): UnsignedStreamMessage {
  return {
    messageId: { streamId: `${publisherId}/bench`, streamPartition: 0, timestamp: 1_700_000_000_000 + seq, sequenceNumber: 0, publisherId, msgChainId: 'bench-chain' },
    prevMsgRef: seq === 0 ? null : { timestamp: 1_700_000_000_000 + seq - 1, sequenceNumber: 0 },
    messageType: MESSAGE_TYPE_CONTENT,
    contentType: CONTENT_TYPE_BINARY,
    encryptionType: ENCRYPTION_NONE,
    groupKeyId: null,
    newGroupKey: null,
    content,
  }
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

/** A row for a figure measured in another unit: `factor` converts the source row's median. */
function scaled(row: MicroRow, name: string, factor: number, unit: string, note: string): MicroRow {
  return { ...row, name, median: row.median * factor, unit, note }
}

export async function cryptoBench(opts: MicroOptions): Promise<GroupResult> {
  const publisher = keyPairFromSeed('bench/publisher')
  const subscriber = keyPairFromSeed('bench/subscriber')
  const groupKey = generateGroupKey(webRandom)
  const p1k = pattern(KIB)
  const p64k = pattern(64 * KIB)
  const signed1k = signStreamMessage(unsigned(publisher.address, p1k), publisher)
  const c1k = encryptContent(p1k, groupKey, webRandom)
  const c64k = encryptContent(p64k, groupKey, webRandom)
  const sealedKey = eciesEncrypt(subscriber.publicKey, groupKey.key, webRandom)
  const wire256 = encodeStreamMessage(signStreamMessage(unsigned(publisher.address, pattern(256), 1), publisher))
  const wire64k = encodeStreamMessage(signStreamMessage(unsigned(publisher.address, p64k, 1), publisher))
  const encryptedMessage = signStreamMessage({ ...unsigned(publisher.address, new Uint8Array(0), 1), ...sealContent(p1k, groupKey, webRandom) }, publisher)
  const wireEncrypted1k = encodeStreamMessage(encryptedMessage)

  // Each fixture must do what its row's name says before anything is timed.
  const tampered: StreamMessage = { ...signed1k, content: p1k.slice().fill(0, 0, 1) }
  const opened1k = decryptContent(c1k, groupKey)
  const opened64k = decryptContent(c64k, groupKey)
  const unsealed = eciesDecrypt(subscriber, sealedKey)
  const d256 = decodeStreamMessage(wire256)
  const d64k = decodeStreamMessage(wire64k)
  const checks: Check[] = [
    { name: 'signature verifies as the publisher', pass: verifyStreamMessage(signed1k).ok, detail: publisher.address },
    { name: 'tampered content is rejected', pass: !verifyStreamMessage(tampered).ok, detail: 'one content byte changed' },
    { name: 'AES-GCM round trip, 1 KiB and 64 KiB', pass: opened1k.ok && same(opened1k.value, p1k) && opened64k.ok && same(opened64k.value, p64k), detail: `${c1k.length} and ${c64k.length} ciphertext bytes` },
    { name: 'ECIES round trip of a group key', pass: unsealed.ok && same(unsealed.value, groupKey.key), detail: `${sealedKey.length} sealed bytes` },
    { name: 'decode -> encode gives the same bytes', pass: d256.ok && d64k.ok && same(encodeStreamMessage(d256.message), wire256) && same(encodeStreamMessage(d64k.message), wire64k), detail: `${wire256.length} and ${wire64k.length} wire bytes` },
    { name: 'receive path opens the encrypted message', pass: receive(wireEncrypted1k, groupKey) === KIB, detail: `${wireEncrypted1k.length} wire bytes` },
  ].map((c) => (c.pass ? c : { ...c, detail: `fixture does not do what it says (${c.detail})` }))

  let seq = 2
  const sigBench = newBench(opts)
  sigBench.add('sign (1 KiB content)', () => { for (let i = 0; i < SIGN_BATCH; i++) sink.value += signStreamMessage(unsigned(publisher.address, p1k, seq++), publisher).signature[0] })
  sigBench.add('verify (recover address, 1 KiB content)', () => { for (let i = 0; i < SIGN_BATCH; i++) sink.value += verifyStreamMessage(signed1k).ok ? 1 : 0 })
  await sigBench.run()

  const eciesBench = newBench(opts)
  eciesBench.add('ECIES seal a group key', () => { for (let i = 0; i < ECIES_BATCH; i++) sink.value += eciesEncrypt(subscriber.publicKey, groupKey.key, webRandom).length })
  eciesBench.add('ECIES open a group key', () => { for (let i = 0; i < ECIES_BATCH; i++) sink.value += eciesDecrypt(subscriber, sealedKey).ok ? 1 : 0 })
  await eciesBench.run()

  const aes1k = newBench(opts)
  const N1K = 200
  aes1k.add('AES-256-GCM encrypt 1 KiB', () => { for (let i = 0; i < N1K; i++) sink.value += encryptContent(p1k, groupKey, webRandom).length })
  aes1k.add('AES-256-GCM decrypt 1 KiB', () => { for (let i = 0; i < N1K; i++) sink.value += decryptContent(c1k, groupKey).ok ? 1 : 0 })
  await aes1k.run()

  const aes64k = newBench(opts)
  const N64K = 4
  aes64k.add('AES-256-GCM encrypt 64 KiB', () => { for (let i = 0; i < N64K; i++) sink.value += encryptContent(p64k, groupKey, webRandom).length })
  aes64k.add('AES-256-GCM decrypt 64 KiB', () => { for (let i = 0; i < N64K; i++) sink.value += decryptContent(c64k, groupKey).ok ? 1 : 0 })
  await aes64k.run()

  const codec = newBench(opts)
  const NDEC = 2000
  codec.add('decode, 256 B content', () => { for (let i = 0; i < NDEC; i++) sink.value += decodeStreamMessage(wire256).ok ? 1 : 0 })
  codec.add('decode, 64 KiB content', () => { for (let i = 0; i < NDEC; i++) sink.value += decodeStreamMessage(wire64k).ok ? 1 : 0 })
  codec.add('encode, 256 B content', () => { for (let i = 0; i < NDEC; i++) sink.value += encodeStreamMessage(d256.ok ? d256.message : signed1k).length })
  await codec.run()

  const path = newBench(opts)
  path.add('receive: decode + verify + decrypt, 1 KiB', () => { for (let i = 0; i < SIGN_BATCH; i++) sink.value += receive(wireEncrypted1k, groupKey) })
  await path.run()

  const [decode256, decode64k, encode256] = rowsOf(codec, NDEC, 'msgs/s')
  const rows: MicroRow[] = [
    ...rowsOf(sigBench, SIGN_BATCH, 'ops/s'),
    ...rowsOf(eciesBench, ECIES_BATCH, 'ops/s'),
    ...rowsOf(aes1k, (N1K * KIB) / 1e6, 'MB/s'),
    ...rowsOf(aes64k, (N64K * 64 * KIB) / 1e6, 'MB/s'),
    decode256,
    scaled(decode256, 'decode, 256 B content (bytes)', wire256.length / 1e6, 'MB/s', `${wire256.length} wire bytes per message`),
    decode64k,
    scaled(decode64k, 'decode, 64 KiB content (bytes)', wire64k.length / 1e6, 'MB/s', 'content is a view, not copied'),
    encode256,
    ...rowsOf(path, SIGN_BATCH, 'msgs/s'),
  ]
  const verify = rows.find((r) => r.name.startsWith('verify'))!.median
  const receiveRate = rows.at(-1)!.median
  return {
    group: 'crypto',
    title: 'Message layer crypto and codec, pure JS (@noble), one core',
    rows,
    checks,
    lines: [
      `One core verifies about ${Math.round(verify).toLocaleString('en-US')} messages/s: signature checks, not AES or the codec, bound a node that verifies every message it relays.`,
      `The full receive path (decode, verify, decrypt 1 KiB) runs at about ${Math.round(receiveRate).toLocaleString('en-US')} messages/s.`,
    ],
  }
}

/** What a subscriber does per message; returns the plaintext length, 0 on any refusal. */
function receive(wire: Uint8Array, key: { id: string; key: Uint8Array }): number {
  const d = decodeStreamMessage(wire)
  if (!d.ok || !verifyStreamMessage(d.message).ok) return 0
  const opened = openContent(d.message, (id) => (id === key.id ? key : undefined))
  return opened.ok ? opened.value.content.length : 0
}

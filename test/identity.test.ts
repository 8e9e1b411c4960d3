import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import {
  addressFromBytes, addressOfPublicKey, addressToBytes, createDeterministicSecureRandom, generateKeyPair, isAddress,
  keyPairFromPrivateKey, keyPairFromSeed, MessageLayerException, parseAddress, toChecksumAddress,
} from '../core/message-layer/index.ts'

const N = secp256k1.Point.Fn.ORDER
const hex32 = (x: bigint) => x.toString(16).padStart(64, '0')

const Keccak = suite('keccak256')

Keccak('matches published vectors (the Keccak padding Ethereum uses, not SHA3-256)', () => {
  assert.is(bytesToHex(keccak_256(new Uint8Array(0))), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
  assert.is(bytesToHex(keccak_256(utf8ToBytes('abc'))), '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45')
})

const Address = suite('Ethereum address')

Address('of a known private key matches independent published values', () => {
  // Private key 1: the generator point's address, quoted everywhere.
  assert.is(keyPairFromPrivateKey(hex32(1n)).address, '0x7e5f4552091a69125d5dfcb7b8c2659029395bdf')
  // web3.js documentation example key.
  assert.is(keyPairFromPrivateKey('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318').address, '0x2c7536e3605d9c16a7a3d7b1898e529396a65c23')
  // The common test key 0x0123...0123, as ethers' Wallet computes it (quoted in raiden-ts tests).
  const kp = keyPairFromPrivateKey('0x0123456789012345678901234567890123456789012345678901234567890123')
  assert.is(toChecksumAddress(kp.address), '0x14791697260E4c9A71f18484C9f997B308e59325')
})

Address('is the last 20 bytes of keccak256 of the uncompressed key without 0x04', () => {
  const kp = keyPairFromSeed('identity-test')
  const uncompressed = secp256k1.getPublicKey(kp.privateKey, false)
  assert.is(uncompressed[0], 4)
  assert.is(kp.address, '0x' + bytesToHex(keccak_256(uncompressed.subarray(1))).slice(24))
  assert.is(addressOfPublicKey(uncompressed), kp.address)
  assert.is(addressOfPublicKey(kp.publicKey), kp.address, 'compressed form gives the same address')
  assert.is(kp.publicKey.length, 33)
  assert.ok(isAddress(kp.address))
})

Address('gets the EIP-55 checksum of the vectors from the EIP', () => {
  for (const a of [
    '0x52908400098527886E0F7030069857D2E4169EE7', '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
    '0xde709f2102306220921060314715629080e2fb77', '0x27b1fdb04752bbc536007a920d24acb045561c26',
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
  ]) {
    assert.is(toChecksumAddress(a.toLowerCase()), a)
    const parsed = parseAddress(a)
    assert.ok(parsed.ok && parsed.value === a.toLowerCase(), a)
  }
  assert.is(toChecksumAddress('0x7e5f4552091a69125d5dfcb7b8c2659029395bdf'), '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf')
})

Address('parseAddress refuses a wrong checksum and malformed input; isAddress accepts the canonical form only', () => {
  const bad = parseAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD')
  assert.ok(!bad.ok && bad.error.code === 'BAD_ADDRESS')
  for (const s of ['', '0x', '5aaeb6053f3e94c9b9a09f33669435e7ef1beaed', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae', '0xzaaeb6053f3e94c9b9a09f33669435e7ef1beaed']) {
    assert.not.ok(parseAddress(s).ok, s)
  }
  assert.not.ok(isAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'))
  assert.not.ok(isAddress(42))
  const a = '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'
  assert.is(addressFromBytes(addressToBytes(a)), a)
})

const KeyPairs = suite('key pairs')

KeyPairs('keyPairFromSeed is deterministic, distinct per seed, and its key is keccak256(seed)', () => {
  const a = keyPairFromSeed('1/node/n17')
  assert.equal(keyPairFromSeed('1/node/n17'), a)
  assert.is(bytesToHex(a.privateKey), bytesToHex(keccak_256(utf8ToBytes('1/node/n17'))))
  assert.is.not(keyPairFromSeed('1/node/n18').address, a.address)
  assert.equal(keyPairFromSeed(utf8ToBytes('1/node/n17')), a, 'a string seed is its UTF-8 bytes')
  const many = new Set(Array.from({ length: 200 }, (_, i) => keyPairFromSeed(`s/${i}`).address))
  assert.is(many.size, 200)
})

KeyPairs('keyPairFromPrivateKey refuses 0 and keys >= n, accepts n - 1, and copies its input', () => {
  for (const bad of [0n, N, N + 1n]) {
    assert.throws(() => keyPairFromPrivateKey(hexToBytes(hex32(bad))), (e: unknown) => e instanceof MessageLayerException)
  }
  assert.ok(isAddress(keyPairFromPrivateKey(hex32(N - 1n)).address))
  const raw = hexToBytes(hex32(5n))
  const kp = keyPairFromPrivateKey(raw)
  raw[31] = 9
  assert.is(kp.privateKey[31], 5)
})

KeyPairs('generateKeyPair draws from the injected SecureRandom: same seed, same key', () => {
  const a = generateKeyPair(createDeterministicSecureRandom('seed-a'))
  assert.equal(generateKeyPair(createDeterministicSecureRandom('seed-a')), a)
  assert.is.not(generateKeyPair(createDeterministicSecureRandom('seed-b')).address, a.address)
  // A source that first yields an invalid scalar (all zero) is asked again.
  let calls = 0
  const kp = generateKeyPair({ bytes: (n) => (calls++ === 0 ? new Uint8Array(n) : new Uint8Array(n).fill(7)) })
  assert.is(calls, 2)
  assert.is(bytesToHex(kp.privateKey), '07'.repeat(32))
})

const SecureRandom = suite('deterministic SecureRandom')

SecureRandom('is reproducible, independent of how the bytes are split', () => {
  const whole = createDeterministicSecureRandom('x').bytes(100)
  const r = createDeterministicSecureRandom('x')
  const parts = [r.bytes(1), r.bytes(31), r.bytes(33), r.bytes(35)]
  assert.is(bytesToHex(Uint8Array.from(parts.flatMap((p) => [...p]))), bytesToHex(whole))
  assert.is.not(bytesToHex(createDeterministicSecureRandom('y').bytes(100)), bytesToHex(whole))
  assert.is(createDeterministicSecureRandom(utf8ToBytes('x')).bytes(100).join(), whole.join())
})

Keccak.run()
Address.run()
KeyPairs.run()
SecureRandom.run()

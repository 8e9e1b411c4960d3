// Who a user or node is: a secp256k1 key pair and its Ethereum address, the last 20 bytes of
// keccak256 of the uncompressed public key without its 0x04 prefix (PROTOCOL.md, "Identity").
// Addresses are carried as lowercase 0x-hex strings everywhere in core, so comparing two is a
// string compare; the EIP-55 mixed-case form is only for display and for parsing user input.

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { ERR, MessageLayerException, fail, ok, type Result } from './errors.ts'
import type { SecureRandom } from './secure-random.ts'

export const PRIVATE_KEY_BYTES = 32
export const COMPRESSED_PUBLIC_KEY_BYTES = 33
export const UNCOMPRESSED_PUBLIC_KEY_BYTES = 65
export const ADDRESS_BYTES = 20

/** A lowercase `0x` + 40 hex digits address. */
export type Address = string

export interface KeyPair {
  readonly privateKey: Uint8Array
  /** Compressed (33 bytes): the form that travels in group key requests. */
  readonly publicKey: Uint8Array
  readonly address: Address
}

const ADDRESS_PATTERN = /^0x[0-9a-f]{40}$/

/** True for the canonical form only (lowercase); use parseAddress for user input. */
export function isAddress(value: unknown): value is Address {
  return typeof value === 'string' && ADDRESS_PATTERN.test(value)
}

export function keyPairFromPrivateKey(privateKey: Uint8Array | string): KeyPair {
  const key = typeof privateKey === 'string' ? hexToBytes(privateKey.replace(/^0x/, '')) : privateKey.slice()
  if (!secp256k1.utils.isValidSecretKey(key)) throw new MessageLayerException(ERR.OUT_OF_RANGE, 'private key is not a scalar in [1, n)')
  const point = secp256k1.Point.BASE.multiply(bytesToBigInt(key))
  return { privateKey: key, publicKey: point.toBytes(true), address: addressOfUncompressed(point.toBytes(false)) }
}

/**
 * The simulator's key for a name such as `${seed}/node/n17`: keccak256(seed), re-hashed in the
 * (about 2^-128 likely) case that it is not a valid scalar, so the key is keccak256(seed) in
 * practice and anyone can recompute it. Never use a guessable seed outside a simulation.
 */
export function keyPairFromSeed(seed: Uint8Array | string): KeyPair {
  let key = keccak_256(typeof seed === 'string' ? utf8ToBytes(seed) : seed)
  while (!secp256k1.utils.isValidSecretKey(key)) key = keccak_256(key)
  return keyPairFromPrivateKey(key)
}

/** A fresh key pair from the injected cryptographic randomness. */
export function generateKeyPair(random: SecureRandom): KeyPair {
  for (;;) {
    const key = random.bytes(PRIVATE_KEY_BYTES)
    if (secp256k1.utils.isValidSecretKey(key)) return keyPairFromPrivateKey(key)
  }
}

/** The address of a compressed (33-byte) or uncompressed (65-byte) public key. */
export function addressOfPublicKey(publicKey: Uint8Array): Address {
  const uncompressed = publicKey.length === UNCOMPRESSED_PUBLIC_KEY_BYTES && publicKey[0] === 4
    ? publicKey
    : secp256k1.Point.fromBytes(publicKey).toBytes(false)
  return addressOfUncompressed(uncompressed)
}

/** `uncompressed` must be a valid 65-byte 0x04 || x || y point; the hot path of verification. */
export function addressOfUncompressed(uncompressed: Uint8Array): Address {
  return '0x' + bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(12))
}

export function addressToBytes(address: Address): Uint8Array {
  return hexToBytes(address.slice(2))
}

export function addressFromBytes(bytes: Uint8Array): Address {
  return '0x' + bytesToHex(bytes)
}

/** EIP-55: a hex letter is upper case where the matching nibble of keccak256(lowercase hex) is >= 8. */
export function toChecksumAddress(address: Address): string {
  const hex = address.slice(2).toLowerCase()
  const hash = bytesToHex(keccak_256(utf8ToBytes(hex)))
  let out = '0x'
  for (let i = 0; i < hex.length; i++) out += parseInt(hash[i], 16) >= 8 ? hex[i].toUpperCase() : hex[i]
  return out
}

/** User input to canonical form. All-lower or all-upper hex is accepted as is; mixed case must be a valid EIP-55 checksum. */
export function parseAddress(input: string): Result<Address> {
  if (!/^0x[0-9a-fA-F]{40}$/.test(input)) return fail(ERR.BAD_ADDRESS, 'expected 0x and 40 hex digits')
  const body = input.slice(2)
  const lower = '0x' + body.toLowerCase()
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase()
  if (mixed && toChecksumAddress(lower) !== input) return fail(ERR.BAD_ADDRESS, 'mixed-case address with a wrong EIP-55 checksum')
  return ok(lower)
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return BigInt('0x' + bytesToHex(bytes))
}

// The binary content of group key requests and responses, canonical like codec.ts (version
// byte first, shortest varints, exact UTF-8, no trailing bytes):
//   request:  u8 1 | str requestId | 20 bytes recipientId (the publisher) | 33 bytes public key
//             | varint count (1..max) | str groupKeyId x count (distinct)
//   response: u8 1 | str requestId | 20 bytes recipientId (the subscriber)
//             | varint count (0..max) | (str groupKeyId | varint length + ECIES data) x count (distinct ids)

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { utf8, varintSize } from './binary.ts'
import { type ByteReader, decodeWith } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { type Decoded, ERR, MessageLayerException, type Result } from './errors.ts'
import { ECIES_OVERHEAD_BYTES } from './ecies.ts'
import { GROUP_KEY_BYTES } from './encryption.ts'
import { ADDRESS_BYTES, COMPRESSED_PUBLIC_KEY_BYTES, addressFromBytes, addressToBytes, type Address } from './identity.ts'
import type { EncryptedGroupKey } from './stream-message.ts'

const KEY_EXCHANGE_VERSION = 1

export interface KeyExchangeOptions {
  readonly maxRequestIdBytes: number
  readonly maxGroupKeyIdBytes: number
  /** Keys named in one request or answered in one response. */
  readonly maxKeysPerMessage: number
}

export const DEFAULT_KEY_EXCHANGE_OPTIONS: KeyExchangeOptions = Object.freeze({
  maxRequestIdBytes: 64,
  maxGroupKeyIdBytes: 128,
  maxKeysPerMessage: 64,
})

export interface GroupKeyRequest {
  readonly requestId: string
  /** The publisher asked. */
  readonly recipientId: Address
  /** The requester's compressed public key: the keys come back sealed for it. */
  readonly publicKey: Uint8Array
  readonly groupKeyIds: readonly string[]
}

export interface GroupKeyResponse {
  readonly requestId: string
  /** The subscriber the keys are sealed for. */
  readonly recipientId: Address
  readonly groupKeys: readonly EncryptedGroupKey[]
}

/** Throws MessageLayerException if the request breaks a rule its decoder enforces (checked by decoding it back). */
export function encodeGroupKeyRequest(request: GroupKeyRequest, o: KeyExchangeOptions = DEFAULT_KEY_EXCHANGE_OPTIONS): Uint8Array {
  return selfChecked(writeGroupKeyRequest(request), (b) => decodeGroupKeyRequest(b, o))
}

function writeGroupKeyRequest(request: GroupKeyRequest): Uint8Array {
  const requestId = utf8(request.requestId)
  const ids = request.groupKeyIds.map(utf8)
  const size = 1 + prefixed(requestId.length) + ADDRESS_BYTES + COMPRESSED_PUBLIC_KEY_BYTES + varintSize(ids.length)
    + ids.reduce((sum, id) => sum + prefixed(id.length), 0)
  const w = new ByteWriter(size)
  w.u8(KEY_EXCHANGE_VERSION)
  w.lengthPrefixed(requestId)
  w.bytes(addressToBytes(request.recipientId))
  w.bytes(request.publicKey)
  w.varint(ids.length)
  for (const id of ids) w.lengthPrefixed(id)
  return w.finish()
}

export function decodeGroupKeyRequest(bytes: Uint8Array, o: KeyExchangeOptions = DEFAULT_KEY_EXCHANGE_OPTIONS): Decoded<GroupKeyRequest> {
  return decodeWith(bytes, (r) => {
    const requestId = readHead(r, o)
    const recipientId = addressFromBytes(r.bytes(ADDRESS_BYTES, 'recipientId'))
    const publicKey = r.bytes(COMPRESSED_PUBLIC_KEY_BYTES, 'publicKey')
    if (!secp256k1.utils.isValidPublicKey(publicKey, true)) r.fail(ERR.BAD_KEY_EXCHANGE, 'not a compressed secp256k1 point')
    const count = r.varint(o.maxKeysPerMessage, 'key count')
    if (count < 1) r.fail(ERR.BAD_KEY_EXCHANGE, 'a request names at least one key')
    const listStart = r.offset
    const groupKeyIds: string[] = []
    for (let i = 0; i < count; i++) groupKeyIds.push(r.string(1, o.maxGroupKeyIdBytes, `groupKeyIds[${i}]`))
    requireDistinct(r, groupKeyIds, 'groupKeyIds', listStart)
    return { requestId, recipientId, publicKey, groupKeyIds }
  })
}

/** Throws MessageLayerException if the response breaks a rule its decoder enforces. */
export function encodeGroupKeyResponse(response: GroupKeyResponse, o: KeyExchangeOptions = DEFAULT_KEY_EXCHANGE_OPTIONS): Uint8Array {
  return selfChecked(writeGroupKeyResponse(response), (b) => decodeGroupKeyResponse(b, o))
}

function writeGroupKeyResponse(response: GroupKeyResponse): Uint8Array {
  const requestId = utf8(response.requestId)
  const keys = response.groupKeys.map((k) => ({ id: utf8(k.id), data: k.data }))
  const size = 1 + prefixed(requestId.length) + ADDRESS_BYTES + varintSize(keys.length)
    + keys.reduce((sum, k) => sum + prefixed(k.id.length) + prefixed(k.data.length), 0)
  const w = new ByteWriter(size)
  w.u8(KEY_EXCHANGE_VERSION)
  w.lengthPrefixed(requestId)
  w.bytes(addressToBytes(response.recipientId))
  w.varint(keys.length)
  for (const k of keys) {
    w.lengthPrefixed(k.id)
    w.lengthPrefixed(k.data)
  }
  return w.finish()
}

/** A sealed 32-byte key is exactly this long; anything else cannot be one. */
const SEALED_KEY_BYTES = ECIES_OVERHEAD_BYTES + GROUP_KEY_BYTES

export function decodeGroupKeyResponse(bytes: Uint8Array, o: KeyExchangeOptions = DEFAULT_KEY_EXCHANGE_OPTIONS): Decoded<GroupKeyResponse> {
  return decodeWith(bytes, (r) => {
    const requestId = readHead(r, o)
    const recipientId = addressFromBytes(r.bytes(ADDRESS_BYTES, 'recipientId'))
    const count = r.varint(o.maxKeysPerMessage, 'key count')
    const listStart = r.offset
    const groupKeys: EncryptedGroupKey[] = []
    for (let i = 0; i < count; i++) {
      groupKeys.push({ id: r.string(1, o.maxGroupKeyIdBytes, `groupKeys[${i}].id`), data: r.lengthPrefixed(SEALED_KEY_BYTES, SEALED_KEY_BYTES, `groupKeys[${i}].data`) })
    }
    requireDistinct(r, groupKeys.map((k) => k.id), 'groupKeys', listStart)
    return { requestId, recipientId, groupKeys }
  })
}

// Key exchange messages are rare, so rather than a second copy of every rule, encoding checks
// its output with the decoder: what we send is exactly what a peer accepts.
function selfChecked(bytes: Uint8Array, decode: (b: Uint8Array) => Result<unknown>): Uint8Array {
  const back = decode(bytes)
  if (!back.ok) throw new MessageLayerException(back.error.code, `refusing to encode: ${back.error.detail}`)
  return bytes
}

function readHead(r: ByteReader, o: KeyExchangeOptions): string {
  const version = r.u8('version')
  if (version !== KEY_EXCHANGE_VERSION) r.fail(ERR.UNSUPPORTED_VERSION, `key exchange version ${version}`)
  return r.string(1, o.maxRequestIdBytes, 'requestId')
}

/** Checked once the whole list is read, so a list both repeated and cut short reads as cut short. */
function requireDistinct(r: ByteReader, ids: string[], list: string, listStart: number): void {
  if (new Set(ids).size !== ids.length) r.failAt(list, listStart, ERR.BAD_KEY_EXCHANGE, 'a group key id appears twice')
}

function prefixed(length: number): number {
  return varintSize(length) + length
}

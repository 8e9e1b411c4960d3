// Publisher signatures, Ethereum personal_sign style (PROTOCOL.md, "Messages"):
//   payload = utf8(streamId + partition + timestamp + sequenceNumber + publisherId + msgChainId)
//           + utf8(prev.timestamp + prev.sequenceNumber)      only if prevMsgRef is set
//           + content bytes
//           + utf8(newGroupKey.id) + newGroupKey.data         only if newGroupKey is set
//   hash    = keccak256(utf8("\x19Ethereum Signed Message:\n" + decimal byte length of payload) + payload)
//   signature = r (32) || s (32) || v (27 + recovery bit), deterministic (RFC 6979), low-s.
// Numbers are written in decimal with no padding or separators (String(n)), publisherId in its
// canonical lowercase 0x form: the serialisation of the reference implementation.
//
// Known limits of this payload, kept because the protocol defines it (see test/signing.test.ts):
// - Fields are concatenated without separators, so the split is ambiguous: stream "s1" partition
//   2 and stream "s" partition 12 give the same bytes, and a signature for one verifies for the
//   other. The same holds across timestamp/sequenceNumber and the prev reference digits.
// - messageType, contentType, encryptionType and groupKeyId are not signed: a relay can flip them.
//   That can only garble or refuse delivery (a wrong key id fails GCM's tag), not forge content,
//   and key exchange validators also check the content's own structure.
// A domain-separated, length-prefixed payload (e.g. a hash of the canonical encoding minus the
// signature) would close both; it would be a protocol change, so it is left to issue #5's follow-up.

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { utf8 } from './binary.ts'
import { ERR, MessageLayerException, fail, ok, type Result } from './errors.ts'
import { addressOfUncompressed, type Address, type KeyPair } from './identity.ts'
import {
  SIGNATURE_BYTES, SIGNATURE_TYPE_SECP256K1, streamMessageOf, type StreamMessage, type UnsignedStreamMessage,
} from './stream-message.ts'

const N = secp256k1.Point.Fn.ORDER
const HALF_N = N >> 1n
const EMPTY = new Uint8Array(0)

/** The bytes a publisher signs, exactly as in the header comment. */
export function signaturePayload(m: UnsignedStreamMessage): Uint8Array {
  const id = m.messageId
  const header = utf8(`${id.streamId}${id.streamPartition}${id.timestamp}${id.sequenceNumber}${id.publisherId}${id.msgChainId}`)
  const prev = m.prevMsgRef === null ? EMPTY : utf8(`${m.prevMsgRef.timestamp}${m.prevMsgRef.sequenceNumber}`)
  const newKey = m.newGroupKey === null ? [] : [utf8(m.newGroupKey.id), m.newGroupKey.data]
  return concatBytes(header, prev, m.content, ...newKey)
}

/** keccak256 of the personal_sign envelope around `payload` (EIP-191 version 0x45). */
export function personalMessageHash(payload: Uint8Array): Uint8Array {
  return keccak_256(concatBytes(utf8(`\x19Ethereum Signed Message:\n${payload.length}`), payload))
}

/** 65-byte r || s || v signature of a 32-byte hash. */
export function signHash(hash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  // noble's 'recovered' format is recovery || r || s; Ethereum wants r || s || 27 + recovery.
  const recovered = secp256k1.sign(hash, privateKey, { prehash: false, format: 'recovered', lowS: true })
  const recovery = recovered[0]
  // Recovery ids 2 and 3 (r >= n) occur with probability about 2^-128 and have no v in {27, 28}.
  if (recovery > 1) throw new MessageLayerException(ERR.BAD_SIGNATURE, 'recovery id above 1; cannot express as v 27/28')
  const out = new Uint8Array(SIGNATURE_BYTES)
  out.set(recovered.subarray(1), 0)
  out[64] = 27 + recovery
  return out
}

/**
 * The address whose key made `signature` over `hash`. High-s signatures are refused so that each
 * (message, key) pair has one valid signature (EIP-2), as are r, s outside [1, n) and v not 27/28.
 */
export function recoverAddress(hash: Uint8Array, signature: Uint8Array): Result<Address> {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return fail(ERR.BAD_SIGNATURE, `signature must be ${SIGNATURE_BYTES} bytes`)
  const v = signature[64]
  if (v !== 27 && v !== 28) return fail(ERR.BAD_SIGNATURE, `v byte ${v}, expected 27 or 28`)
  const r = toBigInt(signature.subarray(0, 32))
  const s = toBigInt(signature.subarray(32, 64))
  if (r === 0n || r >= N || s === 0n || s >= N) return fail(ERR.BAD_SIGNATURE, 'r or s outside [1, n)')
  if (s > HALF_N) return fail(ERR.BAD_SIGNATURE, 'high s (malleable form)')
  try {
    const point = new secp256k1.Signature(r, s, v - 27).recoverPublicKey(hash)
    return ok(addressOfUncompressed(point.toBytes(false)))
  } catch (e) {
    // Some (r, v) have no curve point: a forged or corrupted signature, not our bug.
    return fail(ERR.BAD_SIGNATURE, `no public key recovers: ${e instanceof Error ? e.message : String(e)}`)
  }
}

/** Signs as `signer`, who must be the publisher (signing for someone else is a local bug). */
export function signStreamMessage(unsigned: UnsignedStreamMessage, signer: KeyPair): StreamMessage {
  if (signer.address !== unsigned.messageId.publisherId) {
    throw new MessageLayerException(ERR.WRONG_SIGNER, `key of ${signer.address} cannot sign for publisher ${unsigned.messageId.publisherId}`)
  }
  const signature = signHash(personalMessageHash(signaturePayload(unsigned)), signer.privateKey)
  return streamMessageOf({ ...unsigned, signatureType: SIGNATURE_TYPE_SECP256K1, signature })
}

/** Ok with the publisher's address if the signature is theirs over this message; never throws. */
export function verifyStreamMessage(m: StreamMessage): Result<Address> {
  try {
    if (m.signatureType !== SIGNATURE_TYPE_SECP256K1) return fail(ERR.UNSUPPORTED_SIGNATURE_TYPE, `signature type ${String(m.signatureType)}`)
    const recovered = recoverAddress(personalMessageHash(signaturePayload(m)), m.signature)
    if (!recovered.ok) return recovered
    if (recovered.value !== m.messageId.publisherId) {
      return fail(ERR.WRONG_SIGNER, `signed by ${recovered.value}, publisher is ${m.messageId.publisherId}`)
    }
    return recovered
  } catch (e) {
    return fail(ERR.INTERNAL, e instanceof Error ? e.message : String(e))
  }
}

function toBigInt(bytes: Uint8Array): bigint {
  let x = 0n
  for (let i = 0; i < bytes.length; i++) x = (x << 8n) | BigInt(bytes[i])
  return x
}

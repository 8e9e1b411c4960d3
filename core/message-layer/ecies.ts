// Sealing a small secret (a group key) for one holder of a secp256k1 key pair: ECIES with an
// ephemeral ECDH key, HKDF-SHA256 and AES-256-GCM.
//
// Why not RSA as in the reference (RSA-4096): the identity key pair already exists, so a
// subscriber need not make, store or announce a second key; a request carries a 33-byte public
// key instead of a ~550-byte RSA key, and each sealed key costs 50 bytes of overhead instead of
// 512; and secp256k1 is already in the bundle for signatures. One key pair for both ECDSA and
// ECIES is common practice (Ethereum's devp2p signs discovery packets and runs its RLPx ECIES
// handshake with the same node key) and no practical attack is known, but published
// joint-security proofs cover EC-Schnorr rather than ECDSA: a separate encryption key pair,
// announced in the signed request, is the conservative variant if that ever matters.
//
// Layout: version (1) || ephemeral public key (33, compressed) || AES-256-GCM(plaintext) || tag (16).
// key (32) || iv (12) = HKDF-SHA256(ikm = x of the shared point, salt = ephemeral || recipient
// compressed keys, info = "block-rtc/ecies/v1"). The key is new for every message, so deriving
// the IV too is safe; the salt binds the result to both keys (the shared x alone is the same for
// a point and its negation).

import { gcm } from '@noble/ciphers/aes.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { utf8 } from './binary.ts'
import { ERR, MessageLayerException, fail, ok, type Result } from './errors.ts'
import { COMPRESSED_PUBLIC_KEY_BYTES, PRIVATE_KEY_BYTES, type KeyPair } from './identity.ts'
import type { SecureRandom } from './secure-random.ts'

export const ECIES_VERSION = 1
const TAG_BYTES = 16
export const ECIES_OVERHEAD_BYTES = 1 + COMPRESSED_PUBLIC_KEY_BYTES + TAG_BYTES
const INFO = utf8('block-rtc/ecies/v1')

export function eciesEncrypt(recipientPublicKey: Uint8Array, plaintext: Uint8Array, random: SecureRandom): Uint8Array {
  let recipient: Uint8Array
  try {
    recipient = secp256k1.Point.fromBytes(recipientPublicKey).toBytes(true)
  } catch {
    throw new MessageLayerException(ERR.BAD_KEY_EXCHANGE, 'recipient public key is not a secp256k1 point')
  }
  let ephemeralSecret = random.bytes(PRIVATE_KEY_BYTES)
  while (!secp256k1.utils.isValidSecretKey(ephemeralSecret)) ephemeralSecret = random.bytes(PRIVATE_KEY_BYTES)
  const ephemeral = secp256k1.getPublicKey(ephemeralSecret, true)
  const { key, iv } = derive(secp256k1.getSharedSecret(ephemeralSecret, recipient, true), ephemeral, recipient)
  return concatBytes(Uint8Array.of(ECIES_VERSION), ephemeral, gcm(key, iv).encrypt(plaintext))
}

/** The plaintext, or an error value for anything not sealed for `recipient` or altered; never throws. */
export function eciesDecrypt(recipient: KeyPair, sealed: Uint8Array): Result<Uint8Array> {
  if (!(sealed instanceof Uint8Array) || sealed.length < ECIES_OVERHEAD_BYTES) return fail(ERR.BAD_CIPHERTEXT, `sealed data shorter than ${ECIES_OVERHEAD_BYTES} bytes`)
  if (sealed[0] !== ECIES_VERSION) return fail(ERR.BAD_CIPHERTEXT, `ECIES version ${sealed[0]}`)
  const ephemeral = sealed.subarray(1, 1 + COMPRESSED_PUBLIC_KEY_BYTES)
  let shared: Uint8Array
  try {
    shared = secp256k1.getSharedSecret(recipient.privateKey, ephemeral, true)
  } catch {
    return fail(ERR.BAD_CIPHERTEXT, 'ephemeral key is not a secp256k1 point')
  }
  const { key, iv } = derive(shared, ephemeral, recipient.publicKey)
  try {
    return ok(gcm(key, iv).decrypt(sealed.subarray(1 + COMPRESSED_PUBLIC_KEY_BYTES)))
  } catch {
    return fail(ERR.DECRYPTION_FAILED, 'ECIES authentication failed (not for this key, or altered)')
  }
}

function derive(sharedPoint: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array): { key: Uint8Array; iv: Uint8Array } {
  const okm = hkdf(sha256, sharedPoint.subarray(1), concatBytes(ephemeral, recipient), INFO, 44)
  return { key: okm.subarray(0, 32), iv: okm.subarray(32, 44) }
}

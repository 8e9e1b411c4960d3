// The message layer's real cryptography (message-layer/: secp256k1 signatures, AES-256-GCM,
// ECIES) behind the CryptoSuite port. Verified signatures are remembered by the exact signed
// bytes, so a node that meets the same message again (a duplicate, a resend) recovers no key twice.
// Results are also remembered by object: in a simulation every node holds the very same message
// and ciphertext objects, so the arithmetic is done once per message, not once per node (each
// node is still charged its virtual CPU time by the caller).

import { bytesToHex } from '@noble/hashes/utils.js'
import type { StreamMessage, UnsignedStreamMessage } from '../message.ts'
import { eciesDecrypt, eciesEncrypt } from '../message-layer/ecies.ts'
import { type GroupKey, decryptContent, encryptContent, generateGroupKey } from '../message-layer/encryption.ts'
import { type Address, type KeyPair, generateKeyPair, keyPairFromSeed } from '../message-layer/identity.ts'
import type { SecureRandom } from '../message-layer/secure-random.ts'
import { personalMessageHash, recoverAddress, signStreamMessage, signaturePayload } from '../message-layer/signing.ts'
import { SIGNATURE_TYPE_SECP256K1 } from '../message.ts'
import type { CryptoSuite } from './crypto-suite.ts'

/** Entries kept in the verification cache; the oldest go first. */
export const DEFAULT_VERIFIED_CACHE_ENTRIES = 10_000

export class RealCrypto implements CryptoSuite {
  private readonly verified = new Map<string, Address>()
  private readonly signerOf = new WeakMap<StreamMessage, Address | null>()
  private readonly plaintextOf = new WeakMap<Uint8Array, { key: Uint8Array; plaintext: Uint8Array | null }>()

  constructor(private readonly random: SecureRandom, private readonly cacheEntries = DEFAULT_VERIFIED_CACHE_ENTRIES) {}

  keyPair(seed?: string): KeyPair {
    return seed === undefined ? generateKeyPair(this.random) : keyPairFromSeed(seed)
  }

  sign(unsigned: UnsignedStreamMessage, signer: KeyPair): StreamMessage {
    return signStreamMessage(unsigned, signer)
  }

  signer(message: StreamMessage): Address | null {
    const known = this.signerOf.get(message)
    if (known !== undefined) return known
    const signer = this.recover(message)
    this.signerOf.set(message, signer)
    return signer
  }

  private recover(message: StreamMessage): Address | null {
    try {
      if (message.signatureType !== SIGNATURE_TYPE_SECP256K1) return null
      const hash = personalMessageHash(signaturePayload(message))
      const key = bytesToHex(hash) + bytesToHex(message.signature)
      let address = this.verified.get(key)
      if (address === undefined) {
        const recovered = recoverAddress(hash, message.signature)
        if (!recovered.ok) return null
        address = recovered.value
        if (this.verified.size >= this.cacheEntries) this.verified.delete(this.verified.keys().next().value!)
        this.verified.set(key, address)
      }
      return address
    } catch {
      // Fields of the wrong type from an untyped peer: not a signature we can check.
      return null
    }
  }

  groupKey(): GroupKey {
    return generateGroupKey(this.random)
  }

  encrypt(plaintext: Uint8Array, key: GroupKey): Uint8Array {
    return encryptContent(plaintext, key, this.random)
  }

  decrypt(ciphertext: Uint8Array, key: GroupKey): Uint8Array | null {
    const known = this.plaintextOf.get(ciphertext)
    if (known !== undefined && sameBytes(known.key, key.key)) return known.plaintext
    const opened = decryptContent(ciphertext, key)
    const plaintext = opened.ok ? opened.value : null
    this.plaintextOf.set(ciphertext, { key: key.key, plaintext })
    return plaintext
  }

  seal(recipientPublicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
    return eciesEncrypt(recipientPublicKey, plaintext, this.random)
  }

  open(recipient: KeyPair, sealed: Uint8Array): Uint8Array | null {
    const opened = eciesDecrypt(recipient, sealed)
    return opened.ok ? opened.value : null
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

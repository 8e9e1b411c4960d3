// The cryptography the message layer needs, as a port: the simulator can plug in a model that
// keeps the semantics (only the key holder signs, opens or decrypts; any change to the bytes is
// caught) without the arithmetic, and charge virtual CPU time instead. A live node uses RealCrypto.

import type { StreamMessage, UnsignedStreamMessage } from '../message.ts'
import type { GroupKey } from '../message-layer/encryption.ts'
import type { Address, KeyPair } from '../message-layer/identity.ts'

export interface CryptoSuite {
  /** A key pair named by `seed` (simulations and tests) or fresh from secure randomness (no seed). */
  keyPair(seed?: string): KeyPair
  /** Signs as `signer`, who must be the message's publisher. */
  sign(unsigned: UnsignedStreamMessage, signer: KeyPair): StreamMessage
  /** The address that signed `message` if it verifies, else null. Never throws. */
  signer(message: StreamMessage): Address | null
  /** A fresh 32-byte group key with a fresh id. */
  groupKey(): GroupKey
  /** AES-256-GCM under `key` with a fresh IV. */
  encrypt(plaintext: Uint8Array, key: GroupKey): Uint8Array
  /** The plaintext, or null for a wrong key or altered bytes. Never throws. */
  decrypt(ciphertext: Uint8Array, key: GroupKey): Uint8Array | null
  /** ECIES to `recipientPublicKey`: only its private key opens it. */
  seal(recipientPublicKey: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** The plaintext, or null if `recipient` cannot open it. Never throws. */
  open(recipient: KeyPair, sealed: Uint8Array): Uint8Array | null
}

/**
 * Virtual CPU time per operation, in ms. The simulator charges these in both crypto modes, so
 * real and modelled runs of one scenario give the same timings; a live node runs at 0 and
 * spends real time instead. Defaults: medians measured on the project's 2-core reference
 * machine with `npm run bench -- --only crypto` (see README, "Crypto modes").
 */
export interface CryptoCosts {
  signMs: number
  verifyMs: number
  /** AES-GCM of one message's content, either way (small contents: the fixed cost dominates). */
  encryptMs: number
  decryptMs: number
  sealMs: number
  openMs: number
}

export const ZERO_CRYPTO_COSTS: Readonly<CryptoCosts> = Object.freeze({ signMs: 0, verifyMs: 0, encryptMs: 0, decryptMs: 0, sealMs: 0, openMs: 0 })

// The simulator's `crypto: modelled` suite: the semantics of the real one without its arithmetic.
// Signatures, ciphertexts and sealed keys are bytes of the real sizes whose first bytes name an
// entry in a table that records what was done: who signed which fields, what was encrypted under
// which key, for whom a key was sealed. Checking one compares the bytes and fields it is given
// with that record, so altered content, another signer's claim, a wrong key or a wrong recipient
// fail exactly where the real operations would. Handles survive encoding (they are bytes), and a
// peer cannot mint a valid handle without the table, as it cannot forge a signature without a key.
// Identities are real secp256k1 key pairs: addresses and public keys must pass the codecs' checks.

import { bytesToHex } from '@noble/hashes/utils.js'
import type { StreamMessage, UnsignedStreamMessage } from '../../core/message.ts'
import { SIGNATURE_TYPE_SECP256K1, streamMessageOf } from '../../core/message.ts'
import { ECIES_OVERHEAD_BYTES } from '../../core/message-layer/ecies.ts'
import { CONTENT_OVERHEAD_BYTES, GROUP_KEY_BYTES, type GroupKey } from '../../core/message-layer/encryption.ts'
import { type Address, type KeyPair, generateKeyPair, keyPairFromSeed } from '../../core/message-layer/identity.ts'
import type { SecureRandom } from '../../core/message-layer/secure-random.ts'
import { SIGNATURE_BYTES } from '../../core/message-layer/stream-message.ts'
import type { CryptoSuite } from '../../core/security/crypto-suite.ts'

const HANDLE_BYTES = 4

interface Signed {
  readonly message: StreamMessage
  readonly signer: Address
}

interface Encrypted {
  readonly ciphertext: Uint8Array
  readonly key: Uint8Array
  readonly plaintext: Uint8Array
}

interface Sealed {
  readonly sealed: Uint8Array
  readonly recipient: Uint8Array
  readonly plaintext: Uint8Array
}

export class ModelledCrypto implements CryptoSuite {
  private readonly signatures: Signed[] = []
  private readonly ciphertexts: Encrypted[] = []
  private readonly seals: Sealed[] = []
  private keyCount = 0
  /** Whose key each private key is: a signature is its key owner's, whatever address a caller claims. */
  private readonly owners = new WeakMap<Uint8Array, Address>()
  /** Operations done, by kind: the work `crypto: real` would have had to do. */
  readonly counts = { sign: 0, verify: 0, encrypt: 0, decrypt: 0, seal: 0, open: 0 }

  constructor(private readonly random: SecureRandom) {}

  keyPair(seed?: string): KeyPair {
    const pair = seed === undefined ? generateKeyPair(this.random) : keyPairFromSeed(seed)
    this.owners.set(pair.privateKey, pair.address)
    return pair
  }

  sign(unsigned: UnsignedStreamMessage, signer: KeyPair): StreamMessage {
    this.counts.sign++
    const signature = handleBytes(this.signatures.length, SIGNATURE_BYTES)
    // A real v byte, so the codec's shape check passes.
    signature[SIGNATURE_BYTES - 1] = 27
    const message = streamMessageOf({ ...unsigned, signatureType: SIGNATURE_TYPE_SECP256K1, signature })
    this.signatures.push({ message, signer: this.owners.get(signer.privateKey) ?? signer.address })
    return message
  }

  signer(message: StreamMessage): Address | null {
    this.counts.verify++
    if (message.signatureType !== SIGNATURE_TYPE_SECP256K1 || !(message.signature instanceof Uint8Array)) return null
    const entry = this.signatures[handleOf(message.signature)]
    if (entry === undefined || !bytesEqual(entry.message.signature, message.signature)) return null
    return entry.message === message || sameSignedFields(entry.message, message) ? entry.signer : null
  }

  groupKey(): GroupKey {
    return { id: `gk-${++this.keyCount}-${bytesToHex(this.random.bytes(4))}`, key: this.random.bytes(GROUP_KEY_BYTES) }
  }

  encrypt(plaintext: Uint8Array, key: GroupKey): Uint8Array {
    this.counts.encrypt++
    const ciphertext = handleBytes(this.ciphertexts.length, plaintext.length + CONTENT_OVERHEAD_BYTES)
    this.ciphertexts.push({ ciphertext, key: key.key, plaintext })
    return ciphertext
  }

  decrypt(ciphertext: Uint8Array, key: GroupKey): Uint8Array | null {
    this.counts.decrypt++
    const entry = this.ciphertexts[handleOf(ciphertext)]
    if (entry === undefined || !bytesEqual(entry.ciphertext, ciphertext) || !bytesEqual(entry.key, key.key)) return null
    return entry.plaintext
  }

  seal(recipientPublicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
    this.counts.seal++
    const sealed = handleBytes(this.seals.length, plaintext.length + ECIES_OVERHEAD_BYTES)
    this.seals.push({ sealed, recipient: recipientPublicKey, plaintext })
    return sealed
  }

  open(recipient: KeyPair, sealed: Uint8Array): Uint8Array | null {
    this.counts.open++
    const entry = this.seals[handleOf(sealed)]
    if (entry === undefined || !bytesEqual(entry.sealed, sealed) || !bytesEqual(entry.recipient, recipient.publicKey)) return null
    return entry.plaintext
  }
}

function handleBytes(handle: number, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(length, HANDLE_BYTES))
  new DataView(out.buffer).setUint32(0, handle)
  return out
}

function handleOf(bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array) || bytes.length < HANDLE_BYTES) return -1
  return new DataView(bytes.buffer, bytes.byteOffset, HANDLE_BYTES).getUint32(0)
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The fields the real signature covers (see message-layer/signing.ts), compared with what was signed. */
function sameSignedFields(a: StreamMessage, b: StreamMessage): boolean {
  const x = a.messageId
  const y = b.messageId
  if (x.streamId !== y.streamId || x.streamPartition !== y.streamPartition || x.timestamp !== y.timestamp
    || x.sequenceNumber !== y.sequenceNumber || x.publisherId !== y.publisherId || x.msgChainId !== y.msgChainId) return false
  const p = a.prevMsgRef
  const q = b.prevMsgRef
  if ((p === null) !== (q === null)) return false
  if (p !== null && q !== null && (p.timestamp !== q.timestamp || p.sequenceNumber !== q.sequenceNumber)) return false
  if (!bytesEqual(a.content, b.content)) return false
  const k = a.newGroupKey
  const l = b.newGroupKey
  if ((k === null) !== (l === null)) return false
  return k === null || l === null || (k.id === l.id && bytesEqual(k.data, l.data))
}

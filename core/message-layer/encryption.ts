// Content confidentiality with symmetric group keys (PROTOCOL.md, "Messages"): every reader of a
// stream holds the same 32-byte key, named by an id, and each message gets a fresh random IV.
//
// Why AES-256-GCM and not the reference's AES-CTR (with or without an HMAC): GCM is an AEAD, so a
// reader detects any change to the ciphertext even where signatures are off or not yet checked,
// with one primitive, one key and a 16-byte tag (CTR+HMAC-SHA256 needs two keys, a 32-byte tag
// and the right encrypt-then-MAC order). Browsers have it natively (WebCrypto) should noble's
// software AES ever be too slow. Its known sharp edge is IV reuse under one key, which leaks the
// XOR of plaintexts and the authentication key: IVs are 96 random bits from SecureRandom, and with
// random IVs a key must not seal more than 2^32 messages; key rotation keeps far below that.
//
// Ciphertext layout: iv (12) || AES-256-GCM(plaintext) || tag (16), i.e. 28 bytes of overhead.

import { gcm } from '@noble/ciphers/aes.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { utf8, utf8Length } from './binary.ts'
import { ERR, MessageLayerException, fail, ok, type Result } from './errors.ts'
import type { SecureRandom } from './secure-random.ts'
import {
  ENCRYPTION_AES, ENCRYPTION_NONE, type EncryptedGroupKey, type UnsignedStreamMessage,
} from './stream-message.ts'

export const GROUP_KEY_BYTES = 32
export const GCM_IV_BYTES = 12
export const GCM_TAG_BYTES = 16
export const CONTENT_OVERHEAD_BYTES = GCM_IV_BYTES + GCM_TAG_BYTES
/** Random bytes in a generated group key id (hex-encoded, so ids are 32 characters). */
export const DEFAULT_GROUP_KEY_ID_BYTES = 16

export interface GroupKey {
  readonly id: string
  readonly key: Uint8Array
}

export function createGroupKey(id: string, key: Uint8Array): GroupKey {
  if (utf8Length(id) < 1) throw new MessageLayerException(ERR.BAD_STRING, 'group key id must be a non-empty, well-formed string')
  if (key.length !== GROUP_KEY_BYTES) throw new MessageLayerException(ERR.BAD_LENGTH, `group key must be ${GROUP_KEY_BYTES} bytes, got ${key.length}`)
  return { id, key: key.slice() }
}

/** A fresh key; its id is random too unless given, so ids never collide across publishers. */
export function generateGroupKey(random: SecureRandom, id?: string): GroupKey {
  return createGroupKey(id ?? bytesToHex(random.bytes(DEFAULT_GROUP_KEY_ID_BYTES)), random.bytes(GROUP_KEY_BYTES))
}

/** `aad` is authenticated but not encrypted; decrypt must be given the same bytes. */
export function encryptContent(plaintext: Uint8Array, groupKey: GroupKey, random: SecureRandom, aad?: Uint8Array): Uint8Array {
  const iv = random.bytes(GCM_IV_BYTES)
  const sealed = gcm(groupKey.key, iv, aad).encrypt(plaintext)
  const out = new Uint8Array(GCM_IV_BYTES + sealed.length)
  out.set(iv, 0)
  out.set(sealed, GCM_IV_BYTES)
  return out
}

/** The plaintext, or DECRYPTION_FAILED for a wrong key or any change to the bytes; never throws. */
export function decryptContent(ciphertext: Uint8Array, groupKey: GroupKey, aad?: Uint8Array): Result<Uint8Array> {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < CONTENT_OVERHEAD_BYTES) {
    return fail(ERR.BAD_CIPHERTEXT, `ciphertext shorter than ${CONTENT_OVERHEAD_BYTES} bytes`)
  }
  try {
    return ok(gcm(groupKey.key, ciphertext.subarray(0, GCM_IV_BYTES), aad).decrypt(ciphertext.subarray(GCM_IV_BYTES)))
  } catch {
    return fail(ERR.DECRYPTION_FAILED, `authentication failed under group key ${groupKey.id}`)
  }
}

/**
 * Rotation: the next key sealed under the current one, for a message's `newGroupKey`. The id is
 * the AAD, so the sealed key cannot be relabelled as another id even by a relay (the id is
 * signed too, but this holds before the signature is checked).
 */
export function encryptNextGroupKey(next: GroupKey, current: GroupKey, random: SecureRandom): EncryptedGroupKey {
  return { id: next.id, data: encryptContent(next.key, current, random, utf8(next.id)) }
}

export function decryptNextGroupKey(sealed: EncryptedGroupKey, current: GroupKey): Result<GroupKey> {
  const opened = decryptContent(sealed.data, current, utf8(sealed.id))
  if (!opened.ok) return opened
  if (opened.value.length !== GROUP_KEY_BYTES) return fail(ERR.BAD_CIPHERTEXT, `next group key is ${opened.value.length} bytes`)
  return ok({ id: sealed.id, key: opened.value })
}

/** The content fields of an encrypted message, optionally announcing the next key. */
export interface SealedContent {
  readonly encryptionType: typeof ENCRYPTION_AES
  readonly groupKeyId: string
  readonly content: Uint8Array
  readonly newGroupKey: EncryptedGroupKey | null
}

export function sealContent(plaintext: Uint8Array, current: GroupKey, random: SecureRandom, next?: GroupKey): SealedContent {
  return {
    encryptionType: ENCRYPTION_AES,
    groupKeyId: current.id,
    content: encryptContent(plaintext, current, random),
    newGroupKey: next === undefined ? null : encryptNextGroupKey(next, current, random),
  }
}

export interface OpenedContent {
  readonly content: Uint8Array
  /** The rotated-in key the message announced, if any: the reader should store it. */
  readonly nextGroupKey: GroupKey | null
}

/** A reader's side, after verifyStreamMessage: find the key by id, decrypt, unwrap any announced next key. Never throws. */
export function openContent(message: UnsignedStreamMessage, lookup: (groupKeyId: string) => GroupKey | undefined): Result<OpenedContent> {
  if (message.encryptionType === ENCRYPTION_NONE) return ok({ content: message.content, nextGroupKey: null })
  if (message.encryptionType !== ENCRYPTION_AES || message.groupKeyId === null) return fail(ERR.BAD_CIPHERTEXT, 'not an AES message with a group key id')
  const key = lookup(message.groupKeyId)
  if (key === undefined) return fail(ERR.UNKNOWN_GROUP_KEY, `no group key ${message.groupKeyId}`)
  const content = decryptContent(message.content, key)
  if (!content.ok) return content
  if (message.newGroupKey === null) return ok({ content: content.value, nextGroupKey: null })
  const next = decryptNextGroupKey(message.newGroupKey, key)
  return next.ok ? ok({ content: content.value, nextGroupKey: next.value }) : next
}

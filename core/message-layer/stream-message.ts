// The full StreamMessage of PROTOCOL.md ("Messages"): what a publisher signs and what the codec
// puts on the wire. core/message.ts keeps the relay's minimal view (id and previous reference);
// the id and reference types are shared with it so the two can be reconciled field by field.

import type { MessageId, MessageRef } from '../message.ts'
import { CONTENT_TYPE_BINARY, CONTENT_TYPE_JSON, ENCRYPTION_AES, ENCRYPTION_NONE } from '../message.ts'

export type { MessageId, MessageRef }
export { CONTENT_TYPE_BINARY, CONTENT_TYPE_JSON, ENCRYPTION_AES, ENCRYPTION_NONE }

/** Partitions of a stream are 0..99 (PROTOCOL.md, "Stream parts"). */
export const MAX_PARTITION = 99
/** Sequence numbers within one millisecond of one chain; int32 as in the reference. */
export const MAX_SEQUENCE_NUMBER = 0x7fff_ffff
/** Timestamps are ms since the epoch; anything above this is not an exact JS number. */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER

export const MESSAGE_TYPE_CONTENT = 0
export const MESSAGE_TYPE_GROUP_KEY_REQUEST = 1
export const MESSAGE_TYPE_GROUP_KEY_RESPONSE = 2
export type MessageType = typeof MESSAGE_TYPE_CONTENT | typeof MESSAGE_TYPE_GROUP_KEY_REQUEST | typeof MESSAGE_TYPE_GROUP_KEY_RESPONSE

export type ContentType = typeof CONTENT_TYPE_JSON | typeof CONTENT_TYPE_BINARY
export type EncryptionType = typeof ENCRYPTION_NONE | typeof ENCRYPTION_AES

/** Ethereum personal_sign over secp256k1 (see signing.ts); the only type so far. */
export const SIGNATURE_TYPE_SECP256K1 = 1
export type SignatureType = typeof SIGNATURE_TYPE_SECP256K1
/** r (32) || s (32) || v (1, 27 or 28). */
export const SIGNATURE_BYTES = 65

/** A group key sealed for its readers: under the current group key (rotation) or ECIES (exchange). */
export interface EncryptedGroupKey {
  readonly id: string
  readonly data: Uint8Array
}

/**
 * Invariants (checked by validateStreamMessage in codec.ts): `messageId.publisherId` is a
 * lowercase 0x address; `groupKeyId` is set exactly when the content is AES-encrypted;
 * `newGroupKey` only rides on encrypted content messages; key requests and responses are
 * binary and unencrypted at this level (a response's keys are ECIES-sealed inside its content).
 */
export interface StreamMessage {
  readonly messageId: MessageId
  readonly prevMsgRef: MessageRef | null
  readonly messageType: MessageType
  readonly contentType: ContentType
  readonly encryptionType: EncryptionType
  readonly groupKeyId: string | null
  readonly newGroupKey: EncryptedGroupKey | null
  readonly content: Uint8Array
  readonly signatureType: SignatureType
  readonly signature: Uint8Array
}

export type UnsignedStreamMessage = Omit<StreamMessage, 'signatureType' | 'signature'>

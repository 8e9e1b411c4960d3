// Bounds and sizes of the message layer. The StreamMessage type itself lives in core/message.ts,
// one type for relay, message layer and apps; this module re-exports it for message-layer code.

export type {
  ContentType, EncryptedGroupKey, EncryptionType, MessageId, MessageRef, MessageType, SignatureType, StreamMessage,
  StreamMessageFields, UnsignedStreamMessage,
} from '../message.ts'
export {
  CONTENT_TYPE_BINARY, CONTENT_TYPE_JSON, ENCRYPTION_AES, ENCRYPTION_NONE, MESSAGE_TYPE_CONTENT, MESSAGE_TYPE_GROUP_KEY_REQUEST,
  MESSAGE_TYPE_GROUP_KEY_RESPONSE, SIGNATURE_TYPE_NONE, SIGNATURE_TYPE_SECP256K1, streamMessageOf,
} from '../message.ts'

/** Partitions of a stream are 0..99 (PROTOCOL.md, "Stream parts"). */
export const MAX_PARTITION = 99
/** Sequence numbers within one millisecond of one chain; int32 as in the reference. */
export const MAX_SEQUENCE_NUMBER = 0x7fff_ffff
/** Timestamps are ms since the epoch; anything above this is not an exact JS number. */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER

/** r (32) || s (32) || v (1, 27 or 28). */
export const SIGNATURE_BYTES = 65

// The wire form of a full StreamMessage: compact, versioned and canonical. `decode` never throws,
// whatever it is given, and accepts exactly the bytes `encode` produces: every valid message has
// one encoding, so decode(bytes) -> encode gives `bytes` back (the fuzz test checks this).
//
// Version 1 layout (varint = unsigned LEB128, shortest form; str = varint length + UTF-8):
//   u8 version (1) | u8 flags (bit 0 prevMsgRef, bit 1 groupKeyId, bit 2 newGroupKey; others 0)
//   u8 messageType | u8 contentType | u8 encryptionType | u8 signatureType | u8 partition (0..99)
//   str streamId | varint timestamp | varint sequenceNumber | 20 bytes publisherId | str msgChainId
//   [varint prev timestamp | varint prev sequenceNumber]      if flag 0
//   [str groupKeyId]                                          if flag 1
//   [str newGroupKey.id | varint length + newGroupKey.data]   if flag 2
//   varint length + content | 65 bytes signature (r || s || v)
// Integers travel as varints because timestamps and sequence numbers are small most of the time
// (a current ms timestamp takes 6 bytes), and fixed fields sit first so a relay could peek.

import { utf8, utf8Length, varintSize } from './binary.ts'
import { type ByteReader, decodeWith } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { ERR, type ErrorCode, MessageLayerException, type MessageLayerError, type Refused, refuse } from './errors.ts'
import { ADDRESS_BYTES, addressFromBytes, addressToBytes, isAddress } from './identity.ts'
import {
  CONTENT_TYPE_BINARY, ENCRYPTION_AES, ENCRYPTION_NONE, MAX_PARTITION, MAX_SEQUENCE_NUMBER, MAX_TIMESTAMP,
  MESSAGE_TYPE_CONTENT, MESSAGE_TYPE_GROUP_KEY_RESPONSE, SIGNATURE_BYTES, SIGNATURE_TYPE_SECP256K1, streamMessageOf,
  type ContentType, type EncryptedGroupKey, type EncryptionType, type MessageRef, type MessageType,
  type StreamMessage,
} from './stream-message.ts'

export const CODEC_VERSION = 1

const FLAG_PREV = 1
const FLAG_GROUP_KEY_ID = 2
const FLAG_NEW_GROUP_KEY = 4
const KNOWN_FLAGS = FLAG_PREV | FLAG_GROUP_KEY_ID | FLAG_NEW_GROUP_KEY

export interface CodecOptions {
  /** Largest encoded message, header and signature included. */
  readonly maxMessageBytes: number
  /** UTF-8 bytes of a stream id (`0x<address>/path`, about 50 bytes in practice). */
  readonly maxStreamIdBytes: number
  readonly maxMsgChainIdBytes: number
  readonly maxGroupKeyIdBytes: number
  /** The sealed next group key: 60 bytes for a 32-byte key under AES-GCM, so this leaves room for other schemes. */
  readonly maxNewGroupKeyBytes: number
}

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024
export const DEFAULT_CODEC_OPTIONS: CodecOptions = Object.freeze({
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxStreamIdBytes: 255,
  maxMsgChainIdBytes: 64,
  maxGroupKeyIdBytes: 128,
  maxNewGroupKeyBytes: 256,
})

export function createCodecOptions(partial: Partial<CodecOptions> = {}): CodecOptions {
  const options = { ...DEFAULT_CODEC_OPTIONS, ...partial }
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`codec option ${name}: got ${value}, expected an integer >= 1`)
  }
  return Object.freeze(options)
}

export type DecodeResult = { readonly ok: true; readonly message: StreamMessage } | Refused

/** A rule of the codec that a message breaks, and the field it is about (`message` for a rule across fields). */
export interface InvalidField extends MessageLayerError {
  readonly field: string
}

/**
 * Bytes from a peer to a message. Content, signature and new group key data are views into
 * `input` (no copy): do not reuse the buffer while the message lives.
 */
export function decodeStreamMessage(input: unknown, options: CodecOptions = DEFAULT_CODEC_OPTIONS): DecodeResult {
  if (!(input instanceof Uint8Array)) return refuse(ERR.NOT_BYTES, 'message', 0, `got ${input === null ? 'null' : typeof input}`)
  if (input.length > options.maxMessageBytes) return refuse(ERR.TOO_LARGE, 'message', 0, `${input.length} bytes, at most ${options.maxMessageBytes}`)
  const read = decodeWith(input, (r) => parse(r, options))
  if (!read.ok) return read
  const problem = validateStreamMessage(read.value, options)
  if (problem !== null) return refuse(problem.code, problem.field, offsetOf(problem.field, input), problem.detail)
  return { ok: true, message: read.value }
}

/**
 * Where the fields start that the validator can still refuse after a clean read: the fixed
 * header, and the signature, last. A rule across fields is reported at the start of the message.
 */
const HEADER_OFFSETS: Readonly<Record<string, number>> = { messageType: 2, contentType: 3, encryptionType: 4, signatureType: 5, partition: 6 }

function offsetOf(field: string, input: Uint8Array): number {
  return field === 'signature' ? input.length - SIGNATURE_BYTES : HEADER_OFFSETS[field] ?? 0
}

function parse(r: ByteReader, o: CodecOptions): StreamMessage {
  const version = r.u8('version')
  if (version !== CODEC_VERSION) r.fail(ERR.UNSUPPORTED_VERSION, `version ${version}, this codec reads ${CODEC_VERSION}`)
  const flags = r.u8('flags')
  if ((flags & ~KNOWN_FLAGS) !== 0) r.fail(ERR.BAD_FLAGS, `unknown flag bits 0x${flags.toString(16)}`)
  // Enums and ranges are read raw here and judged by validateStreamMessage, the single source of truth.
  const messageType = r.u8('messageType') as MessageType
  const contentType = r.u8('contentType') as ContentType
  const encryptionType = r.u8('encryptionType') as EncryptionType
  const signatureType = r.u8('signatureType') as typeof SIGNATURE_TYPE_SECP256K1
  const streamPartition = r.u8('partition')
  const streamId = r.string(1, o.maxStreamIdBytes, 'streamId')
  const timestamp = r.varint(MAX_TIMESTAMP, 'timestamp')
  const sequenceNumber = r.varint(MAX_SEQUENCE_NUMBER, 'sequenceNumber')
  const publisherId = addressFromBytes(r.bytes(ADDRESS_BYTES, 'publisherId'))
  const msgChainId = r.string(1, o.maxMsgChainIdBytes, 'msgChainId')
  let prevMsgRef: MessageRef | null = null
  if ((flags & FLAG_PREV) !== 0) {
    prevMsgRef = { timestamp: r.varint(MAX_TIMESTAMP, 'prevMsgRef.timestamp'), sequenceNumber: r.varint(MAX_SEQUENCE_NUMBER, 'prevMsgRef.sequenceNumber') }
  }
  const groupKeyId = (flags & FLAG_GROUP_KEY_ID) !== 0 ? r.string(1, o.maxGroupKeyIdBytes, 'groupKeyId') : null
  let newGroupKey: EncryptedGroupKey | null = null
  if ((flags & FLAG_NEW_GROUP_KEY) !== 0) {
    newGroupKey = { id: r.string(1, o.maxGroupKeyIdBytes, 'newGroupKey.id'), data: r.lengthPrefixed(1, o.maxNewGroupKeyBytes, 'newGroupKey.data') }
  }
  const content = r.lengthPrefixed(0, o.maxMessageBytes, 'content')
  const signature = r.bytes(SIGNATURE_BYTES, 'signature')
  return streamMessageOf({
    messageId: { streamId, streamPartition, timestamp, sequenceNumber, publisherId, msgChainId },
    prevMsgRef, messageType, contentType, encryptionType, groupKeyId, newGroupKey, content, signatureType, signature,
  })
}

/** Message to bytes. Throws MessageLayerException if the message breaks a rule decode would enforce. */
export function encodeStreamMessage(m: StreamMessage, options: CodecOptions = DEFAULT_CODEC_OPTIONS): Uint8Array {
  const problem = validateStreamMessage(m, options)
  if (problem !== null) throw new MessageLayerException(problem.code, `${problem.field}: ${problem.detail}`)
  const id = m.messageId
  const streamId = utf8(id.streamId)
  const msgChainId = utf8(id.msgChainId)
  const groupKeyId = m.groupKeyId === null ? null : utf8(m.groupKeyId)
  const newKeyId = m.newGroupKey === null ? null : utf8(m.newGroupKey.id)
  let size = 7 + prefixed(streamId.length) + varintSize(id.timestamp) + varintSize(id.sequenceNumber) + ADDRESS_BYTES
    + prefixed(msgChainId.length) + prefixed(m.content.length) + SIGNATURE_BYTES
  if (m.prevMsgRef !== null) size += varintSize(m.prevMsgRef.timestamp) + varintSize(m.prevMsgRef.sequenceNumber)
  if (groupKeyId !== null) size += prefixed(groupKeyId.length)
  if (newKeyId !== null) size += prefixed(newKeyId.length) + prefixed(m.newGroupKey!.data.length)
  if (size > options.maxMessageBytes) throw new MessageLayerException(ERR.TOO_LARGE, `${size} bytes, at most ${options.maxMessageBytes}`)

  const w = new ByteWriter(size)
  w.u8(CODEC_VERSION)
  w.u8((m.prevMsgRef !== null ? FLAG_PREV : 0) | (groupKeyId !== null ? FLAG_GROUP_KEY_ID : 0) | (newKeyId !== null ? FLAG_NEW_GROUP_KEY : 0))
  w.u8(m.messageType)
  w.u8(m.contentType)
  w.u8(m.encryptionType)
  w.u8(m.signatureType)
  w.u8(id.streamPartition)
  w.lengthPrefixed(streamId)
  w.varint(id.timestamp)
  w.varint(id.sequenceNumber)
  w.bytes(addressToBytes(id.publisherId))
  w.lengthPrefixed(msgChainId)
  if (m.prevMsgRef !== null) {
    w.varint(m.prevMsgRef.timestamp)
    w.varint(m.prevMsgRef.sequenceNumber)
  }
  if (groupKeyId !== null) w.lengthPrefixed(groupKeyId)
  if (newKeyId !== null) {
    w.lengthPrefixed(newKeyId)
    w.lengthPrefixed(m.newGroupKey!.data)
  }
  w.lengthPrefixed(m.content)
  w.bytes(m.signature)
  return w.finish()
}

function prefixed(length: number): number {
  return varintSize(length) + length
}

/**
 * Null if `m` is a message the codec can carry, else the first rule it breaks. Checks types too,
 * since a message may have been built by untyped code. Says nothing about the signature's
 * validity (signing.ts) or whether prevMsgRef is before the message (the duplicate detector's job).
 */
export function validateStreamMessage(m: StreamMessage, o: CodecOptions = DEFAULT_CODEC_OPTIONS): InvalidField | null {
  if (typeof m !== 'object' || m === null) return invalid(ERR.INCONSISTENT_FIELDS, 'message', 'not an object')
  const id = m.messageId
  if (typeof id !== 'object' || id === null) return invalid(ERR.INCONSISTENT_FIELDS, 'messageId', 'not an object')
  return checkString(id.streamId, 'streamId', o.maxStreamIdBytes)
    ?? checkInt(id.streamPartition, MAX_PARTITION, 'partition')
    ?? checkInt(id.timestamp, MAX_TIMESTAMP, 'timestamp')
    ?? checkInt(id.sequenceNumber, MAX_SEQUENCE_NUMBER, 'sequenceNumber')
    ?? (isAddress(id.publisherId) ? null : invalid(ERR.BAD_ADDRESS, 'publisherId', 'must be a lowercase 0x address'))
    ?? checkString(id.msgChainId, 'msgChainId', o.maxMsgChainIdBytes)
    ?? checkPrev(m.prevMsgRef)
    ?? checkEnum(m.messageType, MESSAGE_TYPE_GROUP_KEY_RESPONSE, 'messageType')
    ?? checkEnum(m.contentType, CONTENT_TYPE_BINARY, 'contentType')
    ?? checkEnum(m.encryptionType, ENCRYPTION_AES, 'encryptionType')
    ?? (m.signatureType === SIGNATURE_TYPE_SECP256K1 ? null : invalid(ERR.BAD_ENUM, 'signatureType', `${m.signatureType}`))
    ?? (m.groupKeyId === null ? null : checkString(m.groupKeyId, 'groupKeyId', o.maxGroupKeyIdBytes))
    ?? checkNewGroupKey(m.newGroupKey, o)
    ?? (m.content instanceof Uint8Array ? null : invalid(ERR.INCONSISTENT_FIELDS, 'content', 'not bytes'))
    ?? checkSignatureShape(m.signature)
    ?? checkConsistency(m)
}

function checkConsistency(m: StreamMessage): InvalidField | null {
  if ((m.encryptionType === ENCRYPTION_AES) !== (m.groupKeyId !== null)) {
    return invalid(ERR.INCONSISTENT_FIELDS, 'message', 'groupKeyId must be set exactly when the content is encrypted')
  }
  if (m.newGroupKey !== null && (m.messageType !== MESSAGE_TYPE_CONTENT || m.encryptionType !== ENCRYPTION_AES)) {
    return invalid(ERR.INCONSISTENT_FIELDS, 'message', 'newGroupKey rides only on encrypted content messages')
  }
  if (m.messageType !== MESSAGE_TYPE_CONTENT && (m.encryptionType !== ENCRYPTION_NONE || m.contentType !== CONTENT_TYPE_BINARY)) {
    return invalid(ERR.INCONSISTENT_FIELDS, 'message', 'group key requests and responses are binary and not AES-encrypted')
  }
  return null
}

function checkString(value: unknown, field: string, maxBytes: number): InvalidField | null {
  if (typeof value !== 'string') return invalid(ERR.BAD_STRING, field, 'not a string')
  const n = utf8Length(value)
  if (n < 0) return invalid(ERR.BAD_STRING, field, 'has a lone surrogate')
  if (n < 1 || n > maxBytes) return invalid(ERR.BAD_LENGTH, field, `${n} UTF-8 bytes, expected 1..${maxBytes}`)
  return null
}

function checkInt(value: unknown, max: number, field: string): InvalidField | null {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max
    ? null
    : invalid(ERR.OUT_OF_RANGE, field, `got ${String(value)}, expected an integer in 0..${max}`)
}

function checkEnum(value: unknown, max: number, field: string): InvalidField | null {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= max ? null : invalid(ERR.BAD_ENUM, field, String(value))
}

function checkPrev(prev: MessageRef | null): InvalidField | null {
  if (prev === null) return null
  if (typeof prev !== 'object') return invalid(ERR.INCONSISTENT_FIELDS, 'prevMsgRef', 'neither null nor an object')
  return checkInt(prev.timestamp, MAX_TIMESTAMP, 'prevMsgRef.timestamp') ?? checkInt(prev.sequenceNumber, MAX_SEQUENCE_NUMBER, 'prevMsgRef.sequenceNumber')
}

function checkNewGroupKey(key: EncryptedGroupKey | null, o: CodecOptions): InvalidField | null {
  if (key === null) return null
  if (typeof key !== 'object') return invalid(ERR.INCONSISTENT_FIELDS, 'newGroupKey', 'neither null nor an object')
  const idProblem = checkString(key.id, 'newGroupKey.id', o.maxGroupKeyIdBytes)
  if (idProblem !== null) return idProblem
  if (!(key.data instanceof Uint8Array) || key.data.length < 1 || key.data.length > o.maxNewGroupKeyBytes) {
    return invalid(ERR.BAD_LENGTH, 'newGroupKey.data', `must be 1..${o.maxNewGroupKeyBytes} bytes`)
  }
  return null
}

/** Shape only (length, v byte); whether it verifies is signing.ts's question. */
function checkSignatureShape(signature: unknown): InvalidField | null {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return invalid(ERR.BAD_LENGTH, 'signature', `must be ${SIGNATURE_BYTES} bytes`)
  const v = signature[SIGNATURE_BYTES - 1]
  return v === 27 || v === 28 ? null : invalid(ERR.BAD_SIGNATURE, 'signature', `v byte ${v}, expected 27 or 28`)
}

function invalid(code: ErrorCode, field: string, detail: string): InvalidField {
  return { code, field, detail }
}

// The live wire form of the storage protocol's three kinds (core/storage/storage-messages.ts),
// for live/wire-codec.ts. Binary like the other kinds, not the JSON fallback: a resent message is
// a StreamMessage whose content and signature are bytes, which JSON would turn into objects of
// numbered keys; here it travels in the message layer's own codec, as content frames do, and is
// checked field by field on the way in.
//
// After the frame's magic and kind (integers big-endian, str16 = u16 byte length + UTF-8):
//   request (30): requestId f64 | streamPartId str16 | filter flags u8 (bit 0 publisherId, bit 1 msgChainId)
//                 | [publisherId str16] | [msgChainId str16] | query type u8, then
//                   last (0): count f64 | from (1): fromTimestamp f64
//                   range (2): from timestamp f64, sequence number f64, to timestamp f64, sequence number f64
//   message (31): requestId f64 | the StreamMessage (core/message-layer/codec.ts), to the end of the frame
//   end (32):     requestId f64 | count f64 | status u8 (0 ok, 1 truncated, 2 not-stored)
// Numbers are f64 so any safe integer or finite timestamp round-trips. What decodes is then held to
// core's own shape checks (isResendRequestMessage and the rest), so a decoded message is one core
// accepts: a frame that breaks any rule is refused here, dropped and counted by the transport as garbage.

import type { WireMessage } from '../../core/ports.ts'
import { LARGEST_LENGTH, utf8 } from '../../core/message-layer/binary.ts'
import type { ByteReader } from '../../core/message-layer/byte-reader.ts'
import type { ByteWriter } from '../../core/message-layer/byte-writer.ts'
import { type CodecOptions, decodeStreamMessage, encodeStreamMessage } from '../../core/message-layer/codec.ts'
import { ERR, MessageLayerException } from '../../core/message-layer/errors.ts'
import {
  MAX_ID_CHARS, RESEND_NOT_STORED, RESEND_OK, RESEND_TRUNCATED, type ResendEndMessage, type ResendMessageMessage,
  type ResendQuery, type ResendRequestMessage, type ResendStatus, WIRE_RESEND_END, WIRE_RESEND_MESSAGE, WIRE_RESEND_REQUEST,
  isResendEndMessage, isResendMessageMessage, isResendRequestMessage,
} from '../../core/storage/storage-messages.ts'

export const RESEND_WIRE_KINDS: readonly number[] = [WIRE_RESEND_REQUEST, WIRE_RESEND_MESSAGE, WIRE_RESEND_END]

const FLAG_PUBLISHER = 1
const FLAG_CHAIN = 2
const QUERY_TYPES = ['last', 'from', 'range'] as const
const STATUSES: readonly ResendStatus[] = [RESEND_OK, RESEND_TRUNCATED, RESEND_NOT_STORED]
/** Offset of a resent StreamMessage in its frame: magic, kind, request id. */
const RESENT_MESSAGE_OFFSET = 10

/** Writes the body of a storage-protocol message; throws MessageLayerException for one core could not have built. */
export function writeResendBody(w: ByteWriter, message: WireMessage, codec: CodecOptions): void {
  switch (message.kind) {
    case WIRE_RESEND_REQUEST: {
      if (!isResendRequestMessage(message)) throw new MessageLayerException(ERR.INCONSISTENT_FIELDS, 'not a well-formed resend request')
      w.f64(message.requestId)
      writeId(w, message.streamPartId)
      w.u8((message.publisherId !== undefined ? FLAG_PUBLISHER : 0) | (message.msgChainId !== undefined ? FLAG_CHAIN : 0))
      if (message.publisherId !== undefined) writeId(w, message.publisherId)
      if (message.msgChainId !== undefined) writeId(w, message.msgChainId)
      const q = message.query
      w.u8(QUERY_TYPES.indexOf(q.type))
      if (q.type === 'last') w.f64(q.count)
      else if (q.type === 'from') w.f64(q.fromTimestamp)
      else for (const v of [q.from.timestamp, q.from.sequenceNumber, q.to.timestamp, q.to.sequenceNumber]) w.f64(v)
      return
    }
    case WIRE_RESEND_MESSAGE: {
      if (!isResendMessageMessage(message)) throw new MessageLayerException(ERR.INCONSISTENT_FIELDS, 'not a well-formed resent message')
      w.f64(message.requestId)
      w.bytes(encodeStreamMessage(message.message, codec))
      return
    }
    case WIRE_RESEND_END: {
      if (!isResendEndMessage(message)) throw new MessageLayerException(ERR.INCONSISTENT_FIELDS, 'not a well-formed resend end')
      w.f64(message.requestId)
      w.f64(message.count)
      w.u8(STATUSES.indexOf(message.status))
      return
    }
    default:
      throw new MessageLayerException(ERR.BAD_ENUM, `kind ${message.kind} is not a storage kind`)
  }
}

/** Reads the body of a storage-protocol frame of `kind`; `sizeBytes` is the frame's length. */
export function readResendBody(r: ByteReader, kind: number, sizeBytes: number, codec: CodecOptions): WireMessage {
  const requestId = r.f64('requestId')
  switch (kind) {
    case WIRE_RESEND_REQUEST: {
      const streamPartId = readId(r, 'streamPartId')
      const flags = r.u8('flags')
      if ((flags & ~(FLAG_PUBLISHER | FLAG_CHAIN)) !== 0) r.fail(ERR.BAD_FLAGS, `unknown filter flags 0x${flags.toString(16)}`)
      const publisherId = (flags & FLAG_PUBLISHER) !== 0 ? readId(r, 'publisherId') : undefined
      const msgChainId = (flags & FLAG_CHAIN) !== 0 ? readId(r, 'msgChainId') : undefined
      const type = r.u8('query type')
      let query: ResendQuery
      if (type === 0) query = { type: 'last', count: r.f64('count') }
      else if (type === 1) query = { type: 'from', fromTimestamp: r.f64('fromTimestamp') }
      else if (type === 2) {
        const from = { timestamp: r.f64('from.timestamp'), sequenceNumber: r.f64('from.sequenceNumber') }
        query = { type: 'range', from, to: { timestamp: r.f64('to.timestamp'), sequenceNumber: r.f64('to.sequenceNumber') } }
      } else return r.fail(ERR.BAD_ENUM, `query type ${type}`)
      const m: ResendRequestMessage = { kind: WIRE_RESEND_REQUEST, sizeBytes, requestId, streamPartId, query }
      if (publisherId !== undefined) (m as { publisherId?: string }).publisherId = publisherId
      if (msgChainId !== undefined) (m as { msgChainId?: string }).msgChainId = msgChainId
      if (!isResendRequestMessage(m)) r.fail(ERR.OUT_OF_RANGE, 'a request id, count, timestamp or range core does not accept')
      return m
    }
    case WIRE_RESEND_MESSAGE: {
      const decoded = decodeStreamMessage(r.rest('message'), codec)
      if (!decoded.ok) r.failAt(`message.${decoded.error.field}`, RESENT_MESSAGE_OFFSET + decoded.error.offset, decoded.error.code, decoded.error.detail)
      const m: ResendMessageMessage = { kind: WIRE_RESEND_MESSAGE, sizeBytes, requestId, message: decoded.message }
      if (!isResendMessageMessage(m)) r.fail(ERR.OUT_OF_RANGE, `bad request id ${requestId}`)
      return m
    }
    case WIRE_RESEND_END: {
      const count = r.f64('count')
      const status = STATUSES[r.u8('status')]
      if (status === undefined) r.fail(ERR.BAD_ENUM, 'unknown status')
      const m: ResendEndMessage = { kind: WIRE_RESEND_END, sizeBytes, requestId, count, status }
      if (!isResendEndMessage(m)) r.fail(ERR.OUT_OF_RANGE, 'a request id or count core does not accept')
      return m
    }
    default:
      return r.fail(ERR.BAD_ENUM, `kind ${kind} is not a storage kind`)
  }
}

function writeId(w: ByteWriter, id: string): void {
  w.lengthPrefixed(utf8(id), 'u16')
}

/** Ids are at most MAX_ID_CHARS characters, so at most 3 bytes each in UTF-8 (a u16 holds that). */
function readId(r: ByteReader, field: string): string {
  return r.string(1, Math.min(MAX_ID_CHARS * 3, LARGEST_LENGTH.u16), field, 'u16')
}

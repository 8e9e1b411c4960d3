// Bytes for every WireMessage that core sends, for the live transports.
//
// Format: a compact binary form, not JSON. Why:
//   - Content is bytes. JSON would need base64 (+33%) or a second frame; here it is copied as is.
//   - The header of a content message is about 60 bytes plus its ids, against 250+ for JSON with
//     field names, and every message of a flood is encoded once per hop.
//   - Every length is read before anything is allocated and checked against what is left of the
//     frame and against core's own bounds (MAX_LISTED_NODES, MAX_SIGNAL_PAYLOAD_CHARS), so a
//     hostile frame costs at most its own size. JSON.parse would build the whole object first.
//   - No number surprises: integers are fixed-width and checked, timestamps are float64.
// Kinds that have no binary form yet (a future LinkProtocol, e.g. the DHT at 20-29) travel as
// UTF-8 JSON after the kind byte, so a new protocol works live before it gets one; core
// validates them as it validates anything from a peer.
//
// Frame: 0xB1 (magic and version 1), kind (u8), body. Integers are big-endian.
//   str16 = u16 byte length + UTF-8; str32 = u32 byte length + UTF-8.
//   content (1):     the StreamMessage in the message layer's own codec
//                    (core/message-layer/codec.ts): signed messages only, every field checked
//   handshake (2), reply (3), leave (4): streamPartId str16, accepted u8 (0 false, 1 true, 2 absent)
//   status (10), instruction (11): streamPartId str16, counter f64 (a safe integer),
//                    count u16, count x node id str16
//   signal (12):     from str16, to str16, payload str32
//   key request (33), key response (34): the StreamMessage in the message layer's codec, as
//                    content, whose messageType must be the kind's (the ECIES-sealed keys are
//                    bytes inside it: JSON would mangle them)
//   rpc (20-22):     UTF-8 JSON as below, with peer descriptors and byte strings in the forms of
//                    dht/descriptor-wire.ts (a descriptor's DHT id derived from its node id)
//   resend (30-32):  request, resent message (its StreamMessage in the message layer's codec)
//                    and end marker, in storage/resend-wire.ts's binary form
//   other >= 13:     UTF-8 JSON of the message without kind and sizeBytes
// A frame must be consumed exactly: trailing bytes are an error.
//
// Decoding never throws; it returns the DecodeError every codec returns (code, field, byte
// offset; a content frame's own problems are named `content.<field>`). A decoded message's
// sizeBytes is its frame length, and a content message's streamPartId and chainKey are computed
// here from its id fields, never taken from the peer.

import {
  type ContentWireMessage, type ControlWireMessage, FIRST_PROTOCOL_WIRE_KIND, type WireMessage,
  WIRE_CONTENT, WIRE_HANDSHAKE, WIRE_HANDSHAKE_REPLY, WIRE_LEAVE,
} from '../core/ports.ts'
import type { StreamMessage } from '../core/message.ts'
import { LARGEST_LENGTH, type LengthPrefix, utf8 } from '../core/message-layer/binary.ts'
import { type ByteReader, decodeWith } from '../core/message-layer/byte-reader.ts'
import { ByteWriter } from '../core/message-layer/byte-writer.ts'
import { decodeStreamMessage, encodeStreamMessage, type CodecOptions, createCodecOptions } from '../core/message-layer/codec.ts'
import { ERR, MessageLayerException, type Refused, refuse } from '../core/message-layer/errors.ts'
import {
  COUNTER_LEFT, MAX_LISTED_NODES, MAX_SIGNAL_PAYLOAD_CHARS, type TrackerInstructionMessage, type TrackerSignalMessage,
  type TrackerStatusMessage, WIRE_TRACKER_INSTRUCTION, WIRE_TRACKER_SIGNAL, WIRE_TRACKER_STATUS,
} from '../core/tracker/tracker-messages.ts'
import { RPC_WIRE_KINDS } from '../core/rpc/rpc-messages.ts'
import { type KeyExchangeWireMessage, WIRE_GROUP_KEY_REQUEST, WIRE_GROUP_KEY_RESPONSE } from '../core/security/key-exchange-messages.ts'
import { MESSAGE_TYPE_GROUP_KEY_REQUEST, MESSAGE_TYPE_GROUP_KEY_RESPONSE } from '../core/message.ts'
import { DescriptorWireError, rpcReplacer, rpcReviver } from './dht/descriptor-wire.ts'
import { RESEND_WIRE_KINDS, readResendBody, writeResendBody } from './storage/resend-wire.ts'
import { WIRE_RESEND_MESSAGE } from '../core/storage/storage-messages.ts'

/** First byte of every wire-message frame: magic and format version. */
export const WIRE_FRAME_MAGIC = 0xb1
/** Default bound on a frame, in both directions (1 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20
/** Frames are at least magic + kind. */
export const MIN_FRAME_BYTES = 2

export interface WireCodecOptions {
  /** Frames longer than this are refused on encode and on decode. */
  maxFrameBytes: number
}

export const DEFAULT_WIRE_CODEC_OPTIONS: Readonly<WireCodecOptions> = { maxFrameBytes: DEFAULT_MAX_FRAME_BYTES }

export function createWireCodecOptions(options: Partial<WireCodecOptions> = {}): WireCodecOptions {
  const o = { ...DEFAULT_WIRE_CODEC_OPTIONS, ...options }
  if (!Number.isInteger(o.maxFrameBytes) || o.maxFrameBytes < 64) throw new RangeError(`maxFrameBytes must be an integer >= 64, got ${o.maxFrameBytes}`)
  return o
}

/** Encoding refuses only what our own code built wrong; the reason is for a log, not a peer. */
export type EncodeResult = { ok: true; frame: Uint8Array } | { ok: false; error: string }
export type DecodeResult = { ok: true; message: WireMessage } | Refused

const ACCEPTED_FALSE = 0
const ACCEPTED_TRUE = 1
const ACCEPTED_ABSENT = 2
/** The writer starts this big and grows by doubling up to maxFrameBytes. */
const INITIAL_WRITER_BYTES = 1024
/** Offset of a content frame's StreamMessage: after magic and kind. */
const CONTENT_OFFSET = 2

/** The StreamMessage type a key-exchange kind carries. */
function keyExchangeMessageType(kind: number): number | undefined {
  return kind === WIRE_GROUP_KEY_REQUEST ? MESSAGE_TYPE_GROUP_KEY_REQUEST : kind === WIRE_GROUP_KEY_RESPONSE ? MESSAGE_TYPE_GROUP_KEY_RESPONSE : undefined
}

/**
 * Encodes and decodes wire frames. Stateless apart from a reused buffer and two caches that
 * save work on the flooding path: the last message encoded (a relay sends one object to each
 * neighbour in turn) and, for decoded content, its own frame (relaying forwards those bytes).
 */
export class WireCodec {
  readonly options: WireCodecOptions
  /** The message layer's bounds, with its size limit tied to the frame's. */
  private readonly messageCodec: CodecOptions
  private readonly writer: ByteWriter
  private lastMessage: WireMessage | undefined
  private lastFrame: Uint8Array | undefined
  private readonly framesOfDecoded = new WeakMap<object, Uint8Array>()

  constructor(options: Partial<WireCodecOptions> = {}) {
    this.options = createWireCodecOptions(options)
    this.messageCodec = createCodecOptions({ maxMessageBytes: this.options.maxFrameBytes })
    this.writer = new ByteWriter(INITIAL_WRITER_BYTES, this.options.maxFrameBytes)
  }

  encode(message: WireMessage): EncodeResult {
    if (message === this.lastMessage && this.lastFrame !== undefined) return { ok: true, frame: this.lastFrame }
    const known = typeof message === 'object' && message !== null ? this.framesOfDecoded.get(message) : undefined
    if (known !== undefined) return { ok: true, frame: known }
    const w = this.writer
    w.reset()
    try {
      this.write(w, message)
    } catch (error) {
      if (error instanceof MessageLayerException) return { ok: false, error: error.message }
      return { ok: false, error: `cannot encode: ${String(error)}` }
    }
    const frame = w.copy()
    this.lastMessage = message
    this.lastFrame = frame
    return { ok: true, frame }
  }

  decode(frame: Uint8Array): DecodeResult {
    if (!(frame instanceof Uint8Array)) return refuse(ERR.NOT_BYTES, 'frame', 0, 'not bytes')
    if (frame.byteLength > this.options.maxFrameBytes) return refuse(ERR.TOO_LARGE, 'frame', 0, `frame of ${frame.byteLength} bytes exceeds ${this.options.maxFrameBytes}`)
    if (frame.byteLength < MIN_FRAME_BYTES) return refuse(ERR.TRUNCATED, 'frame', 0, `${frame.byteLength} bytes, at least ${MIN_FRAME_BYTES}`)
    // Content (and a StreamMessage inside a key exchange or resend) gets its own copy of the frame:
    // its bytes are a view into it, and relaying sends it as is. A socket's buffer may be a view into a larger chunk the message would pin.
    const own = frame[1] === WIRE_CONTENT || frame[1] === WIRE_RESEND_MESSAGE || keyExchangeMessageType(frame[1]) !== undefined ? frame.slice() : frame
    const read = decodeWith(own, (r) => this.read(r, own))
    return read.ok ? { ok: true, message: read.value } : read
  }

  private write(w: ByteWriter, message: WireMessage): void {
    if (typeof message !== 'object' || message === null) throw new MessageLayerException(ERR.INCONSISTENT_FIELDS, 'not a message')
    const kind = message.kind
    if (!Number.isInteger(kind) || kind < 0 || kind > 255) throw new MessageLayerException(ERR.BAD_ENUM, `kind must be an integer in [0, 255], got ${String(kind)}`)
    w.u8(WIRE_FRAME_MAGIC)
    w.u8(kind)
    switch (kind) {
      case WIRE_CONTENT:
        return this.writeContent(w, (message as ContentWireMessage).message)
      case WIRE_GROUP_KEY_REQUEST:
      case WIRE_GROUP_KEY_RESPONSE: {
        const m = (message as KeyExchangeWireMessage).message
        if (typeof m !== 'object' || m === null || m.messageType !== keyExchangeMessageType(kind)) {
          throw new MessageLayerException(ERR.INCONSISTENT_FIELDS, `kind ${kind} must carry a StreamMessage of type ${keyExchangeMessageType(kind)}`)
        }
        return this.writeContent(w, m)
      }
      case WIRE_HANDSHAKE:
      case WIRE_HANDSHAKE_REPLY:
      case WIRE_LEAVE: {
        const m = message as ControlWireMessage
        writeString(w, m.streamPartId, 'streamPartId')
        w.u8(m.accepted === undefined ? ACCEPTED_ABSENT : m.accepted ? ACCEPTED_TRUE : ACCEPTED_FALSE)
        return
      }
      case WIRE_TRACKER_STATUS:
      case WIRE_TRACKER_INSTRUCTION: {
        const m = message as TrackerStatusMessage | TrackerInstructionMessage
        writeString(w, m.streamPartId, 'streamPartId')
        if (!Number.isSafeInteger(m.counter)) throw new MessageLayerException(ERR.OUT_OF_RANGE, `counter must be a safe integer, got ${String(m.counter)}`)
        w.f64(m.counter)
        if (!Array.isArray(m.neighbours) || m.neighbours.length > MAX_LISTED_NODES) {
          throw new MessageLayerException(ERR.BAD_LENGTH, `neighbours must be a list of at most ${MAX_LISTED_NODES}`)
        }
        writeNodeIds(w, m.neighbours, 'neighbours')
        // Unreachable peers ride as an optional trailer: a status without them is the reference's bytes.
        const unreachable = kind === WIRE_TRACKER_STATUS ? (m as TrackerStatusMessage).unreachable ?? [] : []
        if (unreachable.length > 0) writeNodeIds(w, unreachable, 'unreachable')
        return
      }
      case WIRE_TRACKER_SIGNAL: {
        const m = message as TrackerSignalMessage
        writeString(w, m.from, 'from')
        writeString(w, m.to, 'to')
        if (typeof m.payload !== 'string' || m.payload.length > MAX_SIGNAL_PAYLOAD_CHARS) {
          throw new MessageLayerException(ERR.BAD_LENGTH, `payload must be a string of at most ${MAX_SIGNAL_PAYLOAD_CHARS} chars`)
        }
        writeString(w, m.payload, 'payload', 'u32')
        return
      }
      default: {
        if (kind < FIRST_PROTOCOL_WIRE_KIND) throw new MessageLayerException(ERR.BAD_ENUM, `unknown kind ${kind}`)
        if (RESEND_WIRE_KINDS.includes(kind)) return writeResendBody(w, message, this.messageCodec)
        const { kind: _k, sizeBytes: _s, ...rest } = message as unknown as Record<string, unknown>
        let json: string
        try {
          json = RPC_WIRE_KINDS.includes(kind) ? JSON.stringify(rest, rpcReplacer) : JSON.stringify(rest)
        } catch (error) {
          throw new MessageLayerException(ERR.BAD_JSON, `kind ${kind} is not JSON-serialisable: ${String(error)}`)
        }
        w.bytes(utf8(json))
      }
    }
  }

  private writeContent(w: ByteWriter, m: StreamMessage): void {
    if (typeof m !== 'object' || m === null) throw new MessageLayerException(ERR.INCONSISTENT_FIELDS, 'content without a message')
    w.bytes(encodeStreamMessage(m, this.messageCodec))
  }

  /** The StreamMessage is the rest of the frame; its own codec's error is reported inside `content`. */
  private readContent(r: ByteReader): StreamMessage {
    const decoded = decodeStreamMessage(r.rest('content'), this.messageCodec)
    if (!decoded.ok) r.failAt(`content.${decoded.error.field}`, CONTENT_OFFSET + decoded.error.offset, decoded.error.code, decoded.error.detail)
    return decoded.message
  }

  private read(r: ByteReader, frame: Uint8Array): WireMessage {
    const magic = r.u8('magic')
    if (magic !== WIRE_FRAME_MAGIC) r.fail(ERR.UNSUPPORTED_VERSION, `bad magic 0x${magic.toString(16)}`)
    const kind = r.u8('kind')
    const sizeBytes = frame.byteLength
    switch (kind) {
      case WIRE_CONTENT: {
        const wire: ContentWireMessage = { kind: WIRE_CONTENT, sizeBytes, message: this.readContent(r) }
        this.framesOfDecoded.set(wire, frame)
        return wire
      }
      case WIRE_GROUP_KEY_REQUEST:
      case WIRE_GROUP_KEY_RESPONSE: {
        const message = this.readContent(r)
        if (message.messageType !== keyExchangeMessageType(kind)) {
          r.failAt('content.messageType', CONTENT_OFFSET + 2, ERR.INCONSISTENT_FIELDS, `kind ${kind} carries a message of type ${message.messageType}`)
        }
        const wire: KeyExchangeWireMessage = { kind, sizeBytes, message }
        return wire
      }
      case WIRE_HANDSHAKE:
      case WIRE_HANDSHAKE_REPLY:
      case WIRE_LEAVE: {
        const streamPartId = readString(r, 'streamPartId')
        const accepted = r.u8('accepted')
        if (accepted > ACCEPTED_ABSENT) r.fail(ERR.BAD_ENUM, `bad accepted flag ${accepted}`)
        const m: ControlWireMessage = accepted === ACCEPTED_ABSENT
          ? { kind, sizeBytes, streamPartId }
          : { kind, sizeBytes, streamPartId, accepted: accepted === ACCEPTED_TRUE }
        return m
      }
      case WIRE_TRACKER_STATUS:
      case WIRE_TRACKER_INSTRUCTION: {
        const streamPartId = readString(r, 'streamPartId')
        const counter = r.f64('counter')
        const min = kind === WIRE_TRACKER_STATUS ? COUNTER_LEFT : 0
        if (!Number.isSafeInteger(counter) || counter < min) r.fail(ERR.OUT_OF_RANGE, `bad counter ${counter}`)
        const neighbours = readNodeIds(r, 'neighbours')
        if (kind === WIRE_TRACKER_INSTRUCTION) {
          const instruction: TrackerInstructionMessage = { kind: WIRE_TRACKER_INSTRUCTION, sizeBytes, streamPartId, neighbours, counter }
          return instruction
        }
        const unreachable = r.remaining > 0 ? readNodeIds(r, 'unreachable') : []
        const status: TrackerStatusMessage = unreachable.length === 0
          ? { kind: WIRE_TRACKER_STATUS, sizeBytes, streamPartId, neighbours, counter }
          : { kind: WIRE_TRACKER_STATUS, sizeBytes, streamPartId, neighbours, counter, unreachable }
        return status
      }
      case WIRE_TRACKER_SIGNAL: {
        const from = readString(r, 'from')
        const to = readString(r, 'to')
        const payload = readString(r, 'payload', 'u32')
        if (payload.length > MAX_SIGNAL_PAYLOAD_CHARS) r.fail(ERR.BAD_LENGTH, `payload longer than ${MAX_SIGNAL_PAYLOAD_CHARS} chars`)
        const m: TrackerSignalMessage = { kind: WIRE_TRACKER_SIGNAL, sizeBytes, from, to, payload }
        return m
      }
      default: {
        if (kind < FIRST_PROTOCOL_WIRE_KIND) r.fail(ERR.BAD_ENUM, `unknown kind ${kind}`)
        if (RESEND_WIRE_KINDS.includes(kind)) return readResendBody(r, kind, sizeBytes, this.messageCodec)
        const text = r.restString('body')
        let body: unknown
        try {
          body = RPC_WIRE_KINDS.includes(kind) ? JSON.parse(text, rpcReviver) : JSON.parse(text)
        } catch (error) {
          if (error instanceof DescriptorWireError) return r.fail(ERR.BAD_JSON, `kind ${kind}: ${error.message}`)
          return r.fail(ERR.BAD_JSON, `kind ${kind}: body is not JSON`)
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) r.fail(ERR.BAD_JSON, `kind ${kind}: body is not an object`)
        // kind and sizeBytes are ours, whatever the body says.
        return { ...(body as Record<string, unknown>), kind, sizeBytes } as WireMessage
      }
    }
  }
}

/** Wire strings: a u16 byte length (u32 for signal payloads) and UTF-8. */
function readString(r: ByteReader, field: string, prefix: LengthPrefix = 'u16'): string {
  return r.string(0, LARGEST_LENGTH[prefix], field, prefix)
}

function writeString(w: ByteWriter, value: unknown, field: string, prefix: LengthPrefix = 'u16'): void {
  if (typeof value !== 'string') throw new MessageLayerException(ERR.BAD_STRING, `${field} is not a string`)
  w.lengthPrefixed(utf8(value), prefix)
}

function writeNodeIds(w: ByteWriter, ids: unknown, field: string): void {
  if (!Array.isArray(ids) || ids.length > MAX_LISTED_NODES) {
    throw new MessageLayerException(ERR.BAD_LENGTH, `${field} must be a list of at most ${MAX_LISTED_NODES}`)
  }
  w.u16(ids.length)
  for (const id of ids) writeString(w, id, `${field} id`)
}

function readNodeIds(r: ByteReader, field: string): string[] {
  const count = r.u16(`${field} count`)
  if (count > MAX_LISTED_NODES) r.fail(ERR.OUT_OF_RANGE, `${count} ${field} listed, at most ${MAX_LISTED_NODES}`)
  // Each id needs at least its 2-byte length: a count the frame cannot hold allocates nothing.
  if (count * 2 > r.remaining) r.fail(ERR.TRUNCATED, `${count} ${field} cannot fit in ${r.remaining} bytes`)
  const ids: string[] = []
  for (let i = 0; i < count; i++) ids.push(readString(r, `${field} id`))
  return ids
}

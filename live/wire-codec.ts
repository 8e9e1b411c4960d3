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
//   other >= 13:     UTF-8 JSON of the message without kind and sizeBytes
// A frame must be consumed exactly: trailing bytes are an error.
//
// Decoding never throws; it returns an error value. A decoded message's sizeBytes is its frame
// length, and a content message's streamPartId and chainKey are computed here from its id
// fields, never taken from the peer.

import {
  type ContentWireMessage, type ControlWireMessage, FIRST_PROTOCOL_WIRE_KIND, type WireMessage,
  WIRE_CONTENT, WIRE_HANDSHAKE, WIRE_HANDSHAKE_REPLY, WIRE_LEAVE,
} from '../core/ports.ts'
import type { StreamMessage } from '../core/message.ts'
import { decodeStreamMessage, encodeStreamMessage, type CodecOptions, createCodecOptions } from '../core/message-layer/codec.ts'
import { MessageLayerException } from '../core/message-layer/errors.ts'
import {
  COUNTER_LEFT, MAX_LISTED_NODES, MAX_SIGNAL_PAYLOAD_CHARS, type TrackerInstructionMessage, type TrackerSignalMessage,
  type TrackerStatusMessage, WIRE_TRACKER_INSTRUCTION, WIRE_TRACKER_SIGNAL, WIRE_TRACKER_STATUS,
} from '../core/tracker/tracker-messages.ts'

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

export type EncodeResult = { ok: true; frame: Uint8Array } | { ok: false; error: string }
export type DecodeResult = { ok: true; message: WireMessage } | { ok: false; error: string }

const ACCEPTED_FALSE = 0
const ACCEPTED_TRUE = 1
const ACCEPTED_ABSENT = 2
const U16_MAX = 0xffff

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

class EncodeError extends Error {}

/** Grows by doubling; one per codec, reused for every encode. */
class Writer {
  buf = new Uint8Array(1024)
  view = new DataView(this.buf.buffer)
  pos = 0

  constructor(private readonly limit: number) {}

  reset(): void {
    this.pos = 0
  }

  private ensure(n: number): void {
    const need = this.pos + n
    if (need > this.limit) throw new EncodeError(`frame would exceed ${this.limit} bytes`)
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = new Uint8Array(Math.min(size, Math.max(need, this.limit)))
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  u8(v: number): void {
    this.ensure(1)
    this.buf[this.pos++] = v
  }

  u16(v: number): void {
    this.ensure(2)
    this.view.setUint16(this.pos, v)
    this.pos += 2
  }

  u32(v: number): void {
    this.ensure(4)
    this.view.setUint32(this.pos, v)
    this.pos += 4
  }

  f64(v: number): void {
    this.ensure(8)
    this.view.setFloat64(this.pos, v)
    this.pos += 8
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.byteLength)
    this.buf.set(b, this.pos)
    this.pos += b.byteLength
  }

  str(s: unknown, what: string, wide = false): void {
    if (typeof s !== 'string') throw new EncodeError(`${what} is not a string`)
    const b = utf8Encoder.encode(s)
    if (wide) this.u32(b.byteLength)
    else {
      if (b.byteLength > U16_MAX) throw new EncodeError(`${what} is longer than ${U16_MAX} bytes`)
      this.u16(b.byteLength)
    }
    this.bytes(b)
  }

  /** A copy: the buffer is reused by the next encode. */
  frame(): Uint8Array {
    return this.buf.slice(0, this.pos)
  }
}

class DecodeError extends Error {}

class Reader {
  pos = 0
  private readonly view: DataView

  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  get left(): number {
    return this.buf.byteLength - this.pos
  }

  private need(n: number, what: string): void {
    if (n > this.left) throw new DecodeError(`truncated ${what}`)
  }

  u8(what: string): number {
    this.need(1, what)
    return this.buf[this.pos++]
  }

  u16(what: string): number {
    this.need(2, what)
    const v = this.view.getUint16(this.pos)
    this.pos += 2
    return v
  }

  u32(what: string): number {
    this.need(4, what)
    const v = this.view.getUint32(this.pos)
    this.pos += 4
    return v
  }

  f64(what: string): number {
    this.need(8, what)
    const v = this.view.getFloat64(this.pos)
    this.pos += 8
    return v
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what)
    const b = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }

  str(what: string, wide = false): string {
    const n = wide ? this.u32(what) : this.u16(what)
    const b = this.bytes(n, what)
    try {
      return utf8Decoder.decode(b)
    } catch {
      throw new DecodeError(`${what} is not valid UTF-8`)
    }
  }
}

function checkU8(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 255) throw new EncodeError(`${what} must be an integer in [0, 255], got ${String(v)}`)
  return v as number
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
  private readonly writer: Writer
  private lastMessage: WireMessage | undefined
  private lastFrame: Uint8Array | undefined
  private readonly framesOfDecoded = new WeakMap<object, Uint8Array>()

  constructor(options: Partial<WireCodecOptions> = {}) {
    this.options = createWireCodecOptions(options)
    this.messageCodec = createCodecOptions({ maxMessageBytes: this.options.maxFrameBytes })
    this.writer = new Writer(this.options.maxFrameBytes)
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
      if (error instanceof EncodeError) return { ok: false, error: error.message }
      return { ok: false, error: `cannot encode: ${String(error)}` }
    }
    const frame = w.frame()
    this.lastMessage = message
    this.lastFrame = frame
    return { ok: true, frame }
  }

  decode(frame: Uint8Array): DecodeResult {
    try {
      if (!(frame instanceof Uint8Array)) return { ok: false, error: 'not bytes' }
      if (frame.byteLength > this.options.maxFrameBytes) return { ok: false, error: `frame of ${frame.byteLength} bytes exceeds ${this.options.maxFrameBytes}` }
      if (frame.byteLength < MIN_FRAME_BYTES) return { ok: false, error: 'frame too short' }
      if (frame[0] !== WIRE_FRAME_MAGIC) return { ok: false, error: `bad magic 0x${frame[0].toString(16)}` }
      // Content gets its own copy of the frame: its bytes are a view into it, and relaying sends
      // it as is. A socket's buffer may be a view into a larger chunk the message would pin.
      if (frame[1] === WIRE_CONTENT) frame = frame.slice()
      const r = new Reader(frame)
      r.pos = 1
      const message = this.read(r, frame)
      if (r.left !== 0) return { ok: false, error: `${r.left} trailing bytes` }
      return { ok: true, message }
    } catch (error) {
      if (error instanceof DecodeError) return { ok: false, error: error.message }
      return { ok: false, error: `cannot decode: ${String(error)}` }
    }
  }

  private write(w: Writer, message: WireMessage): void {
    if (typeof message !== 'object' || message === null) throw new EncodeError('not a message')
    const kind = checkU8(message.kind, 'kind')
    w.u8(WIRE_FRAME_MAGIC)
    w.u8(kind)
    switch (kind) {
      case WIRE_CONTENT:
        return this.writeContent(w, (message as ContentWireMessage).message)
      case WIRE_HANDSHAKE:
      case WIRE_HANDSHAKE_REPLY:
      case WIRE_LEAVE: {
        const m = message as ControlWireMessage
        w.str(m.streamPartId, 'streamPartId')
        w.u8(m.accepted === undefined ? ACCEPTED_ABSENT : m.accepted ? ACCEPTED_TRUE : ACCEPTED_FALSE)
        return
      }
      case WIRE_TRACKER_STATUS:
      case WIRE_TRACKER_INSTRUCTION: {
        const m = message as TrackerStatusMessage | TrackerInstructionMessage
        w.str(m.streamPartId, 'streamPartId')
        if (!Number.isSafeInteger(m.counter)) throw new EncodeError(`counter must be a safe integer, got ${String(m.counter)}`)
        w.f64(m.counter)
        if (!Array.isArray(m.neighbours) || m.neighbours.length > MAX_LISTED_NODES) throw new EncodeError(`neighbours must be a list of at most ${MAX_LISTED_NODES}`)
        w.u16(m.neighbours.length)
        for (const id of m.neighbours) w.str(id, 'neighbour id')
        return
      }
      case WIRE_TRACKER_SIGNAL: {
        const m = message as TrackerSignalMessage
        w.str(m.from, 'from')
        w.str(m.to, 'to')
        if (typeof m.payload !== 'string' || m.payload.length > MAX_SIGNAL_PAYLOAD_CHARS) {
          throw new EncodeError(`payload must be a string of at most ${MAX_SIGNAL_PAYLOAD_CHARS} chars`)
        }
        w.str(m.payload, 'payload', true)
        return
      }
      default: {
        if (kind < FIRST_PROTOCOL_WIRE_KIND) throw new EncodeError(`unknown kind ${kind}`)
        const { kind: _k, sizeBytes: _s, ...rest } = message as unknown as Record<string, unknown>
        let json: string
        try {
          json = JSON.stringify(rest)
        } catch (error) {
          throw new EncodeError(`kind ${kind} is not JSON-serialisable: ${String(error)}`)
        }
        w.bytes(utf8Encoder.encode(json))
      }
    }
  }

  private writeContent(w: Writer, m: StreamMessage): void {
    if (typeof m !== 'object' || m === null) throw new EncodeError('content without a message')
    try {
      w.bytes(encodeStreamMessage(m, this.messageCodec))
    } catch (error) {
      if (error instanceof MessageLayerException) throw new EncodeError(`content: ${error.message}`)
      throw error
    }
  }

  private readContent(r: Reader): StreamMessage {
    const decoded = decodeStreamMessage(r.bytes(r.left, 'content'), this.messageCodec)
    if (!decoded.ok) throw new DecodeError(`content: ${decoded.error.code}: ${decoded.error.detail}`)
    return decoded.message
  }

  private read(r: Reader, frame: Uint8Array): WireMessage {
    const kind = r.u8('kind')
    const sizeBytes = frame.byteLength
    switch (kind) {
      case WIRE_CONTENT: {
        const wire: ContentWireMessage = { kind: WIRE_CONTENT, sizeBytes, message: this.readContent(r) }
        if (r.left === 0) this.framesOfDecoded.set(wire, frame)
        return wire
      }
      case WIRE_HANDSHAKE:
      case WIRE_HANDSHAKE_REPLY:
      case WIRE_LEAVE: {
        const streamPartId = r.str('streamPartId')
        const accepted = r.u8('accepted')
        if (accepted > ACCEPTED_ABSENT) throw new DecodeError(`bad accepted flag ${accepted}`)
        const m: ControlWireMessage = accepted === ACCEPTED_ABSENT
          ? { kind, sizeBytes, streamPartId }
          : { kind, sizeBytes, streamPartId, accepted: accepted === ACCEPTED_TRUE }
        return m
      }
      case WIRE_TRACKER_STATUS:
      case WIRE_TRACKER_INSTRUCTION: {
        const streamPartId = r.str('streamPartId')
        const counter = r.f64('counter')
        const min = kind === WIRE_TRACKER_STATUS ? COUNTER_LEFT : 0
        if (!Number.isSafeInteger(counter) || counter < min) throw new DecodeError(`bad counter ${counter}`)
        const count = r.u16('neighbour count')
        if (count > MAX_LISTED_NODES) throw new DecodeError(`${count} neighbours listed, at most ${MAX_LISTED_NODES}`)
        // Each id needs at least its 2-byte length: a count the frame cannot hold allocates nothing.
        if (count * 2 > r.left) throw new DecodeError('truncated neighbour list')
        const neighbours: string[] = []
        for (let i = 0; i < count; i++) neighbours.push(r.str('neighbour id'))
        const m: TrackerStatusMessage | TrackerInstructionMessage = kind === WIRE_TRACKER_STATUS
          ? { kind: WIRE_TRACKER_STATUS, sizeBytes, streamPartId, neighbours, counter }
          : { kind: WIRE_TRACKER_INSTRUCTION, sizeBytes, streamPartId, neighbours, counter }
        return m
      }
      case WIRE_TRACKER_SIGNAL: {
        const from = r.str('from')
        const to = r.str('to')
        const payload = r.str('payload', true)
        if (payload.length > MAX_SIGNAL_PAYLOAD_CHARS) throw new DecodeError(`payload longer than ${MAX_SIGNAL_PAYLOAD_CHARS} chars`)
        const m: TrackerSignalMessage = { kind: WIRE_TRACKER_SIGNAL, sizeBytes, from, to, payload }
        return m
      }
      default: {
        if (kind < FIRST_PROTOCOL_WIRE_KIND) throw new DecodeError(`unknown kind ${kind}`)
        const text = decodeRest(r)
        let body: unknown
        try {
          body = JSON.parse(text)
        } catch {
          throw new DecodeError(`kind ${kind}: body is not JSON`)
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DecodeError(`kind ${kind}: body is not an object`)
        // kind and sizeBytes are ours, whatever the body says.
        return { ...(body as Record<string, unknown>), kind, sizeBytes } as WireMessage
      }
    }
  }
}

function decodeRest(r: Reader): string {
  const b = r.bytes(r.left, 'body')
  try {
    return utf8Decoder.decode(b)
  } catch {
    throw new DecodeError('body is not valid UTF-8')
  }
}


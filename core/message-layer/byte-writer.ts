// Writing fields (binary.ts) for a peer. Encoding is fed by our own code, so what does not fit
// (past the writer's limit, or a length its prefix cannot carry) throws MessageLayerException,
// like the rest of the message layer's encoders.

import { LARGEST_LENGTH, type LengthPrefix, varintSize } from './binary.ts'
import { ERR, MessageLayerException } from './errors.ts'

/**
 * Writes fields into a buffer of `capacity` bytes that grows up to `limit`. A codec that sizes a
 * message first (the message layer) makes the capacity exact and takes the buffer itself with
 * `finish()`; one writer reused for every frame (the live wire codec) hands out `copy()`.
 */
export class ByteWriter {
  private buf: Uint8Array
  private view: DataView | undefined
  private pos = 0

  constructor(capacity: number, private readonly limit = capacity) {
    this.buf = new Uint8Array(capacity)
  }

  get length(): number {
    return this.pos
  }

  reset(): void {
    this.pos = 0
  }

  u8(value: number): void {
    this.room(1)
    this.buf[this.pos++] = value
  }

  u16(value: number): void {
    this.fixed(2).setUint16(this.pos - 2, value)
  }

  u32(value: number): void {
    this.fixed(4).setUint32(this.pos - 4, value)
  }

  f64(value: number): void {
    this.fixed(8).setFloat64(this.pos - 8, value)
  }

  varint(value: number): void {
    this.room(varintSize(value))
    while (value >= 128) {
      this.buf[this.pos++] = (value % 128) | 0x80
      value = Math.floor(value / 128)
    }
    this.buf[this.pos++] = value
  }

  bytes(data: Uint8Array): void {
    this.room(data.length)
    this.buf.set(data, this.pos)
    this.pos += data.length
  }

  lengthPrefixed(data: Uint8Array, prefix: LengthPrefix = 'varint'): void {
    if (data.length > LARGEST_LENGTH[prefix]) throw new MessageLayerException(ERR.BAD_LENGTH, `${data.length} bytes do not fit a ${prefix} length`)
    if (prefix === 'varint') this.varint(data.length)
    else if (prefix === 'u16') this.u16(data.length)
    else this.u32(data.length)
    this.bytes(data)
  }

  /** The buffer itself, which must be exactly full; throws if the size computed in advance was wrong (a bug of ours). */
  finish(): Uint8Array {
    if (this.pos !== this.buf.length) throw new Error(`writer: wrote ${this.pos} of ${this.buf.length} bytes`)
    return this.buf
  }

  /** A copy of what was written: the buffer stays the writer's, for the next message. */
  copy(): Uint8Array {
    return this.buf.slice(0, this.pos)
  }

  /** Moves past `n` bytes and returns a view to write them through, just before `pos`. */
  private fixed(n: number): DataView {
    this.room(n)
    this.pos += n
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength)
    return this.view
  }

  private room(n: number): void {
    const need = this.pos + n
    if (need > this.limit) throw new MessageLayerException(ERR.TOO_LARGE, `would exceed ${this.limit} bytes`)
    if (need <= this.buf.length) return
    let size = Math.max(1, this.buf.length) * 2
    while (size < need) size *= 2
    const grown = new Uint8Array(Math.min(size, this.limit))
    grown.set(this.buf.subarray(0, this.pos))
    this.buf = grown
    this.view = undefined
  }
}

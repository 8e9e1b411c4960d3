// Reading fields (binary.ts) out of bytes a peer sent. A codec's parse function reads named
// fields, and the first problem ends it with one DecodeError (errors.ts): the code, the field and
// the byte where that field starts. Inside, the reader throws a plain object (no stack capture,
// so a malformed message costs microseconds); `decodeWith` is the one place that catches it, so no
// decoder ever throws.

import { type LengthPrefix, MAX_VARINT_BYTES } from './binary.ts'
import { type DecodeError, type Decoded, ERR, type ErrorCode } from './errors.ts'

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** What a reader throws to end a parse; decodeWith returns the error it carries. */
class Stop {
  constructor(readonly error: DecodeError) {}
}

/**
 * Runs `parse` over `input`, which it must consume exactly, and returns what it read or the first
 * problem. Never throws: an exception of ours inside `parse` comes back as an INTERNAL error.
 */
export function decodeWith<T>(input: Uint8Array, parse: (reader: ByteReader) => T): Decoded<T> {
  const reader = new ByteReader(input)
  try {
    const value = parse(reader)
    reader.end()
    return { ok: true, value }
  } catch (e) {
    return { ok: false, error: reader.errorOf(e) }
  }
}

export class ByteReader {
  private pos = 0
  /** The field being read and the byte it starts at: where a problem is reported. */
  private field = ''
  private start = 0
  private view: DataView | undefined

  constructor(private readonly buf: Uint8Array) {}

  get offset(): number {
    return this.pos
  }

  get remaining(): number {
    return this.buf.length - this.pos
  }

  /** Ends the parse: the field read last breaks a rule of the codec. */
  fail(code: ErrorCode, detail: string): never {
    throw new Stop({ code, field: this.field, offset: this.start, detail })
  }

  /** Ends the parse with a problem of a section read as several fields, or inside an embedded encoding. */
  failAt(field: string, offset: number, code: ErrorCode, detail: string): never {
    throw new Stop({ code, field, offset, detail })
  }

  u8(field: string): number {
    this.begin(field)
    this.need(1)
    return this.buf[this.pos++]
  }

  u16(field: string): number {
    this.begin(field)
    return this.fixed(2).getUint16(this.pos - 2)
  }

  u32(field: string): number {
    this.begin(field)
    return this.fixed(4).getUint32(this.pos - 4)
  }

  f64(field: string): number {
    this.begin(field)
    return this.fixed(8).getFloat64(this.pos - 8)
  }

  /** A shortest-form unsigned varint no greater than `max` (itself at most MAX_SAFE_INTEGER). */
  varint(max: number, field: string): number {
    this.begin(field)
    return this.leb128(max)
  }

  /** `n` bytes as a view into the input (no copy). */
  bytes(n: number, field: string): Uint8Array {
    this.begin(field)
    return this.take(n)
  }

  /** Everything left, as a view into the input. */
  rest(field: string): Uint8Array {
    return this.bytes(this.remaining, field)
  }

  /** Length-prefixed bytes of length in [minBytes, maxBytes]; the field starts at its prefix. */
  lengthPrefixed(minBytes: number, maxBytes: number, field: string, prefix: LengthPrefix = 'varint'): Uint8Array {
    this.begin(field)
    const n = this.length(prefix, maxBytes)
    if (n < minBytes) this.fail(ERR.BAD_LENGTH, `${n} bytes, at least ${minBytes} expected`)
    return this.take(n)
  }

  /** Length-prefixed UTF-8 of [minBytes, maxBytes] bytes. */
  string(minBytes: number, maxBytes: number, field: string, prefix: LengthPrefix = 'varint'): string {
    return this.utf8(this.lengthPrefixed(minBytes, maxBytes, field, prefix))
  }

  /** Everything left, as UTF-8. */
  restString(field: string): string {
    return this.utf8(this.rest(field))
  }

  end(): void {
    this.begin('end')
    if (this.remaining !== 0) this.fail(ERR.TRAILING_BYTES, `${this.remaining} bytes after the last field`)
  }

  /** The DecodeError for whatever a parse threw (decodeWith's catch). */
  errorOf(thrown: unknown): DecodeError {
    if (thrown instanceof Stop) return thrown.error
    const detail = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)
    return { code: ERR.INTERNAL, field: this.field, offset: this.start, detail }
  }

  private begin(field: string): void {
    this.field = field
    this.start = this.pos
  }

  private need(n: number): void {
    const left = this.remaining
    if (n > left) this.fail(ERR.TRUNCATED, left === 0 ? 'end of input' : `needs ${n} bytes, ${left} left`)
  }

  private take(n: number): Uint8Array {
    this.need(n)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** Moves past `n` bytes and returns a view to read them from, just before `pos`. */
  private fixed(n: number): DataView {
    this.need(n)
    this.pos += n
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength)
    return this.view
  }

  private leb128(max: number): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      this.need(1)
      const b = this.buf[this.pos++]
      value += (b & 0x7f) * scale
      if (value > max) this.fail(ERR.OUT_OF_RANGE, `above ${max}`)
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) this.fail(ERR.BAD_VARINT, 'not in shortest form')
        return value
      }
      scale *= 128
    }
    return this.fail(ERR.BAD_VARINT, `longer than ${MAX_VARINT_BYTES} bytes`)
  }

  private length(prefix: LengthPrefix, max: number): number {
    if (prefix === 'varint') return this.leb128(max)
    const n = prefix === 'u16' ? this.fixed(2).getUint16(this.pos - 2) : this.fixed(4).getUint32(this.pos - 4)
    if (n > max) this.fail(ERR.OUT_OF_RANGE, `length ${n}, at most ${max}`)
    return n
  }

  private utf8(raw: Uint8Array): string {
    try {
      return utf8Decoder.decode(raw)
    } catch {
      return this.fail(ERR.BAD_STRING, 'not well-formed UTF-8')
    }
  }
}

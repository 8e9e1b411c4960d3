// Canonical binary primitives shared by the codecs: unsigned LEB128 varints, length-prefixed
// UTF-8 strings and byte strings, fixed-size fields. Canonical means each value has exactly one
// encoding (shortest varint, exact UTF-8, no BOM stripping), so decode -> encode gives back the
// same bytes and a signature or hash over the bytes means one thing.
//
// The reader signals a problem by throwing a plain DecodeFailure (no stack capture, so a
// malformed message costs microseconds); `readAll` is the one place that catches it and turns
// it into a value. Callers outside this folder never see the throw.

import { ERR, type ErrorCode, type Failure, type Result, fail, ok } from './errors.ts'

export class DecodeFailure {
  constructor(readonly code: ErrorCode, readonly detail: string) {}
}

/** Longest varint accepted: 8 bytes carry 56 bits, enough for MAX_SAFE_INTEGER (53). */
const MAX_VARINT_BYTES = 8

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const utf8Encoder = new TextEncoder()

export class ByteReader {
  private pos = 0
  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.pos
  }

  u8(what: string): number {
    if (this.pos >= this.buf.length) throw new DecodeFailure(ERR.TRUNCATED, `${what}: end of input`)
    return this.buf[this.pos++]
  }

  /** A shortest-form unsigned varint no greater than `max` (itself at most MAX_SAFE_INTEGER). */
  varint(max: number, what: string): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.u8(what)
      value += (b & 0x7f) * scale
      if (value > max) throw new DecodeFailure(ERR.OUT_OF_RANGE, `${what}: above ${max}`)
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw new DecodeFailure(ERR.BAD_VARINT, `${what}: not in shortest form`)
        return value
      }
      scale *= 128
    }
    throw new DecodeFailure(ERR.BAD_VARINT, `${what}: longer than ${MAX_VARINT_BYTES} bytes`)
  }

  /** `n` bytes as a view into the input (no copy). */
  bytes(n: number, what: string): Uint8Array {
    if (n > this.remaining) throw new DecodeFailure(ERR.TRUNCATED, `${what}: needs ${n} bytes, ${this.remaining} left`)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** Length-prefixed bytes of length in [minBytes, maxBytes]. */
  lengthPrefixed(minBytes: number, maxBytes: number, what: string): Uint8Array {
    const n = this.varint(maxBytes, `${what} length`)
    if (n < minBytes) throw new DecodeFailure(ERR.BAD_LENGTH, `${what}: ${n} bytes, at least ${minBytes} expected`)
    return this.bytes(n, what)
  }

  /** Length-prefixed UTF-8 of [minBytes, maxBytes] bytes; malformed UTF-8 is refused, never replaced. */
  string(minBytes: number, maxBytes: number, what: string): string {
    const raw = this.lengthPrefixed(minBytes, maxBytes, what)
    try {
      return utf8Decoder.decode(raw)
    } catch {
      throw new DecodeFailure(ERR.BAD_STRING, `${what}: not well-formed UTF-8`)
    }
  }

  end(): void {
    if (this.remaining !== 0) throw new DecodeFailure(ERR.TRAILING_BYTES, `${this.remaining} bytes after the last field`)
  }
}

/** Runs a reader-based parse and returns its outcome as a value, whatever happens inside. */
export function readAll<T>(input: Uint8Array, parse: (reader: ByteReader) => T): Result<T> {
  try {
    const reader = new ByteReader(input)
    const value = parse(reader)
    reader.end()
    return ok(value)
  } catch (e) {
    return failureOf(e)
  }
}

export function failureOf(e: unknown): Failure {
  if (e instanceof DecodeFailure) return fail(e.code, e.detail)
  return fail(ERR.INTERNAL, e instanceof Error ? `${e.name}: ${e.message}` : String(e))
}

export function varintSize(value: number): number {
  let n = 1
  while (value >= 128) {
    value = Math.floor(value / 128)
    n++
  }
  return n
}

/** Writes into a buffer sized exactly in advance (callers compute the size first). */
export class ByteWriter {
  readonly buf: Uint8Array
  private pos = 0
  constructor(size: number) {
    this.buf = new Uint8Array(size)
  }

  u8(value: number): void {
    this.buf[this.pos++] = value
  }

  varint(value: number): void {
    while (value >= 128) {
      this.buf[this.pos++] = (value % 128) | 0x80
      value = Math.floor(value / 128)
    }
    this.buf[this.pos++] = value
  }

  bytes(data: Uint8Array): void {
    this.buf.set(data, this.pos)
    this.pos += data.length
  }

  lengthPrefixed(data: Uint8Array): void {
    this.varint(data.length)
    this.bytes(data)
  }

  /** The finished buffer; throws if the size computed in advance was wrong (a bug of ours). */
  finish(): Uint8Array {
    if (this.pos !== this.buf.length) throw new Error(`writer: wrote ${this.pos} of ${this.buf.length} bytes`)
    return this.buf
  }
}

export function utf8(value: string): Uint8Array {
  return utf8Encoder.encode(value)
}

/** UTF-8 byte length without encoding; -1 for a string with a lone surrogate (it has no exact UTF-8 form). */
export function utf8Length(value: string): number {
  let n = 0
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < value.length ? value.charCodeAt(i + 1) : 0
      if (d < 0xdc00 || d > 0xdfff) return -1
      n += 4
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) return -1
    else n += 3
  }
  return n
}

// The field formats every codec is written in, shared by the byte reader (byte-reader.ts) and
// writer (byte-writer.ts) that the message layer's codecs (codec.ts, key-exchange-codec.ts) and
// the live frames' (live/wire-codec.ts, live/link-frames.ts) are built on. Two families of field
// sit side by side: unsigned LEB128 varints with varint-prefixed strings and bytes (the message
// layer), and big-endian fixed-width integers, float64 and u16/u32-prefixed strings (the live
// frames). Canonical where the message layer needs it: shortest varints and exact UTF-8
// (malformed input is refused, never replaced; a BOM is kept), so decode -> encode gives back the
// same bytes and a signature or hash over them means one thing.
//
// Browser-safe, like the rest of core: Uint8Array, DataView and TextEncoder/TextDecoder, no Buffer.

/** How a length is written before a string or a run of bytes. */
export type LengthPrefix = 'varint' | 'u16' | 'u32'

/** The largest length each prefix can carry. */
export const LARGEST_LENGTH: Readonly<Record<LengthPrefix, number>> = { varint: Number.MAX_SAFE_INTEGER, u16: 0xffff, u32: 0xffffffff }

/** Longest varint accepted: 8 bytes carry 56 bits, enough for MAX_SAFE_INTEGER (53). */
export const MAX_VARINT_BYTES = 8

const utf8Encoder = new TextEncoder()

export function varintSize(value: number): number {
  let n = 1
  while (value >= 128) {
    value = Math.floor(value / 128)
    n++
  }
  return n
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

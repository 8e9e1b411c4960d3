// Every way the message layer refuses an input, named in one place, and the one error value of
// every codec built on byte-reader.ts: this folder's and the live frames' (live/wire-codec.ts,
// live/link-frames.ts). Functions that read what a peer sent return these as values and never
// throw: a peer's bad bytes are not our bug, and a relay must be able to drop and count them on
// the hot path. Functions fed by our own code (encode, sign, encrypt) throw
// `MessageLayerException` instead, like h11's LocalProtocolError.

export const ERR = {
  // Codec: the bytes are not a well-formed message of this version.
  NOT_BYTES: 'NOT_BYTES',
  TOO_LARGE: 'TOO_LARGE',
  TRUNCATED: 'TRUNCATED',
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  BAD_FLAGS: 'BAD_FLAGS',
  BAD_ENUM: 'BAD_ENUM',
  BAD_VARINT: 'BAD_VARINT',
  OUT_OF_RANGE: 'OUT_OF_RANGE',
  BAD_STRING: 'BAD_STRING',
  BAD_ADDRESS: 'BAD_ADDRESS',
  BAD_LENGTH: 'BAD_LENGTH',
  INCONSISTENT_FIELDS: 'INCONSISTENT_FIELDS',
  TRAILING_BYTES: 'TRAILING_BYTES',
  // Live frames only: a kind that travels as JSON (live/wire-codec.ts) whose body is not a JSON object.
  BAD_JSON: 'BAD_JSON',
  // Signatures.
  UNSUPPORTED_SIGNATURE_TYPE: 'UNSUPPORTED_SIGNATURE_TYPE',
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  WRONG_SIGNER: 'WRONG_SIGNER',
  // Encryption and key exchange.
  BAD_CIPHERTEXT: 'BAD_CIPHERTEXT',
  DECRYPTION_FAILED: 'DECRYPTION_FAILED',
  UNKNOWN_GROUP_KEY: 'UNKNOWN_GROUP_KEY',
  WRONG_MESSAGE_TYPE: 'WRONG_MESSAGE_TYPE',
  BAD_KEY_EXCHANGE: 'BAD_KEY_EXCHANGE',
  PUBLIC_KEY_MISMATCH: 'PUBLIC_KEY_MISMATCH',
  NOT_FOR_US: 'NOT_FOR_US',
  UNEXPECTED_RESPONSE: 'UNEXPECTED_RESPONSE',
  // A bug of ours surfaced while reading input: still returned, never thrown; tests assert it never appears.
  INTERNAL: 'INTERNAL',
} as const

export type ErrorCode = (typeof ERR)[keyof typeof ERR]

export interface MessageLayerError {
  readonly code: ErrorCode
  readonly detail: string
}

/**
 * A refusal of input bytes, the same for every codec: what went wrong (`code`, `detail`), in which
 * field or section (`field`: `streamId`, or `content.signature` inside an embedded encoding) and
 * at which byte of the input that field starts (`offset`).
 */
export interface DecodeError extends MessageLayerError {
  readonly field: string
  readonly offset: number
}

export type Failure = { readonly ok: false; readonly error: MessageLayerError }
export type Result<T> = { readonly ok: true; readonly value: T } | Failure

/** A decoder's refusal; it is also a Failure, so a Result may pass it on as it is. */
export type Refused = { readonly ok: false; readonly error: DecodeError }
/** What a decoder returns: the value read, or the first problem found in the bytes. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | Refused

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value }
}

export function fail(code: ErrorCode, detail: string): Failure {
  return { ok: false, error: { code, detail } }
}

export function refuse(code: ErrorCode, field: string, offset: number, detail: string): Refused {
  return { ok: false, error: { code, field, offset, detail } }
}

/** One line for a log or a reason string: `streamId at byte 7: TRUNCATED: needs 40 bytes, 12 left`. */
export function describeDecodeError(error: DecodeError): string {
  return `${error.field} at byte ${error.offset}: ${error.code}: ${error.detail}`
}

/** Thrown only for our own mistakes (an invalid message handed to encode, a bad local key). */
export class MessageLayerException extends Error {
  constructor(readonly code: ErrorCode, detail: string) {
    super(`${code}: ${detail}`)
    this.name = 'MessageLayerException'
  }
}

// Every way the message layer refuses an input, named in one place. Functions that read what a
// peer sent return these as values and never throw: a peer's bad bytes are not our bug, and a
// relay must be able to drop and count them on the hot path. Functions fed by our own code
// (encode, sign, encrypt) throw `MessageLayerException` instead, like h11's LocalProtocolError.

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

export type Failure = { readonly ok: false; readonly error: MessageLayerError }
export type Result<T> = { readonly ok: true; readonly value: T } | Failure

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value }
}

export function fail(code: ErrorCode, detail: string): Failure {
  return { ok: false, error: { code, detail } }
}

/** Thrown only for our own mistakes (an invalid message handed to encode, a bad local key). */
export class MessageLayerException extends Error {
  constructor(readonly code: ErrorCode, detail: string) {
    super(`${code}: ${detail}`)
    this.name = 'MessageLayerException'
  }
}

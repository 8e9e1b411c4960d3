// Group key requests and responses on the wire: a signed StreamMessage of the request or
// response type, sent straight to the publisher's node and answered on the same link. The
// reference publishes them into the stream part, so every request floods to every subscriber;
// a direct link costs one message instead of one per node, which is what lets a 10,000-node
// stream rekey at all. Finding the publisher's node is the directory's job (a DHT lookup live).

import type { StreamMessage } from '../message.ts'
import { MESSAGE_HEADER_BYTES, MESSAGE_TYPE_GROUP_KEY_REQUEST, MESSAGE_TYPE_GROUP_KEY_RESPONSE } from '../message.ts'
import { FIRST_PROTOCOL_WIRE_KIND } from '../ports.ts'

export const WIRE_GROUP_KEY_REQUEST = FIRST_PROTOCOL_WIRE_KIND + 23
export const WIRE_GROUP_KEY_RESPONSE = FIRST_PROTOCOL_WIRE_KIND + 24

export interface KeyExchangeWireMessage {
  readonly kind: typeof WIRE_GROUP_KEY_REQUEST | typeof WIRE_GROUP_KEY_RESPONSE
  readonly sizeBytes: number
  readonly message: StreamMessage
}

export function keyExchangeWireMessage(message: StreamMessage): KeyExchangeWireMessage {
  const kind = message.messageType === MESSAGE_TYPE_GROUP_KEY_REQUEST ? WIRE_GROUP_KEY_REQUEST : WIRE_GROUP_KEY_RESPONSE
  return { kind, sizeBytes: MESSAGE_HEADER_BYTES + message.content.length + message.signature.length, message }
}

/** A peer's message of `kind` carrying a StreamMessage of the matching type; the fields are checked by their validators. */
export function isKeyExchangeWireMessage(x: unknown, kind: KeyExchangeWireMessage['kind']): x is KeyExchangeWireMessage {
  if (typeof x !== 'object' || x === null) return false
  const w = x as Partial<KeyExchangeWireMessage>
  if (w.kind !== kind || typeof w.message !== 'object' || w.message === null) return false
  const m = w.message as Partial<StreamMessage>
  const type = kind === WIRE_GROUP_KEY_REQUEST ? MESSAGE_TYPE_GROUP_KEY_REQUEST : MESSAGE_TYPE_GROUP_KEY_RESPONSE
  return m.messageType === type && typeof m.messageId === 'object' && m.messageId !== null && m.content instanceof Uint8Array
    && m.signature instanceof Uint8Array
}

// Shape checks for what arrives from a peer. A peer can send anything; whatever fails here is
// dropped and counted by the caller, never thrown.

import type { ContentWireMessage, ControlWireMessage } from './ports.ts'
import { WIRE_CONTENT, WIRE_HANDSHAKE, WIRE_HANDSHAKE_REPLY, WIRE_LEAVE } from './ports.ts'
import { MESSAGE_HEADER_BYTES, type StreamMessage } from './message.ts'

/** What a control message costs on the wire in the bandwidth model. */
export const CONTROL_MESSAGE_BYTES = 64

export function isContentWireMessage(x: unknown): x is ContentWireMessage {
  if (typeof x !== 'object' || x === null) return false
  const w = x as { kind?: unknown; sizeBytes?: unknown; message?: unknown }
  return w.kind === WIRE_CONTENT && typeof w.sizeBytes === 'number' && isStreamMessage(w.message)
}

export function isControlWireMessage(x: unknown): x is ControlWireMessage {
  if (typeof x !== 'object' || x === null) return false
  const w = x as { kind?: unknown; sizeBytes?: unknown; streamPartId?: unknown }
  return (w.kind === WIRE_HANDSHAKE || w.kind === WIRE_HANDSHAKE_REPLY || w.kind === WIRE_LEAVE)
    && typeof w.sizeBytes === 'number' && typeof w.streamPartId === 'string'
}

function isStreamMessage(x: unknown): x is StreamMessage {
  if (typeof x !== 'object' || x === null) return false
  const m = x as Partial<StreamMessage>
  const id = m.messageId
  if (typeof id !== 'object' || id === null) return false
  if (typeof m.streamPartId !== 'string' || typeof m.chainKey !== 'string') return false
  if (!Number.isFinite(id.timestamp) || !Number.isInteger(id.sequenceNumber)) return false
  const prev = m.prevMsgRef
  if (prev === null) return true
  return typeof prev === 'object' && prev !== undefined
    && Number.isFinite(prev.timestamp) && Number.isInteger(prev.sequenceNumber)
}

export function contentWireMessage(message: StreamMessage): ContentWireMessage {
  const extra = message.signature.byteLength + (message.newGroupKey === null ? 0 : message.newGroupKey.data.byteLength)
  return { kind: WIRE_CONTENT, sizeBytes: MESSAGE_HEADER_BYTES + message.content.byteLength + extra, message }
}

export function controlWireMessage(kind: ControlWireMessage['kind'], streamPartId: string, accepted?: boolean): ControlWireMessage {
  return accepted === undefined
    ? { kind, sizeBytes: CONTROL_MESSAGE_BYTES, streamPartId }
    : { kind, sizeBytes: CONTROL_MESSAGE_BYTES, streamPartId, accepted }
}

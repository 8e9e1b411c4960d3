// What subscribers and storage nodes say to each other (PROTOCOL.md, "Messages": storage nodes).
// A request names a stream part and one of three queries (last N, from a timestamp, a range of
// refs), optionally narrowed to one publisher and chain. The answer streams the messages, one
// wire message each, then an end marker with the count and a status. Shape checks return false
// on anything else and never throw: a peer can send anything.

import { type MessageRef, MESSAGE_HEADER_BYTES, type StreamMessage, compareRefs } from '../message.ts'
import type { NodeId } from '../ports.ts'
import { FIRST_PROTOCOL_WIRE_KIND, WIRE_CONTENT } from '../ports.ts'
import { isContentWireMessage } from '../wire.ts'

/** Storage owns wire kinds 30-39 (ports.ts numbers them by protocol). */
export const WIRE_RESEND_REQUEST = FIRST_PROTOCOL_WIRE_KIND + 20
export const WIRE_RESEND_MESSAGE = FIRST_PROTOCOL_WIRE_KIND + 21
export const WIRE_RESEND_END = FIRST_PROTOCOL_WIRE_KIND + 22
/** Kinds a storage node handles, and kinds a resend client handles: both may sit on one node. */
export const STORAGE_NODE_WIRE_KINDS: readonly number[] = [WIRE_RESEND_REQUEST]
export const RESEND_CLIENT_WIRE_KINDS: readonly number[] = [WIRE_RESEND_MESSAGE, WIRE_RESEND_END]

/** Framing, kind, request id and status, as for the other control messages. */
export const RESEND_HEADER_BYTES = 64
/** Ids longer than this are garbage: it bounds what one request can make a storage node hold. */
export const MAX_ID_CHARS = 1_024

export type ResendQuery =
  | { readonly type: 'last'; readonly count: number }
  | { readonly type: 'from'; readonly fromTimestamp: number }
  /** Both ends inclusive. */
  | { readonly type: 'range'; readonly from: MessageRef; readonly to: MessageRef }

/** Narrows a query to one publisher, or one publisher chain. */
export interface ResendFilter {
  readonly publisherId?: NodeId
  readonly msgChainId?: string
}

export const RESEND_OK = 'ok'
/** More matched than a response may carry; the earliest (or, for `last`, the newest) were sent. */
export const RESEND_TRUNCATED = 'truncated'
/** The storage node does not store this stream part. */
export const RESEND_NOT_STORED = 'not-stored'
export type ResendStatus = typeof RESEND_OK | typeof RESEND_TRUNCATED | typeof RESEND_NOT_STORED

export interface ResendRequestMessage extends ResendFilter {
  readonly kind: typeof WIRE_RESEND_REQUEST
  readonly sizeBytes: number
  /** Chosen by the requester; echoed in every part of the answer. */
  readonly requestId: number
  readonly streamPartId: string
  readonly query: ResendQuery
}

export interface ResendMessageMessage {
  readonly kind: typeof WIRE_RESEND_MESSAGE
  readonly sizeBytes: number
  readonly requestId: number
  readonly message: StreamMessage
}

export interface ResendEndMessage {
  readonly kind: typeof WIRE_RESEND_END
  readonly sizeBytes: number
  readonly requestId: number
  /** Messages sent before this marker. */
  readonly count: number
  readonly status: ResendStatus
}

export function resendRequestMessage(requestId: number, streamPartId: string, query: ResendQuery, filter: ResendFilter = {}): ResendRequestMessage {
  const sizeBytes = RESEND_HEADER_BYTES + streamPartId.length + (filter.publisherId?.length ?? 0) + (filter.msgChainId?.length ?? 0)
  const m: ResendRequestMessage = { kind: WIRE_RESEND_REQUEST, sizeBytes, requestId, streamPartId, query }
  if (filter.publisherId !== undefined) (m as { publisherId?: string }).publisherId = filter.publisherId
  if (filter.msgChainId !== undefined) (m as { msgChainId?: string }).msgChainId = filter.msgChainId
  return m
}

export function resendMessageMessage(requestId: number, message: StreamMessage): ResendMessageMessage {
  return { kind: WIRE_RESEND_MESSAGE, sizeBytes: MESSAGE_HEADER_BYTES + message.content.byteLength + 8, requestId, message }
}

export function resendEndMessage(requestId: number, count: number, status: ResendStatus): ResendEndMessage {
  return { kind: WIRE_RESEND_END, sizeBytes: RESEND_HEADER_BYTES, requestId, count, status }
}

export function isResendRequestMessage(x: unknown): x is ResendRequestMessage {
  if (!hasKind(x, WIRE_RESEND_REQUEST)) return false
  const m = x as Partial<ResendRequestMessage>
  return isRequestId(m.requestId) && isId(m.streamPartId)
    && (m.publisherId === undefined || isId(m.publisherId))
    && (m.msgChainId === undefined || isId(m.msgChainId))
    && isQuery(m.query)
}

export function isResendMessageMessage(x: unknown): x is ResendMessageMessage {
  if (!hasKind(x, WIRE_RESEND_MESSAGE)) return false
  const m = x as Partial<ResendMessageMessage>
  // wire.ts keeps its StreamMessage check private; it is reached through the content check.
  return isRequestId(m.requestId) && isContentWireMessage({ kind: WIRE_CONTENT, sizeBytes: 0, message: m.message })
}

export function isResendEndMessage(x: unknown): x is ResendEndMessage {
  if (!hasKind(x, WIRE_RESEND_END)) return false
  const m = x as Partial<ResendEndMessage>
  return isRequestId(m.requestId) && Number.isSafeInteger(m.count) && (m.count as number) >= 0
    && (m.status === RESEND_OK || m.status === RESEND_TRUNCATED || m.status === RESEND_NOT_STORED)
}

function hasKind(x: unknown, kind: number): boolean {
  if (typeof x !== 'object' || x === null) return false
  const m = x as { kind?: unknown; sizeBytes?: unknown }
  return m.kind === kind && typeof m.sizeBytes === 'number'
}

function isRequestId(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0
}

function isId(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_ID_CHARS
}

function isRef(x: unknown): x is MessageRef {
  if (typeof x !== 'object' || x === null) return false
  const r = x as Partial<MessageRef>
  return Number.isFinite(r.timestamp) && Number.isSafeInteger(r.sequenceNumber) && (r.sequenceNumber as number) >= 0
}

function isQuery(x: unknown): x is ResendQuery {
  if (typeof x !== 'object' || x === null) return false
  const q = x as { type?: unknown; count?: unknown; fromTimestamp?: unknown; from?: unknown; to?: unknown }
  switch (q.type) {
    case 'last':
      return Number.isSafeInteger(q.count) && (q.count as number) >= 0
    case 'from':
      return Number.isFinite(q.fromTimestamp)
    case 'range':
      // A range that ends before it starts is a broken request, not an empty answer.
      return isRef(q.from) && isRef(q.to)
        && compareRefs(q.from.timestamp, q.from.sequenceNumber, q.to.timestamp, q.to.sequenceNumber) <= 0
    default:
      return false
  }
}

// StreamMessage as PROTOCOL.md describes it. The relay reads only the id and the previous
// reference, so the message layer (signatures, encryption) can grow here without touching it.

import type { NodeId } from './ports.ts'

/** A position in a publisher chain: ordered by timestamp, then sequence number. */
export interface MessageRef {
  readonly timestamp: number
  readonly sequenceNumber: number
}

export interface MessageId extends MessageRef {
  readonly streamId: string
  readonly streamPartition: number
  readonly publisherId: NodeId
  readonly msgChainId: string
}

export const CONTENT_TYPE_JSON = 0
export const CONTENT_TYPE_BINARY = 1
export const ENCRYPTION_NONE = 0
export const ENCRYPTION_AES = 1

export interface StreamMessage {
  readonly messageId: MessageId
  readonly prevMsgRef: MessageRef | null
  readonly contentType: number
  readonly encryptionType: number
  readonly content: Uint8Array
  /** `streamId#partition`, computed once so hot paths need not build strings. */
  readonly streamPartId: string
  /** `publisherId/msgChainId`, the key of a publisher chain, computed once for the same reason. */
  readonly chainKey: string
}

/** Rough header cost on the wire, so bandwidth models charge more than the payload alone. */
export const MESSAGE_HEADER_BYTES = 120

export function streamPartIdOf(streamId: string, partition: number): string {
  return `${streamId}#${partition}`
}

export function createStreamMessage(
  id: MessageId,
  prevMsgRef: MessageRef | null,
  content: Uint8Array,
  contentType = CONTENT_TYPE_BINARY
): StreamMessage {
  return {
    messageId: id,
    prevMsgRef,
    contentType,
    encryptionType: ENCRYPTION_NONE,
    content,
    streamPartId: streamPartIdOf(id.streamId, id.streamPartition),
    chainKey: `${id.publisherId}/${id.msgChainId}`,
  }
}

/** Negative, zero or positive as a is before, equal to or after b. */
export function compareRefs(aTs: number, aSeq: number, bTs: number, bSeq: number): number {
  return aTs !== bTs ? aTs - bTs : aSeq - bSeq
}

export function formatMessageId(id: MessageId): string {
  return `${id.streamId}#${id.streamPartition}/${id.publisherId}/${id.msgChainId}/${id.timestamp}/${id.sequenceNumber}`
}

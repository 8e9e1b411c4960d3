// What ordering needs from whoever can fetch missing messages (a storage node client). It is a
// port, so ordering stays testable without a network: the request goes out and the messages,
// if any come, arrive later through OrderingBuffer.add like any other receipt.

import type { MessageRef } from '../message.ts'
import type { NodeId } from '../ports.ts'

/** The missing part of one publisher chain; both ends inclusive, as the reference asks. */
export interface ChainRange {
  readonly streamPartId: string
  readonly publisherId: NodeId
  readonly msgChainId: string
  /** The last delivered message (the source resends it too; ordering drops it as stale). */
  readonly from: MessageRef
  /** The previous reference of the message waiting on the gap. */
  readonly to: MessageRef
}

export interface ResendSource {
  /**
   * Never throws, never blocks; an unanswered request is simply retried. `done`, if given, is
   * called once when the request has ended, answered or not (at once if it cannot be made).
   */
  requestRange(range: ChainRange, done?: () => void): void
  /**
   * Everything of the part from `fromTimestampMs` on: a joiner's catch-up. A gap shows only
   * when a later message arrives, so what was lost at the end of a chain, or before a joiner's
   * first receipt, needs this. Fire and forget, like requestRange.
   */
  requestFrom(streamPartId: string, fromTimestampMs: number): void
}

/** For subscribers without storage: gaps are waited out and then handled by the gap mode. */
export const NO_RESEND_SOURCE: ResendSource = { requestRange(_range, done) { done?.() }, requestFrom() {} }

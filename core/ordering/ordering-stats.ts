// Counters of ordering and gap filling, shared by a buffer's chains. They only grow.

export interface OrderingStats {
  /** Messages handed to the app, in chain order. */
  delivered: number
  /** Already delivered, older than where the chain started, or already held. */
  duplicates: number
  /** Numbering not after its own previous reference. */
  invalid: number
  /** Times a chain found a message it could not deliver for want of its predecessors. */
  gapsDetected: number
  /** Gaps closed by the missing messages arriving (live or resent). */
  gapsFilled: number
  /** Gaps given up (light mode, or a full buffer in light mode): the app saw a hole. */
  gapsSkipped: number
  /** Gaps whose every resend request went unanswered (then skipped in light mode, waited on in full). */
  gapsUnfillable: number
  /** Requests sent to the resend source. */
  resendRequests: number
  /** Held messages dropped because the chain's buffer was full (full mode only). */
  droppedOverflow: number
}

export function createOrderingStats(): OrderingStats {
  return {
    delivered: 0, duplicates: 0, invalid: 0, gapsDetected: 0, gapsFilled: 0, gapsSkipped: 0,
    gapsUnfillable: 0, resendRequests: 0, droppedOverflow: 0,
  }
}

// Where a node judges a message before acting on it: signature and permission checks. The relay
// asks it before delivering and relaying when validation happens at every relay; a subscriber's
// pipeline asks it before handing messages to the app. Judging may take CPU time, so the verdict
// arrives through a callback, now or later.

import type { StreamMessage } from './message.ts'

export const VERDICT_VALID = 'valid'
/** The signature does not verify, or is not the publisher's. */
export const VERDICT_BAD_SIGNATURE = 'bad-signature'
/** Signed by its publisher, but the publisher may not publish on the stream. */
export const VERDICT_NOT_PERMITTED = 'not-permitted'
/** Not a message the validator can judge (wrong signature type, broken fields). */
export const VERDICT_MALFORMED = 'malformed'
export type Verdict = typeof VERDICT_VALID | typeof VERDICT_BAD_SIGNATURE | typeof VERDICT_NOT_PERMITTED | typeof VERDICT_MALFORMED

/**
 * Why a relay dropped a receipt before judging it: its timestamp is further ahead of the node's
 * clock than NetworkNodeOptions.maxFutureTimestampMs (content-delivery-node.ts). Reported as an
 * observer rejection, as verdicts are.
 */
export const REJECTED_FUTURE_TIMESTAMP = 'future-timestamp'

export interface MessageValidator {
  /** Calls `done` exactly once with the verdict on `message`, synchronously or after a delay. */
  validate(message: StreamMessage, done: (verdict: Verdict) => void): void
}

// Every tunable of ordering and gap filling (PROTOCOL.md, "Messages": ordering and completeness),
// with the reference's values as defaults.

import { TATUM } from '../protocol-era.ts'

/**
 * What to do once every resend request for a gap is over and the gap is still open. Both modes
 * give up; they differ in how much they give up (reference: sdk GapFiller.ts and
 * OrderedMessageChain.resolveMessages, @streamr/sdk 103.3.1):
 * - `light` (the reference default): deliver everything held, over this hole and every later
 *   one (each counted as a skipped gap): one stall per outage of the resend source.
 * - `full`: skip only this gap, delivering up to the message that waited on it; each later hole
 *   gets its own wait and resend requests. Brubeck's client had only this behaviour
 *   (OrderedMsgChain.onGapFillsExhausted, streamr-client 8.5.5).
 */
export type GapMode = 'light' | 'full'

/**
 * When the gap is given up after the last resend request:
 * - `lastAnswer`: as soon as that request has ended (answered, refused or timed out): the Tatum
 *   sdk awaits the last resend and then resolves the gap (GapFiller.ts, @streamr/sdk 103.3.1).
 * - `retryWait`: one more retryWaitMs after it, as Brubeck's client timer fires once more before
 *   onGapFillsExhausted (OrderedMsgChain.ts, streamr-client 8.5.5).
 */
export type GiveUpAfter = 'lastAnswer' | 'retryWait'

export interface OrderingOptions {
  /** See GapMode. */
  gapMode: GapMode
  /**
   * How long a message waits for its missing predecessors before the first resend request,
   * counted from its arrival. Most gaps are reordering in flight, not loss (reference: 5 s).
   */
  initialWaitMs: number
  /** Pause between resend requests for the same gap (reference: 5 s). */
  retryWaitMs: number
  /** See GiveUpAfter. */
  giveUpAfter: GiveUpAfter
  /** Resend requests per gap before it counts as unfillable (reference: 5). 0: never ask. */
  maxResendRequests: number
  /**
   * Messages held per publisher chain while they wait for a gap to fill. It bounds what a chain
   * that stalls (a lost message no storage node has) can pin in memory. When full, light mode
   * skips the gap at once; full mode, which prefers filling, drops the newest held message, which
   * a later gap refetches.
   */
  maxBufferedPerChain: number
}

// Tatum's values, the network as it runs today; protocol-era.ts has both eras' and their sources.
export const DEFAULT_GAP_MODE: GapMode = TATUM.ordering.gapModes[0]
export const DEFAULT_INITIAL_WAIT_MS = TATUM.ordering.initialWaitMs
export const DEFAULT_RETRY_WAIT_MS = TATUM.ordering.retryWaitMs
export const DEFAULT_MAX_RESEND_REQUESTS = TATUM.ordering.maxResendRequests
export const DEFAULT_GIVE_UP_AFTER: GiveUpAfter = TATUM.ordering.giveUpAfter
/** Ours: the reference bounds a chain's buffer by other means; this keeps a stalled chain's memory finite. */
export const DEFAULT_MAX_BUFFERED_PER_CHAIN = 1_000

export const DEFAULT_ORDERING_OPTIONS: Readonly<OrderingOptions> = {
  gapMode: DEFAULT_GAP_MODE,
  initialWaitMs: DEFAULT_INITIAL_WAIT_MS,
  retryWaitMs: DEFAULT_RETRY_WAIT_MS,
  giveUpAfter: DEFAULT_GIVE_UP_AFTER,
  maxResendRequests: DEFAULT_MAX_RESEND_REQUESTS,
  maxBufferedPerChain: DEFAULT_MAX_BUFFERED_PER_CHAIN,
}

/** Fills in defaults and rejects values ordering cannot work with. */
export function createOrderingOptions(options: Partial<OrderingOptions> = {}): OrderingOptions {
  const o = { ...DEFAULT_ORDERING_OPTIONS, ...options }
  if (o.gapMode !== 'light' && o.gapMode !== 'full') throw new RangeError(`gapMode must be 'light' or 'full', got ${String(o.gapMode)}`)
  if (o.giveUpAfter !== 'lastAnswer' && o.giveUpAfter !== 'retryWait') {
    throw new RangeError(`giveUpAfter must be 'lastAnswer' or 'retryWait', got ${String(o.giveUpAfter)}`)
  }
  for (const key of ['initialWaitMs', 'retryWaitMs'] as const) {
    if (!(o[key] >= 0) || !Number.isFinite(o[key])) throw new RangeError(`${key} must be a finite number >= 0, got ${o[key]}`)
  }
  if (!Number.isInteger(o.maxResendRequests) || o.maxResendRequests < 0) {
    throw new RangeError(`maxResendRequests must be an integer >= 0, got ${o.maxResendRequests}`)
  }
  if (!Number.isInteger(o.maxBufferedPerChain) || o.maxBufferedPerChain < 1) {
    throw new RangeError(`maxBufferedPerChain must be an integer >= 1, got ${o.maxBufferedPerChain}`)
  }
  return o
}

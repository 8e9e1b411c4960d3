// Every tunable of ordering and gap filling (PROTOCOL.md, "Messages": ordering and completeness),
// with the reference's values as defaults.

/**
 * What to do with a gap once every resend request for it has gone unanswered:
 * - `light`: skip it and deliver everything held, over any later holes too, as the reference
 *   does (the app sees the holes; each is counted as a skipped gap).
 * - `full`: keep waiting; the chain stays stalled until the missing messages arrive.
 */
export type GapMode = 'light' | 'full'

export interface OrderingOptions {
  /** See GapMode. */
  gapMode: GapMode
  /**
   * How long a message waits for its missing predecessors before the first resend request,
   * counted from its arrival. Most gaps are reordering in flight, not loss (reference: 5 s).
   */
  initialWaitMs: number
  /** Pause between resend requests for the same gap, and after the last one (reference: 5 s). */
  retryWaitMs: number
  /** Resend requests per gap before it counts as unfillable (reference: 5). 0: never ask. */
  maxResendRequests: number
  /**
   * Messages held per publisher chain while they wait for a gap to fill. It bounds what a chain
   * that stalls (a lost message no storage node has) can pin in memory. When full, light mode
   * skips the gap at once; full mode drops the newest held message, which a later gap refetches.
   */
  maxBufferedPerChain: number
}

export const DEFAULT_GAP_MODE: GapMode = 'light'
export const DEFAULT_INITIAL_WAIT_MS = 5_000
export const DEFAULT_RETRY_WAIT_MS = 5_000
export const DEFAULT_MAX_RESEND_REQUESTS = 5
export const DEFAULT_MAX_BUFFERED_PER_CHAIN = 1_000

export const DEFAULT_ORDERING_OPTIONS: Readonly<OrderingOptions> = {
  gapMode: DEFAULT_GAP_MODE,
  initialWaitMs: DEFAULT_INITIAL_WAIT_MS,
  retryWaitMs: DEFAULT_RETRY_WAIT_MS,
  maxResendRequests: DEFAULT_MAX_RESEND_REQUESTS,
  maxBufferedPerChain: DEFAULT_MAX_BUFFERED_PER_CHAIN,
}

/** Fills in defaults and rejects values ordering cannot work with. */
export function createOrderingOptions(options: Partial<OrderingOptions> = {}): OrderingOptions {
  const o = { ...DEFAULT_ORDERING_OPTIONS, ...options }
  if (o.gapMode !== 'light' && o.gapMode !== 'full') throw new RangeError(`gapMode must be 'light' or 'full', got ${String(o.gapMode)}`)
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

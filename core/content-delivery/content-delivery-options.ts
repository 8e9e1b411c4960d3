// What layer 2 (one stream part's neighbour management on one node) can be tuned by. Every
// default is Tatum's (protocol-era.ts, TATUM.overlay.contentDelivery, each value there with the
// reference file it was read from); tests and scenarios override single values.

import type { ConnectionTimeouts } from '../dht/dht-options.ts'
import { TATUM, type TatumOverlayDefaults } from '../protocol-era.ts'

export interface PlumtreeOptions {
  /** Neighbours a node may ask to pause per publisher chain (PlumtreeManager.ts MAX_PAUSED_NEIGHBORS_DEFAULT). */
  readonly maxPausedNeighbours: number
  /** Messages per chain kept to send again to a neighbour that resumes (PlumtreeManager.ts broadcast). */
  readonly resendBufferSize: number
}

export interface ContentDeliveryLayerOptions {
  /** Neighbours a node looks for, and the count above which it accepts only by interleaving. */
  readonly neighbourTargetCount: number
  /** Size of the neighbour list and of each node view (nearby, random, ring left, ring right). */
  readonly nodeViewSize: number
  /** Handshakes started at once while this many or more slots are free. */
  readonly parallelHandshakes: number
  /** A request on an open link (or to a WebSocket server) fails after this long. */
  readonly handshakeTimeoutMs: number
  /** A request that must open a link first: by the connection it needs, as the DHT's RPCs. */
  readonly connectionTimeouts: ConnectionTimeouts
  /** An interleave request (it waits for the neighbour's own handshake with the requester). */
  readonly interleaveTimeoutMs: number
  readonly finderInitialWaitMs: number
  readonly finderIntervalMs: number
  readonly neighbourUpdateIntervalMs: number
  /** Plumtree on this stream part; null (the reference's default) floods every message. */
  readonly plumtree: PlumtreeOptions | null
}

const TATUM_OVERLAY: TatumOverlayDefaults = TATUM.overlay!
const TATUM_CONTENT_DELIVERY = TATUM_OVERLAY.contentDelivery

/** Plumtree's values when a run switches it on (the reference has it off unless configured). */
export const DEFAULT_PLUMTREE_OPTIONS: Readonly<PlumtreeOptions> = {
  maxPausedNeighbours: TATUM_CONTENT_DELIVERY.plumtreeMaxPausedNeighbours,
  resendBufferSize: TATUM_CONTENT_DELIVERY.plumtreeResendBufferSize,
}

export const DEFAULT_CONTENT_DELIVERY_LAYER_OPTIONS: Readonly<ContentDeliveryLayerOptions> = {
  neighbourTargetCount: TATUM_CONTENT_DELIVERY.neighbourTargetCount,
  nodeViewSize: TATUM_CONTENT_DELIVERY.nodeViewSize,
  parallelHandshakes: TATUM_CONTENT_DELIVERY.parallelHandshakes,
  handshakeTimeoutMs: TATUM.handshakeTimeoutMs,
  connectionTimeouts: TATUM_OVERLAY.connectionTimeouts,
  interleaveTimeoutMs: TATUM_CONTENT_DELIVERY.interleaveTimeoutMs,
  finderInitialWaitMs: TATUM_CONTENT_DELIVERY.finderInitialWaitMs,
  finderIntervalMs: TATUM_CONTENT_DELIVERY.finderIntervalMs,
  neighbourUpdateIntervalMs: TATUM_CONTENT_DELIVERY.neighbourUpdateIntervalMs,
  plumtree: null,
}

/** What a caller may set: any value; plumtree as true (its defaults), false or null (off), or some of its values. */
export type ContentDeliveryLayerSettings = Partial<Omit<ContentDeliveryLayerOptions, 'plumtree'>> & {
  readonly plumtree?: Partial<PlumtreeOptions> | boolean | null
}

/** The defaults with `partial` over them, checked. */
export function createContentDeliveryLayerOptions(partial: ContentDeliveryLayerSettings = {}): ContentDeliveryLayerOptions {
  const { plumtree, ...rest } = partial
  const options: ContentDeliveryLayerOptions = {
    ...DEFAULT_CONTENT_DELIVERY_LAYER_OPTIONS,
    ...rest,
    plumtree: plumtree === undefined || plumtree === null || plumtree === false
      ? null
      : createPlumtreeOptions(plumtree === true ? {} : plumtree),
  }
  validateContentDeliveryLayerOptions(options)
  return options
}

export function createPlumtreeOptions(partial: Partial<PlumtreeOptions> = {}): PlumtreeOptions {
  const options = { ...DEFAULT_PLUMTREE_OPTIONS, ...partial }
  if (!(Number.isInteger(options.maxPausedNeighbours) && options.maxPausedNeighbours >= 0)) {
    throw new RangeError(`plumtree maxPausedNeighbours must be an integer >= 0, got ${options.maxPausedNeighbours}`)
  }
  // The newest kept message is also how a node tells that ids on a paused link are ahead of it.
  if (!(Number.isInteger(options.resendBufferSize) && options.resendBufferSize >= 1)) {
    throw new RangeError(`plumtree resendBufferSize must be an integer >= 1, got ${options.resendBufferSize}`)
  }
  return options
}

export function validateContentDeliveryLayerOptions(o: ContentDeliveryLayerOptions): void {
  const positiveInts: (keyof ContentDeliveryLayerOptions)[] = ['neighbourTargetCount', 'nodeViewSize', 'parallelHandshakes']
  for (const key of positiveInts) {
    const v = o[key]
    if (!(Number.isInteger(v) && (v as number) >= 1)) throw new RangeError(`content delivery ${key} must be an integer >= 1, got ${String(v)}`)
  }
  if (o.nodeViewSize < o.neighbourTargetCount) {
    throw new RangeError(`content delivery nodeViewSize (${o.nodeViewSize}) must be at least neighbourTargetCount (${o.neighbourTargetCount})`)
  }
  const durations: (keyof ContentDeliveryLayerOptions)[] = [
    'handshakeTimeoutMs', 'interleaveTimeoutMs', 'finderInitialWaitMs', 'finderIntervalMs', 'neighbourUpdateIntervalMs',
  ]
  for (const key of durations) {
    const v = o[key]
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new RangeError(`content delivery ${key} must be a finite number >= 0 ms, got ${String(v)}`)
  }
  // A zero interval would schedule the finder or the updates forever at one instant.
  if (o.finderIntervalMs === 0 || o.neighbourUpdateIntervalMs === 0) {
    throw new RangeError('content delivery finderIntervalMs and neighbourUpdateIntervalMs must be > 0 ms')
  }
}

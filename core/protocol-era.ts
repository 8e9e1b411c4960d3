// Which generation of the reference protocol a run models, and that generation's defaults. The
// reference (github:streamr-dev/network) changed its defaults between versions; a run takes one
// generation's values, all of them, so no run mixes eras. Each value names the file and release
// it was read from:
//   - Brubeck: trackers. streamr-client 8.5.5 with @streamr/network-node and
//     @streamr/network-tracker 8.5.5 (tag client/v8.5.5, commit 8c172c2), the last release before
//     the trackers were removed. Node defaults are the client's config.schema.json, which the
//     client passes to the network node unchanged.
//   - Tatum: the DHT. @streamr/sdk, @streamr/dht and @streamr/trackerless-network 103.3.1 (tag
//     v103.3.1, commit 8159b8e).
// Values both eras share are still written per era: a later reading of one release must not
// move the other.

import type { GapMode, GiveUpAfter } from './ordering/ordering-options.ts'
import type { PropagationBufferOptions } from './propagation-buffer.ts'

export type ProtocolEra = 'brubeck' | 'tatum'
export const PROTOCOL_ERAS: readonly ProtocolEra[] = ['brubeck', 'tatum']

/** What a node of the Brubeck era does towards its trackers (tracker-client.ts). */
export interface BrubeckTrackerDefaults {
  /** Statuses go out on each trigger, not batched (TrackerManager.ts: no debounce). */
  readonly statusDebounceMs: number
  /** The last instruction of each stream part is applied again this often. */
  readonly instructionRetryIntervalMs: number
  /** Of those re-applications, the first and every Nth send a status (and any with a failure). */
  readonly statusEveryNthRetry: number
  /** After an instruction, how long its new neighbours have to connect before the status goes anyway. */
  readonly instructionSettleMs: number
  /** Trackers are (re)connected on this cadence while needed, without backoff. */
  readonly reconnectIntervalMs: number
  /** The tracker's neighbour limit per node and stream part. */
  readonly maxNeighbours: number
  /** The tracker waits this long for more changes before sending a stream part's instructions... */
  readonly instructionDebounceMs: number
  /** ...and never longer than this. */
  readonly instructionMaxWaitMs: number
}

export interface EraDefaults {
  readonly era: ProtocolEra
  /** The reference release the values were read from. */
  readonly reference: string
  readonly propagation: PropagationBufferOptions
  /** How long a per-stream-part neighbour handshake may take on an open link. */
  readonly handshakeTimeoutMs: number
  /** How long one connection attempt may take, signalling to open channel, before it fails. */
  readonly connectTimeoutMs: number
  readonly ordering: {
    /** The gap modes the era's client has; the first is its default. */
    readonly gapModes: readonly GapMode[]
    readonly initialWaitMs: number
    readonly retryWaitMs: number
    readonly maxResendRequests: number
    readonly giveUpAfter: GiveUpAfter
  }
  readonly keyExchange: { readonly requestTimeoutMs: number; readonly maxRequestsPerSecond: number }
  /** Only the Brubeck era has trackers. */
  readonly tracker: BrubeckTrackerDefaults | null
}

export const BRUBECK: EraDefaults = {
  era: 'brubeck',
  reference: 'streamr-client 8.5.5, @streamr/network-node 8.5.5, @streamr/network-tracker 8.5.5 (tag client/v8.5.5, commit 8c172c2)',
  propagation: {
    // packages/network/src/logic/propagation/Propagation.ts DEFAULT_MAX_MESSAGES, network-node 8.5.5
    // (10,000 from client 6.0.0 until 7.0.0). The reference counts it per node across stream
    // parts; here it is per stream part, the same for the usual one-stream scenario.
    maxMessages: 30,
    // Propagation.ts DEFAULT_TTL, network-node 8.5.5 (30 s throughout the era).
    ttlMs: 30_000,
    // packages/network/src/logic/Node.ts: floor(DEFAULT_MAX_NEIGHBOR_COUNT / 2), network-node 8.5.5.
    minPropagationTargets: 2,
  },
  // Node.ts nodeConnectTimeout (15 s), network-node 8.5.5: it bounds connecting to an instructed
  // neighbour, which is what this handshake stands for.
  handshakeTimeoutMs: 15_000,
  // packages/client/src/config.schema.json network.newWebrtcConnectionTimeout, streamr-client 8.5.5.
  connectTimeoutMs: 15_000,
  ordering: {
    // packages/client/src/subscribe/ordering/OrderedMsgChain.ts onGapFillsExhausted skips the one
    // gap and goes on: the behaviour the Tatum sdk calls 'full'. There was no 'light'.
    gapModes: ['full'],
    // config.schema.json gapFillTimeout, retryResendAfter, maxGapRequests, streamr-client 8.5.5.
    initialWaitMs: 5_000,
    retryWaitMs: 5_000,
    maxResendRequests: 5,
    // OrderedMsgChain.ts: the retry timer fires once more after the last request before giving up.
    giveUpAfter: 'retryWait',
  },
  // config.schema.json encryption.keyRequestTimeout and encryption.maxKeyRequestsPerSecond, streamr-client 8.5.5.
  keyExchange: { requestTimeoutMs: 30_000, maxRequestsPerSecond: 20 },
  tracker: {
    // packages/network/src/logic/TrackerManager.ts sends a status on each event, with no debounce
    // (network-node 8.5.5). 0 here still folds triggers of the same instant into one status.
    statusDebounceMs: 0,
    // TrackerManager.ts instructionRetryInterval default (3 min), network-node 8.5.5.
    instructionRetryIntervalMs: 180_000,
    // packages/network/src/logic/InstructionRetryManager.ts statusSendCounterLimit 9: the counter
    // cycles 0..9 and a retry at 0 sends a status, as does a retry with failures (network-node 8.5.5).
    statusEveryNthRetry: 10,
    // Node.ts nodeConnectTimeout: the status follows once every instructed connection settled.
    instructionSettleMs: 15_000,
    // config.schema.json network.trackerConnectionMaintenanceInterval (TrackerConnector), streamr-client 8.5.5.
    reconnectIntervalMs: 5_000,
    // packages/network/src/constants.ts DEFAULT_MAX_NEIGHBOR_COUNT, network-node 8.5.5.
    maxNeighbours: 4,
    // packages/network-tracker/src/logic/InstructionAndStatusAckSender.ts
    // DEFAULT_TOPOLOGY_STABILIZATION_OPTIONS { debounceWait: 100, maxWait: 2000 }, network-tracker 8.5.5.
    instructionDebounceMs: 100,
    instructionMaxWaitMs: 2_000,
  },
}

export const TATUM: EraDefaults = {
  era: 'tatum',
  reference: '@streamr/sdk, @streamr/dht, @streamr/trackerless-network 103.3.1 (tag v103.3.1, commit 8159b8e)',
  propagation: {
    // packages/trackerless-network/src/content-delivery-layer/propagation/Propagation.ts
    // DEFAULT_MAX_PROPAGATION_BUFFER_SIZE, DEFAULT_PROPAGATION_BUFFER_TTL (30 s before 101.1.1),
    // DEFAULT_MIN_PROPAGATION_TARGETS, trackerless-network 103.3.1. Per stream part, as here.
    maxMessages: 150,
    ttlMs: 10_000,
    minPropagationTargets: 2,
  },
  // packages/dht/src/dht/contact/RpcRemote.ts EXISTING_CONNECTION_TIMEOUT, dht 103.3.1: a
  // handshake RPC over a connection that is already open.
  handshakeTimeoutMs: 5_000,
  // packages/dht/src/connection/PendingConnection.ts timeout (15 s; it covers connect and the
  // connection handshake, for every connector), dht 103.3.1.
  connectTimeoutMs: 15_000,
  ordering: {
    // packages/sdk/src/config.schema.json gapFillStrategy (default light), gapFillTimeout,
    // retryResendAfter, maxGapRequests, sdk 103.3.1.
    gapModes: ['light', 'full'],
    initialWaitMs: 5_000,
    retryWaitMs: 5_000,
    maxResendRequests: 5,
    // packages/sdk/src/subscribe/ordering/GapFiller.ts awaits the last resend, then resolves the gap.
    giveUpAfter: 'lastAnswer',
  },
  // sdk config.schema.json encryption.keyRequestTimeout, encryption.maxKeyRequestsPerSecond, sdk 103.3.1.
  keyExchange: { requestTimeoutMs: 30_000, maxRequestsPerSecond: 20 },
  tracker: null,
}

export function eraDefaults(era: ProtocolEra): EraDefaults {
  return era === 'brubeck' ? BRUBECK : TATUM
}

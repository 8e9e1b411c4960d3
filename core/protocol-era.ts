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

import type { ConnectionCapOptions, ConnectionTimeouts, DhtOptions } from './dht/dht-options.ts'
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

/** The Tatum overlay's defaults: the DHTs, connections, entry points and content delivery. */
export interface TatumOverlayDefaults {
  readonly layer0: DhtOptions
  readonly layer1: DhtOptions
  readonly connectionTimeouts: ConnectionTimeouts
  readonly connectionCap: ConnectionCapOptions
  readonly entryPoints: {
    /** A node stores itself as an entry point while fewer than this many are stored. */
    readonly maxStored: number
    /** How often a stored entry point stores itself again (its TTL is layer 0's storeTtlMs). */
    readonly refreshIntervalMs: number
    /** How many stored entry points a join uses, and the layer-1 neighbour count below which the split avoidance runs. */
    readonly joinThrough: number
    /** Split avoidance: waits of baseDelayMs * 2^i after attempt i, at most maxAttempts attempts. */
    readonly splitAvoidanceBaseDelayMs: number
    readonly splitAvoidanceMaxAttempts: number
    /** With no layer-1 neighbour and no entry points, entry points are fetched again this often. */
    readonly reconnectIntervalMs: number
  }
  readonly contentDelivery: {
    readonly neighbourTargetCount: number
    /** Size of each node view (neighbours, nearby, random, ring sides). */
    readonly nodeViewSize: number
    readonly parallelHandshakes: number
    readonly interleaveTimeoutMs: number
    readonly finderInitialWaitMs: number
    readonly finderIntervalMs: number
    readonly neighbourUpdateIntervalMs: number
    readonly plumtreeMaxPausedNeighbours: number
    /** Messages per chain a plumtree node keeps to send again when a neighbour resumes. */
    readonly plumtreeResendBufferSize: number
  }
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
  /** Only the Tatum era has the DHT overlay. */
  readonly overlay: TatumOverlayDefaults | null
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
  overlay: null,
}

/**
 * Layer 0 as the sdk configures it: packages/dht/src/dht/DhtNode.ts constructor defaults
 * (numberOfNodesPerKBucket, maxContactCount, joinParallelism, joinNoProgressLimit,
 * peerDiscoveryQueryBatchSize, dhtJoinTimeout, storeHighestTtl / storeMaxTtl,
 * storageRedundancyFactor), dht 103.3.1; the sdk's config.schema.json sets none of them.
 */
const TATUM_LAYER0: DhtOptions = {
  k: 8,
  maxContactCount: 200,
  // packages/dht/src/dht/contact/RandomContactList.ts constructor default randomness 0.20.
  randomContactAcceptance: 0.2,
  // packages/dht/src/dht/contact/RingContactList.ts numNeighborsPerSide.
  ringContactsPerSide: 5,
  parallelism: 3,
  noProgressLimit: 5,
  batchSize: 5,
  joinTimeoutMs: 60_000,
  // Not set for layer 0: RpcRemote.ts picks by the connection needed (connectionTimeouts below).
  rpcTimeoutMs: null,
  // packages/dht/src/dht/discovery/PeerDiscovery.ts: rejoin after 1 s with no neighbours, 5 s after a failed rejoin.
  rejoinDelayMs: 1_000,
  rejoinRetryDelayMs: 5_000,
  // PeerDiscovery.ts ensureRecoveryIntervalIsRunning: fetchClosestAndRandomNeighbors every 60 s.
  recoveryIntervalMs: 60_000,
  // DhtNode.ts periodicallyPingNeighbors / periodicallyPingRingContacts unset for layer 0.
  pingIntervalMs: null,
  neighbourPingLimit: null,
  storeTtlMs: 60_000,
  redundancy: 5,
  // packages/dht/src/dht/ExternalApiRpcRemote.ts DEFAULT_TIMEOUT (the entry point's side: 10 s too, DhtNode.ts).
  externalTimeoutMs: 10_000,
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
  overlay: {
    layer0: TATUM_LAYER0,
    // packages/trackerless-network/src/ContentDeliveryManager.ts createDiscoveryLayerNode
    // (numberOfNodesPerKBucket 4, rpcRequestTimeout EXISTING_CONNECTION_TIMEOUT, dhtJoinTimeout
    // 20 s, periodic pings of neighbours and ring contacts every PERIODICAL_PING_INTERVAL 60 s,
    // neighborPingLimit 16), trackerless-network 103.3.1; the rest as layer 0.
    layer1: {
      ...TATUM_LAYER0, k: 4, rpcTimeoutMs: 5_000, joinTimeoutMs: 20_000, pingIntervalMs: 60_000, neighbourPingLimit: 16,
    },
    // packages/dht/src/dht/contact/RpcRemote.ts WEBSOCKET_CLIENT_TIMEOUT, WEBSOCKET_SERVER_TIMEOUT, WEBRTC_TIMEOUT, dht 103.3.1.
    connectionTimeouts: { websocketClientMs: 5_000, websocketServerMs: 7_500, webrtcMs: 10_000 },
    // packages/dht/src/connection/ConnectionManager.ts: maxConnections ?? 80 (the sdk's
    // controlLayer.maxConnections too), garbage collection every 5 s, LAST_USED_LIMIT 20 s, dht 103.3.1.
    connectionCap: { maxConnections: 80, gcIntervalMs: 5_000, idleLimitMs: 20_000 },
    entryPoints: {
      // packages/trackerless-network/src/control-layer/PeerDescriptorStoreManager.ts MAX_NODE_COUNT
      // and storeInterval ?? 60000, trackerless-network 103.3.1.
      maxStored: 8,
      refreshIntervalMs: 60_000,
      // packages/trackerless-network/src/StreamPartNetworkSplitAvoidance.ts MIN_NEIGHBOR_COUNT (also
      // the sampleSize of stored entry points a join uses, ContentDeliveryManager.ts) and
      // exponentialRunOff(baseDelay 500, maxAttempts 6), trackerless-network 103.3.1.
      joinThrough: 4,
      splitAvoidanceBaseDelayMs: 500,
      splitAvoidanceMaxAttempts: 6,
      // packages/trackerless-network/src/StreamPartReconnect.ts DEFAULT_RECONNECT_INTERVAL.
      reconnectIntervalMs: 30_000,
    },
    contentDelivery: {
      // packages/trackerless-network/src/content-delivery-layer/ContentDeliveryLayerNode.ts
      // DEFAULT_NEIGHBOR_TARGET_COUNT, DEFAULT_NODE_VIEW_SIZE (sdk streamPartitionNeighborTargetCount 4).
      neighbourTargetCount: 4,
      nodeViewSize: 20,
      // content-delivery-layer/neighbor-discovery/Handshaker.ts PARALLEL_HANDSHAKE_COUNT.
      parallelHandshakes: 2,
      // neighbor-discovery/HandshakeRpcRemote.ts INTERLEAVE_REQUEST_TIMEOUT.
      interleaveTimeoutMs: 10_000,
      // neighbor-discovery/NeighborFinder.ts INITIAL_WAIT, INTERVAL.
      finderInitialWaitMs: 100,
      finderIntervalMs: 250,
      // neighbor-discovery/NeighborUpdateManager.ts DEFAULT_NEIGHBOR_UPDATE_INTERVAL.
      neighbourUpdateIntervalMs: 10_000,
      // content-delivery-layer/plumtree/PlumtreeManager.ts MAX_PAUSED_NEIGHBORS_DEFAULT, and the
      // last 20 messages per chain its broadcast keeps.
      plumtreeMaxPausedNeighbours: 3,
      plumtreeResendBufferSize: 20,
    },
  },
}

export function eraDefaults(era: ProtocolEra): EraDefaults {
  return era === 'brubeck' ? BRUBECK : TATUM
}

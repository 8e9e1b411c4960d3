// The resolved form of a scenario file: every default filled in, every unit in the name.
// scenario.schema.json is the published contract for the YAML; this type is what the engine reads.

import type { GapMode, GiveUpAfter } from '../../core/ordering/ordering-options.ts'
import type { ProtocolEra } from '../../core/protocol-era.ts'
import type { CryptoCosts } from '../../core/security/crypto-suite.ts'

export type LatencyConfig =
  | { model: 'fixed'; ms: number }
  | { model: 'uniform'; minMs: number; maxMs: number }
  | { model: 'normal'; meanMs: number; sdMs: number; minMs: number }
  | {
      model: 'matrix'
      /** CSV path, resolved against the scenario file's folder. */
      file: string
      /** Region name -> relative share of nodes; regions left out get none. Default: equal shares of every region in the file. */
      weights?: Record<string, number>
      jitterSdMs: number
    }
  | {
      model: 'geo'
      /** Region name (from sim/network/regions.ts) -> relative share of nodes. Default: equal shares of the 16 AWS regions. */
      weights?: Record<string, number>
      /** RTT between two nodes in the same region. */
      intraRegionRttMs: number
      jitterSdMs: number
    }

export type NetworkEvent =
  | {
      type: 'partition'
      atS: number
      /** When the partition heals; absent: never. */
      untilS?: number
      /** Nodes in these regions form side A; everyone else side B. */
      regions?: string[]
      /** Or: this share of nodes, chosen at random, form side A. */
      fraction?: number
    }
  | {
      type: 'linkCut'
      atS: number
      untilS?: number
      /** Share of overlay links cut (both directions), chosen at random. */
      fraction: number
    }

export interface NetworkConfig {
  latency: LatencyConfig
  /** modelled: links open as the real stack opens them (connection-setup.ts); instant: one round trip. */
  connectionSetup: 'modelled' | 'instant'
  /** Probability that one transmission is lost, 0..1. */
  lossRate: number
  /** Per-node upload capacity; absent or 0: unlimited. */
  uploadMbps?: number
  downloadMbps?: number
  /** Added once per hop, between receipt and relay. */
  processingDelayMs: number
  events: NetworkEvent[]
}

export interface TopologyConfig {
  /** static: a fixed seeded random regular graph; tracker: Brubeck trackers build and repair it; dht: Tatum's trackerless overlay. */
  builder: 'static' | 'tracker' | 'dht'
  /** Neighbours per node (static), the trackers' max neighbours per node, or layer 2's target (dht). */
  degree: number
  /** Number of trackers (tracker builder only). */
  trackers: number
  /** dht: layer-0 entry points, a count of the first nodes or their ids. */
  entryPoints: number | string[]
  /** dht: share of the other nodes that run a WebSocket server. */
  wsServerShare: number
  /** dht: region numbers in ring ids. */
  locality: 'none' | 'ring'
  /** dht: Plumtree on every stream part. */
  plumtree: boolean
}

/** Session and inter-arrival time distributions, in seconds. */
export type DurationDistribution =
  | { distribution: 'exponential'; meanS: number }
  | { distribution: 'weibull'; shape: number; scaleS: number }
  | { distribution: 'pareto'; shape: number; scaleS: number }

export type ChurnEvent =
  /** `count` nodes that have not joined yet join at atS. */
  | { type: 'join'; atS: number; count: number }
  /** `count` random online nodes leave at atS; `crash` share of them crash instead of leaving gracefully. */
  | { type: 'leave'; atS: number; count: number; crashFraction: number }
  /** A share of the online nodes crash at once. */
  | { type: 'massFailure'; atS: number; fraction: number }
  /** `count` nodes join spread uniformly over withinS seconds from atS. */
  | { type: 'flashCrowd'; atS: number; count: number; withinS: number }
  /** Tracker number `tracker` crashes at atS and comes back at recoverAtS (if given). */
  | { type: 'trackerFailure'; atS: number; tracker: number; recoverAtS?: number }

export interface ChurnConfig {
  /** Nodes online at time zero; the rest (nodes - initialNodes) join later through events or arrivals. Default: all. */
  initialNodes: number
  /** Poisson arrivals of not-yet-joined nodes, per second; 0 = none. */
  arrivalRatePerS: number
  /** Session length of each node from its join; absent = nodes stay until the end. */
  session?: DurationDistribution
  /** Share of session ends that are crashes rather than graceful leaves. */
  crashFraction: number
  events: ChurnEvent[]
}

export interface WorkloadConfig {
  streams: number
  publishersPerStream: number
  /** Messages each publisher sends. */
  messagesPerPublisher: number
  /** Per publisher. */
  ratePerSecond: number
  arrival: 'constant' | 'poisson'
  payloadBytes: number
  /** Simulated time before the first message, for overlays to form. */
  warmupS: number
}

export type SecurityEvent =
  /** Every publisher announces its next group key inside its next message. */
  | { type: 'rotateKey'; atS: number }
  /** The owner revokes subscribe permission from this share of the permitted subscribers. */
  | { type: 'revoke'; atS: number; fraction: number }
  /** Every publisher switches to a key no message announces; readers must ask. */
  | { type: 'rekey'; atS: number }

export interface SecurityConfig {
  crypto: 'off' | 'real' | 'modelled'
  encryption: boolean
  validation: 'subscriber' | 'relay'
  /** Virtual CPU per operation: core's CryptoCosts, as the scenario gives them. */
  costs: CryptoCosts
  permissions: { public: boolean; confirmationDelayS: number; cacheTtlS: number; subscriberFraction: number }
  keyRequestTimeoutS: number
  maxKeyRequestsPerSecond: number
  events: SecurityEvent[]
}

export interface StorageConfig {
  nodes: number
  replicas: number
}

export interface OrderingConfig {
  enabled: boolean
  gapMode: GapMode
  initialWaitMs: number
  retryWaitMs: number
  maxResendRequests: number
  giveUpAfter: GiveUpAfter
}

/** The propagation buffer of every node (core/propagation-buffer.ts). */
export interface PropagationConfig {
  maxMessages: number
  ttlMs: number
  minTargets: number
}

export interface AdversaryConfig {
  droppers: number
  delayers: { fraction: number; delayMs: number }
  forgers: { fraction: number; mode: 'alter' | 'wrongKey'; maxPerSecond: number }
  replayers: { fraction: number; ratePerSecond: number }
  spammers: { fraction: number; mode: 'invalid' | 'unpermitted'; ratePerSecond: number }
}

export interface RecordConfig {
  deliveries: boolean
  timeseriesIntervalS: number
}

export type BudgetOp = '<' | '<=' | '>' | '>=' | '=='

export interface Budget {
  /** Dotted path into summary.json, e.g. `latencyMs.p99`. */
  metric: string
  op: BudgetOp
  limit: number
}

export interface Scenario {
  name: string
  description?: string
  /** The protocol generation modelled; every default left unset comes from it (core/protocol-era.ts). */
  protocol: ProtocolEra
  seed: number
  nodes: number
  topology: TopologyConfig
  propagation: PropagationConfig
  network: NetworkConfig
  churn: ChurnConfig
  workload: WorkloadConfig
  security: SecurityConfig
  storage: StorageConfig
  ordering: OrderingConfig
  adversaries: AdversaryConfig
  /** Hard stop in simulated seconds; the run also ends when no events remain. */
  durationS: number
  record: RecordConfig
  budgets: Budget[]
  /** Dotted field path -> values; the grid is their cartesian product. */
  sweep?: Record<string, unknown[]>
  /** Replications: each point runs once per seed (sweep, check); absent: once, with `seed`. */
  seeds?: number[]
  /** Absolute path of the file this came from, for resolving relative paths and for error messages. */
  sourceFile: string
}

// The resolved form of a scenario file: every default filled in, every unit in the name.
// scenario.schema.json is the published contract for the YAML; this type is what the engine reads.

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
  builder: 'static'
  /** Neighbours per node in the random regular overlay. */
  degree: number
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
  seed: number
  nodes: number
  topology: TopologyConfig
  network: NetworkConfig
  workload: WorkloadConfig
  /** Hard stop in simulated seconds; the run also ends when no events remain. */
  durationS: number
  record: RecordConfig
  budgets: Budget[]
  /** Dotted field path -> values; the grid is their cartesian product. */
  sweep?: Record<string, unknown[]>
  /** Absolute path of the file this came from, for resolving relative paths and for error messages. */
  sourceFile: string
}

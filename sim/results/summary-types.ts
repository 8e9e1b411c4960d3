// The shape of summary.json. Other tools (the explorer, CI budgets, sweeps) read it; extend, never rename.

export interface Distribution {
  /** Number of samples behind the figures below. */
  count: number
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
}

export interface BudgetResult {
  metric: string
  op: string
  limit: number
  /** null when the metric had no samples. */
  value: number | null
  pass: boolean
}

export interface OverlaySummary {
  streamPart: string
  nodes: number
  edges: number
  /** degree -> number of nodes with it */
  degreeDistribution: Record<string, number>
  components: number
  largestComponent: number
  /** Largest eccentricity seen from a few random start nodes: a lower bound on the diameter. */
  diameterEstimate: number
  /** Mean local clustering coefficient. */
  clustering: number
}

export interface Summary {
  scenario: string
  seed: number
  version: string
  commit: string
  nodes: number
  streamParts: number
  published: number
  /** Sum over messages of the receivers of that message (see README: Metrics). */
  receivers: number
  firstReceipts: number
  deliveryRatio: number
  latencyMs: Distribution
  duplicates: number
  duplicatesPerDelivery: number
  rmr: number
  hops: Distribution
  stretch: Distribution
  payloadTransmissions: number
  payloadBytesPerNode: number
  controlMessagesPerNodePerSecond: number
  controlBytesPerNodePerSecond: number
  /** Content transmissions that never arrived, by cause; `closed`: the link or receiver went away in flight. */
  lost: { loss: number; partition: number; linkCut: number; closed: number }
  droppedInvalid: number
  droppedMalformed: number
  overlay: OverlaySummary[]
  events: number
  simulatedSeconds: number
  budgets: BudgetResult[]
  /** Resolved scenario parameters (the same as scenario.yaml). */
  parameters: Record<string, unknown>
  // Wall-clock fields: the only ones that differ between two runs of the same scenario and seed.
  wallSeconds: number
  peakRssMb: number
  eventsPerSecond: number
  startedAt: string
}

export const WALL_CLOCK_FIELDS = ['wallSeconds', 'peakRssMb', 'eventsPerSecond', 'startedAt'] as const

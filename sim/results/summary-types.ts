// The shape of summary.json. Other tools (the explorer, CI budgets, sweeps) read it; extend, never rename.

import type { ProtocolEra } from '../../core/protocol-era.ts'
import type { DhtSummary } from '../metrics/dht-metrics.ts'

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

/** summary.messageLayer: present when the scenario runs the message layer (README, "Message layer metrics"). */
export interface MessageLayerSummary {
  crypto: 'off' | 'real' | 'modelled'
  encryption: boolean
  validation: 'subscriber' | 'relay'
  /** Honest messages handed to the apps of honest subscribers, against what they were entitled to. */
  app: {
    /** Subscribers online at the end, over which the ratio is taken. */
    subscribers: number
    expected: number
    delivered: number
    deliveryRatio: number
    /** Subscribers online at the end missing at least one message they were entitled to. */
    incompleteSubscribers: number
    /** Publish call to the app, over every app delivery. */
    latencyMs: Distribution
    duplicates: number
    /** Deliveries that came after a later message of the same chain (0 with ordering on). */
    outOfOrder: number
  }
  forgedDeliveredToApps: number
  unpermittedDeliveredToApps: number
  /** App deliveries to subscribers never permitted to read. */
  unpermittedReads: number
  revokedSubscribers: number
  revokedReadsAfterRekey: number
  rejected: { atRelays: Record<string, number>; atSubscribers: number }
  /** Bytes sent carrying forgeries, spam and replays. */
  wastedBytes: number
  /** wastedBytes / all content bytes sent. */
  wastedShare: number
  /** Virtual CPU time of each node's message layer (signing, verifying, encryption, key exchange). */
  cpuMsPerNode: Distribution
  keyExchange: { requestsSent: number; answered: number; refused: number; invalid: number; timeouts: number; undecryptable: number; keysFromRotation: number }
  /** refetchedRejected: rejected copies whose genuine message was asked of a storage node. */
  ordering: { gapsDetected: number; gapsFilled: number; gapsSkipped: number; resendRequests: number; refetchedRejected: number }
  storage: { nodes: number; stored: number; requests: number; messagesSent: number }
  adversaries: Record<string, number>
}

export interface Summary {
  scenario: string
  /** The protocol generation modelled, and the reference release its defaults come from. */
  protocol: { era: ProtocolEra; reference: string }
  seed: number
  version: string
  commit: string
  nodes: number
  streamParts: number
  published: number
  /** Sum over messages of the receivers of that message (see README: Metrics). */
  receivers: number
  /** First receipts at every node, receivers or not. */
  firstReceipts: number
  /** First receipts by receivers / receivers. */
  deliveryRatio: number
  /** First receipts by receivers (the numerator of deliveryRatio). */
  deliveredToReceivers: number
  /**
   * deliveryRatio over the messages published at or after the first massFailure churn event, with
   * the same receivers; null when the scenario has no mass failure (NaN, written as null, when no
   * message was published after it).
   */
  deliveryRatioAfterMassFailure: number | null
  /** Receiver x message pairs never delivered although the receiver stayed online. */
  lostOnline: number
  /** The part of lostOnline published while the receiver had no neighbour yet (still joining). */
  lostWhileJoining: number
  /** Messages published while a node that later left was online, which it never received. */
  lostToChurn: number
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
  /** The same, by the layer that sent it: layer0, layer1, layer2 (Tatum), tracker (Brubeck), neighbours (handshakes and leaves), other. */
  controlByLayer: Record<string, { messagesPerNodePerSecond: number; bytesPerNodePerSecond: number }>
  /** Content transmissions that never arrived, by cause; `closed`: the link or receiver went away in flight. */
  lost: { loss: number; partition: number; linkCut: number; closed: number; dropped: number }
  /** Join to first neighbour, over nodes that got one. */
  timeToFirstNeighbourMs: Distribution
  /** Join (or the first publish, if later) to first message received, over nodes that got one. */
  timeToDataMs: Distribution
  /** Join to having topology.degree neighbours in the first stream part (or every other online node), over nodes that got there. */
  joinTimeMs: Distribution
  /** Connect request to the requester's link opening, over every link opened (trackers' included). */
  connectSetupMs: Distribution
  /** Connection attempts that opened a link, and that failed (timed out, refused, unreachable). */
  connections: { opened: number; failed: number }
  churn: { joined: number; left: number; crashed: number; onlineAtEnd: number }
  /** Per tracker: statuses and signals received, in total and per simulated second. */
  trackers: { id: string; messagesReceived: number; messagesPerSecond: number }[]
  /** The busiest tracker's messages per second. */
  trackerMessagesPerSecond: number
  droppedInvalid: number
  droppedMalformed: number
  overlay: OverlaySummary[]
  messageLayer?: MessageLayerSummary
  /** The Tatum DHT overlay's own figures (builder dht). */
  dht?: DhtSummary
  events: number
  simulatedSeconds: number
  budgets: BudgetResult[]
  /** What the run could not do as the scenario asked (a leave of more nodes than were online, arrivals with nobody left to join). */
  warnings: string[]
  /** Resolved scenario parameters (the same as scenario.yaml). */
  parameters: Record<string, unknown>
  // Wall-clock fields: the only ones that differ between two runs of the same scenario and seed.
  wallSeconds: number
  peakRssMb: number
  eventsPerSecond: number
  startedAt: string
}

export const WALL_CLOCK_FIELDS = ['wallSeconds', 'peakRssMb', 'eventsPerSecond', 'startedAt'] as const

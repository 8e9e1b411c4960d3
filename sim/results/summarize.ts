// The numbers of summary.json, from what the metrics collector saw. Definitions are in the
// README's Metrics section and DESIGN.md; change them in all three places or none.

import { eraDefaults } from '../../core/protocol-era.ts'
import { createRandom } from '../engine/random.ts'
import { overlayStats } from '../metrics/overlay-stats.ts'
import type { StreamPartSetup } from '../simulation.ts'
import type { MetricsCollector } from '../metrics/collector.ts'
import type { SetupStats } from '../network/connection-setup.ts'
import type { LossCounters } from '../network/observed-network.ts'
import type { Scenario } from '../scenario/types.ts'
import { checkBudgets } from './budget-check.ts'
import { runMetadata } from './run-metadata.ts'
import type { Summary } from './summary-types.ts'
import { scenarioParameters } from './scenario-parameters.ts'
import { deliveryRatioSince, settleDeliveries } from '../metrics/delivery-accounting.ts'
import type { Membership } from '../metrics/membership.ts'
import { distributionOf } from '../metrics/sample-buffer.ts'
import type { Adversaries } from '../security/adversaries.ts'
import { type MessageLayerSource, summarizeMessageLayer } from './message-layer-summary.ts'
import { CONTROL_LAYERS } from '../metrics/control-layers.ts'
import type { DhtSummary } from '../metrics/dht-metrics.ts'

export interface WallClock {
  wallSeconds: number
  startedAt: string
}

/**
 * What a summary is computed from. A Simulation is one; a live run (live/scenario/) replays what
 * its nodes observed into the same collector and is another, so both share every definition.
 */
export interface SummarySource {
  readonly scenario: Scenario
  readonly metrics: MetricsCollector
  readonly membership: Membership
  readonly network: { readonly lost: LossCounters }
  /** The run's clock at its end (ms) and the events it processed. */
  readonly sim: { now(): number; readonly events: number }
  readonly trackerIds: readonly string[]
  readonly streamParts: readonly StreamPartSetup[]
  trackerMessagesReceived(t: number): number
  /** Neighbour lists of a stream part among its online members, by position among them. */
  adjacency(part: StreamPartSetup): number[][]
  /** What the run could not do as the scenario asked. */
  readonly warnings?: readonly string[]
  /** How links opened (the simulator's connection setup); absent for live runs, whose links are real. */
  readonly connectionSetup?: SetupStats
  /** Present when the scenario runs the message layer. */
  readonly messageLayer?: MessageLayerSource
  /** The DHT overlay's figures at the end (builder dht in the simulator). */
  dhtSummary?(): DhtSummary | undefined
  readonly adversaries?: Adversaries
}

export function summarize(simulation: SummarySource, wall: WallClock): Summary {
  const { scenario, metrics: m, network, sim } = simulation
  const n = scenario.nodes
  const simulatedSeconds = sim.now() / 1000
  const { version, commit } = runMetadata()
  const account = settleDeliveries(simulation.membership, m)
  m.timeseries.fillDeliveryRatios(m.messagePublishedAtMs, m.messageOnlineAtPublish, m.messageReceiptsByOnline)
  const membership = simulation.membership
  const trackers = simulation.trackerIds.map((id, t) => {
    const received = simulation.trackerMessagesReceived(t)
    return { id, messagesReceived: received, messagesPerSecond: simulatedSeconds === 0 ? 0 : received / simulatedSeconds }
  })
  const summary: Summary = {
    scenario: scenario.name,
    protocol: { era: scenario.protocol, reference: eraDefaults(scenario.protocol).reference },
    seed: scenario.seed,
    version,
    commit,
    nodes: n,
    streamParts: simulation.streamParts.length,
    published: m.published,
    receivers: account.receivers,
    firstReceipts: m.firstReceipts,
    deliveryRatio: account.receivers === 0 ? NaN : account.delivered / account.receivers,
    deliveredToReceivers: account.delivered,
    deliveryRatioAfterMassFailure: deliveryAfterMassFailure(simulation),
    lostOnline: account.lostOnline,
    lostWhileJoining: account.lostWhileJoining,
    lostToChurn: account.lostToChurn,
    latencyMs: m.latencyMs.distribution(),
    duplicates: m.duplicates,
    duplicatesPerDelivery: m.firstReceipts === 0 ? NaN : m.duplicates / m.firstReceipts,
    // Summed over messages: transmissions / (nodes reached - 1) - 1, with reached - 1 = first receipts.
    rmr: m.firstReceipts === 0 ? NaN : m.payloadTransmissions / m.firstReceipts - 1,
    hops: m.hops.distribution(),
    stretch: m.stretch.distribution(),
    payloadTransmissions: m.payloadTransmissions,
    payloadBytesPerNode: m.payloadBytes / n,
    controlMessagesPerNodePerSecond: simulatedSeconds === 0 ? 0 : m.controlMessages / n / simulatedSeconds,
    controlBytesPerNodePerSecond: simulatedSeconds === 0 ? 0 : m.controlBytes / n / simulatedSeconds,
    controlByLayer: Object.fromEntries(CONTROL_LAYERS.map((layer, i) => [layer, {
      messagesPerNodePerSecond: simulatedSeconds === 0 ? 0 : m.controlByLayer.messages[i] / n / simulatedSeconds,
      bytesPerNodePerSecond: simulatedSeconds === 0 ? 0 : m.controlByLayer.bytes[i] / n / simulatedSeconds,
    }])),
    lost: { ...network.lost },
    timeToFirstNeighbourMs: distributionOf(Float64Array.from(membership.sinceJoin(membership.firstNeighbourAtMs)).sort()),
    timeToDataMs: distributionOf(Float64Array.from(membership.sinceJoin(membership.firstDataAtMs, m.messagePublishedAtMs[0] ?? 0)).sort()),
    joinTimeMs: distributionOf(Float64Array.from(membership.sinceJoin(membership.reachedTargetAtMs)).sort()),
    connectSetupMs: distributionOf(Float64Array.from(simulation.connectionSetup?.setupMs ?? []).sort()),
    connections: { opened: simulation.connectionSetup?.opened ?? 0, failed: simulation.connectionSetup?.failed ?? 0 },
    churn: {
      joined: membership.nodes - countNaN(membership.joinedAtMs),
      left: countLeft(membership, false),
      crashed: countLeft(membership, true),
      onlineAtEnd: membership.online,
    },
    trackers,
    trackerMessagesPerSecond: trackers.reduce((max, t) => Math.max(max, t.messagesPerSecond), 0),
    droppedInvalid: m.invalid,
    droppedMalformed: m.malformed,
    overlay: simulation.streamParts.map((part) =>
      overlayStats(part.id, simulation.adjacency(part), createRandom(scenario.seed, 'overlay-stats', part.id))),
    messageLayer: simulation.messageLayer !== undefined
      ? summarizeMessageLayer(scenario, simulation.messageLayer, simulation.adversaries, m)
      : undefined,
    dht: simulation.dhtSummary?.(),
    events: sim.events,
    simulatedSeconds,
    budgets: [],
    warnings: [...(simulation.warnings ?? [])],
    parameters: scenarioParameters(scenario),
    wallSeconds: wall.wallSeconds,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    eventsPerSecond: wall.wallSeconds > 0 ? Math.round(sim.events / wall.wallSeconds) : 0,
    startedAt: wall.startedAt,
  }
  summary.budgets = checkBudgets(scenario.budgets, summary)
  return summary
}

/** See Summary.deliveryRatioAfterMassFailure. */
function deliveryAfterMassFailure(simulation: SummarySource): number | null {
  const failures = simulation.scenario.churn.events.filter((e) => e.type === 'massFailure')
  if (failures.length === 0) return null
  const firstAtMs = Math.min(...failures.map((e) => e.atS * 1000))
  return deliveryRatioSince(simulation.membership, simulation.metrics, firstAtMs)
}

function countNaN(xs: Float64Array): number {
  let c = 0
  for (const x of xs) if (Number.isNaN(x)) c++
  return c
}

function countLeft(membership: Membership, crashed: boolean): number {
  let c = 0
  for (let i = 0; i < membership.nodes; i++) {
    if (membership.leftAtMs[i] !== Infinity && (membership.crashed[i] === 1) === crashed) c++
  }
  return c
}

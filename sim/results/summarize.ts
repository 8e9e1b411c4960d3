// The numbers of summary.json, from what the metrics collector saw. Definitions are in the
// README's Metrics section and DESIGN.md; change them in all three places or none.

import { createRandom } from '../engine/random.ts'
import { overlayStats } from '../metrics/overlay-stats.ts'
import type { Simulation } from '../simulation.ts'
import { checkBudgets } from './budget-check.ts'
import { runMetadata } from './run-metadata.ts'
import type { Summary } from './summary-types.ts'
import { scenarioParameters } from './scenario-parameters.ts'

export interface WallClock {
  wallSeconds: number
  startedAt: string
}

export function summarize(simulation: Simulation, wall: WallClock): Summary {
  const { scenario, metrics: m, network, sim } = simulation
  const n = scenario.nodes
  const simulatedSeconds = sim.now() / 1000
  const { version, commit } = runMetadata()
  const summary: Summary = {
    scenario: scenario.name,
    seed: scenario.seed,
    version,
    commit,
    nodes: n,
    streamParts: simulation.streamParts.length,
    published: m.published,
    receivers: m.receivers,
    firstReceipts: m.firstReceipts,
    deliveryRatio: m.receivers === 0 ? NaN : m.firstReceipts / m.receivers,
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
    lost: { ...network.lost },
    droppedInvalid: m.invalid,
    droppedMalformed: m.malformed,
    overlay: simulation.streamParts.map((part) =>
      overlayStats(part.id, simulation.adjacency(part), createRandom(scenario.seed, 'overlay-stats', part.id))),
    events: sim.events,
    simulatedSeconds,
    budgets: [],
    parameters: scenarioParameters(scenario),
    wallSeconds: wall.wallSeconds,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    eventsPerSecond: wall.wallSeconds > 0 ? Math.round(sim.events / wall.wallSeconds) : 0,
    startedAt: wall.startedAt,
  }
  summary.budgets = checkBudgets(scenario.budgets, summary)
  return summary
}

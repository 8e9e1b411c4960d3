// The human-readable end of a run: headline metrics with their sample counts, and budgets.

import type { BudgetResult, Summary } from '../results/summary-types.ts'
import { fmt, formatTable } from './table.ts'

export function formatSummary(s: Summary, dir: string): string {
  const d = (name: string, x: Summary['latencyMs'], unit: string) =>
    [name, unit, fmt(x.mean), fmt(x.p50), fmt(x.p90), fmt(x.p99), fmt(x.max), fmt(x.count)]
  const overlay = s.overlay.map((o) =>
    `  ${o.streamPart}: ${o.nodes} nodes, ${o.edges} edges, degrees ${JSON.stringify(o.degreeDistribution)}, ${o.components} component(s), diameter >= ${o.diameterEstimate}, clustering ${fmt(o.clustering, 4)}`)
  return [
    `${s.scenario} (seed ${s.seed}, version ${s.version}, commit ${s.commit})`,
    `${fmt(s.nodes)} nodes, ${s.streamParts} stream part(s), ${fmt(s.published)} messages published, ${fmt(s.simulatedSeconds)} s simulated in ${fmt(s.wallSeconds, 2)} s wall (${fmt(s.events)} events, ${fmt(s.eventsPerSecond)} events/s, peak RSS ${fmt(s.peakRssMb)} MB)`,
    '',
    formatTable(['metric', 'unit', 'mean', 'p50', 'p90', 'p99', 'max', 'samples'], [
      d('latency', s.latencyMs, 'ms'),
      d('hops', s.hops, 'hops'),
      d('stretch', s.stretch, 'ratio'),
      d('time to 1st neighbour', s.timeToFirstNeighbourMs, 'ms'),
      d('time to data', s.timeToDataMs, 'ms'),
    ]),
    '',
    `delivery ratio ${fmt(s.deliveryRatio, 5)} (${fmt(s.deliveredToReceivers)} of ${fmt(s.receivers)} receiver x message pairs)   duplicates/delivery ${fmt(s.duplicatesPerDelivery, 4)}   RMR ${fmt(s.rmr, 4)}`,
    `churn: ${fmt(s.churn.joined)} joined, ${fmt(s.churn.left)} left, ${fmt(s.churn.crashed)} crashed, ${fmt(s.churn.onlineAtEnd)} online at the end; missed: ${fmt(s.lostOnline)} by receivers online throughout (${fmt(s.lostWhileJoining)} of them while still joining), ${fmt(s.lostToChurn)} by nodes that later left`,
    ...(s.trackers.length > 0 ? [`trackers: ${s.trackers.map((t) => `${t.id} ${fmt(t.messagesPerSecond, 1)} msg/s`).join(', ')}`] : []),
    `lost: ${fmt(s.lost.loss)} to loss, ${fmt(s.lost.partition)} to partitions, ${fmt(s.lost.linkCut)} to link cuts, ${fmt(s.lost.closed)} in flight on closing links; dropped ${fmt(s.droppedInvalid)} invalid, ${fmt(s.droppedMalformed)} malformed`,
    `payload ${fmt(s.payloadBytesPerNode / 1024, 1)} KiB/node, control ${fmt(s.controlBytesPerNodePerSecond, 1)} B/node/s`,
    'overlay:',
    ...overlay,
    ...(s.budgets.length > 0 ? ['', formatBudgets(s.budgets)] : []),
    '',
    `results: ${dir}`,
  ].join('\n')
}

export function formatBudgets(budgets: readonly BudgetResult[]): string {
  return formatTable(['budget', 'op', 'limit', 'value', 'result'],
    budgets.map((b) => [b.metric, b.op, fmt(b.limit), fmt(b.value, 4), b.pass ? 'pass' : 'FAIL']))
}

// The human-readable end of a run: headline metrics with their sample counts, and budgets.

import type { BudgetResult, Summary } from '../sim/results/summary-types.ts'
import { fmt, formatTable } from '../sim/results/table.ts'

export function formatSummary(s: Summary, dir: string): string {
  const d = (name: string, x: Summary['latencyMs'], unit: string) =>
    [name, unit, fmt(x.mean), fmt(x.p50), fmt(x.p90), fmt(x.p99), fmt(x.max), fmt(x.count)]
  const overlay = s.overlay.map((o) =>
    `  ${o.streamPart}: ${o.nodes} nodes, ${o.edges} edges, degrees ${JSON.stringify(o.degreeDistribution)}, ${o.components} component(s), diameter >= ${o.diameterEstimate}, clustering ${fmt(o.clustering, 4)}`)
  const live = liveSection(s)
  return [
    `${s.scenario} (protocol ${s.protocol.era}, seed ${s.seed}, version ${s.version}, commit ${s.commit})${live === undefined ? '' : ', live'}`,
    `${fmt(s.nodes)} nodes, ${s.streamParts} stream part(s), ${fmt(s.published)} messages published, ${fmt(s.simulatedSeconds)} s ${live === undefined ? 'simulated' : 'of real time'} in ${fmt(s.wallSeconds, 2)} s wall (${fmt(s.events)} events, ${fmt(s.eventsPerSecond)} events/s, peak RSS ${fmt(s.peakRssMb)} MB)`,
    ...(live === undefined ? [] : [live]),
    '',
    formatTable(['metric', 'unit', 'mean', 'p50', 'p90', 'p99', 'max', 'samples'], [
      d('latency', s.latencyMs, 'ms'),
      d('hops', s.hops, 'hops'),
      d('stretch', s.stretch, 'ratio'),
      d('time to 1st neighbour', s.timeToFirstNeighbourMs, 'ms'),
      d('time to data', s.timeToDataMs, 'ms'),
      ...(s.joinTimeMs.count > 0 ? [d('join time', s.joinTimeMs, 'ms')] : []),
      ...(s.dht !== undefined ? [
        d('lookup requests (L0)', s.dht.lookups.layer0.requests, 'rpcs'),
        d('lookup hops (L0)', s.dht.lookups.layer0.hops, 'hops'),
        d('links per node (L0)', s.dht.connectionsPerNode.layer0, 'links'),
        d('join: 1st L0 link', s.dht.joinPhasesMs.layer0Linked, 'ms'),
        d('join: entry points', s.dht.joinPhasesMs.entryPointsFetched, 'ms'),
        d('join: 1st L1 contact', s.dht.joinPhasesMs.layer1Contact, 'ms'),
      ] : []),
      ...(s.connectSetupMs.count > 0 ? [d('connection setup', s.connectSetupMs, 'ms')] : []),
    ]),
    '',
    `delivery ratio ${fmt(s.deliveryRatio, 5)} (${fmt(s.deliveredToReceivers)} of ${fmt(s.receivers)} receiver x message pairs)   duplicates/delivery ${fmt(s.duplicatesPerDelivery, 4)}   RMR ${fmt(s.rmr, 4)}`,
    `churn: ${fmt(s.churn.joined)} joined, ${fmt(s.churn.left)} left, ${fmt(s.churn.crashed)} crashed, ${fmt(s.churn.onlineAtEnd)} online at the end; missed: ${fmt(s.lostOnline)} by receivers online throughout (${fmt(s.lostWhileJoining)} of them while still joining), ${fmt(s.lostToChurn)} by nodes that later left`,
    ...(s.trackers.length > 0 ? [`trackers: ${s.trackers.map((t) => `${t.id} ${fmt(t.messagesPerSecond, 1)} msg/s`).join(', ')}`] : []),
    `lost: ${fmt(s.lost.loss)} to loss, ${fmt(s.lost.partition)} to partitions, ${fmt(s.lost.linkCut)} to link cuts, ${fmt(s.lost.closed)} in flight on closing links; dropped ${fmt(s.droppedInvalid)} invalid, ${fmt(s.droppedMalformed)} malformed`,
    `payload ${fmt(s.payloadBytesPerNode / 1024, 1)} KiB/node, control ${fmt(s.controlBytesPerNodePerSecond, 1)} B/node/s (${controlLayers(s)}); connections ${fmt(s.connections.opened)} opened, ${fmt(s.connections.failed)} failed`,
    ...(s.dht !== undefined ? [`dht: routed ${fmt(s.dht.routed.sent)} (${fmt(s.dht.routed.deadEnds)} dead ends), RPCs ${fmt(s.dht.rpc.requests)} (${fmt(s.dht.rpc.timeouts)} timed out), ${fmt(s.dht.closedByCap)} links closed by the cap, ${fmt(s.dht.entryPointsAtEnd)} entry points stored`] : []),
    'overlay:',
    ...overlay,
    ...(s.warnings.length > 0 ? ['', ...s.warnings.map((w) => `warning: ${w}`)] : []),
    ...(s.budgets.length > 0 ? ['', formatBudgets(s.budgets)] : []),
    '',
    `results: ${dir}`,
  ].join('\n')
}

/** Control bytes per node per second of the layers that sent any. */
function controlLayers(s: Summary): string {
  const parts = Object.entries(s.controlByLayer).filter(([, v]) => v.bytesPerNodePerSecond > 0)
  return parts.length === 0 ? 'none' : parts.map(([layer, v]) => `${layer} ${fmt(v.bytesPerNodePerSecond, 1)}`).join(', ')
}

/** The line a live run (summary.transport "live") adds: how it ran and what it cost per node. */
function liveSection(s: Summary): string | undefined {
  const x = s as Summary & { transport?: string; live?: { workers: number; linkDelays: string; shimLatenessMs: Summary['latencyMs'] | null; cpuCoresPerNode: number; rssMbPerNode: number; endReason: string } }
  if (x.transport !== 'live' || x.live === undefined) return undefined
  const l = x.live
  const shim = l.shimLatenessMs === null ? 'no link delays (loopback as it is)' : `link delays by the shim (released late by p50 ${fmt(l.shimLatenessMs.p50, 3)} ms, p99 ${fmt(l.shimLatenessMs.p99, 3)} ms)`
  return `live: ${l.workers} worker process(es), ${shim}; per node ${fmt(l.cpuCoresPerNode * 100, 2)}% of a core and ${fmt(l.rssMbPerNode, 2)} MB RSS; ended on ${l.endReason}`
}

export function formatBudgets(budgets: readonly BudgetResult[]): string {
  return formatTable(['budget', 'op', 'limit', 'value', 'result'],
    budgets.map((b) => [b.metric, b.op, fmt(b.limit), fmt(b.value, 4), b.pass ? 'pass' : 'FAIL']))
}

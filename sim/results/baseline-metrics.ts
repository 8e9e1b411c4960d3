// The metrics a baseline holds (`sim check --baseline`), each with the direction that is better,
// so that a change can be called a regression or an improvement. Only simulated figures: they are
// the same on every machine, so a baseline is exact until the code changes. Wall-clock fields
// (WALL_CLOCK_FIELDS) are never here.

import { metricValue } from './budget-check.ts'

export type Better = 'lower' | 'higher'

const lower = (...metrics: string[]) => metrics.map((metric) => ({ metric, better: 'lower' as Better }))
const higher = (...metrics: string[]) => metrics.map((metric) => ({ metric, better: 'higher' as Better }))

/** Dotted paths into summary.json, as budgets name them. */
export const BASELINE_METRICS: readonly { metric: string; better: Better }[] = [
  ...higher('deliveryRatio', 'deliveryRatioAfterMassFailure'),
  ...lower('lostOnline'),
  ...lower('latencyMs.mean', 'latencyMs.p50', 'latencyMs.p90', 'latencyMs.p99', 'latencyMs.max'),
  ...lower('duplicatesPerDelivery', 'rmr', 'hops.mean', 'hops.max'),
  ...lower('payloadBytesPerNode', 'controlMessagesPerNodePerSecond', 'controlBytesPerNodePerSecond', 'trackerMessagesPerSecond'),
  ...lower('timeToFirstNeighbourMs.p50', 'timeToFirstNeighbourMs.p99', 'timeToDataMs.p50', 'timeToDataMs.p99',
    'joinTimeMs.p50', 'joinTimeMs.p99', 'connectSetupMs.p50', 'connectSetupMs.p99', 'connections.failed'),
  ...higher('messageLayer.app.deliveryRatio'),
  ...lower('messageLayer.app.latencyMs.p50', 'messageLayer.app.latencyMs.p99', 'messageLayer.forgedDeliveredToApps',
    'messageLayer.unpermittedDeliveredToApps', 'messageLayer.unpermittedReads', 'messageLayer.wastedShare', 'messageLayer.cpuMsPerNode.mean'),
  ...lower('dht.lookups.layer0.hops.mean', 'dht.routed.deadEnds', 'dht.rpc.timeouts'),
]

const BETTER = new Map(BASELINE_METRICS.map(({ metric, better }) => [metric, better]))

export function betterDirection(metric: string): Better | undefined {
  return BETTER.get(metric)
}

/** The baseline metrics a summary has (a figure without samples, or a section the run lacks, is left out). */
export function baselineMetrics(summary: object): Record<string, number> {
  const metrics: Record<string, number> = {}
  for (const { metric } of BASELINE_METRICS) {
    const value = metricValue(summary, metric)
    if (value !== null) metrics[metric] = value
  }
  return metrics
}

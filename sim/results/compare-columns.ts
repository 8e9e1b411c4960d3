// What `sim compare` puts side by side: the headline metrics of summary.json, each named by its
// dotted path there, so compare.csv's columns, budgets and summary.json speak one language.
// compare.csv, compare.md and compare.json all take their columns, in this order, from here.

export interface CompareMetric {
  /** Dotted path into summary.json. */
  key: string
  /** Short column title for compare.md and the explorer. */
  label: string
  /** Unit shown beside the title; '' for plain ratios and counts. */
  unit: string
  /** Decimals for people (compare.md, the explorer): ratios need more than milliseconds. */
  decimals: number
  /** One line for compare.md's legend. */
  definition: string
}

export const COMPARE_METRICS: readonly CompareMetric[] = [
  { key: 'latencyMs.p50', label: 'latency p50', unit: 'ms', decimals: 1, definition: 'median first-receipt latency, publish to a receiver\'s first copy' },
  { key: 'latencyMs.p99', label: 'latency p99', unit: 'ms', decimals: 1, definition: '99th percentile of the same latency' },
  { key: 'duplicatesPerDelivery', label: 'dup/delivery', unit: '', decimals: 3, definition: 'receipts beyond the first at a node / first receipts' },
  { key: 'rmr', label: 'RMR', unit: '', decimals: 3, definition: 'relative message redundancy: payload transmissions / first receipts - 1' },
  { key: 'deliveryRatio', label: 'delivery', unit: '', decimals: 4, definition: 'first receipts / receivers (nodes joined at publish and online at the end), under the scenario\'s churn' },
  { key: 'timeToFirstNeighbourMs.p50', label: '1st neighbour p50', unit: 'ms', decimals: 0, definition: 'median time from a node\'s join to its first neighbour' },
  { key: 'timeToDataMs.p50', label: 'time to data p50', unit: 'ms', decimals: 0, definition: 'median time from join (or the first publish, if later) to the first message received' },
  { key: 'joinTimeMs.p50', label: 'join p50', unit: 'ms', decimals: 0, definition: 'median time from a node\'s join to its full neighbour set (`-` where summary.json has no joinTimeMs)' },
  { key: 'controlBytesPerNodePerSecond', label: 'control', unit: 'B/node/s', decimals: 1, definition: 'control bytes (handshakes, trackers, signalling, DHT) per node per simulated second' },
  { key: 'deliveryRatioAfterMassFailure', label: 'delivery after failure', unit: '', decimals: 4, definition: 'delivery ratio of the messages published after the first massFailure (`-` without one)' },
]

/** How many samples stand behind the latency figures of a run: a column of its own in compare.csv. */
export const LATENCY_COUNT_KEY = 'latencyMs.count'

/**
 * The number at a dotted path of a summary, or null when the path is missing or not a finite
 * number (a metric this version does not write, a NaN written as null), so every reader
 * shows it as empty rather than failing.
 */
export function metricAt(summary: unknown, key: string): number | null {
  let node: unknown = summary
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return null
    node = (node as Record<string, unknown>)[part]
  }
  return typeof node === 'number' && Number.isFinite(node) ? node : null
}

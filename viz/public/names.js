// Readable names with units for sweep.csv's metric columns and scenario field paths, so axes say
// "latency p99 (ms)" rather than "latencyP99Ms". Unknown names are split into words, with the unit
// their suffix implies.

const METRICS = {
  deliveryRatio: ['delivery ratio', '%'],
  latencyMeanMs: ['first-receipt latency, mean', 'ms'],
  latencyP50Ms: ['first-receipt latency p50', 'ms'],
  latencyP90Ms: ['first-receipt latency p90', 'ms'],
  latencyP99Ms: ['first-receipt latency p99', 'ms'],
  latencyCount: ['latency samples', 'count'],
  duplicatesPerDelivery: ['duplicates per delivery', 'count'],
  rmr: ['relative message redundancy', 'ratio'],
  hopsMean: ['hops, mean', 'hops'],
  wallSeconds: ['wall time', 's'],
  appDeliveryRatio: ['app delivery ratio', '%'],
  appLatencyP50Ms: ['app latency p50', 'ms'],
  appLatencyP99Ms: ['app latency p99', 'ms'],
  appLatencyCount: ['app latency samples', 'count'],
  forgedDeliveredToApps: ['forged messages delivered to apps', 'count'],
  unpermittedDeliveredToApps: ['unpermitted deliveries to apps', 'count'],
  wastedShare: ['wasted bandwidth', '%'],
  cpuMsPerNodeMean: ['CPU per node, mean', 'ms'],
  rejectedAtRelays: ['rejected at relays', 'count'],
  rejectedAtSubscribers: ['rejected at subscribers', 'count'],
  refetchedRejected: ['refetched and rejected', 'count'],
  budgetsPassed: ['budgets passed', 'count'],
  runs: ['runs (seeds)', 'count'],
}

const FIELDS = {
  nodes: ['nodes', 'count'],
  seed: ['seed', ''],
  'topology.degree': ['overlay degree', 'links per node'],
  'network.lossRate': ['loss rate', '%'],
  'workload.ratePerSecond': ['publish rate', 'messages/s'],
  'workload.payloadBytes': ['payload', 'bytes'],
  'churn.crashFraction': ['crashing share of leaves', '%'],
}

const words = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[._]/g, ' ').toLowerCase()

function unitOfSuffix(name) {
  if (/Ms$/.test(name)) return ['ms', name.slice(0, -2)]
  if (/Mbps$/.test(name)) return ['Mbit/s', name.slice(0, -4)]
  if (/PerS$/.test(name)) return ['1/s', name.slice(0, -4)]
  if (/S$/.test(name)) return ['s', name.slice(0, -1)]
  if (/Bytes$/.test(name)) return ['bytes', name.slice(0, -5)]
  if (/(Ratio|Share|Fraction|Rate)$/.test(name)) return ['%', name]
  return ['', name]
}

/** { label, unit, share } for a metric column (a replicated column's `.mean` etc. is stripped). */
export function metricName(column) {
  const base = column.replace(/\.(mean|sd|ciLow|ciHigh)$/, '')
  const known = METRICS[base]
  const [label, unit] = known ?? (() => { const [u, rest] = unitOfSuffix(base); return [words(rest), u] })()
  return { label, unit, share: unit === '%' }
}

/** { label, unit, share } for a swept field path such as `topology.degree`. */
export function fieldName(path) {
  const known = FIELDS[path]
  if (known) return { label: known[0], unit: known[1], share: known[1] === '%' }
  const last = path.split('.').pop()
  const [unit, rest] = unitOfSuffix(last)
  const parent = path.split('.').slice(0, -1).map(words).join(' ')
  return { label: `${parent ? parent + ' ' : ''}${words(rest)}`.trim(), unit, share: unit === '%' }
}

/** "latency p99 (ms)": the label with its unit, for axes and menus. */
export const withUnit = (n) => (n.unit ? `${n.label} (${n.unit})` : n.label)

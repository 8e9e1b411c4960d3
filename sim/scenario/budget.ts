// Budget strings ("latencyMs.p99 <= 400 ms") <-> Budget objects, checked against the metrics summary.json has.

import type { Budget, BudgetOp } from './types.ts'
import { unknownPhrase } from './suggest.ts'

const distribution = (name: string) => ['mean', 'p50', 'p90', 'p99', 'max'].map((stat) => `${name}.${stat}`)

/** Dotted paths into summary.json that a budget may limit. */
export const BUDGET_METRICS: readonly string[] = [
  'deliveryRatio',
  'deliveryRatioAfterMassFailure',
  'duplicatesPerDelivery',
  'rmr',
  ...distribution('latencyMs'),
  ...distribution('hops'),
  ...distribution('stretch'),
  'payloadBytesPerNode',
  'controlBytesPerNodePerSecond',
  'controlMessagesPerNodePerSecond',
  'droppedInvalid',
  'droppedMalformed',
  'wallSeconds',
  'peakRssMb',
  'lost.loss',
  'lost.partition',
  'lost.linkCut',
  'lostToChurn',
  'lostOnline',
  'lostWhileJoining',
  ...distribution('timeToFirstNeighbourMs'),
  ...distribution('timeToDataMs'),
  ...distribution('joinTimeMs'),
  ...distribution('connectSetupMs'),
  'connections.failed',
  'trackerMessagesPerSecond',
  // The message layer's (present when the scenario runs it).
  'messageLayer.app.deliveryRatio',
  'messageLayer.app.incompleteSubscribers',
  ...distribution('messageLayer.app.latencyMs'),
  'messageLayer.forgedDeliveredToApps',
  'messageLayer.unpermittedDeliveredToApps',
  'messageLayer.unpermittedReads',
  'messageLayer.revokedReadsAfterRekey',
  'messageLayer.wastedShare',
  'messageLayer.keyExchange.timeouts',
  'messageLayer.keyExchange.undecryptable',
  ...distribution('messageLayer.cpuMsPerNode'),
]

export const BUDGET_OPS: readonly BudgetOp[] = ['<', '<=', '>', '>=', '==']

/** The unit word a limit may carry; only where the metric's name already fixes the unit. */
export function budgetUnit(metric: string): string | undefined {
  if (/^(latencyMs|timeToFirstNeighbourMs|timeToDataMs|joinTimeMs|connectSetupMs|messageLayer\.app\.latencyMs|messageLayer\.cpuMsPerNode)\./.test(metric)) return 'ms'
  if (metric === 'wallSeconds') return 's'
  if (metric === 'peakRssMb') return 'MB'
  return undefined
}

const FORMAT = 'a budget "METRIC OP LIMIT" with OP one of <, <=, >, >=, == and LIMIT a number, e.g. "latencyMs.p99 <= 400"'
// Longer operators first so "<=" is not read as "<" followed by "=400".
const PATTERN = /^\s*([A-Za-z][\w.]*)\s*(<=|>=|==|<|>)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]+)?\s*$/

export function parseBudget(text: string): Budget | { expected: string } {
  const match = PATTERN.exec(text)
  if (!match) return { expected: FORMAT }
  const [, metric, op, limit, unit] = match
  if (!BUDGET_METRICS.includes(metric)) return { expected: `a known budget metric; ${unknownPhrase('metric', metric, BUDGET_METRICS)}` }
  if (unit !== undefined && unit !== budgetUnit(metric)) {
    const own = budgetUnit(metric)
    return { expected: own ? `a limit in ${own} (the unit of ${metric}) or a plain number` : `a plain number as limit (${metric} has no unit word)` }
  }
  const value = Number(limit)
  if (!Number.isFinite(value)) return { expected: FORMAT }
  return { metric, op: op as BudgetOp, limit: value }
}

export function formatBudget(budget: Budget): string {
  return `${budget.metric} ${budget.op} ${budget.limit}`
}

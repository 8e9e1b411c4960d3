// The validated, default-filled document -> the Scenario the engine reads.

import { dirname, resolve } from 'node:path'
import { parseBudget } from './budget.ts'
import { orderBySchema, SCENARIO_SCHEMA } from './schema.ts'
import { eraDefaults } from '../../core/protocol-era.ts'
import type { Budget, ChurnConfig, ChurnEvent, OrderingConfig, PropagationConfig, Scenario, SecurityConfig } from './types.ts'

/**
 * The YAML form once ajv has filled the defaults: durationS, churn.initialNodes and budgets still differ
 * from Scenario (the first two have defaults that depend on other fields, which a schema cannot say).
 */
type FilledDocument = Omit<Scenario, 'durationS' | 'budgets' | 'sourceFile' | 'churn' | 'propagation' | 'ordering' | 'security'> & {
  durationS?: number
  budgets: string[]
  churn: Omit<ChurnConfig, 'initialNodes'> & { initialNodes?: number }
  // Era-dependent fields have no schema default: the era fills them here.
  propagation: Partial<PropagationConfig>
  ordering: Partial<OrderingConfig> & { enabled: boolean }
  security: Omit<SecurityConfig, 'keyRequestTimeoutS' | 'maxKeyRequestsPerSecond'> & Partial<Pick<SecurityConfig, 'keyRequestTimeoutS' | 'maxKeyRequestsPerSecond'>>
}

/** Seconds after the last churn event that a default durationS leaves for the network to settle. */
const SETTLE_S = 30

/** When an event's last effect happens: a flash crowd's last arrival, a tracker's recovery. */
export function churnEventEndS(event: ChurnEvent): number {
  if (event.type === 'flashCrowd') return event.atS + event.withinS
  if (event.type === 'trackerFailure') return event.recoverAtS ?? event.atS
  return event.atS
}

/** Call only on a document that passed every check; it trusts the shapes. */
export function resolveScenario(doc: Record<string, unknown>, sourceFile: string): Scenario {
  const filled = doc as unknown as FilledDocument
  const { workload, network, churn } = filled
  const latency =
    network.latency.model === 'matrix'
      ? { ...network.latency, file: resolve(dirname(sourceFile), network.latency.file) }
      : network.latency
  // Enough time for every message to be published, plus 30 s for the last ones to spread; and when
  // churn or key events come later than that, 30 s after the last of them.
  const publishedS = workload.warmupS + workload.messagesPerPublisher / workload.ratePerSecond
  const lastChurnS = Math.max(0, ...churn.events.map(churnEventEndS), ...filled.security.events.map((e) => e.atS))
  const era = eraDefaults(filled.protocol)
  const scenario: Scenario = {
    ...filled,
    propagation: {
      maxMessages: filled.propagation.maxMessages ?? era.propagation.maxMessages,
      ttlMs: filled.propagation.ttlMs ?? era.propagation.ttlMs,
      minTargets: filled.propagation.minTargets ?? era.propagation.minPropagationTargets,
    },
    ordering: {
      enabled: filled.ordering.enabled,
      gapMode: filled.ordering.gapMode ?? era.ordering.gapModes[0],
      initialWaitMs: filled.ordering.initialWaitMs ?? era.ordering.initialWaitMs,
      retryWaitMs: filled.ordering.retryWaitMs ?? era.ordering.retryWaitMs,
      maxResendRequests: filled.ordering.maxResendRequests ?? era.ordering.maxResendRequests,
      giveUpAfter: filled.ordering.giveUpAfter ?? era.ordering.giveUpAfter,
    },
    security: {
      ...filled.security,
      keyRequestTimeoutS: filled.security.keyRequestTimeoutS ?? era.keyExchange.requestTimeoutMs / 1000,
      maxKeyRequestsPerSecond: filled.security.maxKeyRequestsPerSecond ?? era.keyExchange.maxRequestsPerSecond,
    },
    network: { ...network, latency },
    churn: { ...churn, initialNodes: churn.initialNodes ?? filled.nodes },
    durationS: filled.durationS ?? Math.max(publishedS, lastChurnS) + SETTLE_S,
    budgets: filled.budgets.map((text) => parseBudget(text) as Budget),
    sourceFile,
  }
  return orderBySchema(scenario, SCENARIO_SCHEMA) as Scenario
}

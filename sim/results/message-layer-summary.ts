// The message layer's part of summary.json: what apps got, what validation stopped, what
// adversaries cost, key exchange, ordering and storage. Definitions: README, "Message layer metrics".
// The simulator (SimMessageLayer) and a live run (live/scenario/replay.ts) are both a
// MessageLayerSource: app metrics kept by the same AppMetrics, role counters summed the same way.

import { distributionOf } from '../metrics/sample-buffer.ts'
import type { AppMetrics } from '../metrics/app-metrics.ts'
import type { MetricsCollector } from '../metrics/collector.ts'
import type { MessageLayerCounts } from '../metrics/message-layer-counts.ts'
import type { Adversaries, AdversaryKind } from '../security/adversaries.ts'
import type { Scenario } from '../scenario/types.ts'
import type { MessageLayerSummary } from './summary-types.ts'

export interface MessageLayerSource {
  readonly app: AppMetrics
  /** Nodes that run a subscriber pipeline. */
  subscriberNodes(): readonly number[]
  counts(): MessageLayerCounts
  /** Each node's message layer CPU time in ms (the simulator's virtual CPU); empty where not measured per node. */
  cpuMs(): number[]
}

/** `adversaries` undefined: a run without any (a live run), every adversary figure 0. */
export function summarizeMessageLayer(scenario: Scenario, layer: MessageLayerSource, adversaries: Adversaries | undefined, m: MetricsCollector): MessageLayerSummary {
  const app = layer.app
  const subscribers = layer.subscriberNodes()
  const done = app.completeness(subscribers)
  const counts = layer.counts()
  const relayRejected = Object.fromEntries(['bad-signature', 'not-permitted', 'malformed'].map((k) => [k, m.rejected.get(k) ?? 0])) as Record<string, number>
  const kinds: AdversaryKind[] = ['dropper', 'delayer', 'forger', 'replayer', 'spammer']
  const cpu = Float64Array.from(layer.cpuMs()).sort()
  return {
    crypto: scenario.security.crypto,
    encryption: scenario.security.encryption,
    validation: scenario.security.validation,
    app: {
      subscribers: done.subscribers,
      expected: done.expected,
      delivered: done.delivered,
      deliveryRatio: done.expected === 0 ? NaN : done.delivered / done.expected,
      incompleteSubscribers: done.incomplete,
      latencyMs: app.latencyMs.distribution(),
      duplicates: app.duplicates,
      outOfOrder: app.outOfOrder,
    },
    forgedDeliveredToApps: app.forgedDelivered,
    unpermittedDeliveredToApps: app.unpermittedDelivered,
    unpermittedReads: app.unpermittedReads,
    revokedSubscribers: subscribers.reduce((s, n) => s + (app.revokedAtMs[n] !== Infinity ? 1 : 0), 0),
    revokedReadsAfterRekey: app.revokedReadsAfterRekey,
    rejected: { atRelays: relayRejected, atSubscribers: counts.rejectedAtSubscribers },
    wastedBytes: m.wastedBytes,
    wastedShare: m.payloadBytes === 0 ? 0 : m.wastedBytes / m.payloadBytes,
    cpuMsPerNode: distributionOf(cpu),
    keyExchange: counts.keyExchange,
    ordering: counts.ordering,
    storage: counts.storage,
    adversaries: {
      ...Object.fromEntries(kinds.map((k) => [`${k}s`, adversaries === undefined ? 0 : [...adversaries.kindOf.values()].filter((x) => x === k).length])) as Record<`${AdversaryKind}s`, number>,
      ...(adversaries?.counts ?? { forgeries: 0, replays: 0, spam: 0 }),
    },
  }
}

// The message layer's part of summary.json: what apps got, what validation stopped, what
// adversaries cost, key exchange, ordering and storage. Definitions: README, "Message layer metrics".

import { distributionOf } from '../metrics/sample-buffer.ts'
import type { MetricsCollector } from '../metrics/collector.ts'
import type { Adversaries, AdversaryKind } from '../security/adversaries.ts'
import type { SimMessageLayer } from '../security/sim-message-layer.ts'
import type { Scenario } from '../scenario/types.ts'
import type { MessageLayerSummary } from './summary-types.ts'

export function summarizeMessageLayer(scenario: Scenario, layer: SimMessageLayer, adversaries: Adversaries, m: MetricsCollector): MessageLayerSummary {
  const app = layer.app
  const subscribers = [...layer.subscribers.keys()]
  const done = app.completeness(subscribers)
  const sum = <T>(items: Iterable<T>, f: (t: T) => number) => { let s = 0; for (const t of items) s += f(t); return s }
  const subs = [...layer.subscribers.values()]
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
    revokedSubscribers: sum(subscribers, (s) => (app.revokedAtMs[s] !== Infinity ? 1 : 0)),
    revokedReadsAfterRekey: app.revokedReadsAfterRekey,
    rejected: { atRelays: relayRejected, atSubscribers: sum(subs, (s) => s.stats.rejected) },
    wastedBytes: m.wastedBytes,
    wastedShare: m.payloadBytes === 0 ? 0 : m.wastedBytes / m.payloadBytes,
    cpuMsPerNode: distributionOf(cpu),
    keyExchange: {
      requestsSent: sum(subs, (s) => s.keyRequester.stats.requestsSent),
      answered: sum(layer.publishersAt.values(), (p) => p.stats.keyRequestsAnswered),
      refused: sum(layer.publishersAt.values(), (p) => p.stats.keyRequestsRefused),
      invalid: sum(layer.publishersAt.values(), (p) => p.stats.keyRequestsInvalid),
      timeouts: sum(subs, (s) => s.keyRequester.stats.timeouts),
      undecryptable: sum(subs, (s) => s.stats.undecryptable),
      keysFromRotation: sum(subs, (s) => s.stats.keysFromRotation),
    },
    ordering: {
      gapsDetected: sum(subs, (s) => s.orderingStats?.gapsDetected ?? 0),
      gapsFilled: sum(subs, (s) => s.orderingStats?.gapsFilled ?? 0),
      gapsSkipped: sum(subs, (s) => s.orderingStats?.gapsSkipped ?? 0),
      resendRequests: sum(subs, (s) => s.orderingStats?.resendRequests ?? 0),
      refetchedRejected: sum(subs, (s) => s.stats.refetched),
    },
    storage: {
      nodes: layer.storage.size,
      stored: sum(layer.storage.values(), (s) => s.stats.stored),
      requests: sum(layer.storage.values(), (s) => s.stats.requests),
      messagesSent: sum(layer.storage.values(), (s) => s.stats.messagesSent),
    },
    adversaries: {
      ...Object.fromEntries(kinds.map((k) => [`${k}s`, [...adversaries.kindOf.values()].filter((x) => x === k).length])) as Record<`${AdversaryKind}s`, number>,
      ...adversaries.counts,
    },
  }
}

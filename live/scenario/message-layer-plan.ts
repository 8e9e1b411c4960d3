// Who does what in the message layer of a live scenario run, drawn from the same seeded streams
// the simulator's SimMessageLayer draws from (sim/security/sim-message-layer.ts), so both modes
// permit the same subscribers and revoke the same ones: publishers sign and encrypt, every other
// node runs a subscriber, `security.permissions.subscriberFraction` of them permitted; each
// `revoke` event takes its share of the still-permitted ones. The run layout's storage nodes keep
// what they receive (in memory, as the simulator's) and answer the subscribers' gap fills. Keys: each node signs with the key
// a live scenario node derives from the seed and its id (live-message-layer.ts liveIdentity), so
// every worker knows every node's address without asking.

import type { KeyPair } from '../../core/message-layer/identity.ts'
import type { StreamRegistry } from '../../core/security/stream-registry.ts'
import { createRandom, sample } from '../../sim/engine/random.ts'
import type { StreamPartSetup } from '../../sim/run-layout.ts'
import type { Scenario } from '../../sim/scenario/types.ts'
import { usesMessageLayer } from '../../sim/simulation.ts'
import { liveIdentity } from '../live-message-layer.ts'
import { eraDefaults } from '../../core/protocol-era.ts'
import type { ScenarioMessageSetup } from './scenario-node.ts'

export interface PlannedRevocation {
  /** Index into security.events: the sample stream the simulator draws it from. */
  readonly event: number
  /** When the owner submits it (the event's atS). */
  readonly atMs: number
  /** When the registry confirms it: atMs + permissions.confirmationDelayS. */
  readonly effectiveAtMs: number
  readonly nodes: readonly number[]
}

export interface PlannedKeyEvent {
  readonly event: number
  readonly atMs: number
  readonly kind: 'rotateKey' | 'rekey'
}

export interface LiveMessageLayerPlan {
  /** Every node's signing key, by node index. */
  readonly identities: readonly KeyPair[]
  /** Nodes that run a subscriber pipeline (every node but the publishers, as in the simulator), in the simulator's order. */
  readonly subscribers: readonly number[]
  /** The run layout's storage nodes. */
  readonly storage: readonly number[]
  /** Per node: 1 if permitted to subscribe from the start. */
  readonly permitted: Uint8Array
  readonly revocations: readonly PlannedRevocation[]
  readonly keyEvents: readonly PlannedKeyEvent[]
}

/** The identity of node `id` in a live scenario run (and the one its publisher signs with). */
export function scenarioIdentity(scenario: Scenario, id: string): KeyPair {
  return liveIdentity({ seed: scenario.seed, insecureTestKeys: true }, id)
}

export function planMessageLayer(scenario: Scenario, nodeIds: readonly string[], publishers: ReadonlySet<number>, storage: readonly number[]): LiveMessageLayerPlan | undefined {
  if (!usesMessageLayer(scenario)) return undefined
  const { seed, security } = scenario
  const identities = nodeIds.map((id) => scenarioIdentity(scenario, id))
  const subscribers = nodeIds.map((_, i) => i).filter((i) => !publishers.has(i))
  const permitted = new Uint8Array(nodeIds.length)
  const count = Math.round(security.permissions.subscriberFraction * subscribers.length)
  for (const s of sample(createRandom(seed, 'security', 'subscribers'), subscribers, count)) permitted[s] = 1
  const revoked = new Set<number>()
  const revocations: PlannedRevocation[] = []
  const keyEvents: PlannedKeyEvent[] = []
  // In time order, as the simulator's clock runs them (same-time events in file order).
  const events = security.events.map((event, k) => ({ event, k })).sort((x, y) => x.event.atS - y.event.atS)
  for (const { event, k } of events) {
    const atMs = event.atS * 1000
    if (event.type !== 'revoke') {
      keyEvents.push({ event: k, atMs, kind: event.type })
      continue
    }
    const eligible = subscribers.filter((s) => permitted[s] === 1 && !revoked.has(s))
    const nodes = sample(createRandom(seed, 'security', 'revoke', k), eligible, Math.round(event.fraction * eligible.length))
    for (const s of nodes) revoked.add(s)
    revocations.push({ event: k, atMs, effectiveAtMs: atMs + security.permissions.confirmationDelayS * 1000, nodes })
  }
  return { identities, subscribers, storage, permitted, revocations, keyEvents }
}

/**
 * Declares the run's streams in a node's own registry as SimMessageLayer declares them in the
 * simulator's one: the first publisher owns the stream, the others may publish, the permitted
 * subscribers may subscribe. Every node of the run gets the same declarations.
 */
export function declareScenarioStreams(registry: StreamRegistry, scenario: Scenario, plan: LiveMessageLayerPlan, streamParts: readonly StreamPartSetup[]): void {
  const address = (i: number) => plan.identities[i].address
  for (const part of streamParts) {
    const [owner, ...others] = part.publishers
    registry.createStream(part.streamId, address(owner), { public: scenario.security.permissions.public })
    for (const p of others) registry.grantFromStart(part.streamId, address(p), 'publish')
    for (const s of plan.subscribers) if (plan.permitted[s] === 1) registry.grantFromStart(part.streamId, address(s), 'subscribe')
  }
}

/** Node `node`'s message layer as the scenario configures it, for the static builder's nodes (scenario-node.ts). */
export function scenarioMessageSetup(scenario: Scenario, plan: LiveMessageLayerPlan, nodeIds: readonly string[], streamParts: readonly StreamPartSetup[], node: number): ScenarioMessageSetup {
  const { security: s, ordering: o } = scenario
  const publishers = [...new Set(streamParts.flatMap((p) => p.publishers))]
  const publishes = publishers.includes(node)
  const era = eraDefaults(scenario.protocol)
  return {
    options: {
      encryption: s.encryption && publishes,
      // Key events come from the scenario's schedule (worker.ts), not from intervals.
      rotateKeyIntervalMs: 0,
      rekeyIntervalMs: 0,
      // As in the simulator, publishers do not run a subscriber.
      subscribe: !publishes,
      ordering: o.enabled,
      keyRequestTimeoutMs: s.keyRequestTimeoutS * 1000,
      storageNodes: plan.storage.map((i) => nodeIds[i]),
      storageReplicas: scenario.storage.replicas,
      publisherNodes: Object.fromEntries(publishers.map((p) => [plan.identities[p].address, nodeIds[p]])),
    },
    era: {
      ...era,
      ordering: { gapModes: [o.gapMode], initialWaitMs: o.initialWaitMs, retryWaitMs: o.retryWaitMs, maxResendRequests: o.maxResendRequests, giveUpAfter: o.giveUpAfter },
      keyExchange: { requestTimeoutMs: s.keyRequestTimeoutS * 1000, maxRequestsPerSecond: s.maxKeyRequestsPerSecond },
    },
    // A storage node validates on receipt whatever the placement, as in the simulator: gaps are filled from its store.
    relayValidation: s.validation === 'relay' || plan.storage.includes(node),
    permissionCacheTtlMs: s.permissions.cacheTtlS * 1000,
    confirmationDelayMs: s.permissions.confirmationDelayS * 1000,
    declare: (registry) => declareScenarioStreams(registry, scenario, plan, streamParts),
  }
}

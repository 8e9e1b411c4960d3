// Builds a whole simulated network from a resolved scenario and runs it: nodes running the real
// protocol core, the network model under them, the topology builder, the workload and the
// scripted network events. Metrics observe; results/ turns what they saw into files.

import { NetworkNode } from '../core/network-node.ts'
import type { TopologyBuilder } from '../core/topology/topology-builder.ts'
import { Tracker } from '../core/tracker/tracker.ts'
import { type EraDefaults, eraDefaults } from '../core/protocol-era.ts'
import { ChurnPlan } from './churn/churn-plan.ts'
import { Membership } from './metrics/membership.ts'
import { DhtMetrics, type DhtSummary } from './metrics/dht-metrics.ts'
import type { DhtOverlay } from '../core/dht-overlay/dht-overlay.ts'
import { createRandom, deferredRandom } from './engine/random.ts'
import { Simulator } from './engine/simulator.ts'
import { MetricsCollector } from './metrics/collector.ts'
import { OverlayView } from './metrics/overlay-view.ts'
import { createLatencyModel } from './network/latency-model.ts'
import { scheduleNetworkEvents } from './network/network-events.ts'
import type { SetupStats } from './network/connection-setup.ts'
import { SimNetwork } from './network/sim-network.ts'
import { layOutRun, type StreamPartSetup } from './run-layout.ts'
import type { Scenario } from './scenario/types.ts'
import type { Stage } from './runner.ts'
import { Adversaries } from './security/adversaries.ts'
import { SimMessageLayer } from './security/sim-message-layer.ts'
import { createTopologyBuilder } from './topology-builders.ts'
import { Workload } from './workload.ts'
import { OverlayHistory } from './metrics/overlay-history.ts'
import type { NodeDescription } from './results/write-run.ts'
import type { NodeRole } from './results/topology-types.ts'

export type { StreamPartSetup }

/** Beyond this many nodes topology.json keeps no history: sampling it would cost more than the explorer can show. */
export const OVERLAY_HISTORY_MAX_NODES = 20_000

/** Whether membership changes during the run: late joins, arrivals, sessions that end, churn events. */
function hasChurn(scenario: Scenario): boolean {
  const c = scenario.churn
  return c.initialNodes < scenario.nodes || c.arrivalRatePerS > 0 || c.session !== undefined || c.events.length > 0
}

/** A graceful leaver stays up this long after saying goodbye, so its goodbyes are delivered. */
export const LEAVE_LINGER_MS = 500

export class Simulation {
  readonly sim = new Simulator()
  /** Ids of the protocol nodes, n0..n(N-1); trackers (t0, t1, ...) follow them on the network. */
  readonly nodeIds: readonly string[]
  readonly trackerIds: readonly string[]
  readonly network: SimNetwork
  readonly nodes: NetworkNode[]
  /** How links opened: SummarySource's view of the network's connection setup. */
  get connectionSetup(): SetupStats {
    return this.network.setup.stats
  }
  readonly trackers: Tracker[] = []
  readonly metrics: MetricsCollector
  readonly membership: Membership
  readonly streamParts: readonly StreamPartSetup[]
  readonly endMs: number
  /** The defaults of the protocol generation the scenario models. */
  readonly era: EraDefaults
  /** What the run could not do as the scenario asked (summary.json `warnings`). */
  readonly warnings: string[] = []
  private readonly builder: TopologyBuilder
  private readonly publishers: ReadonlySet<number>
  /** Storage nodes stay, like publishers: they are the network's memory. */
  private readonly storageNodes: ReadonlySet<number>
  /** DHT entry points stay too: they are the network's public infrastructure. */
  private readonly entryPoints: ReadonlySet<number>
  /** The overlay as the metrics count it. */
  readonly overlay: OverlayView
  /** Who was in the overlay when, for runs whose membership changes (topology.json `history`). */
  readonly overlayHistory: OverlayHistory | undefined
  /** The message layer (signatures, encryption, ordering, storage) and adversaries, when the scenario asks for any. */
  readonly messageLayer: SimMessageLayer | undefined
  readonly adversaries: Adversaries | undefined
  /** What the DHT overlay did (builder dht). */
  readonly dhtMetrics: DhtMetrics | undefined
  /** Tracker statistics of instances that crashed, so a restart does not erase what they did. */
  readonly retiredTrackerMessages: number[] = []

  /** Reports the build's stages and the first joins, which a large run spends minutes in before simulated time moves. */
  private readonly onStage: ((stage: Stage) => void) | undefined
  /** Joins so far, while the initial nodes are joining (stage `joins`). */
  private joins = 0

  constructor(readonly scenario: Scenario, onStage?: (stage: Stage) => void) {
    this.onStage = onStage
    const { seed, nodes: n, network: net } = scenario
    this.endMs = scenario.durationS * 1000
    const layout = layOutRun(scenario)
    this.nodeIds = layout.nodeIds
    this.trackerIds = layout.trackerIds
    this.streamParts = layout.streamParts
    this.publishers = layout.publishers
    this.storageNodes = new Set(layout.storageNodes)
    this.entryPoints = new Set(layout.entryPoints)
    const networkIds = [...this.nodeIds, ...this.trackerIds]
    const latency = createLatencyModel(net.latency, networkIds, seed,
      onStage && ((done, total) => onStage({ name: 'placement', done, total })))
    this.era = eraDefaults(scenario.protocol)
    this.network = new SimNetwork(this.sim, latency, networkIds, {
      ...net,
      connectTimeoutMs: this.era.connectTimeoutMs,
      // Trackers run WebSocket servers, and in Tatum the nodes the layout says; the rest use WebRTC.
      hasServer: (index) => index >= n || layout.hasServer[index] === 1,
    }, seed)
    // Nobody is online before the churn plan says so.
    for (let i = 0; i < n; i++) this.network.takeDown(i, true)
    this.membership = new Membership(n, scenario.topology.degree)
    this.metrics = new MetricsCollector(this.sim, this.network, this.membership,
      scenario.record.timeseriesIntervalS * 1000, scenario.record.deliveries)
    this.metrics.firstStreamPart = this.streamParts[0]?.id ?? ''
    // Every node but the publisher receives every message of its stream part, at most.
    const w = scenario.workload
    this.metrics.expectFirstReceipts(Math.max(0, n - 1) * w.streams * w.publishersPerStream * w.messagesPerPublisher)
    const p = scenario.propagation
    const nodeOptions = {
      handshakeTimeoutMs: this.era.handshakeTimeoutMs,
      propagation: { maxMessages: p.maxMessages, ttlMs: p.ttlMs, minPropagationTargets: p.minTargets },
    }
    this.nodes = this.nodeIds.map((id, i) => {
      if (onStage !== undefined && i % STAGE_STEP === 0) onStage({ name: 'nodes', done: i, total: n })
      return new NetworkNode({
        clock: this.sim,
        timers: this.sim,
        random: deferredRandom(seed, 'node', id, 'protocol'),
        transport: this.network.transport(i),
        observer: this.metrics.probe(i),
      }, nodeOptions)
    })
    this.overlay = new OverlayView(this.nodes, this.network, this.membership)
    this.metrics.timeseries.sampleOverlay = () => this.overlay.sample(this.streamParts[0])
    if (hasChurn(scenario) && n <= OVERLAY_HISTORY_MAX_NODES) this.overlayHistory = new OverlayHistory(this.overlay, this.streamParts, n)
    this.sim.sampleEvery(scenario.record.timeseriesIntervalS * 1000, () => {
      this.metrics.timeseries.closeWindow()
      this.overlayHistory?.sample(this.sim.now())
    })
    if (usesMessageLayer(scenario)) {
      const candidates = this.nodeIds.map((_, i) => i).filter((i) => !this.publishers.has(i) && !this.storageNodes.has(i))
      const adversarial = Adversaries.choose(scenario, candidates)
      this.messageLayer = new SimMessageLayer({
        scenario, sim: this.sim, nodes: this.nodes, nodeIds: this.nodeIds, membership: this.membership, streamParts: this.streamParts,
        publishers: this.publishers, excluded: new Set(adversarial.keys()), storageIds: layout.storageNodes.map((i) => this.nodeIds[i]),
      })
      for (let i = 0; i < n; i++) {
        const address = this.messageLayer.addressOf(i)
        if (address !== undefined) this.metrics.alias(address, i)
      }
      this.adversaries = new Adversaries({
        scenario, sim: this.sim, network: this.network, nodes: this.nodes, membership: this.membership, metrics: this.metrics,
        layer: this.messageLayer, streamParts: this.streamParts, activeUntilMs: this.expectedEndMs(),
      }, adversarial)
      this.scheduleSecurityEvents()
    }
    if (scenario.topology.builder === 'dht') this.dhtMetrics = new DhtMetrics(() => this.sim.now())
    onStage?.({ name: 'topology', done: 0, total: 1 })
    this.builder = createTopologyBuilder(scenario, this.era, layout, this.sim, this.network, this.nodes, this.dhtMetrics)
    onStage?.({ name: 'topology', done: 1, total: 1 })
    if (this.dhtMetrics !== undefined && this.streamParts.length > 0) {
      const overlay = this.builder as DhtOverlay
      const metrics = this.dhtMetrics
      const part = this.streamParts[0]
      this.metrics.timeseries.sampleOverlay = () => ({ ...this.overlay.sample(part), entryPoints: metrics.entryPointCount(overlay, part.id) })
    }
    for (let t = 0; t < this.trackerIds.length; t++) this.trackers.push(this.startTracker(t))
    new ChurnPlan(this.sim, scenario.churn, n, this.endMs, seed, {
      join: (i) => this.join(i),
      leave: (i, crash) => this.leave(i, crash),
      isOnline: (i) => this.membership.isOnline(i),
      canLeave: (i) => !this.publishers.has(i) && !this.storageNodes.has(i) && !this.entryPoints.has(i),
      trackerDown: (t) => this.trackerDown(t),
      trackerUp: (t) => this.trackerUp(t),
      warn: (message) => this.warnings.push(message),
    }).schedule()
    scheduleNetworkEvents(this.sim, this.network, net.events, seed)
    new Workload(this.sim, scenario.workload, seed, this.nodeIds, this.streamParts.map((p) => p.publishers), (p, stream) => this.publish(p, stream))
      .schedule()
  }

  /** The Tatum overlay, for builder dht. */
  get dhtOverlay(): DhtOverlay | undefined {
    return this.dhtMetrics === undefined ? undefined : this.builder as DhtOverlay
  }

  /** SummarySource: the DHT overlay's figures, for builder dht. */
  dhtSummary(): DhtSummary | undefined {
    if (this.dhtMetrics === undefined) return undefined
    return this.dhtMetrics.summary(this.dhtOverlay!, this.streamParts[0]?.id ?? '')
  }

  /** Messages the trackers received, counting instances that crashed before the end. */
  trackerMessagesReceived(t: number): number {
    return (this.retiredTrackerMessages[t] ?? 0) + this.trackers[t].stats.statusesReceived + this.trackers[t].stats.signalsReceived
  }

  private join(i: number): void {
    const initial = this.scenario.churn.initialNodes
    if (this.onStage !== undefined && this.joins < initial) {
      this.joins++
      if (this.joins % STAGE_STEP === 0 || this.joins === initial) this.onStage({ name: 'joins', done: this.joins, total: initial })
    }
    this.network.bringUp(i)
    this.membership.joined(i, this.sim.now())
    this.messageLayer?.joined(i)
    for (const part of this.streamParts) this.builder.join(this.nodes[i], part.id)
  }

  private leave(i: number, crash: boolean): void {
    if (!this.membership.isOnline(i) || this.publishers.has(i) || this.storageNodes.has(i) || this.entryPoints.has(i)) return
    this.membership.left(i, this.sim.now(), crash)
    const node = this.nodes[i]
    if (crash) {
      this.builder.crashed(node)
      this.network.takeDown(i, true)
      return
    }
    for (const part of this.streamParts) this.builder.leave(node, part.id)
    this.sim.call(this.sim.now() + LEAVE_LINGER_MS, () => {
      this.builder.crashed(node)
      this.network.takeDown(i, false)
    })
  }

  private trackerDown(t: number): void {
    const index = this.nodeIds.length + t
    if (!this.network.isUp(index)) return
    this.retiredTrackerMessages[t] = this.trackerMessagesReceived(t)
    this.trackers[t].stop()
    this.network.takeDown(index, true)
  }

  private trackerUp(t: number): void {
    const index = this.nodeIds.length + t
    if (this.network.isUp(index)) return
    this.network.bringUp(index)
    this.trackers[t] = this.startTracker(t)
  }

  private startTracker(t: number): Tracker {
    const id = this.trackerIds[t]
    return new Tracker({
      clock: this.sim,
      timers: this.sim,
      random: createRandom(this.scenario.seed, 'tracker', id, this.sim.now()),
      transport: this.network.transport(this.nodeIds.length + t),
    }, {
      maxNeighbours: this.scenario.topology.degree,
      instructionDebounceMs: this.era.tracker!.instructionDebounceMs,
      instructionMaxWaitMs: this.era.tracker!.instructionMaxWaitMs,
    })
  }

  /**
   * Runs at most `maxEvents` more events; false once the run is over. A run ends when no events
   * remain, or at the hard stop with events still to come: then the clock stands at the stop.
   */
  step(maxEvents: number): boolean {
    const more = this.sim.run(this.endMs, maxEvents)
    if (more && this.sim.nextEventTime() <= this.endMs) return true
    if (more) this.sim.advanceTo(this.endMs)
    return false
  }

  /** Rough simulated time the run needs, for progress and ETA. */
  expectedEndMs(): number {
    return expectedEndMsOf(this.scenario)
  }

  /** What node `m` does (topology.json): its roles, adversary kind and, for a publisher, its address. */
  describeNode(m: number): NodeDescription {
    const roles: NodeRole[] = []
    const publisher = this.publishers.has(m)
    if (publisher) roles.push('publisher')
    // Without a message layer every member but the publisher gets every message of its stream part.
    if (this.messageLayer === undefined ? !publisher : this.messageLayer.subscribers.has(m)) roles.push('subscriber')
    if (this.storageNodes.has(m)) roles.push('storage')
    if (this.entryPoints.has(m)) roles.push('entry-point')
    const d: NodeDescription = {}
    if (roles.length > 0) d.roles = roles
    const adversary = this.adversaries?.kindOf.get(m)
    if (adversary !== undefined) d.adversary = adversary
    const address = publisher ? this.messageLayer?.addressOf(m) : undefined
    if (address !== undefined) d.address = address
    return d
  }

  /** Mutual links of a stream part among its online members (SummarySource). */
  adjacency(part: StreamPartSetup): number[][] {
    return this.overlay.adjacency(part)
  }

  onlineMembers(part: StreamPartSetup): number[] {
    return this.overlay.onlineMembers(part)
  }

  private publish(publisher: number, stream: number): void {
    if (!this.membership.isOnline(publisher)) return
    const part = this.streamParts[stream]
    const content = new Uint8Array(this.scenario.workload.payloadBytes)
    if (this.messageLayer !== undefined) this.messageLayer.publish(publisher, part.streamId, content)
    else this.nodes[publisher].publish(part.streamId, 0, content)
  }

  private scheduleSecurityEvents(): void {
    const layer = this.messageLayer!
    this.scenario.security.events.forEach((event, k) => {
      this.sim.call(event.atS * 1000, () => {
        if (event.type === 'rotateKey') layer.rotateKeys()
        else if (event.type === 'rekey') layer.rekey()
        else layer.revoke(event.fraction, k)
      })
    })
  }

}

/** Stages report every this many nodes: often enough for a bar, rarely enough to cost nothing. */
const STAGE_STEP = 16_384

/** Rough simulated time a scenario's run needs, for progress and ETA. */
export function expectedEndMsOf(scenario: Scenario): number {
  const w = scenario.workload
  return Math.min(scenario.durationS * 1000, w.warmupS * 1000 + (w.messagesPerPublisher / w.ratePerSecond) * 1000 + 1000)
}

/** Plain flooding unless the scenario signs, orders, stores or has adversaries. */
export function usesMessageLayer(scenario: Scenario): boolean {
  const a = scenario.adversaries
  return scenario.security.crypto !== 'off' || scenario.ordering.enabled || scenario.storage.nodes > 0
    || a.droppers + a.delayers.fraction + a.forgers.fraction + a.replayers.fraction + a.spammers.fraction > 0
}

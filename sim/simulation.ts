// Builds a whole simulated network from a resolved scenario and runs it: nodes running the real
// protocol core, the network model under them, the topology builder, the workload and the
// scripted network events. Metrics observe; results/ turns what they saw into files.

import { NetworkNode } from '../core/network-node.ts'
import { streamPartIdOf } from '../core/message.ts'
import { StaticOverlay } from '../core/topology/static-overlay.ts'
import type { TopologyBuilder } from '../core/topology/topology-builder.ts'
import { Tracker } from '../core/tracker/tracker.ts'
import { TrackerOverlay } from '../core/tracker/tracker-overlay.ts'
import type { Random } from '../core/ports.ts'
import { type EraDefaults, eraDefaults } from '../core/protocol-era.ts'
import { ChurnPlan } from './churn/churn-plan.ts'
import { Membership } from './metrics/membership.ts'
import { createRandom, randomExponential, sample } from './engine/random.ts'
import { FIRST_HANDLER_KIND, Simulator, type EventHandler } from './engine/simulator.ts'
import { MetricsCollector } from './metrics/collector.ts'
import type { OverlaySample } from './metrics/timeseries.ts'
import { createLatencyModel } from './network/latency-model.ts'
import { scheduleNetworkEvents } from './network/network-events.ts'
import type { SetupStats } from './network/connection-setup.ts'
import { SimNetwork, type SimConnection } from './network/sim-network.ts'
import type { Scenario } from './scenario/types.ts'
import { Adversaries } from './security/adversaries.ts'
import { SimMessageLayer } from './security/sim-message-layer.ts'

const EVENT_PUBLISH = FIRST_HANDLER_KIND + 2

export interface StreamPartSetup {
  readonly id: string
  readonly streamId: string
  /** Node indices of the members. */
  readonly members: readonly number[]
  readonly publishers: readonly number[]
}

/** A graceful leaver stays up this long after saying goodbye, so its goodbyes are delivered. */
export const LEAVE_LINGER_MS = 500

export class Simulation implements EventHandler {
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
  readonly streamParts: StreamPartSetup[] = []
  readonly endMs: number
  /** The defaults of the protocol generation the scenario models. */
  readonly era: EraDefaults
  /** What the run could not do as the scenario asked (summary.json `warnings`). */
  readonly warnings: string[] = []
  private readonly builder: TopologyBuilder
  private readonly publishers = new Set<number>()
  /** Storage nodes stay, like publishers: they are the network's memory. */
  private readonly storageNodes = new Set<number>()
  /** The message layer (signatures, encryption, ordering, storage) and adversaries, when the scenario asks for any. */
  readonly messageLayer: SimMessageLayer | undefined
  readonly adversaries: Adversaries | undefined
  private unionFind: Int32Array | undefined
  /** Tracker statistics of instances that crashed, so a restart does not erase what they did. */
  readonly retiredTrackerMessages: number[] = []
  /** Messages each (stream, publisher) pair still has to send, keyed by publisher * streams + stream. */
  private readonly remaining: Int32Array
  /** Only publishers draw workload randomness; created on first use. */
  private readonly workloadRandoms = new Map<number, Random>()

  constructor(readonly scenario: Scenario) {
    const { seed, nodes: n, network: net, workload } = scenario
    this.endMs = scenario.durationS * 1000
    this.nodeIds = Array.from({ length: n }, (_, i) => `n${i}`)
    const trackerCount = scenario.topology.builder === 'tracker' ? scenario.topology.trackers : 0
    this.trackerIds = Array.from({ length: trackerCount }, (_, t) => `t${t}`)
    const networkIds = [...this.nodeIds, ...this.trackerIds]
    const latency = createLatencyModel(net.latency, networkIds, seed)
    this.era = eraDefaults(scenario.protocol)
    this.network = new SimNetwork(this.sim, latency, networkIds, {
      ...net,
      connectTimeoutMs: this.era.connectTimeoutMs,
      // Trackers run WebSocket servers; nodes reach each other over WebRTC.
      hasServer: (index) => index >= n,
    }, seed)
    // Nobody is online before the churn plan says so.
    for (let i = 0; i < n; i++) this.network.takeDown(i, true)
    const allNodes = this.nodeIds.map((_, i) => i)
    // Publishers come from the nodes online from the start and stay: the workload is fixed, churn is the variable.
    const initial = allNodes.slice(0, scenario.churn.initialNodes)
    for (let s = 0; s < workload.streams; s++) {
      const streamId = `stream-${s}`
      const id = streamPartIdOf(streamId, 0)
      const publishers = sample(createRandom(seed, 'workload', id), initial, workload.publishersPerStream).sort((a, b) => a - b)
      for (const p of publishers) this.publishers.add(p)
      this.streamParts.push({ id, streamId, members: allNodes, publishers })
    }
    const storageIds = sample(createRandom(seed, 'storage'), initial.filter((i) => !this.publishers.has(i)), scenario.storage.nodes)
      .sort((a, b) => a - b)
    for (const i of storageIds) this.storageNodes.add(i)
    this.membership = new Membership(n)
    this.metrics = new MetricsCollector(this.sim, this.network, this.membership,
      scenario.record.timeseriesIntervalS * 1000, scenario.record.deliveries)
    const p = scenario.propagation
    const nodeOptions = {
      handshakeTimeoutMs: this.era.handshakeTimeoutMs,
      propagation: { maxMessages: p.maxMessages, ttlMs: p.ttlMs, minPropagationTargets: p.minTargets },
    }
    this.nodes = this.nodeIds.map((id, i) => new NetworkNode({
      clock: this.sim,
      timers: this.sim,
      random: createRandom(seed, 'node', id, 'protocol'),
      transport: this.network.transport(i),
      observer: this.metrics.probe(i),
    }, nodeOptions))
    this.metrics.timeseries.sampleOverlay = () => this.overlaySample(this.streamParts[0])
    this.sim.sampleEvery(scenario.record.timeseriesIntervalS * 1000, () => this.metrics.timeseries.closeWindow())
    if (usesMessageLayer(scenario)) {
      const candidates = allNodes.filter((i) => !this.publishers.has(i) && !this.storageNodes.has(i))
      const adversarial = Adversaries.choose(scenario, candidates)
      this.messageLayer = new SimMessageLayer({
        scenario, sim: this.sim, nodes: this.nodes, nodeIds: this.nodeIds, membership: this.membership, streamParts: this.streamParts,
        publishers: this.publishers, excluded: new Set(adversarial.keys()), storageIds: storageIds.map((i) => this.nodeIds[i]),
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
    this.builder = this.createBuilder()
    for (let t = 0; t < trackerCount; t++) this.trackers.push(this.startTracker(t))
    new ChurnPlan(this.sim, scenario.churn, n, this.endMs, seed, {
      join: (i) => this.join(i),
      leave: (i, crash) => this.leave(i, crash),
      isOnline: (i) => this.membership.isOnline(i),
      canLeave: (i) => !this.publishers.has(i) && !this.storageNodes.has(i),
      trackerDown: (t) => this.trackerDown(t),
      trackerUp: (t) => this.trackerUp(t),
      warn: (message) => this.warnings.push(message),
    }).schedule()
    scheduleNetworkEvents(this.sim, this.network, net.events, seed)
    this.remaining = new Int32Array(n * workload.streams)
    this.sim.register(EVENT_PUBLISH, this)
    this.schedulePublishing()
  }

  /** Messages the trackers received, counting instances that crashed before the end. */
  trackerMessagesReceived(t: number): number {
    return (this.retiredTrackerMessages[t] ?? 0) + this.trackers[t].stats.statusesReceived + this.trackers[t].stats.signalsReceived
  }

  private join(i: number): void {
    this.network.bringUp(i)
    this.membership.joined(i, this.sim.now())
    this.messageLayer?.joined(i)
    for (const part of this.streamParts) this.builder.join(this.nodes[i], part.id)
  }

  private leave(i: number, crash: boolean): void {
    if (!this.membership.isOnline(i) || this.publishers.has(i) || this.storageNodes.has(i)) return
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
    const w = this.scenario.workload
    return Math.min(this.endMs, w.warmupS * 1000 + (w.messagesPerPublisher / w.ratePerSecond) * 1000 + 1000)
  }

  /** Online neighbours of member `m` that list `m` too: a link counts when both ends have it (see TopologyJson). */
  mutualNeighbours(part: StreamPartSetup, m: number): number[] {
    const out: number[] = []
    for (const c of this.nodes[m].streamPart(part.id)?.neighbours ?? []) {
      const r = (c as SimConnection).remote
      if (this.membership.isOnline(r) && this.nodes[r].streamPart(part.id)?.hasNeighbour(this.nodeIds[m]) === true) out.push(r)
    }
    return out
  }

  /** Mutual links of a stream part among its online members, by position in `onlineMembers`. */
  adjacency(part: StreamPartSetup): number[][] {
    const online = this.onlineMembers(part)
    const position = new Map(online.map((m, k) => [m, k]))
    return online.map((m) => this.mutualNeighbours(part, m).map((r) => position.get(r)!))
  }

  /** Components and mean degree among a stream part's online members, cheaply enough to sample every window. */
  overlaySample(part: StreamPartSetup): OverlaySample {
    const parent = (this.unionFind ??= new Int32Array(this.nodeIds.length))
    const find = (x: number): number => {
      while (parent[x] !== x) x = parent[x] = parent[parent[x]]
      return x
    }
    let online = 0
    let degrees = 0
    for (const m of part.members) parent[m] = m
    for (const m of part.members) {
      if (!this.membership.isOnline(m)) continue
      online++
      for (const r of this.mutualNeighbours(part, m)) {
        degrees++
        const a = find(m)
        const b = find(r)
        if (a !== b) parent[a] = b
      }
    }
    let components = 0
    for (const m of part.members) if (this.membership.isOnline(m) && find(m) === m) components++
    return { components, meanDegree: online === 0 ? 0 : degrees / online }
  }

  onlineMembers(part: StreamPartSetup): number[] {
    return part.members.filter((m) => this.membership.isOnline(m))
  }

  handleEvent(_kind: number, publisher: number, stream: number): void {
    const w = this.scenario.workload
    const part = this.streamParts[stream]
    if (this.membership.isOnline(publisher)) {
      const content = new Uint8Array(w.payloadBytes)
      if (this.messageLayer !== undefined) this.messageLayer.publish(publisher, part.streamId, content)
      else this.nodes[publisher].publish(part.streamId, 0, content)
    }
    const key = publisher * w.streams + stream
    if (--this.remaining[key] > 0) {
      this.sim.schedule(this.sim.now() + this.interPublishMs(publisher), EVENT_PUBLISH, publisher, stream, undefined)
    }
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

  private createBuilder(): TopologyBuilder {
    const { topology, seed } = this.scenario
    if (topology.builder === 'tracker') {
      const t = this.era.tracker!
      const network = this.network
      const overlay = new TrackerOverlay(this.trackerIds, {
        timers: this.sim,
        randomFor: (id) => createRandom(seed, 'node', id, 'tracker'),
        // WebRTC offers and answers reach a node through its tracker, as Brubeck's did.
        signalHandlerFor: (id) => {
          const to = network.indexOfNode(id)!
          return (from, payload) => {
            const sender = network.indexOfNode(from)
            if (sender !== undefined) network.setup.handleSignal(to, sender, payload)
          }
        },
      }, {
        statusDebounceMs: t.statusDebounceMs,
        instructionRetryIntervalMs: t.instructionRetryIntervalMs,
        statusEveryNthRetry: t.statusEveryNthRetry,
        instructionSettleMs: t.instructionSettleMs,
        reconnectIntervalMs: t.reconnectIntervalMs,
      })
      network.setup.setSignalRoute((from, to, payload) => {
        const node = this.nodes[from]
        const part = node.streamPartIds()[0]
        const client = overlay.client(node)
        return part !== undefined && client !== undefined && client.sendSignal(part, this.nodeIds[to], payload)
      })
      return overlay
    }
    const overlay = new StaticOverlay(topology.degree)
    // The graph is drawn over every node that will ever join; a late joiner links to the
    // graph neighbours already online, and a leaver's links are not repaired.
    for (const part of this.streamParts) {
      overlay.define(part.id, part.members.map((m) => this.nodeIds[m]), createRandom(seed, 'topology', part.id))
    }
    return overlay
  }

  private schedulePublishing(): void {
    const w = this.scenario.workload
    if (w.messagesPerPublisher === 0) return
    const periodMs = 1000 / w.ratePerSecond
    this.streamParts.forEach((part, stream) => {
      for (const p of part.publishers) {
        this.remaining[p * w.streams + stream] = w.messagesPerPublisher
        // A random phase keeps publishers of a constant rate from firing in lockstep.
        const first = w.warmupS * 1000 + (w.arrival === 'constant' ? this.workloadRandom(p).next() * periodMs : this.interPublishMs(p))
        this.sim.schedule(first, EVENT_PUBLISH, p, stream, undefined)
      }
    })
  }

  private workloadRandom(node: number): Random {
    let r = this.workloadRandoms.get(node)
    if (r === undefined) {
      r = createRandom(this.scenario.seed, 'node', this.nodeIds[node], 'workload')
      this.workloadRandoms.set(node, r)
    }
    return r
  }

  private interPublishMs(publisher: number): number {
    const w = this.scenario.workload
    const periodMs = 1000 / w.ratePerSecond
    return w.arrival === 'constant' ? periodMs : randomExponential(this.workloadRandom(publisher), periodMs)
  }
}

/** Plain flooding unless the scenario signs, orders, stores or has adversaries. */
export function usesMessageLayer(scenario: Scenario): boolean {
  const a = scenario.adversaries
  return scenario.security.crypto !== 'off' || scenario.ordering.enabled || scenario.storage.nodes > 0
    || a.droppers + a.delayers.fraction + a.forgers.fraction + a.replayers.fraction + a.spammers.fraction > 0
}

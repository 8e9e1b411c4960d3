// Builds a whole simulated network from a resolved scenario and runs it: nodes running the real
// protocol core, the network model under them, the topology builder, the workload and the
// scripted network events. Metrics observe; results/ turns what they saw into files.

import { NetworkNode } from '../core/network-node.ts'
import { streamPartIdOf } from '../core/message.ts'
import { StaticOverlay } from '../core/topology/static-overlay.ts'
import type { Random } from '../core/ports.ts'
import { createRandom, randomExponential, sample } from './engine/random.ts'
import { FIRST_HANDLER_KIND, Simulator, type EventHandler } from './engine/simulator.ts'
import { MetricsCollector } from './metrics/collector.ts'
import { createLatencyModel } from './network/latency-model.ts'
import { scheduleNetworkEvents } from './network/network-events.ts'
import { SimNetwork, type SimConnection } from './network/sim-network.ts'
import type { Scenario } from './scenario/types.ts'

const EVENT_PUBLISH = FIRST_HANDLER_KIND + 2

export interface StreamPartSetup {
  readonly id: string
  readonly streamId: string
  /** Node indices of the members. */
  readonly members: readonly number[]
  readonly publishers: readonly number[]
}

export class Simulation implements EventHandler {
  readonly sim = new Simulator()
  readonly nodeIds: readonly string[]
  readonly network: SimNetwork
  readonly nodes: NetworkNode[]
  readonly metrics: MetricsCollector
  readonly streamParts: StreamPartSetup[] = []
  readonly endMs: number
  /** Messages each (stream, publisher) pair still has to send, keyed by publisher * streams + stream. */
  private readonly remaining: Int32Array
  /** Only publishers draw workload randomness; created on first use. */
  private readonly workloadRandoms = new Map<number, Random>()

  constructor(readonly scenario: Scenario) {
    const { seed, nodes: n, network: net, workload } = scenario
    this.endMs = scenario.durationS * 1000
    this.nodeIds = Array.from({ length: n }, (_, i) => `n${i}`)
    const latency = createLatencyModel(net.latency, this.nodeIds, seed)
    this.network = new SimNetwork(this.sim, latency, this.nodeIds, net, seed)
    const allNodes = this.nodeIds.map((_, i) => i)
    for (let s = 0; s < workload.streams; s++) {
      const streamId = `stream-${s}`
      const id = streamPartIdOf(streamId, 0)
      const publishers = sample(createRandom(seed, 'workload', id), allNodes, workload.publishersPerStream).sort((a, b) => a - b)
      this.streamParts.push({ id, streamId, members: allNodes, publishers })
    }
    const membersOf = new Map(this.streamParts.map((p) => [p.id, p.members.length]))
    this.metrics = new MetricsCollector(this.sim, this.network, (id) => membersOf.get(id) ?? 0,
      scenario.record.timeseriesIntervalS * 1000, scenario.record.deliveries)
    this.nodes = this.nodeIds.map((id, i) => new NetworkNode({
      clock: this.sim,
      timers: this.sim,
      random: createRandom(seed, 'node', id, 'protocol'),
      transport: this.network.transport(i),
      observer: this.metrics.probe(i),
    }))
    this.buildOverlays()
    scheduleNetworkEvents(this.sim, this.network, net.events, seed)
    this.remaining = new Int32Array(n * workload.streams)
    this.sim.register(EVENT_PUBLISH, this)
    this.schedulePublishing()
  }

  /** Runs at most `maxEvents` more events; false once the run is over. */
  step(maxEvents: number): boolean {
    return this.sim.run(this.endMs, maxEvents) && this.sim.nextEventTime() <= this.endMs
  }

  /** Rough simulated time the run needs, for progress and ETA. */
  expectedEndMs(): number {
    const w = this.scenario.workload
    return Math.min(this.endMs, w.warmupS * 1000 + (w.messagesPerPublisher / w.ratePerSecond) * 1000 + 1000)
  }

  /** Neighbour lists of a stream part, by member position. */
  adjacency(part: StreamPartSetup): number[][] {
    const position = new Map(part.members.map((m, k) => [m, k]))
    return part.members.map((m) => {
      const cdn = this.nodes[m].streamPart(part.id)
      if (cdn === undefined) return []
      return cdn.neighbours.map((c) => position.get((c as SimConnection).remote)!).filter((k) => k !== undefined)
    })
  }

  handleEvent(_kind: number, publisher: number, stream: number): void {
    const w = this.scenario.workload
    const part = this.streamParts[stream]
    this.nodes[publisher].publish(part.streamId, 0, new Uint8Array(w.payloadBytes))
    const key = publisher * w.streams + stream
    if (--this.remaining[key] > 0) {
      this.sim.schedule(this.sim.now() + this.interPublishMs(publisher), EVENT_PUBLISH, publisher, stream, undefined)
    }
  }

  private buildOverlays(): void {
    const { topology, seed } = this.scenario
    const overlay = new StaticOverlay(topology.degree)
    for (const part of this.streamParts) {
      overlay.define(part.id, part.members.map((m) => this.nodeIds[m]), createRandom(seed, 'topology', part.id))
      // Everyone joins at time zero, in index order; the warm-up lets the links open.
      this.sim.call(0, () => {
        for (const m of part.members) overlay.join(this.nodes[m], part.id)
      })
    }
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

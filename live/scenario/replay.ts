// Turns what a live run's workers recorded into the simulator's own metrics: every event of
// every worker, in machine-clock order, is fed to a MetricsCollector and a Membership exactly as
// a Simulation's nodes feed them, with the collector's clock set to each event's time. So
// summary.json, timeseries.csv and deliveries.csv of a live run follow the same definitions,
// computed by the same code, as a simulated one.
//
// What the simulator knows from its network and a live run has to reconstruct:
//   - the overlay over time (timeseries components and mean degree): replayed from the nodes'
//     neighbour-added and neighbour-removed events; the final overlay (topology.json, overlay
//     statistics) is what each online node listed when the run ended.
//   - stretch uses the latency model's mean one-way delay publisher -> receiver, as in the
//     simulator (with no link delays configured that is 0 and stretch has no samples).
//   - lost: `loss` counts what the delay shim dropped at the scenario's loss rate; `closed`
//     counts messages the nodes' WebRTC links dropped because the link had closed or its send
//     buffer was full (of any kind: the live transport does not tell content apart there).
//     Both are known only at the end, so timeseries.csv shows them in its last window.

import type { StreamMessage } from '../../core/message.ts'
import { createStreamMessage, formatMessageId } from '../../core/message.ts'
import type { Clock, Connection, NodeId } from '../../core/ports.ts'
import { MetricsCollector } from '../../sim/metrics/collector.ts'
import { Membership } from '../../sim/metrics/membership.ts'
import type { OverlaySample } from '../../sim/metrics/timeseries.ts'
import type { LatencyModel } from '../../sim/network/latency-model.ts'
import type { LossCounters, ObservedNetwork } from '../../sim/network/observed-network.ts'
import type { SummarySource } from '../../sim/results/summarize.ts'
import type { DhtSummary } from '../../sim/metrics/dht-metrics.ts'
import { mergeDhtFigures } from './dht-figures.ts'
import type { TopologyJson } from '../../sim/results/topology-types.ts'
import { topologyJson } from '../../sim/results/write-run.ts'
import type { Scenario } from '../../sim/scenario/types.ts'
import type { StreamPartSetup } from '../../sim/simulation.ts'
import type { LiveOutcome } from './coordinator.ts'
import {
  REC_APP_DELIVER, REC_APP_PUBLISH, REC_CRASH, REC_DELIVER, REC_DUPLICATE, REC_JOIN, REC_LEAVE, REC_NEIGHBOUR_ADDED, REC_NEIGHBOUR_REMOVED, REC_PUBLISH,
  REC_REKEY, isMessageRecord,
} from './event-recorder.ts'
import { AppMetrics } from '../../sim/metrics/app-metrics.ts'
import { type MessageLayerCounts, addCounts } from '../../sim/metrics/message-layer-counts.ts'
import type { MessageLayerSource } from '../../sim/results/message-layer-summary.ts'

/** Same-time events in the order that keeps cause before effect. */
const RANK: Record<number, number> = {
  [REC_JOIN]: 0, [REC_NEIGHBOUR_ADDED]: 1, [REC_REKEY]: 2, [REC_APP_PUBLISH]: 2, [REC_PUBLISH]: 2, [REC_DELIVER]: 3, [REC_DUPLICATE]: 4, [REC_APP_DELIVER]: 4,
  [REC_NEIGHBOUR_REMOVED]: 5, [REC_LEAVE]: 6, [REC_CRASH]: 6,
}

/**
 * The message layer of a live run as summary.json reads it: the simulator's AppMetrics fed from
 * the subscribers' recorded app deliveries, permissions and revocations from the plan (the same
 * draws as the simulator's), and the roles' counters as the workers summed them. The nodes'
 * message layer CPU is not measured per node live (the `live` section has the workers' CPU), so
 * cpuMsPerNode has no samples.
 */
class LiveMessageLayerRecord implements MessageLayerSource {
  readonly app: AppMetrics

  constructor(clock: Clock, membership: Membership, private readonly subscribers: readonly number[], private readonly workerCounts: readonly MessageLayerCounts[], n: number) {
    this.app = new AppMetrics(clock, membership, n)
  }

  subscriberNodes(): readonly number[] {
    return this.subscribers
  }

  counts(): MessageLayerCounts {
    return addCounts(this.workerCounts)
  }

  cpuMs(): number[] {
    return []
  }
}

const EMPTY = new Uint8Array(0)

/** A connection as the replay names a sender: just the index of the node it came from. */
interface ReplayConnection extends Connection {
  readonly index: number
}

function replayConnection(index: number, remoteId: NodeId): ReplayConnection {
  return { index, remoteId, send: () => {}, close: () => {} }
}

/**
 * The network as the metrics read it (node ids, latency model, loss counters), carrying no
 * traffic: the live run's traffic went over sockets.
 */
class ReplayNetwork implements ObservedNetwork {
  readonly lost: LossCounters = { loss: 0, partition: 0, linkCut: 0, closed: 0, dropped: 0 }
  constructor(readonly nodeIds: readonly NodeId[], readonly latency: LatencyModel) {}
  remoteIndexOf(connection: Connection): number {
    return (connection as ReplayConnection).index
  }
}

export class LiveRunRecord implements SummarySource {
  /** DHT builder: the workers' DHT figures merged, as the simulator's `dht` in summary.json. */
  dhtSummary(): DhtSummary | undefined {
    const figures = this.outcome.results.flatMap((r) => r.dht === undefined ? [] : [r.dht])
    return figures.length === 0 ? undefined : mergeDhtFigures(figures)
  }

  readonly metrics: MetricsCollector
  readonly membership: Membership
  readonly network: ReplayNetwork
  readonly sim: { now(): number; readonly events: number }
  readonly nodeIds: readonly string[]
  readonly trackerIds: readonly string[]
  readonly streamParts: readonly StreamPartSetup[]
  readonly latency: LatencyModel
  readonly warnings: readonly string[]
  /** The message objects the collector was given, in publish order (named by the publishing node). */
  readonly messages: StreamMessage[] = []
  readonly messageLayer: LiveMessageLayerRecord | undefined
  /** Per stream part: each node online at the end -> its neighbours then. */
  private readonly finalNeighbours = new Map<string, Map<number, number[]>>()

  constructor(readonly scenario: Scenario, private readonly outcome: LiveOutcome) {
    const { plan } = outcome
    this.nodeIds = plan.nodeIds
    this.trackerIds = plan.trackerIds
    this.streamParts = plan.streamParts
    this.latency = plan.latency
    this.warnings = plan.warnings
    const n = plan.nodeIds.length
    this.network = new ReplayNetwork([...plan.nodeIds, ...plan.trackerIds], plan.latency)
    this.membership = new Membership(n, scenario.topology.degree)
    let now = 0
    const clock: Clock = { now: () => now }
    this.metrics = new MetricsCollector(clock, this.network, this.membership, scenario.record.timeseriesIntervalS * 1000, scenario.record.deliveries)
    const overlay = new OverlayReplay(n, this.membership)
    if (plan.streamParts.length > 0) this.metrics.timeseries.sampleOverlay = () => overlay.sample()

    const events = mergeRecords(outcome)
    const ml = plan.messageLayer
    this.messageLayer = ml === undefined ? undefined
      : new LiveMessageLayerRecord(clock, this.membership, ml.subscribers, outcome.results.flatMap((r) => r.messageLayer === undefined ? [] : [r.messageLayer]), n)
    const app = this.messageLayer?.app
    if (ml !== undefined && app !== undefined) {
      for (const s of ml.subscribers) app.permitted[s] = ml.permitted[s]
      for (const r of ml.revocations) for (const s of r.nodes) app.revokedAtMs[s] = r.effectiveAtMs
    }
    // A rekey event counts once every publisher has done it: from the last one's time on, no message is under an old key.
    const rekeyDoneAt = new Map<number, number>()
    for (const i of events.order) if (events.kind[i] === REC_REKEY) rekeyDoneAt.set(events.a[i], events.atMs[i])
    const from = plan.nodeIds.map((id, i) => replayConnection(i, id))
    // A copy from a peer that is not a node of the run (nothing in a scenario sends one).
    const stranger = replayConnection(-1, '?')
    // Named by the node that published it, as the simulator names publishers, not by its signing address.
    const messageOf = (k: number): StreamMessage => {
      let m = this.messages[k]
      if (m === undefined) {
        const id = events.messageIds[k]
        const publisher = events.publisherOf[k]
        m = createStreamMessage(publisher >= 0 ? { ...id, publisherId: plan.nodeIds[publisher] } : id, null, EMPTY)
        this.messages[k] = m
      }
      return m
    }
    for (const i of events.order) {
      now = events.atMs[i]
      // Windows that end before this event close on the state before it, as the simulator's sampler does.
      this.metrics.timeseries.advance(now)
      const node = events.node[i]
      const a = events.a[i]
      const b = events.b[i]
      switch (events.kind[i]) {
        case REC_JOIN:
          this.membership.joined(node, now)
          break
        case REC_LEAVE:
        case REC_CRASH:
          this.membership.left(node, now, events.kind[i] === REC_CRASH)
          break
        case REC_PUBLISH:
          this.metrics.onPublished(messageOf(a))
          break
        case REC_DELIVER:
          this.metrics.onDelivered(node, messageOf(a), from[b] ?? stranger)
          break
        case REC_DUPLICATE:
          this.metrics.onDuplicate(node, messageOf(a), from[b] ?? stranger)
          break
        case REC_APP_PUBLISH:
          app?.published(messageOf(a))
          break
        case REC_APP_DELIVER:
          app?.onDelivered(node, messageOf(a))
          break
        case REC_REKEY:
          if (rekeyDoneAt.get(a) === now) app?.rekeyed()
          break
        case REC_NEIGHBOUR_ADDED:
          this.metrics.onNeighbourAdded(node, b === 0)
          if (b === 0 && a >= 0) overlay.add(node, a)
          break
        case REC_NEIGHBOUR_REMOVED:
          this.metrics.onNeighbourRemoved(node, b === 0)
          if (b === 0 && a >= 0) overlay.remove(node, a)
          break
      }
    }
    this.sim = { now: () => outcome.endMs, events: events.order.length }
    this.addCounters()
    for (const result of outcome.results) {
      for (const [sp, lists] of Object.entries(result.neighbours)) {
        let part = this.finalNeighbours.get(sp)
        if (part === undefined) this.finalNeighbours.set(sp, (part = new Map()))
        for (const [node, neighbours] of lists) part.set(node, neighbours)
      }
    }
  }

  trackerMessagesReceived(t: number): number {
    return this.outcome.trackers[t]?.messagesReceived ?? 0
  }

  onlineMembers(part: StreamPartSetup): number[] {
    return part.members.filter((m) => this.membership.isOnline(m))
  }

  neighboursAtEnd(part: StreamPartSetup, node: number): readonly number[] {
    return this.finalNeighbours.get(part.id)?.get(node) ?? []
  }

  adjacency(part: StreamPartSetup): number[][] {
    const online = this.onlineMembers(part)
    const position = new Map(online.map((m, k) => [m, k]))
    // Mutual links only, as the simulator counts them (see TopologyJson).
    return online.map((m) => this.neighboursAtEnd(part, m)
      .filter((j) => this.neighboursAtEnd(part, j).includes(m))
      .map((j) => position.get(j)).filter((k): k is number => k !== undefined))
  }

  topology(): TopologyJson {
    return topologyJson(this.latency, this.nodeIds, this.streamParts.map((part) => ({
      id: part.id, online: this.onlineMembers(part), neighbours: (m: number) => this.neighboursAtEnd(part, m),
    })))
  }

  private addCounters(): void {
    const m = this.metrics
    for (const { counters, transport } of this.outcome.results) {
      m.payloadTransmissions += counters.payloadTransmissions
      m.payloadBytes += counters.payloadBytes
      m.controlMessages += counters.controlMessages
      m.controlBytes += counters.controlBytes
      m.invalid += counters.invalid
      m.malformed += counters.malformed
      for (const [reason, count] of Object.entries(counters.rejected)) for (let k = 0; k < count; k++) m.onRejected(reason)
      this.network.lost.loss += transport.shim?.lost ?? 0
      this.network.lost.closed += transport.webrtc.sentOnClosed + transport.webrtc.droppedBackpressure
    }
  }
}

interface MergedEvents {
  kind: Uint8Array
  atMs: Float64Array
  node: Int32Array
  a: Int32Array
  b: Int32Array
  messageIds: StreamMessage['messageId'][]
  /** Node index that published each message; -1 if no worker saw it published. */
  publisherOf: Int32Array
  /** Event indices in time order. */
  order: Uint32Array
}

/** Every worker's columns in one set, with message indices made global. */
function mergeRecords(outcome: LiveOutcome): MergedEvents {
  const total = outcome.results.reduce((s, r) => s + r.records.length, 0)
  const merged: MergedEvents = {
    kind: new Uint8Array(total), atMs: new Float64Array(total), node: new Int32Array(total), a: new Int32Array(total), b: new Int32Array(total),
    messageIds: [], publisherOf: new Int32Array(0), order: new Uint32Array(total),
  }
  const globalIndex = new Map<string, number>()
  let offset = 0
  for (const { records: r } of outcome.results) {
    const toGlobal = r.messageIds.map((id) => {
      const key = formatMessageId(id)
      let g = globalIndex.get(key)
      if (g === undefined) {
        g = merged.messageIds.length
        merged.messageIds.push(id)
        globalIndex.set(key, g)
      }
      return g
    })
    merged.kind.set(r.kind, offset)
    merged.atMs.set(r.atMs, offset)
    merged.node.set(r.node, offset)
    merged.b.set(r.b, offset)
    for (let i = 0; i < r.length; i++) merged.a[offset + i] = isMessageRecord(r.kind[i]) ? toGlobal[r.a[i]] : r.a[i]
    offset += r.length
  }
  // Messages are numbered in publish order, so the replay's message index is the collector's.
  const publishOrder = Array.from({ length: total }, (_, i) => i)
    .filter((i) => merged.kind[i] === REC_PUBLISH)
    .sort((x, y) => merged.atMs[x] - merged.atMs[y])
  const renumber = new Int32Array(merged.messageIds.length).fill(-1)
  const ids: StreamMessage['messageId'][] = []
  for (const i of publishOrder) {
    if (renumber[merged.a[i]] >= 0) continue
    renumber[merged.a[i]] = ids.length
    ids.push(merged.messageIds[merged.a[i]])
  }
  // Received but never seen published (nothing in a scenario does this): numbered after the rest.
  for (let g = 0; g < renumber.length; g++) {
    if (renumber[g] < 0) {
      renumber[g] = ids.length
      ids.push(merged.messageIds[g])
    }
  }
  for (let i = 0; i < total; i++) if (isMessageRecord(merged.kind[i])) merged.a[i] = renumber[merged.a[i]]
  merged.messageIds = ids
  merged.publisherOf = new Int32Array(ids.length).fill(-1)
  for (const i of publishOrder) merged.publisherOf[merged.a[i]] = merged.node[i]
  const order = Array.from({ length: total }, (_, i) => i)
  order.sort((x, y) => merged.atMs[x] - merged.atMs[y] || RANK[merged.kind[x]] - RANK[merged.kind[y]] || x - y)
  merged.order = Uint32Array.from(order)
  return merged
}

/** The first stream part's overlay as the neighbour events left it, for the timeseries columns. */
class OverlayReplay {
  private readonly neighbours: Set<number>[]
  private readonly parent: Int32Array

  constructor(n: number, private readonly membership: Membership) {
    this.neighbours = Array.from({ length: n }, () => new Set<number>())
    this.parent = new Int32Array(n)
  }

  add(node: number, peer: number): void {
    this.neighbours[node].add(peer)
  }

  remove(node: number, peer: number): void {
    this.neighbours[node].delete(peer)
  }

  /** As Simulation.overlaySample: components and mean degree among online members over mutual links. */
  sample(): OverlaySample {
    const parent = this.parent
    const find = (x: number): number => {
      while (parent[x] !== x) x = parent[x] = parent[parent[x]]
      return x
    }
    for (let i = 0; i < parent.length; i++) parent[i] = i
    let online = 0
    let degrees = 0
    for (let m = 0; m < parent.length; m++) {
      if (!this.membership.isOnline(m)) continue
      online++
      for (const r of this.neighbours[m]) {
        if (!this.membership.isOnline(r) || !this.neighbours[r].has(m)) continue
        degrees++
        const x = find(m)
        const y = find(r)
        if (x !== y) parent[x] = y
      }
    }
    let components = 0
    for (let m = 0; m < parent.length; m++) if (this.membership.isOnline(m) && find(m) === m) components++
    return { components, meanDegree: online === 0 ? 0 : degrees / online }
  }
}

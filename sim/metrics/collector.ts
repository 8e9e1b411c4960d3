// Turns node events into the numbers of summary.json and timeseries.csv. It observes only:
// nothing here feeds back into behaviour. Per-receipt work is a few array writes.

import type { StreamMessage } from '../../core/message.ts'
import { formatMessageId } from '../../core/message.ts'
import type { NodeObserver } from '../../core/observer.ts'
import type { Connection, ContentWireMessage, WireMessage } from '../../core/ports.ts'
import { WIRE_CONTENT } from '../../core/ports.ts'
import type { Clock } from '../../core/ports.ts'
import { NodeIndex } from '../network/node-index.ts'
import type { ObservedNetwork } from '../network/observed-network.ts'
import { type AdversarialCopy, COPY_GENUINE, COPY_UNKNOWN, DeliveryLog } from './delivery-log.ts'
import type { Membership } from './membership.ts'
import { ControlByLayer } from './control-layers.ts'
import { SampleBuffer } from './sample-buffer.ts'
import { TimeSeries } from './timeseries.ts'

/** A node that has not received the message (yet). */
export const NO_HOPS = 0xffff

/** What the collector knows of one message from its publish (or its first sighting, for one nobody here published). */
interface Origin {
  /** Position in publish order; -1 for a message no node of the run published (forged, spam). */
  readonly index: number
  readonly publisher: number
  readonly publishedAtMs: number
  /**
   * Per node, the hops of its first copy. The copy a node receives from a neighbour has that
   * neighbour's first-receipt hops + 1: flooding relays (and the propagation buffer re-sends) a
   * message only after its first receipt, so this is the length of the copy's path however long
   * validation, CPU queues or buffers held it on the way. 2 bytes per node and message: less than
   * the latency sample each receipt already costs.
   */
  readonly hops: Uint16Array
}

export class MetricsCollector {
  readonly latencyMs = new SampleBuffer('f64')
  readonly hops = new SampleBuffer('f32')
  readonly stretch = new SampleBuffer('f32')
  published = 0
  firstReceipts = 0
  duplicates = 0
  invalid = 0
  malformed = 0
  /** Receipts refused by relay validation, by verdict. */
  readonly rejected = new Map<string, number>()
  /** Set when adversaries run: tells their messages apart, so what carrying them costs is counted and deliveries.csv marks them. */
  adversarialKind: ((message: StreamMessage) => AdversarialCopy | null) | null = null
  /** Bytes sent carrying forgeries, spam and replays, by anyone. */
  wastedBytes = 0
  /**
   * Copies whose sender had not received the message itself: it made them (a forger, a spammer).
   * In a live run's replay nothing else should; more would mean the machine clock misordered events.
   */
  copiesFromNonReceivers = 0
  payloadTransmissions = 0
  payloadBytes = 0
  controlMessages = 0
  controlBytes = 0
  /** Control traffic by the layer that sent it (control-layers.ts). */
  readonly controlByLayer = new ControlByLayer()
  /** The stream part whose degree makes a node's join time: the run's first. */
  firstStreamPart = ''
  readonly timeseries: TimeSeries
  readonly deliveryLog: DeliveryLog | null
  /** Per message, in publish order: publish time, publisher, online nodes at publish and receipts by them. */
  readonly messagePublishedAtMs: number[] = []
  readonly messagePublisher: number[] = []
  readonly messageOnlineAtPublish: number[] = []
  readonly messageReceiptsByOnline: number[] = []
  /** Per node: first receipts of messages published after it joined. */
  readonly receiptsSinceJoin: Uint32Array
  /** Per node: of those, messages published before it had its first neighbour. */
  readonly receiptsWhileJoining: Uint32Array
  /** Publisher index and exact publish time of every message (its timestamp is whole ms). */
  private readonly origin = new Map<StreamMessage, Origin>()
  private readonly nodeIndex: NodeIndex
  /** Receipts come in bursts of one message; remember its origin rather than look it up. */
  private lastMessage: StreamMessage | null = null
  private lastOrigin: Origin | null = null

  constructor(
    private readonly clock: Clock,
    private readonly network: ObservedNetwork,
    private readonly membership: Membership,
    timeseriesIntervalMs: number,
    recordDeliveries: boolean
  ) {
    this.nodeIndex = new NodeIndex(network.nodeIds)
    this.receiptsSinceJoin = new Uint32Array(membership.nodes)
    this.receiptsWhileJoining = new Uint32Array(membership.nodes)
    this.timeseries = new TimeSeries(timeseriesIntervalMs, network, membership)
    this.deliveryLog = recordDeliveries ? new DeliveryLog() : null
  }

  /** Reserves the per-receipt samples of `firstReceipts` first receipts, so they never grow by doubling. */
  expectFirstReceipts(firstReceipts: number): void {
    this.latencyMs.reserve(firstReceipts)
    this.hops.reserve(firstReceipts)
    this.stretch.reserve(firstReceipts)
  }

  probe(nodeIndex: number): NodeObserver {
    return new NodeProbe(this, nodeIndex)
  }

  /** Messages published under `address` count as node `index`'s (signed messages carry addresses, not node ids). */
  alias(address: string, index: number): void {
    this.nodeIndex.alias(address, index)
  }

  onPublished(message: StreamMessage): void {
    const now = this.clock.now()
    const publisher = this.nodeIndex.get(message.messageId.publisherId) ?? -1
    const origin: Origin = { index: this.messagePublishedAtMs.length, publisher, publishedAtMs: now, hops: this.newHops() }
    if (publisher >= 0) origin.hops[publisher] = 0
    this.origin.set(message, origin)
    this.messagePublishedAtMs.push(now)
    this.messagePublisher.push(origin.publisher)
    this.messageOnlineAtPublish.push(this.membership.online - 1)
    this.messageReceiptsByOnline.push(0)
    this.published++
    this.timeseries.published++
    this.deliveryLog?.addMessage(message, formatMessageId(message.messageId), now, COPY_GENUINE)
  }

  onDelivered(node: number, message: StreamMessage, from: Connection): void {
    const now = this.clock.now()
    const origin = this.originOf(message)
    const latency = now - origin.publishedAtMs
    const hops = this.hopsOfCopy(origin, from)
    if (origin.hops[node] === NO_HOPS) origin.hops[node] = hops
    this.firstReceipts++
    this.membership.delivered(node, now)
    if (origin.index >= 0 && this.membership.joinedAtMs[node] <= origin.publishedAtMs) {
      this.receiptsSinceJoin[node]++
      this.messageReceiptsByOnline[origin.index]++
      if (origin.publishedAtMs < this.membership.firstNeighbourAtMs[node]) this.receiptsWhileJoining[node]++
    }
    this.latencyMs.push(latency)
    this.hops.push(hops)
    const direct = origin.publisher < 0 ? 0 : this.network.latency.meanOneWayMs(origin.publisher, node)
    if (direct > 0) this.stretch.push(latency / direct)
    this.timeseries.firstReceipt(latency)
    this.deliveryLog?.add(message, node, now, hops, this.network.remoteIndexOf(from), false)
  }

  onDuplicate(node: number, message: StreamMessage, from: Connection): void {
    const now = this.clock.now()
    this.duplicates++
    this.timeseries.duplicates++
    this.deliveryLog?.add(message, node, now, this.hopsOfCopy(this.originOf(message), from), this.network.remoteIndexOf(from), true)
  }

  onSent(message: WireMessage): void {
    if (message.kind === WIRE_CONTENT) {
      this.payloadTransmissions++
      this.payloadBytes += message.sizeBytes
      if (this.adversarialKind !== null && this.adversarialKind((message as ContentWireMessage).message) !== null) this.wastedBytes += message.sizeBytes
    } else {
      this.controlMessages++
      this.controlBytes += message.sizeBytes
      this.controlByLayer.count(message)
    }
  }

  onRejected(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1)
  }

  onNeighbourAdded(node: number, inFirstPart: boolean): void {
    this.membership.neighbourAdded(node, this.clock.now(), inFirstPart)
  }

  onNeighbourRemoved(node: number, inFirstPart: boolean): void {
    this.membership.neighbourRemoved(node, inFirstPart)
  }

  /**
   * Per message published in this run, in publish order: each node's hops of its first copy,
   * NO_HOPS where it never arrived. Read at the end of a run (delivery-accounting.ts), so a
   * metric over a subset of messages costs nothing per receipt.
   */
  firstCopyHopsByMessage(): Uint16Array[] {
    const out = new Array<Uint16Array>(this.messagePublishedAtMs.length)
    for (const origin of this.origin.values()) if (origin.index >= 0) out[origin.index] = origin.hops
    return out
  }

  private originOf(message: StreamMessage): Origin {
    if (message !== this.lastMessage || this.lastOrigin === null) {
      this.lastMessage = message
      this.lastOrigin = this.origin.get(message) ?? this.sighted(message)
    }
    return this.lastOrigin
  }

  /** A message no node of the run published (a forgery, spam): its first sighting stands in for a publish. */
  private sighted(message: StreamMessage): Origin {
    const origin: Origin = { index: -1, publisher: -1, publishedAtMs: message.messageId.timestamp, hops: this.newHops() }
    this.origin.set(message, origin)
    this.deliveryLog?.addMessage(message, formatMessageId(message.messageId), NaN, this.adversarialKind?.(message) ?? COPY_UNKNOWN)
    return origin
  }

  /** Hops of a copy that came from `from`: one more than its sender's first copy, or 1 if the sender made it. */
  private hopsOfCopy(origin: Origin, from: Connection): number {
    const sender = this.network.remoteIndexOf(from)
    const h = sender >= 0 ? origin.hops[sender] : NO_HOPS
    if (h !== NO_HOPS) return h + 1
    this.copiesFromNonReceivers++
    return 1
  }

  private newHops(): Uint16Array {
    return new Uint16Array(this.receiptsSinceJoin.length).fill(NO_HOPS)
  }
}



class NodeProbe implements NodeObserver {
  constructor(private readonly metrics: MetricsCollector, private readonly index: number) {}
  published(message: StreamMessage): void {
    this.metrics.onPublished(message)
  }
  delivered(message: StreamMessage, from: Connection): void {
    this.metrics.onDelivered(this.index, message, from)
  }
  duplicate(message: StreamMessage, from: Connection): void {
    this.metrics.onDuplicate(this.index, message, from)
  }
  invalid(): void {
    this.metrics.invalid++
  }
  rejected(_message: StreamMessage, _from: Connection | null, reason: string): void {
    this.metrics.onRejected(reason)
  }
  malformed(): void {
    this.metrics.malformed++
  }
  sent(message: WireMessage): void {
    this.metrics.onSent(message)
  }
  neighbourAdded(streamPartId: string): void {
    this.metrics.onNeighbourAdded(this.index, streamPartId === this.metrics.firstStreamPart)
  }
  neighbourRemoved(streamPartId: string): void {
    this.metrics.onNeighbourRemoved(this.index, streamPartId === this.metrics.firstStreamPart)
  }
}

// Turns node events into the numbers of summary.json and timeseries.csv. It observes only:
// nothing here feeds back into behaviour. Per-receipt work is a few array writes.

import type { StreamMessage } from '../../core/message.ts'
import { formatMessageId } from '../../core/message.ts'
import type { NodeObserver } from '../../core/observer.ts'
import type { Connection, ContentWireMessage, NodeId, WireMessage } from '../../core/ports.ts'
import { WIRE_CONTENT } from '../../core/ports.ts'
import type { Clock } from '../../core/ports.ts'
import type { SimConnection, SimNetwork } from '../network/sim-network.ts'
import { DeliveryLog } from './delivery-log.ts'
import type { Membership } from './membership.ts'
import { SampleBuffer } from './sample-buffer.ts'
import { TimeSeries } from './timeseries.ts'

interface Origin {
  readonly index: number
  readonly publisher: number
  readonly publishedAtMs: number
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
  /** Set when adversaries run: tells their messages apart, so what carrying them costs is counted. */
  isAdversarial: ((message: StreamMessage) => boolean) | null = null
  /** Bytes sent carrying forgeries, spam and replays, by anyone. */
  wastedBytes = 0
  payloadTransmissions = 0
  payloadBytes = 0
  controlMessages = 0
  controlBytes = 0
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
  private readonly nodeIndex = new Map<NodeId, number>()
  /** Receipts come in bursts of one message; remember its origin rather than look it up. */
  private lastMessage: StreamMessage | null = null
  private lastOrigin: Origin = { index: -1, publisher: -1, publishedAtMs: 0 }

  constructor(
    private readonly clock: Clock,
    private readonly network: SimNetwork,
    private readonly membership: Membership,
    timeseriesIntervalMs: number,
    recordDeliveries: boolean
  ) {
    network.nodeIds.forEach((id, i) => this.nodeIndex.set(id, i))
    this.receiptsSinceJoin = new Uint32Array(membership.nodes)
    this.receiptsWhileJoining = new Uint32Array(membership.nodes)
    this.timeseries = new TimeSeries(timeseriesIntervalMs, network, membership)
    this.deliveryLog = recordDeliveries ? new DeliveryLog() : null
  }

  probe(nodeIndex: number): NodeObserver {
    return new NodeProbe(this, nodeIndex)
  }

  /** Messages published under `address` count as node `index`'s (signed messages carry addresses, not node ids). */
  alias(address: string, index: number): void {
    this.nodeIndex.set(address, index)
  }

  onPublished(message: StreamMessage): void {
    const now = this.clock.now()
    const origin = { index: this.messagePublishedAtMs.length, publisher: this.nodeIndex.get(message.messageId.publisherId) ?? -1, publishedAtMs: now }
    this.origin.set(message, origin)
    this.messagePublishedAtMs.push(now)
    this.messagePublisher.push(origin.publisher)
    this.messageOnlineAtPublish.push(this.membership.online - 1)
    this.messageReceiptsByOnline.push(0)
    this.published++
    this.timeseries.advance(this.clock.now())
    this.timeseries.published++
    this.deliveryLog?.addMessage(message, formatMessageId(message.messageId), this.clock.now())
  }

  onDelivered(node: number, message: StreamMessage, from: Connection): void {
    const now = this.clock.now()
    const origin = this.originOf(message)
    const latency = now - origin.publishedAtMs
    const hops = this.network.hopsOfCurrentDelivery()
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
    this.timeseries.advance(now)
    this.timeseries.firstReceipt(latency)
    this.deliveryLog?.add(message, node, now, hops, (from as SimConnection).remote, false)
  }

  onDuplicate(node: number, message: StreamMessage, from: Connection): void {
    const now = this.clock.now()
    this.duplicates++
    this.timeseries.advance(now)
    this.timeseries.duplicates++
    this.deliveryLog?.add(message, node, now, this.network.hopsOfCurrentDelivery(), (from as SimConnection).remote, true)
  }

  onSent(message: WireMessage): void {
    if (message.kind === WIRE_CONTENT) {
      this.payloadTransmissions++
      this.payloadBytes += message.sizeBytes
      if (this.isAdversarial !== null && this.isAdversarial((message as ContentWireMessage).message)) this.wastedBytes += message.sizeBytes
    } else {
      this.controlMessages++
      this.controlBytes += message.sizeBytes
    }
  }

  onRejected(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1)
  }

  onNeighbourAdded(node: number): void {
    this.membership.neighbourAdded(node, this.clock.now())
  }

  private originOf(message: StreamMessage): Origin {
    if (message !== this.lastMessage) {
      this.lastMessage = message
      // A message nobody published here (forged or replayed by a peer) has no origin.
      this.lastOrigin = this.origin.get(message) ?? { index: -1, publisher: -1, publishedAtMs: message.messageId.timestamp }
    }
    return this.lastOrigin
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
  neighbourAdded(): void {
    this.metrics.onNeighbourAdded(this.index)
  }
  neighbourRemoved(): void {}
}

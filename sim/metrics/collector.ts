// Turns node events into the numbers of summary.json and timeseries.csv. It observes only:
// nothing here feeds back into behaviour. Per-receipt work is a few array writes.

import type { StreamMessage } from '../../core/message.ts'
import { formatMessageId } from '../../core/message.ts'
import type { NodeObserver } from '../../core/observer.ts'
import type { Connection, NodeId, WireMessage } from '../../core/ports.ts'
import { WIRE_CONTENT } from '../../core/ports.ts'
import type { Clock } from '../../core/ports.ts'
import type { SimConnection, SimNetwork } from '../network/sim-network.ts'
import { DeliveryLog } from './delivery-log.ts'
import { SampleBuffer } from './sample-buffer.ts'
import { TimeSeries } from './timeseries.ts'

export class MetricsCollector {
  readonly latencyMs = new SampleBuffer('f64')
  readonly hops = new SampleBuffer('f32')
  readonly stretch = new SampleBuffer('f32')
  published = 0
  receivers = 0
  firstReceipts = 0
  duplicates = 0
  invalid = 0
  malformed = 0
  payloadTransmissions = 0
  payloadBytes = 0
  controlMessages = 0
  controlBytes = 0
  readonly timeseries: TimeSeries
  readonly deliveryLog: DeliveryLog | null
  /** Publisher index and exact publish time of every message (its timestamp is whole ms). */
  private readonly origin = new Map<StreamMessage, { publisher: number; publishedAtMs: number }>()
  private readonly nodeIndex = new Map<NodeId, number>()
  /** Receipts come in bursts of one message; remember its origin rather than look it up. */
  private lastMessage: StreamMessage | null = null
  private lastPublisher = -1
  private lastPublishedAtMs = 0

  constructor(
    private readonly clock: Clock,
    private readonly network: SimNetwork,
    /** Members of each stream part, to count the receivers of each published message. */
    private readonly membersOf: (streamPartId: string) => number,
    timeseriesIntervalMs: number,
    recordDeliveries: boolean
  ) {
    network.nodeIds.forEach((id, i) => this.nodeIndex.set(id, i))
    this.timeseries = new TimeSeries(timeseriesIntervalMs, network)
    this.deliveryLog = recordDeliveries ? new DeliveryLog() : null
  }

  probe(nodeIndex: number): NodeObserver {
    return new NodeProbe(this, nodeIndex)
  }

  onPublished(message: StreamMessage): void {
    this.origin.set(message, { publisher: this.nodeIndex.get(message.messageId.publisherId) ?? -1, publishedAtMs: this.clock.now() })
    this.published++
    this.receivers += this.membersOf(message.streamPartId) - 1
    this.timeseries.advance(this.clock.now())
    this.timeseries.published++
    this.deliveryLog?.addMessage(message, formatMessageId(message.messageId), this.clock.now())
  }

  onDelivered(node: number, message: StreamMessage, from: Connection): void {
    const now = this.clock.now()
    this.loadOrigin(message)
    const latency = now - this.lastPublishedAtMs
    const hops = this.network.hopsOfCurrentDelivery()
    this.firstReceipts++
    this.latencyMs.push(latency)
    this.hops.push(hops)
    const direct = this.network.latency.meanOneWayMs(this.lastPublisher, node)
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
    } else {
      this.controlMessages++
      this.controlBytes += message.sizeBytes
    }
  }

  private loadOrigin(message: StreamMessage): void {
    if (message === this.lastMessage) return
    const origin = this.origin.get(message)
    this.lastMessage = message
    this.lastPublisher = origin?.publisher ?? -1
    this.lastPublishedAtMs = origin?.publishedAtMs ?? message.messageId.timestamp
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
  malformed(): void {
    this.metrics.malformed++
  }
  sent(message: WireMessage): void {
    this.metrics.onSent(message)
  }
  neighbourAdded(): void {}
  neighbourRemoved(): void {}
}

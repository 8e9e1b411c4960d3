// Every receipt, for deliveries.csv, kept in typed columns (tens of bytes per row) and written
// at the end. Only allocated when a scenario asks for it.

import type { StreamMessage } from '../../core/message.ts'

export class DeliveryLog {
  readonly messageIds: string[] = []
  readonly publishers: string[] = []
  readonly publishedAtMs: number[] = []
  private readonly messageIndex = new Map<StreamMessage, number>()
  length = 0
  message = new Int32Array(1024)
  node = new Int32Array(1024)
  receivedAtMs = new Float64Array(1024)
  hops = new Int32Array(1024)
  from = new Int32Array(1024)
  duplicate = new Uint8Array(1024)

  addMessage(message: StreamMessage, formattedId: string, publishedAtMs: number): void {
    this.messageIndex.set(message, this.messageIds.length)
    this.messageIds.push(formattedId)
    this.publishers.push(message.messageId.publisherId)
    this.publishedAtMs.push(publishedAtMs)
  }

  add(message: StreamMessage, node: number, atMs: number, hops: number, from: number, duplicate: boolean): void {
    if (this.length === this.node.length) this.grow()
    const i = this.length++
    this.message[i] = this.messageIndex.get(message) ?? -1
    this.node[i] = node
    this.receivedAtMs[i] = atMs
    this.hops[i] = hops
    this.from[i] = from
    this.duplicate[i] = duplicate ? 1 : 0
  }

  private grow(): void {
    const n = this.node.length * 2
    const g = <T extends Int32Array | Float64Array | Uint8Array>(a: T, b: T): T => (b.set(a), b)
    this.message = g(this.message, new Int32Array(n))
    this.node = g(this.node, new Int32Array(n))
    this.receivedAtMs = g(this.receivedAtMs, new Float64Array(n))
    this.hops = g(this.hops, new Int32Array(n))
    this.from = g(this.from, new Int32Array(n))
    this.duplicate = g(this.duplicate, new Uint8Array(n))
  }
}

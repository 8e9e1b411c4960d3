// What a node process counts for its stats line and prints per message, tracker or DHT node.

import type { StreamMessage } from '../core/message.ts'
import { SilentObserver } from '../core/observer.ts'
import type { Connection } from '../core/ports.ts'
import { logText } from '../live/log-text.ts'
import { realClock } from '../live/real-time.ts'

/** Counts for the stats line; latency is receipt time minus the publisher's timestamp (same host or NTP). */
export class ProcessObserver extends SilentObserver {
  published_ = 0
  delivered_ = 0
  duplicates = 0
  malformeds = 0
  /** Receipts refused before they were remembered or relayed, by reason (verdicts and the future-timestamp bound). */
  readonly rejections = new Map<string, number>()
  latenciesMs: number[] = []
  constructor(private readonly verbose: () => boolean, private readonly id: () => string) {
    super()
  }
  override published(message: StreamMessage): void {
    this.published_++
    if (this.verbose()) {
      const id = message.messageId
      console.log(`${this.id()} published ${logText(message.streamPartId)} ${id.publisherId}/${id.timestamp}/${id.sequenceNumber}`)
    }
  }
  override rejected(message: StreamMessage, from: Connection | null, reason: string): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1)
    if (this.verbose()) {
      const id = message.messageId
      console.log(`${this.id()} rejected ${logText(message.streamPartId)} ${logText(String(id.publisherId))}/${id.timestamp}/${id.sequenceNumber} `
        + `from ${logText(from?.remoteId ?? 'self')}: ${reason}`)
    }
  }
  /** "bad-signature 3, future-timestamp 1", or "none". */
  rejectionSummary(): string {
    return this.rejections.size === 0 ? 'none' : [...this.rejections].map(([k, v]) => `${k} ${v}`).join(', ')
  }
  override delivered(message: StreamMessage, from: Connection): void {
    this.delivered_++
    const latencyMs = realClock.now() - message.messageId.timestamp
    this.latenciesMs.push(latencyMs)
    if (this.verbose()) {
      const id = message.messageId
      console.log(`${this.id()} got ${logText(message.streamPartId)} ${logText(String(id.publisherId))}/${id.timestamp}/${id.sequenceNumber} from ${logText(from.remoteId)} `
        + `(${message.content.byteLength} B, ${latencyMs.toFixed(1)} ms)`)
    }
  }
  override duplicate(): void {
    this.duplicates++
  }
  override malformed(): void {
    this.malformeds++
  }
  override neighbourAdded(streamPartId: string, peer: string): void {
    if (this.verbose()) console.log(`${this.id()} + neighbour ${logText(peer)} in ${logText(streamPartId)}`)
  }
  override neighbourRemoved(streamPartId: string, peer: string, reason: string): void {
    if (this.verbose()) console.log(`${this.id()} - neighbour ${logText(peer)} in ${logText(streamPartId)} (${logText(reason)})`)
  }
}

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

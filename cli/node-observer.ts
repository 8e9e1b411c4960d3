// What a node process counts for its stats line and prints per message, tracker or DHT node.

import type { StreamMessage } from '../core/message.ts'
import { SilentObserver } from '../core/observer.ts'
import type { Connection } from '../core/ports.ts'
import { realClock } from '../live/real-time.ts'

/** Counts for the stats line; latency is receipt time minus the publisher's timestamp (same host or NTP). */
export class ProcessObserver extends SilentObserver {
  published_ = 0
  delivered_ = 0
  duplicates = 0
  malformeds = 0
  latenciesMs: number[] = []
  constructor(private readonly verbose: () => boolean, private readonly id: () => string) {
    super()
  }
  override published(): void {
    this.published_++
  }
  override delivered(message: StreamMessage, from: Connection): void {
    this.delivered_++
    const latencyMs = realClock.now() - message.messageId.timestamp
    this.latenciesMs.push(latencyMs)
    if (this.verbose()) {
      const id = message.messageId
      console.log(`${this.id()} got ${message.streamPartId} ${id.publisherId}/${id.timestamp}/${id.sequenceNumber} from ${from.remoteId} `
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
    if (this.verbose()) console.log(`${this.id()} + neighbour ${peer} in ${streamPartId}`)
  }
  override neighbourRemoved(streamPartId: string, peer: string, reason: string): void {
    if (this.verbose()) console.log(`${this.id()} - neighbour ${peer} in ${streamPartId} (${reason})`)
  }
}

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

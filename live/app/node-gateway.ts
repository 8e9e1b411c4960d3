// The app interfaces' one way into the node. It checks what apps name (stream id, partition,
// content size), joins a stream part through the tracker the first time an app publishes or
// subscribes to it, and publishes. At `maxStreamParts` parts, it leaves the part apps joined that
// has gone longest unused, if that is `streamPartIdleMs` or more with no listener, and refuses
// otherwise: apps come and go, and the overlay should not churn with them. Parts the node's config
// names are never left; a part an MQTT client is subscribed to is held (hold()) until the last
// such client unsubscribes or goes, and is idle from then on.

import type { LiveNode } from '../live-node.ts'

/** What the app interfaces use of a node: a tracker node (LiveNode) or a DHT node (LiveDhtNode) has it. */
export type AppNode = Pick<LiveNode, 'id' | 'node' | 'neighbours' | 'join' | 'leave' | 'publish' | 'messages'>
import { AppError } from './app-error.ts'
import type { AppInterfaceName, AppStats } from './app-stats.ts'
import { type StreamPart, streamPart } from './stream-part.ts'
import type { Subscriptions } from './subscriptions.ts'

export interface GatewayLimits {
  maxMessageBytes: number
  maxStreamParts: number
  streamPartIdleMs: number
}

export interface PublishReceipt {
  streamId: string
  partition: number
  cursor: number
  publisherId: string
  msgChainId: string
  timestamp: number
  sequenceNumber: number
}

export class NodeGateway {
  /** Parts apps joined that may be left: stream part id -> when an app last used it (ms). */
  private readonly lastUsed = new Map<string, number>()
  /** Parts MQTT clients are subscribed to, with how many subscriptions: never left while held. */
  private readonly holds = new Map<string, number>()
  /** Parts left to make room so far. */
  released = 0

  constructor(
    readonly node: AppNode,
    readonly subscriptions: Subscriptions,
    readonly stats: AppStats,
    readonly limits: GatewayLimits,
  ) {}

  /** The stream part an app names, joined if it was not; throws AppError if refused. */
  open(streamId: unknown, partition: unknown): StreamPart {
    const part = streamPart(streamId, partition)
    this.join(part)
    return part
  }

  /** Keeps `part` (open already) from being left until the returned release is called (once). */
  hold(part: StreamPart): () => void {
    const sp = part.streamPartId
    this.holds.set(sp, (this.holds.get(sp) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.holds.get(sp) ?? 1) - 1
      if (left > 0) this.holds.set(sp, left)
      else {
        this.holds.delete(sp)
        if (this.lastUsed.has(sp)) this.lastUsed.set(sp, Date.now())
      }
    }
  }

  /** Checks everything before joining, so a refused publish leaves the node as it was. */
  publish(via: AppInterfaceName, streamId: unknown, partition: unknown, content: Uint8Array): PublishReceipt {
    const part = streamPart(streamId, partition)
    if (content.byteLength > this.limits.maxMessageBytes) {
      throw new AppError(413, 'too-large', `content is ${content.byteLength} bytes, at most ${this.limits.maxMessageBytes} allowed (app.maxMessageBytes)`)
    }
    this.join(part)
    const message = this.node.publish(part.streamId, part.partition, content)
    this.stats.published[via]++
    const id = message.messageId
    return {
      streamId: id.streamId, partition: id.streamPartition, cursor: this.subscriptions.latest(part.streamPartId),
      publisherId: id.publisherId, msgChainId: id.msgChainId, timestamp: id.timestamp, sequenceNumber: id.sequenceNumber,
    }
  }

  /** Joins `part` (already checked) through the tracker unless the node is in it, and marks it used. */
  join(part: StreamPart): void {
    const sp = part.streamPartId
    if (this.node.node.streamPart(sp) === undefined) {
      const joined = this.node.node.streamPartIds().length
      if (joined >= this.limits.maxStreamParts && !this.releaseIdle()) {
        throw new AppError(403, 'too-many-stream-parts',
          `the node is in ${joined} stream parts, its limit (app.maxStreamParts), each used within app.streamPartIdleMs or listened to; `
          + `${sp} is not one of them`)
      }
      this.node.join(sp)
      this.lastUsed.set(sp, Date.now())
    } else if (this.lastUsed.has(sp)) this.lastUsed.set(sp, Date.now())
  }

  /** Leaves the part apps joined that has gone longest unused, if idle long enough and unlistened; false if none. */
  private releaseIdle(): boolean {
    const now = Date.now()
    let oldest: string | undefined
    for (const [sp, at] of this.lastUsed) {
      if (now - at < this.limits.streamPartIdleMs || this.subscriptions.isListened(sp) || this.holds.has(sp)) continue
      if (oldest === undefined || at < this.lastUsed.get(oldest)!) oldest = sp
    }
    if (oldest === undefined) return false
    this.lastUsed.delete(oldest)
    this.node.leave(oldest)
    this.subscriptions.forget(oldest)
    this.released++
    return true
  }
}

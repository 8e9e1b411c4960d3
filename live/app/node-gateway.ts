// The app interfaces' one way into the node. It checks what apps name (stream id, partition,
// content size), joins a stream part through the tracker the first time an app publishes or
// subscribes to it, refuses once the node is in `maxStreamParts` parts, and publishes. Joined
// parts stay joined for the life of the process: apps come and go, the overlay should not churn
// with them.

import type { LiveNode } from '../live-node.ts'

/** What the app interfaces use of a node: a tracker node (LiveNode) or a DHT node (LiveDhtNode) has it. */
export type AppNode = Pick<LiveNode, 'id' | 'node' | 'neighbours' | 'join' | 'publish' | 'security' | 'validator'>
import { AppError } from './app-error.ts'
import type { AppInterfaceName, AppStats } from './app-stats.ts'
import { type StreamPart, streamPart } from './stream-part.ts'
import type { Subscriptions } from './subscriptions.ts'

export interface GatewayLimits {
  maxMessageBytes: number
  maxStreamParts: number
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

  /** Joins `part` (already checked) through the tracker unless the node is in it. */
  join(part: StreamPart): void {
    if (this.node.node.streamPart(part.streamPartId) === undefined) {
      const joined = this.node.node.streamPartIds().length
      if (joined >= this.limits.maxStreamParts) {
        throw new AppError(403, 'too-many-stream-parts',
          `the node is in ${joined} stream parts, its limit (app.maxStreamParts); ${part.streamPartId} is not one of them`)
      }
      this.node.join(part.streamPartId)
    }
  }
}

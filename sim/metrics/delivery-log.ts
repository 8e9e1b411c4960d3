// Every receipt, for deliveries.csv, kept in typed columns (tens of bytes per row) and written
// at the end. Only allocated when a scenario asks for it.

import type { StreamMessage } from '../../core/message.ts'
import { grown } from '../engine/typed-arrays.ts'

/** What a copy is, in deliveries.csv's `copy` column. */
export const COPY_GENUINE = 'genuine'
/** Made by an adversary from a genuine message: same id and claimed publisher, other content or signature. */
export const COPY_FORGED = 'forged'
/** An adversary's message of its own. */
export const COPY_SPAM = 'spam'
/** Nobody of the run published it and no adversary claims it (nothing in a scenario does this). */
export const COPY_UNKNOWN = 'unknown'
export type AdversarialCopy = typeof COPY_FORGED | typeof COPY_SPAM
export type CopyKind = typeof COPY_GENUINE | AdversarialCopy | typeof COPY_UNKNOWN

export class DeliveryLog {
  readonly messageIds: string[] = []
  /** The publisher each message claims (a forgery claims the genuine one's). */
  readonly publishers: string[] = []
  /** NaN for messages no node of the run published. */
  readonly publishedAtMs: number[] = []
  readonly copies: CopyKind[] = []
  private readonly messageIndex = new Map<StreamMessage, number>()
  length = 0
  message = new Int32Array(1024)
  node = new Int32Array(1024)
  receivedAtMs = new Float64Array(1024)
  hops = new Int32Array(1024)
  from = new Int32Array(1024)
  duplicate = new Uint8Array(1024)

  addMessage(message: StreamMessage, formattedId: string, publishedAtMs: number, copy: CopyKind): void {
    this.messageIndex.set(message, this.messageIds.length)
    this.messageIds.push(formattedId)
    this.publishers.push(message.messageId.publisherId)
    this.publishedAtMs.push(publishedAtMs)
    this.copies.push(copy)
  }

  add(message: StreamMessage, node: number, atMs: number, hops: number, from: number, duplicate: boolean): void {
    if (this.length === this.node.length) this.grow()
    const i = this.length++
    this.message[i] = this.messageIndex.get(message)!
    this.node[i] = node
    this.receivedAtMs[i] = atMs
    this.hops[i] = hops
    this.from[i] = from
    this.duplicate[i] = duplicate ? 1 : 0
  }

  private grow(): void {
    const n = this.node.length * 2
    this.message = grown(this.message, new Int32Array(n))
    this.node = grown(this.node, new Int32Array(n))
    this.receivedAtMs = grown(this.receivedAtMs, new Float64Array(n))
    this.hops = grown(this.hops, new Int32Array(n))
    this.from = grown(this.from, new Int32Array(n))
    this.duplicate = grown(this.duplicate, new Uint8Array(n))
  }
}

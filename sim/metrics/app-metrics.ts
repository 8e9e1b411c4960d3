// What apps got from the message layer: each subscriber's deliveries of honest messages against
// what it was entitled to, latency from the publish call to the app, and anything an app was
// handed that no honest publisher published (forgeries, spam). Entitlement: the subscriber was
// permitted to read, joined before the message was published and was still online at the end;
// a revoked subscriber is entitled to messages published before its revocation took effect.

import type { StreamMessage } from '../../core/message.ts'
import type { Clock } from '../../core/ports.ts'
import type { Membership } from './membership.ts'
import { type AdversarialCopy, COPY_FORGED, COPY_SPAM } from './delivery-log.ts'
import { SampleBuffer } from './sample-buffer.ts'

export class AppMetrics {
  readonly latencyMs = new SampleBuffer('f64')
  /** Honest messages: publish call time, in publish order. */
  private readonly publishedAtMs: number[] = []
  private readonly indexOf = new Map<StreamMessage, number>()
  /** Messages adversaries made, by kind. */
  private readonly forged = new WeakSet<StreamMessage>()
  private readonly spam = new WeakSet<StreamMessage>()
  /** Per subscriber: deliveries of messages it was entitled to. */
  readonly entitledDelivered: Uint32Array
  /** Per node: 1 if it runs a subscriber pipeline and was permitted to read. */
  readonly permitted: Uint8Array
  /** Per node: when its revocation took effect (Infinity: never revoked). */
  readonly revokedAtMs: Float64Array
  delivered = 0
  duplicates = 0
  forgedDelivered = 0
  unpermittedDelivered = 0
  /** Deliveries to subscribers never permitted to read: must be 0 when content is encrypted. */
  unpermittedReads = 0
  /** Deliveries to revoked subscribers of messages published after the last rekey following their revocation. */
  revokedReadsAfterRekey = 0
  /** Deliveries that came before an earlier message of the same chain: must be 0 with ordering on. */
  outOfOrder = 0
  /** Per node: chainKey -> publish index of the last message of that chain delivered to it. */
  private readonly lastOfChain: (Map<string, number> | undefined)[] = []
  /** Rekeys so far; a revoked reader's deliveries after one of these count above. */
  private readonly rekeysAtMs: number[] = []
  /** Per honest message: which nodes' apps got it (1 byte per node, allocated at the first delivery). */
  private readonly seen: (Uint8Array | undefined)[] = []

  constructor(private readonly clock: Clock, private readonly membership: Membership, nodes: number) {
    this.entitledDelivered = new Uint32Array(nodes)
    this.permitted = new Uint8Array(nodes)
    this.revokedAtMs = new Float64Array(nodes).fill(Infinity)
  }

  published(message: StreamMessage): void {
    this.indexOf.set(message, this.publishedAtMs.length)
    this.publishedAtMs.push(this.clock.now())
  }

  markForged(message: StreamMessage): void {
    this.forged.add(message)
  }

  markSpam(message: StreamMessage): void {
    this.spam.add(message)
  }

  adversarialKind(message: StreamMessage): AdversarialCopy | null {
    return this.forged.has(message) ? COPY_FORGED : this.spam.has(message) ? COPY_SPAM : null
  }

  rekeyed(): void {
    this.rekeysAtMs.push(this.clock.now())
  }

  /** Subscriber `node`'s app got `message`. */
  onDelivered(node: number, message: StreamMessage): void {
    const index = this.indexOf.get(message)
    if (index === undefined) {
      if (this.spam.has(message)) this.unpermittedDelivered++
      else this.forgedDelivered++
      return
    }
    const seen = (this.seen[index] ??= new Uint8Array(this.permitted.length))
    if (seen[node] === 1) {
      this.duplicates++
      return
    }
    seen[node] = 1
    this.delivered++
    const chains = (this.lastOfChain[node] ??= new Map())
    const last = chains.get(message.chainKey)
    if (last !== undefined && index < last) this.outOfOrder++
    else chains.set(message.chainKey, index)
    const publishedAt = this.publishedAtMs[index]
    if (this.permitted[node] === 0) this.unpermittedReads++
    const revokedAt = this.revokedAtMs[node]
    if (revokedAt !== Infinity && this.rekeysAtMs.some((r) => r >= revokedAt && publishedAt > r)) this.revokedReadsAfterRekey++
    this.latencyMs.push(this.clock.now() - publishedAt)
    if (this.entitled(node, publishedAt)) this.entitledDelivered[node]++
  }

  /** Entitled pairs, delivered pairs and subscribers missing something, over subscribers online at the end. */
  completeness(subscribers: readonly number[]): { expected: number; delivered: number; incomplete: number; subscribers: number } {
    let expected = 0
    let delivered = 0
    let incomplete = 0
    let counted = 0
    for (const s of subscribers) {
      if (!this.membership.isOnline(s)) continue
      counted++
      let mine = 0
      for (const t of this.publishedAtMs) if (this.entitled(s, t)) mine++
      expected += mine
      delivered += this.entitledDelivered[s]
      if (this.entitledDelivered[s] < mine) incomplete++
    }
    return { expected, delivered, incomplete, subscribers: counted }
  }

  private entitled(node: number, publishedAtMs: number): boolean {
    return this.permitted[node] === 1 && this.membership.joinedAtMs[node] <= publishedAtMs && publishedAtMs < this.revokedAtMs[node]
  }
}

// One publisher chain put back in order. A message's previous reference says which message comes
// right before it, so a message is deliverable exactly when its previous reference is the last
// one delivered; anything else is held, sorted, until its predecessors come. No clock, no timers:
// when to ask for the missing messages, and when to give up, is gap-filler.ts's job, told through
// ChainListener.
//
// At most one gap is open at a time, the one in front of the earliest held message (as in the
// reference): it is found when that message is held, and resolved once delivery has passed it,
// whether because the missing messages came or because the gap was skipped.

import { type MessageRef, type StreamMessage, compareRefs } from '../message.ts'
import type { GapMode } from './ordering-options.ts'
import type { OrderingStats } from './ordering-stats.ts'

export interface HeldMessage {
  readonly message: StreamMessage
  /** When it arrived; the first resend request waits from here. */
  readonly receivedAtMs: number
}

export interface ChainListener {
  /** `waiting` cannot be delivered until what lies before it arrives. */
  gapFound(waiting: HeldMessage): void
  gapResolved(): void
}

export const ADDED_DELIVERED = 0
export const ADDED_HELD = 1
export const ADDED_DUPLICATE = 2
export const ADDED_INVALID = 3
/** Held, then dropped at once because the buffer was full and it was the newest (full mode). */
export const ADDED_DROPPED = 4
export type AddResult = typeof ADDED_DELIVERED | typeof ADDED_HELD | typeof ADDED_DUPLICATE | typeof ADDED_INVALID | typeof ADDED_DROPPED

export interface ChainLimits {
  readonly gapMode: GapMode
  readonly maxBufferedPerChain: number
}

function refOf(message: StreamMessage): MessageRef {
  return message.messageId
}

function plainRef(ref: MessageRef): MessageRef {
  return { timestamp: ref.timestamp, sequenceNumber: ref.sequenceNumber }
}

function cmp(a: MessageRef, b: MessageRef): number {
  return compareRefs(a.timestamp, a.sequenceNumber, b.timestamp, b.sequenceNumber)
}

export class OrderedChain {
  private last: MessageRef | null = null
  /** Ascending by ref, all after `last`; the first is the one waiting on the open gap. */
  private readonly held: HeldMessage[] = []
  /** The message that was waiting when the open gap was found; null when no gap is open. */
  private gapEnd: StreamMessage | null = null
  private skipping = false

  /**
   * `floor`, when set, is the first position the subscriber wants: the chain then starts there
   * rather than at its first receipt, so messages lost before that receipt are fetched too.
   */
  constructor(
    private readonly floor: MessageRef | null,
    private readonly limits: ChainLimits,
    private readonly stats: OrderingStats,
    private readonly listener: ChainListener,
    private readonly deliver: (message: StreamMessage) => void
  ) {}

  /** The last message handed to the app; null before the first. */
  get lastDelivered(): MessageRef | null {
    return this.last === null ? null : plainRef(this.last)
  }

  get heldCount(): number {
    return this.held.length
  }

  /** The missing range of the open gap, both ends inclusive, or undefined when none is open. */
  missingRange(): { from: MessageRef; to: MessageRef } | undefined {
    const end = this.gapEnd
    const from = this.last ?? this.floor
    if (end === null || end.prevMsgRef === null || from === null) return undefined
    // Plain refs: `last` is a whole message id, which should not travel in a request.
    return { from: plainRef(from), to: plainRef(end.prevMsgRef) }
  }

  add(message: StreamMessage, nowMs: number): AddResult {
    const ref = refOf(message)
    const prev = message.prevMsgRef
    if (prev !== null && cmp(prev, ref) >= 0) {
      this.stats.invalid++
      return ADDED_INVALID
    }
    if (this.isStale(ref)) {
      this.stats.duplicates++
      return ADDED_DUPLICATE
    }
    // The common case, a chain in order: nothing held, so no gap can open or close.
    if (this.held.length === 0 && this.isNext(message)) {
      this.emit(message)
      return ADDED_DELIVERED
    }
    const i = this.indexFor(ref)
    if (i < this.held.length && cmp(refOf(this.held[i].message), ref) === 0) {
      this.stats.duplicates++
      return ADDED_DUPLICATE
    }
    this.held.splice(i, 0, { message, receivedAtMs: nowMs })
    this.drain()
    this.checkGap()
    let dropped = false
    while (this.held.length > this.limits.maxBufferedPerChain) {
      if (this.limits.gapMode === 'light') {
        this.skipGap()
      } else {
        // Full mode never skips: keep the messages nearest delivery and drop the newest; the
        // next gap found after this one asks for it again.
        const popped = this.held.pop()!.message
        if (popped === message) dropped = true
        // The gap must end at a held message, or it could never be seen to resolve.
        if (popped === this.gapEnd) this.gapEnd = this.held[this.held.length - 1].message
        this.stats.droppedOverflow++
      }
    }
    if (dropped) return ADDED_DROPPED
    return this.last !== null && cmp(this.last, ref) >= 0 ? ADDED_DELIVERED : ADDED_HELD
  }

  /**
   * Gives up the open gap: delivers every held message up to the one that was waiting when it
   * was found, holes and all, then whatever follows in order. Returns false if no gap was open.
   * The least that frees room in a full buffer; later holes keep their chance to fill.
   */
  skipGap(): boolean {
    const end = this.gapEnd
    if (end === null) return false
    const endRef = refOf(end)
    this.skipping = true
    while (this.held.length > 0 && cmp(refOf(this.held[0].message), endRef) <= 0) {
      this.emit(this.held.shift()!.message)
    }
    this.drain()
    this.checkGap()
    return true
  }

  /**
   * Gives up the open gap and every later hole among the held messages, delivering all of them:
   * light mode's answer to an unfillable gap, as in the reference. One stall per outage of the
   * resend source, not one per hole. Each later hole counts as a gap found and skipped.
   */
  skipAll(): boolean {
    const end = this.gapEnd
    if (end === null) return false
    const endRef = refOf(end)
    this.skipping = true
    while (this.held.length > 0) {
      const message = this.held.shift()!.message
      if (!this.isNext(message) && cmp(refOf(message), endRef) > 0) {
        this.stats.gapsDetected++
        this.stats.gapsSkipped++
      }
      this.emit(message)
    }
    this.checkGap()
    return true
  }

  private isStale(ref: MessageRef): boolean {
    if (this.last !== null) return cmp(ref, this.last) <= 0
    return this.floor !== null && cmp(ref, this.floor) < 0
  }

  /** Nothing is missing before it: its predecessor was delivered (or lies before the floor). */
  private isNext(message: StreamMessage): boolean {
    const prev = message.prevMsgRef
    // Without a previous reference nothing can be known missing, as in the reference.
    if (prev === null) return true
    if (this.last !== null) return cmp(prev, this.last) <= 0
    // Not started: with no floor the first message starts the chain, as the duplicate detector does.
    return this.floor === null || cmp(prev, this.floor) < 0
  }

  private drain(): void {
    const held = this.held
    while (held.length > 0 && this.isNext(held[0].message)) this.emit(held.shift()!.message)
  }

  private emit(message: StreamMessage): void {
    // State first: the app's callback may feed this chain again.
    this.last = refOf(message)
    this.stats.delivered++
    this.deliver(message)
  }

  private checkGap(): void {
    const end = this.gapEnd
    if (end !== null && this.last !== null && cmp(this.last, refOf(end)) >= 0) {
      if (this.skipping) this.stats.gapsSkipped++
      else this.stats.gapsFilled++
      this.gapEnd = null
      this.listener.gapResolved()
    }
    this.skipping = false
    if (this.gapEnd === null && this.held.length > 0) {
      this.gapEnd = this.held[0].message
      this.stats.gapsDetected++
      this.listener.gapFound(this.held[0])
    }
  }

  /** Binary search: the index of the first held message at or after `ref`. */
  private indexFor(ref: MessageRef): number {
    let lo = 0
    let hi = this.held.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cmp(refOf(this.held[mid].message), ref) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

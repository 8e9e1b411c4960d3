// The timing policy of one chain's open gap (PROTOCOL.md): wait initialWaitMs from the waiting
// message's arrival (the missing ones are usually still in flight), then ask the resend source
// for the missing range up to maxResendRequests times, retryWaitMs apart; once the last request
// is over (giveUpAfter) a gap still open is given up as the gap mode says: light delivers
// everything held over every hole, full skips this gap only. One timer per chain, armed only
// while a gap is open, so a chain in order costs no timer at all.

import type { Clock, TimerHandle, Timers } from '../ports.ts'
import type { ChainListener, HeldMessage, OrderedChain } from './ordered-chain.ts'
import type { OrderingOptions } from './ordering-options.ts'
import type { OrderingStats } from './ordering-stats.ts'
import type { ResendSource } from './resend-source.ts'

export interface GapFillerPorts {
  clock: Clock
  timers: Timers
}

export class GapFiller implements ChainListener {
  private chain: OrderedChain | undefined
  private timer: TimerHandle | undefined
  /** Requests sent for the open gap. */
  private requests = 0
  /** Bumped as gaps open and close, so a source that answers synchronously cannot confuse the timer. */
  private generation = 0
  private streamPartId = ''
  private publisherId = ''
  private msgChainId = ''

  constructor(
    private readonly ports: GapFillerPorts,
    private readonly options: OrderingOptions,
    private readonly source: ResendSource,
    private readonly stats: OrderingStats
  ) {}

  /** The chain this filler serves; the two refer to each other, so it comes after construction. */
  bind(chain: OrderedChain): void {
    this.chain = chain
  }

  gapFound(waiting: HeldMessage): void {
    const id = waiting.message.messageId
    this.streamPartId = waiting.message.streamPartId
    this.publisherId = id.publisherId
    this.msgChainId = id.msgChainId
    this.requests = 0
    this.generation++
    // A gap found as an earlier one closes may have been waiting a while already.
    const waitedMs = this.ports.clock.now() - waiting.receivedAtMs
    this.arm(Math.max(0, this.options.initialWaitMs - waitedMs))
  }

  gapResolved(): void {
    this.generation++
    this.cancel()
  }

  /** Stops the timer for good: the buffer is being dropped. */
  dispose(): void {
    this.cancel()
  }

  private onTimer(): void {
    this.timer = undefined
    if (this.requests >= this.options.maxResendRequests) {
      this.giveUp()
      return
    }
    const range = this.chain!.missingRange()
    const generation = this.generation
    this.requests++
    const last = this.requests === this.options.maxResendRequests
    const giveUpOnAnswer = last && this.options.giveUpAfter === 'lastAnswer'
    if (range !== undefined) {
      this.stats.resendRequests++
      const done = giveUpOnAnswer ? () => { if (generation === this.generation) this.giveUp() } : undefined
      this.source.requestRange({
        streamPartId: this.streamPartId, publisherId: this.publisherId, msgChainId: this.msgChainId,
        from: range.from, to: range.to,
      }, done)
      // The answer may have come at once (and filled, or given up, the gap).
      if (generation !== this.generation || giveUpOnAnswer) return
    } else if (giveUpOnAnswer) {
      this.giveUp()
      return
    }
    this.arm(this.options.retryWaitMs)
  }

  /** The last request is over and the gap is still open. */
  private giveUp(): void {
    this.cancel()
    this.stats.gapsUnfillable++
    if (this.options.gapMode === 'light') this.chain!.skipAll()
    else this.chain!.skipGap()
  }

  private arm(delayMs: number): void {
    this.cancel()
    this.timer = this.ports.timers.setTimeout(() => this.onTimer(), delayMs)
  }

  private cancel(): void {
    if (this.timer !== undefined) this.ports.timers.clearTimeout(this.timer)
    this.timer = undefined
  }
}

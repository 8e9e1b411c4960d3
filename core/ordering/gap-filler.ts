// The timing policy of one chain's open gap (PROTOCOL.md): wait initialWaitMs from the waiting
// message's arrival (the missing ones are usually still in flight), then ask the resend source
// for the missing range up to maxResendRequests times, retryWaitMs apart, and retryWaitMs after
// the last ask either deliver everything held, skipping the holes (light), or keep waiting (full). One timer per chain, armed only
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
    const chain = this.chain!
    if (this.requests < this.options.maxResendRequests) {
      const range = chain.missingRange()
      const generation = this.generation
      if (range !== undefined) {
        this.requests++
        this.stats.resendRequests++
        this.source.requestRange({
          streamPartId: this.streamPartId, publisherId: this.publisherId, msgChainId: this.msgChainId,
          from: range.from, to: range.to,
        })
      }
      if (generation === this.generation) this.arm(this.options.retryWaitMs)
      return
    }
    this.stats.gapsUnfillable++
    if (this.options.gapMode === 'light') chain.skipAll()
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

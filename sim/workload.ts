// When each publisher publishes: a constant rate with a random phase per publisher (so publishers
// of one rate do not fire in lockstep) or Poisson arrivals, from the end of the warm-up, until each
// has sent its messages. Each publisher draws from its own stream (`node/<id>/workload`), in event
// order. The simulator publishes on these events; a live run's plan (live/scenario/run-plan.ts)
// records them on a scratch simulator, so both publish at the same instants.

import type { Random } from '../core/ports.ts'
import { createRandom, randomExponential } from './engine/random.ts'
import { FIRST_HANDLER_KIND, type EventHandler, type Simulator } from './engine/simulator.ts'
import type { WorkloadConfig } from './scenario/types.ts'

export const EVENT_PUBLISH = FIRST_HANDLER_KIND + 2

/** Publish now: node `publisher` in stream part number `stream` (whether it is online is the caller's business). */
export type PublishAction = (publisher: number, stream: number) => void

export class Workload implements EventHandler {
  /** Messages each (stream, publisher) pair still has to send, keyed by publisher * streams + stream. */
  private readonly remaining: Int32Array
  /** Only publishers draw workload randomness; created on first use. */
  private readonly randoms = new Map<number, Random>()

  constructor(
    private readonly sim: Simulator,
    private readonly config: WorkloadConfig,
    private readonly seed: number,
    private readonly nodeIds: readonly string[],
    /** Per stream part, its publishers' node indices. */
    private readonly publishers: readonly (readonly number[])[],
    private readonly publish: PublishAction
  ) {
    this.remaining = new Int32Array(nodeIds.length * config.streams)
    sim.register(EVENT_PUBLISH, this)
  }

  schedule(): void {
    const w = this.config
    if (w.messagesPerPublisher === 0) return
    const periodMs = 1000 / w.ratePerSecond
    this.publishers.forEach((publishers, stream) => {
      for (const p of publishers) {
        this.remaining[p * w.streams + stream] = w.messagesPerPublisher
        const first = w.warmupS * 1000 + (w.arrival === 'constant' ? this.randomOf(p).next() * periodMs : this.gapMs(p))
        this.sim.schedule(first, EVENT_PUBLISH, p, stream, undefined)
      }
    })
  }

  handleEvent(_kind: number, publisher: number, stream: number): void {
    this.publish(publisher, stream)
    if (--this.remaining[publisher * this.config.streams + stream] > 0) {
      this.sim.schedule(this.sim.now() + this.gapMs(publisher), EVENT_PUBLISH, publisher, stream, undefined)
    }
  }

  private gapMs(publisher: number): number {
    const periodMs = 1000 / this.config.ratePerSecond
    return this.config.arrival === 'constant' ? periodMs : randomExponential(this.randomOf(publisher), periodMs)
  }

  private randomOf(node: number): Random {
    let r = this.randoms.get(node)
    if (r === undefined) {
      r = createRandom(this.seed, 'node', this.nodeIds[node], 'workload')
      this.randoms.set(node, r)
    }
    return r
  }
}

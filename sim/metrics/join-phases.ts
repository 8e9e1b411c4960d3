// When each node reached each step of its Tatum join, measured from its (last) start: the
// simulator's and the live run's DHT figures both keep them, so the decomposition of time to
// first neighbour means the same in either.

import type { JoinPhase } from '../../core/dht/dht-node.ts'

export type ReachedPhase = Exclude<JoinPhase, 'started'>

/** Each phase's bit in a node's mask of phases reached since its start. */
const PHASE_BITS: Readonly<Record<ReachedPhase, number>> = { layer0Linked: 1, entryPointsFetched: 2, layer1Contact: 4 }

export class JoinPhaseTimes {
  private readonly started = new Map<string, { atMs: number; reached: number }>()
  /** Milliseconds from a start to the phase, one per start that reached it. */
  readonly samples: Record<ReachedPhase, number[]> = { layer0Linked: [], entryPointsFetched: [], layer1Contact: [] }

  record(nodeId: string, phase: JoinPhase, nowMs: number): void {
    if (phase === 'started') {
      this.started.set(nodeId, { atMs: nowMs, reached: 0 })
      return
    }
    const start = this.started.get(nodeId)
    const bit = PHASE_BITS[phase]
    if (start === undefined || (start.reached & bit) !== 0) return
    start.reached |= bit
    this.samples[phase].push(nowMs - start.atMs)
  }
}

// Runs handshake rounds until the node has its target of neighbours (NeighborFinder.ts,
// trackerless-network 103.3.1). A start waits finderInitialWaitMs, then runs two chains of rounds
// side by side, as the reference does; each chain goes on finderIntervalMs after its round ends
// while neighbours are below the target and some known contact is not yet excluded, or, with
// no neighbour at all, starts over with nothing excluded; else it ends and the finder can be
// started again. Rounds on a stopped layer never run (the layer's timers stop with it).

import type { NodeId } from '../ports.ts'
import type { Handshaker } from './handshaker.ts'
import type { Neighbourhood } from './neighbourhood.ts'

/** Chains a start runs at once: the reference awaits two findNeighbors calls together. */
export const FINDER_CHAINS = 2

export class NeighbourFinder {
  private running = false

  constructor(private readonly hood: Neighbourhood, private readonly handshaker: Handshaker) {}

  get isRunning(): boolean {
    return this.running
  }

  /** Starts finding unless already running; `excluded` are not asked in the first rounds. */
  start(excluded: readonly NodeId[] = []): void {
    if (this.running) return
    this.running = true
    // Both chains share one list, as in the reference: a round that asks one target adds its refusal to it.
    const shared = [...excluded]
    this.hood.after(this.hood.options.finderInitialWaitMs, () => {
      for (let i = 0; i < FINDER_CHAINS; i++) this.round(shared)
    })
  }

  private round(excluded: NodeId[]): void {
    if (!this.running) return
    this.handshaker.attempt(excluded, (next) => {
      const { neighbours, views, options } = this.hood
      const contacts = views.uniqueContactCount()
      if (neighbours.size < options.neighbourTargetCount && next.length < contacts) {
        this.hood.after(options.finderIntervalMs, () => this.round(next))
      } else if (neighbours.size === 0 && contacts > 0) {
        this.hood.after(options.finderIntervalMs, () => this.round([]))
      } else {
        this.running = false
      }
    })
  }
}

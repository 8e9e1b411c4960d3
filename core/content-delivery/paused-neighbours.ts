// Which neighbours are paused on which publisher chain, at most `limit` per chain
// (PausedNeighbors.ts, trackerless-network 103.3.1). Plumtree keeps two: the neighbours that
// asked us to send them only message ids, and those we asked.

import type { NodeId } from '../ports.ts'

export class PausedNeighbours {
  private readonly byChain = new Map<string, Set<NodeId>>()

  constructor(private readonly limit: number) {}

  /** Ignored once the chain has `limit` paused. */
  add(peer: NodeId, chain: string): void {
    let paused = this.byChain.get(chain)
    if (paused === undefined) {
      paused = new Set()
      this.byChain.set(chain, paused)
    }
    if (paused.size >= this.limit) return
    paused.add(peer)
  }

  delete(peer: NodeId, chain: string): void {
    const paused = this.byChain.get(chain)
    if (paused === undefined) return
    paused.delete(peer)
    if (paused.size === 0) this.byChain.delete(chain)
  }

  /** Forgets `peer` on every chain (it is no longer a neighbour). */
  deleteAll(peer: NodeId): void {
    for (const [chain, paused] of this.byChain) {
      paused.delete(peer)
      if (paused.size === 0) this.byChain.delete(chain)
    }
  }

  isPaused(peer: NodeId, chain: string): boolean {
    return this.byChain.get(chain)?.has(peer) ?? false
  }

  size(chain: string): number {
    return this.byChain.get(chain)?.size ?? 0
  }

  /** Chains with the number paused on each, in the order the chains were first paused. */
  counts(): [chain: string, paused: number][] {
    return [...this.byChain].map(([chain, paused]) => [chain, paused.size])
  }
}

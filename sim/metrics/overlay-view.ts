// A stream part's overlay as the metrics count it: among the members online now, over links both
// ends hold (a link one end still lists after the other dropped it carries nothing both ways).
// Read-only: for topology.json, overlay statistics and the timeseries' overlay columns.

import type { NetworkNode } from '../../core/network-node.ts'
import type { ObservedNetwork } from '../network/observed-network.ts'
import type { Membership } from './membership.ts'
import type { StreamPartSetup } from '../run-layout.ts'
import type { OverlaySample } from './timeseries.ts'

export class OverlayView {
  private unionFind: Int32Array | undefined
  /** The last sample, and the stream part and membership change count it was taken at. */
  private last: { part: StreamPartSetup; changes: number; sample: OverlaySample } | undefined

  constructor(
    private readonly nodes: readonly NetworkNode[],
    private readonly network: ObservedNetwork,
    private readonly membership: Membership
  ) {}

  onlineMembers(part: StreamPartSetup): number[] {
    return part.members.filter((m) => this.membership.isOnline(m))
  }

  /** Online neighbours of member `m` that list `m` too (see TopologyJson). */
  mutualNeighbours(part: StreamPartSetup, m: number): number[] {
    const out: number[] = []
    const id = this.network.nodeIds[m]
    for (const c of this.nodes[m].streamPart(part.id)?.neighbours ?? []) {
      const r = this.network.remoteIndexOf(c)
      if (this.membership.isOnline(r) && this.nodes[r].streamPart(part.id)?.hasNeighbour(id) === true) out.push(r)
    }
    return out
  }

  /** Mutual links among the online members, by position in `onlineMembers`. */
  adjacency(part: StreamPartSetup): number[][] {
    const online = this.onlineMembers(part)
    // A table, not a Map of [member, position] pairs: at a million members that is 100 MB less at the end of a run.
    const position = new Int32Array(this.nodes.length)
    online.forEach((m, k) => { position[m] = k })
    return online.map((m) => this.mutualNeighbours(part, m).map((r) => position[r]))
  }

  /**
   * Components and mean degree among the online members. Nothing it reads changes without a
   * membership change (Membership.changes), so while none happens (a stream over a settled
   * overlay) the last sample stands: a sample reads every node, a window's receipts may not.
   */
  sample(part: StreamPartSetup): OverlaySample {
    const changes = this.membership.changes
    if (this.last !== undefined && this.last.part === part && this.last.changes === changes) return { ...this.last.sample }
    const sample = this.takeSample(part)
    this.last = { part, changes, sample }
    return { ...sample }
  }

  private takeSample(part: StreamPartSetup): OverlaySample {
    const parent = (this.unionFind ??= new Int32Array(this.nodes.length))
    const find = (x: number): number => {
      while (parent[x] !== x) x = parent[x] = parent[parent[x]]
      return x
    }
    let online = 0
    let degrees = 0
    for (const m of part.members) parent[m] = m
    for (const m of part.members) {
      if (!this.membership.isOnline(m)) continue
      online++
      for (const r of this.mutualNeighbours(part, m)) {
        degrees++
        const a = find(m)
        const b = find(r)
        if (a !== b) parent[a] = b
      }
    }
    let components = 0
    for (const m of part.members) if (this.membership.isOnline(m) && find(m) === m) components++
    return { components, meanDegree: online === 0 ? 0 : degrees / online }
  }
}

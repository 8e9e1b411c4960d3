// When each node was in each stream part's overlay and when each mutual link existed, sampled at
// the timeseries windows, so the explorer can show a churning overlay at any time of the run
// (topology.json `history`). Read-only on the simulation: it reads what OverlayView reads.

import type { StreamPartSetup } from '../run-layout.ts'
import type { OverlayView } from './overlay-view.ts'

/** Up intervals as a flat list [from, to, from, to, ...] in simulated ms; `to` is exclusive. */
export type UpIntervals = number[]

export interface PartHistory {
  /** Node index -> its up intervals. */
  readonly nodes: Map<number, UpIntervals>
  /** `a * N + b` (a < b) -> the link's up intervals. */
  readonly links: Map<number, UpIntervals>
}

export class OverlayHistory {
  readonly parts: PartHistory[]

  constructor(private readonly overlay: OverlayView, private readonly streamParts: readonly StreamPartSetup[], private readonly nodeCount: number) {
    this.parts = streamParts.map(() => ({ nodes: new Map(), links: new Map() }))
  }

  /** Records who and which links are up at `atMs`: opens intervals for new ones, closes the gone ones. */
  sample(atMs: number): void {
    const N = this.nodeCount
    this.streamParts.forEach((part, p) => {
      const h = this.parts[p]
      const online = this.overlay.onlineMembers(part)
      const nodesUp = new Set(online)
      const linksUp = new Set<number>()
      for (const m of online) for (const r of this.overlay.mutualNeighbours(part, m)) if (m < r) linksUp.add(m * N + r)
      follow(h.nodes, nodesUp, atMs)
      follow(h.links, linksUp, atMs)
    })
  }
}

/** An interval list is open while its length is odd. */
function follow(intervals: Map<number, UpIntervals>, up: ReadonlySet<number>, atMs: number): void {
  for (const [key, list] of intervals) if (list.length % 2 === 1 && !up.has(key)) list.push(atMs)
  for (const key of up) {
    const list = intervals.get(key)
    if (list === undefined) intervals.set(key, [atMs])
    else if (list.length % 2 === 0) list.push(atMs)
  }
}

// Node index by node id without a map entry per node: the run's ids are n0..n(N-1) (run-layout.ts),
// so an id of that form is its own index, checked against the list. Other ids (trackers,
// addresses) go to a map. At a million nodes a Map of every id costs about 60 MB.

import type { NodeId } from '../../core/ports.ts'

export class NodeIndex {
  private readonly others = new Map<NodeId, number>()

  constructor(private readonly ids: readonly NodeId[]) {
    for (let i = 0; i < ids.length; i++) if (positional(ids[i]) !== i) this.others.set(ids[i], i)
  }

  get(id: NodeId): number | undefined {
    const i = positional(id)
    if (i >= 0 && i < this.ids.length && this.ids[i] === id) return i
    return this.others.get(id)
  }

  /** `id` stands for node `index` too (signed messages carry addresses, not node ids). */
  alias(id: NodeId, index: number): void {
    this.others.set(id, index)
  }
}

/** The index an id of the form n<digits> names (no leading zeros), or -1. */
function positional(id: string): number {
  if (id.length < 2 || id.length > 10 || id.charCodeAt(0) !== 110) return -1
  let v = 0
  for (let k = 1; k < id.length; k++) {
    const d = id.charCodeAt(k) - 48
    if (d < 0 || d > 9 || (d === 0 && k === 1 && id.length > 2)) return -1
    v = v * 10 + d
  }
  return v
}

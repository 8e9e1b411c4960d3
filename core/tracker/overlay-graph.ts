// The tracker's picture of one stream part's overlay: an undirected simple graph. Members are
// the nodes that have reported a status. A member may also report a neighbour that has not
// reported yet (a tracker that restarted hears statuses one by one); that neighbour is kept as an
// unconfirmed node so the link still occupies a slot and is kept in instructions, instead of the
// tracker tearing down a working overlay. An unconfirmed node is never offered as a candidate,
// and disappears when its last link does.

import type { NodeId } from '../ports.ts'

/** A set with O(1) add, delete and pick-by-position, for drawing random members. */
class IndexedSet {
  readonly items: NodeId[] = []
  private readonly index = new Map<NodeId, number>()

  has(id: NodeId): boolean {
    return this.index.has(id)
  }

  add(id: NodeId): void {
    if (this.index.has(id)) return
    this.index.set(id, this.items.length)
    this.items.push(id)
  }

  delete(id: NodeId): void {
    const i = this.index.get(id)
    if (i === undefined) return
    const last = this.items.pop()!
    if (last !== id) {
      this.items[i] = last
      this.index.set(last, i)
    }
    this.index.delete(id)
  }
}

const NONE: ReadonlySet<NodeId> = new Set()

export class OverlayGraph {
  private readonly adjacency = new Map<NodeId, Set<NodeId>>()
  private readonly memberSet = new IndexedSet()
  /** Members with a free slot; kept up to date so filling never scans every member. */
  private readonly openSet = new IndexedSet()

  constructor(readonly maxNeighbours: number) {
    if (!Number.isInteger(maxNeighbours) || maxNeighbours < 1) {
      throw new RangeError(`maxNeighbours must be a positive integer, got ${maxNeighbours}`)
    }
  }

  /** Members in no particular order; do not hold on to it across changes. */
  get members(): readonly NodeId[] {
    return this.memberSet.items
  }

  /** Members with fewer than maxNeighbours neighbours; do not hold on to it across changes. */
  get openMembers(): readonly NodeId[] {
    return this.openSet.items
  }

  isMember(id: NodeId): boolean {
    return this.memberSet.has(id)
  }

  neighbours(id: NodeId): ReadonlySet<NodeId> {
    return this.adjacency.get(id) ?? NONE
  }

  degree(id: NodeId): number {
    return this.adjacency.get(id)?.size ?? 0
  }

  isFull(id: NodeId): boolean {
    return this.degree(id) >= this.maxNeighbours
  }

  hasLink(a: NodeId, b: NodeId): boolean {
    return this.adjacency.get(a)?.has(b) === true
  }

  /**
   * Member `id` says its neighbours are exactly `reported`: links it no longer lists go, links it
   * lists are added (to unconfirmed nodes if the other end has not reported yet). Self and
   * repeated ids are ignored.
   */
  report(id: NodeId, reported: readonly NodeId[]): void {
    this.memberSet.add(id)
    const mine = this.neighboursOf(id)
    const wanted = new Set(reported)
    wanted.delete(id)
    for (const n of [...mine]) if (!wanted.has(n)) this.unlink(id, n)
    for (const n of wanted) this.link(id, n)
    this.refresh(id)
  }

  /** Removes member `id` and its links; returns its former neighbours that are members. */
  remove(id: NodeId): NodeId[] {
    const mine = this.adjacency.get(id)
    const former: NodeId[] = []
    if (mine !== undefined) {
      for (const n of [...mine]) {
        this.unlink(id, n)
        if (this.memberSet.has(n)) former.push(n)
      }
    }
    this.adjacency.delete(id)
    this.memberSet.delete(id)
    this.openSet.delete(id)
    return former
  }

  link(a: NodeId, b: NodeId): void {
    if (a === b) return
    const na = this.neighboursOf(a)
    if (na.has(b)) return
    na.add(b)
    this.neighboursOf(b).add(a)
    this.refresh(a)
    this.refresh(b)
  }

  unlink(a: NodeId, b: NodeId): void {
    const na = this.adjacency.get(a)
    if (na === undefined || !na.delete(b)) return
    this.adjacency.get(b)?.delete(a)
    this.refresh(a)
    this.refresh(b)
  }

  /** Every member's neighbour list, for tests and metrics. */
  snapshot(): Map<NodeId, NodeId[]> {
    const out = new Map<NodeId, NodeId[]>()
    for (const id of this.memberSet.items) out.set(id, [...this.neighbours(id)])
    return out
  }

  private neighboursOf(id: NodeId): Set<NodeId> {
    let set = this.adjacency.get(id)
    if (set === undefined) {
      set = new Set()
      this.adjacency.set(id, set)
    }
    return set
  }

  /** Keeps the open set right, and drops an unconfirmed node that lost its last link. */
  private refresh(id: NodeId): void {
    if (!this.memberSet.has(id)) {
      if (this.adjacency.get(id)?.size === 0) this.adjacency.delete(id)
      return
    }
    if (this.degree(id) < this.maxNeighbours) this.openSet.add(id)
    else this.openSet.delete(id)
  }
}

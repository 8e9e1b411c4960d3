// The tracker's rule for one node's neighbours (PROTOCOL.md, after the reference's
// OverlayTopology.formInstructions). It touches nothing but the graph it is given and draws only
// from the Random it is given, so it can be tested without a network:
//   1. too many neighbours: keep a random subset of maxNeighbours;
//   2. free slots: fill them with random members that have free slots and are not yet linked;
//   3. still 2 or more free slots: every member with a free slot is already a neighbour, so take
//      a random link between two full members that are not neighbours of the node, break it and
//      link both ends to the node. Each such swap opens no slot elsewhere and fills two here.
//      With only one slot free a swap would leave some other node one short, and the same
//      swap would then repeat from there forever; so one free slot stays free.

import type { NodeId, Random } from '../ports.ts'
import { LazyShuffle } from './lazy-shuffle.ts'
import type { OverlayGraph } from './overlay-graph.ts'

/**
 * What a tracker with liveness rules (tracker.ts) forbids; without them every pair may link and
 * every node may break links, as in the reference. The rules only filter candidates, so they
 * change no random draw while they forbid nothing.
 */
export interface PairingRules {
  mayLink(a: NodeId, b: NodeId): boolean
  /** Whether `nodeId` may take two full members' link (rule 3) to fill its own slots. */
  mayBreakLinks(nodeId: NodeId): boolean
}

const ANY_PAIRING: PairingRules = { mayLink: () => true, mayBreakLinks: () => true }

/**
 * Rewires `graph` around `nodeId` and returns every node whose neighbour list changed (each
 * needs an instruction). A node that is not a member gets nothing.
 */
export function formInstructions(graph: OverlayGraph, nodeId: NodeId, random: Random, rules: PairingRules = ANY_PAIRING): NodeId[] {
  if (!graph.isMember(nodeId)) return []
  const changed = new Set<NodeId>()
  trim(graph, nodeId, random, changed)
  let free = graph.maxNeighbours - graph.degree(nodeId)
  if (free > 0) free -= fill(graph, nodeId, free, random, changed, rules)
  if (free >= 2 && rules.mayBreakLinks(nodeId)) breakLinks(graph, nodeId, free, random, changed, rules)
  return [...changed]
}

function trim(graph: OverlayGraph, nodeId: NodeId, random: Random, changed: Set<NodeId>): void {
  const max = graph.maxNeighbours
  if (graph.degree(nodeId) <= max) return
  const current = [...graph.neighbours(nodeId)]
  const order = new LazyShuffle(current.length, random)
  const keep = new Set<NodeId>()
  for (let k = 0; k < max; k++) keep.add(current[order.next()])
  for (const n of current) {
    if (keep.has(n)) continue
    graph.unlink(nodeId, n)
    changed.add(n)
  }
  changed.add(nodeId)
}

/** Links the node to up to `free` random open members; returns how many. */
function fill(graph: OverlayGraph, nodeId: NodeId, free: number, random: Random, changed: Set<NodeId>, rules: PairingRules): number {
  // Pick first, link after: linking changes the open list being drawn from.
  const open = graph.openMembers
  const picks: NodeId[] = []
  const order = new LazyShuffle(open.length, random)
  for (let i = order.next(); i >= 0 && picks.length < free; i = order.next()) {
    const candidate = open[i]
    if (candidate !== nodeId && !graph.hasLink(nodeId, candidate) && rules.mayLink(nodeId, candidate)) picks.push(candidate)
  }
  for (const p of picks) {
    graph.link(nodeId, p)
    changed.add(p)
  }
  if (picks.length > 0) changed.add(nodeId)
  return picks.length
}

function breakLinks(graph: OverlayGraph, nodeId: NodeId, free: number, random: Random, changed: Set<NodeId>, rules: PairingRules): void {
  // Swaps change links but no member's degree or membership, so the member list stays put.
  const members = graph.members
  const order = new LazyShuffle(members.length, random)
  for (let i = order.next(); i >= 0 && free >= 2; i = order.next()) {
    const a = members[i]
    if (a === nodeId || !graph.isFull(a) || graph.hasLink(nodeId, a) || !rules.mayLink(nodeId, a)) continue
    const b = partnerOf(graph, a, nodeId, random, rules)
    if (b === undefined) continue
    graph.unlink(a, b)
    graph.link(nodeId, a)
    graph.link(nodeId, b)
    changed.add(a)
    changed.add(b)
    changed.add(nodeId)
    free -= 2
  }
}

/** A random neighbour of `a` that is a full member, not `nodeId` and not linked to it. */
function partnerOf(graph: OverlayGraph, a: NodeId, nodeId: NodeId, random: Random, rules: PairingRules): NodeId | undefined {
  const candidates: NodeId[] = []
  for (const b of graph.neighbours(a)) {
    if (b !== nodeId && graph.isMember(b) && graph.isFull(b) && !graph.hasLink(nodeId, b) && rules.mayLink(nodeId, b)) candidates.push(b)
  }
  return candidates.length === 0 ? undefined : candidates[Math.floor(random.next() * candidates.length)]
}

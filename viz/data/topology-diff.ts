// The difference between two overlays (topology.json shape), and applying it: how the live view
// sends a churning overlay without resending every node each time. Node entries are compared by
// id (a node's region and roles do not change while it is up); edges by their two ends.

import type { TopologyEdge, TopologyJson, TopologyNode } from '../../sim/results/topology-types.ts'

export interface StreamPartDiff {
  addNodes: TopologyNode[]
  removeNodes: string[]
  addEdges: TopologyEdge[]
  /** [from, to] of edges that are gone. */
  removeEdges: Array<[string, string]>
}

/** Changed stream parts only; a stream part that disappeared is `null`. */
export interface TopologyDiff { streamParts: Record<string, StreamPartDiff | null> }

const edgeKey = (e: { from: string; to: string }) => `${e.from}\u0000${e.to}`

export function topologyDiff(before: TopologyJson, after: TopologyJson): TopologyDiff {
  const out: TopologyDiff = { streamParts: {} }
  for (const sp of Object.keys(before.streamParts)) if (!(sp in after.streamParts)) out.streamParts[sp] = null
  for (const [sp, b] of Object.entries(after.streamParts)) {
    const a = before.streamParts[sp] ?? { nodes: [], edges: [] }
    const had = new Set(a.nodes.map((n) => n.id)), has = new Set(b.nodes.map((n) => n.id))
    const hadEdges = new Map(a.edges.map((e) => [edgeKey(e), e])), hasEdges = new Set(b.edges.map(edgeKey))
    const d: StreamPartDiff = {
      addNodes: b.nodes.filter((n) => !had.has(n.id)),
      removeNodes: a.nodes.filter((n) => !has.has(n.id)).map((n) => n.id),
      // A link whose latency changed is not a change of the overlay.
      addEdges: b.edges.filter((e) => !hadEdges.has(edgeKey(e))),
      removeEdges: a.edges.filter((e) => !hasEdges.has(edgeKey(e))).map((e) => [e.from, e.to]),
    }
    if (d.addNodes.length || d.removeNodes.length || d.addEdges.length || d.removeEdges.length) out.streamParts[sp] = d
  }
  return out
}

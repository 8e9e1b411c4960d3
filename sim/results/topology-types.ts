// The shape of topology.json. The explorer and test fixtures read and write it; extend, never rename.

export interface TopologyNode { id: string; region?: string; lat?: number; lon?: number }
/** One direction of a link, with that direction's mean one-way latency. */
export interface TopologyEdge { from: string; to: string; latencyMs: number }
/**
 * Per stream part: the nodes online at the end, and the links between them that both ends list,
 * each link as two edges (one per direction). `halfOpenLinks` counts links one online end lists and
 * the other does not (a handshake or a removal still under way, a crash not yet noticed); they
 * carry nothing both ways, so they are not edges.
 */
export interface TopologyJson { streamParts: Record<string, { nodes: TopologyNode[]; edges: TopologyEdge[]; halfOpenLinks?: number }> }

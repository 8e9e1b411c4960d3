// The shape of topology.json. The explorer and test fixtures read and write it; extend, never rename.

export interface TopologyNode { id: string; region?: string; lat?: number; lon?: number }
/** One direction of a link, with that direction's mean one-way latency. */
export interface TopologyEdge { from: string; to: string; latencyMs: number }
export interface TopologyJson { streamParts: Record<string, { nodes: TopologyNode[]; edges: TopologyEdge[] }> }

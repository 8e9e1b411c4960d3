// The shape of topology.json. The explorer and test fixtures read and write it; extend, never rename.

/** What a node does in the run, beyond relaying (relaying is everyone's job, so it is not listed). */
export type NodeRole = 'publisher' | 'subscriber' | 'storage' | 'tracker' | 'entry-point'
/**
 * `roles` and `adversary` (the kind of misbehaviour: dropper, delayer, forger, replayer, spammer)
 * are absent on nodes with none. `address` is a publisher's message-layer address, the name
 * deliveries.csv gives it in its `publisher` column when messages are signed.
 */
export interface TopologyNode { id: string; region?: string; lat?: number; lon?: number; roles?: NodeRole[]; adversary?: string; address?: string }
/** One direction of a link, with that direction's mean one-way latency. */
export interface TopologyEdge { from: string; to: string; latencyMs: number }
/**
 * Per stream part: the nodes online at the end, and the links between them that both ends list,
 * each link as two edges (one per direction). `halfOpenLinks` counts links one online end lists and
 * the other does not (a handshake or a removal still under way, a crash not yet noticed); they
 * carry nothing both ways, so they are not edges.
 */
/**
 * A churning overlay over time, sampled at the timeseries windows: every node ever in the stream
 * part and every mutual link ever between two of its members, each with `up`, its intervals as a
 * flat list [from, to, from, to, ...] in simulated ms (`to` exclusive; the last `to` is the run's end
 * when it was still up). Written only for runs with churn (and at most 20,000 nodes).
 */
export interface TopologyHistory {
  everyMs: number
  nodes: Array<TopologyNode & { up: number[] }>
  links: Array<TopologyEdge & { up: number[] }>
}

export interface TopologyJson {
  streamParts: Record<string, { nodes: TopologyNode[]; edges: TopologyEdge[]; halfOpenLinks?: number; history?: TopologyHistory }>
  /** The trackers of a tracker-built run, which are in no stream part's overlay (role `tracker`). */
  trackers?: TopologyNode[]
}

// Applies a live topology difference (viz/data/topology-diff.ts makes them) to a topology.json
// shape, in place. Plain ESM so both the live page and the Node tests use this one copy.

/** @returns the stream parts that changed */
export function applyTopologyDiff(topology, diff) {
  const changed = []
  for (const [sp, d] of Object.entries(diff.streamParts)) {
    changed.push(sp)
    if (d === null) { delete topology.streamParts[sp]; continue }
    const g = topology.streamParts[sp] ?? (topology.streamParts[sp] = { nodes: [], edges: [] })
    const gone = new Set(d.removeNodes)
    const goneEdges = new Set(d.removeEdges.map(([a, b]) => `${a}\u0000${b}`))
    g.nodes = g.nodes.filter((n) => !gone.has(n.id)).concat(d.addNodes)
    g.edges = g.edges.filter((e) => !goneEdges.has(`${e.from}\u0000${e.to}`)).concat(d.addEdges)
  }
  return changed
}

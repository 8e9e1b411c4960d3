// A force layout computed in Node for the static report, which has no worker and should open at
// once: d3-force run a fixed number of ticks (d3's jitter is seeded, so the same topology gives the
// same picture). Positions are rounded: the report ships a few bytes per node.

import { forceCollide, forceLink, forceSimulation, forceX, forceY, type SimulationNodeDatum } from 'd3'
import { forceManyBodyFlat } from '../public/many-body.js'
import type { TopologyJson, TopologyNode } from '../../sim/results/topology-types.ts'

/** Beyond this many nodes the report draws none: a picture of a bigger overlay says nothing. */
export const STATIC_LAYOUT_MAX_NODES = 3000

export interface StaticLayout {
  streamPart: string
  ids: string[]
  /** Region names, and each node's index into them (-1: none): a few bytes a node, not a name. */
  regions: string[]
  region: number[]
  /** Roles and adversary kind per node, when the run has any. */
  roles?: Array<Pick<TopologyNode, 'roles' | 'adversary'>>
  x: number[]
  y: number[]
  /** Node index pairs, one per link. */
  edges: number[]
  note?: string
}

/** The first stream part laid out, or null when it is empty or too big. */
export function staticLayout(topology: TopologyJson): StaticLayout | null {
  const first = Object.entries(topology.streamParts)[0]
  if (!first) return null
  const [streamPart, g] = first
  const n = g.nodes.length
  if (n === 0 || n > STATIC_LAYOUT_MAX_NODES) return null
  const index = new Map(g.nodes.map((d, i) => [d.id, i]))
  const seen = new Set<number>()
  const edges: number[] = []
  for (const e of g.edges) {
    const a = index.get(e.from), b = index.get(e.to)
    if (a === undefined || b === undefined || a === b) continue
    const key = a < b ? a * n + b : b * n + a
    if (seen.has(key)) continue
    seen.add(key)
    edges.push(a, b)
  }
  const nodes: SimulationNodeDatum[] = g.nodes.map(() => ({}))
  const links = Array.from({ length: edges.length / 2 }, (_, k) => ({ source: edges[2 * k], target: edges[2 * k + 1] }))
  const sim = forceSimulation(nodes)
    .force('link', forceLink(links).distance(n > 1000 ? 15 : 30))
    .force('charge', forceManyBodyFlat().strength(n > 1000 ? -12 : -40).theta(0.95))
    .force('collide', forceCollide(3))
    .force('x', forceX(0).strength(0.05))
    .force('y', forceY(0).strength(0.05))
    .stop()
  sim.tick(n > 1000 ? 120 : 300)
  const regions = [...new Set(g.nodes.map((d) => d.region).filter((r): r is string => r !== undefined))].sort()
  const described = g.nodes.some((d) => d.roles !== undefined || d.adversary !== undefined)
  return {
    streamPart,
    ids: g.nodes.map((d) => d.id),
    regions,
    region: g.nodes.map((d) => (d.region === undefined ? -1 : regions.indexOf(d.region))),
    roles: described ? g.nodes.map((d) => ({ roles: d.roles, adversary: d.adversary })) : undefined,
    // Whole units: the picture is a few hundred units across, drawn a few hundred pixels wide.
    x: nodes.map((d) => Math.round(d.x ?? 0)),
    y: nodes.map((d) => Math.round(d.y ?? 0)),
    edges,
    note: Object.keys(topology.streamParts).length > 1 ? `first of ${Object.keys(topology.streamParts).length} stream parts` : undefined,
  }
}

// Shape of one stream part's overlay at a moment: degrees, components, a diameter lower bound
// and clustering. Input is adjacency by member position, so it works for any topology builder.

import type { Random } from '../../core/ports.ts'
import type { OverlaySummary } from '../results/summary-types.ts'

/** Breadth-first searches used for the diameter estimate; each costs O(edges). */
export const DIAMETER_SAMPLES = 4

export function overlayStats(streamPartId: string, adjacency: readonly (readonly number[])[], random: Random): OverlaySummary {
  const n = adjacency.length
  const degreeDistribution: Record<string, number> = {}
  let edgeEnds = 0
  for (const list of adjacency) {
    degreeDistribution[list.length] = (degreeDistribution[list.length] ?? 0) + 1
    edgeEnds += list.length
  }
  const component = componentsOf(adjacency)
  const sizes = new Map<number, number>()
  for (let i = 0; i < n; i++) sizes.set(component[i], (sizes.get(component[i]) ?? 0) + 1)
  let diameterEstimate = 0
  const dist = new Int32Array(n)
  const queue = new Int32Array(n)
  for (let s = 0; s < Math.min(DIAMETER_SAMPLES, n); s++) {
    // Start the next search where the last one ended farthest: the double-sweep heuristic.
    const start = s === 0 || diameterEstimate === 0 ? Math.floor(random.next() * n) : farthest(dist, n)
    diameterEstimate = Math.max(diameterEstimate, bfs(adjacency, start, dist, queue))
  }
  return {
    streamPart: streamPartId,
    nodes: n,
    edges: edgeEnds / 2,
    degreeDistribution,
    components: sizes.size,
    largestComponent: largest(sizes),
    diameterEstimate,
    clustering: meanClustering(adjacency),
  }
}

/** Component label per node, by union-find over the edges. */
export function componentsOf(adjacency: readonly (readonly number[])[]): Int32Array {
  const parent = new Int32Array(adjacency.length)
  for (let i = 0; i < parent.length; i++) parent[i] = i
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]]
      x = parent[x]
    }
    return x
  }
  adjacency.forEach((list, a) => {
    for (const b of list) {
      const ra = find(a)
      const rb = find(b)
      if (ra !== rb) parent[ra] = rb
    }
  })
  for (let i = 0; i < parent.length; i++) parent[i] = find(i)
  return parent
}

/** Hop distances from `start` into `dist` (-1 unreachable); returns the largest. */
export function bfs(adjacency: readonly (readonly number[])[], start: number, dist: Int32Array, queue: Int32Array): number {
  dist.fill(-1)
  dist[start] = 0
  let head = 0
  let tail = 0
  queue[tail++] = start
  let max = 0
  while (head < tail) {
    const v = queue[head++]
    for (const w of adjacency[v]) {
      if (dist[w] >= 0) continue
      dist[w] = dist[v] + 1
      if (dist[w] > max) max = dist[w]
      queue[tail++] = w
    }
  }
  return max
}

function largest(sizes: Map<number, number>): number {
  let max = 0
  for (const s of sizes.values()) if (s > max) max = s
  return max
}

function farthest(dist: Int32Array, n: number): number {
  let best = 0
  for (let i = 1; i < n; i++) if (dist[i] > dist[best]) best = i
  return best
}

function meanClustering(adjacency: readonly (readonly number[])[]): number {
  let sum = 0
  let counted = 0
  for (const list of adjacency) {
    const k = list.length
    if (k < 2) continue
    let links = 0
    for (let x = 0; x < k; x++) for (let y = x + 1; y < k; y++) if (adjacency[list[x]].includes(list[y])) links++
    sum += (2 * links) / (k * (k - 1))
    counted++
  }
  return counted === 0 ? 0 : sum / counted
}

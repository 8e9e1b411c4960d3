// A uniformly-ish random d-regular simple graph by the Steger-Wormald pairing: draw two free
// "points" at random and pair them only when that keeps the graph simple. Unlike the plain
// configuration model it needs no restarts in practice (for d = 4 the plain model is simple
// only ~2% of the time), so 100,000 nodes take milliseconds.

import type { Random } from '../ports.ts'

export interface RegularGraph {
  readonly nodes: number
  readonly degree: number
  /** neighbours of i are adjacency[i*degree .. i*degree+degreeOf[i]) */
  readonly adjacency: Int32Array
  readonly degreeOf: Uint16Array
}

const MAX_RESTARTS = 50

/**
 * When nodes * degree is odd no d-regular graph exists; one node then gets degree - 1.
 * Throws only if the degree is impossible (degree >= nodes) or the pairing keeps getting stuck.
 */
export function randomRegularGraph(nodes: number, degree: number, random: Random): RegularGraph {
  if (!Number.isInteger(nodes) || nodes < 1) throw new RangeError(`nodes must be a positive integer, got ${nodes}`)
  if (!Number.isInteger(degree) || degree < 0 || (degree >= nodes && nodes > 1)) {
    throw new RangeError(`degree must be an integer in [0, ${nodes - 1}], got ${degree}`)
  }
  for (let attempt = 0; attempt < MAX_RESTARTS; attempt++) {
    const graph = tryPairing(nodes, degree, random)
    if (graph !== null) return graph
  }
  throw new Error(`could not build a random ${degree}-regular graph on ${nodes} nodes after ${MAX_RESTARTS} attempts`)
}

function tryPairing(nodes: number, degree: number, random: Random): RegularGraph | null {
  const adjacency = new Int32Array(nodes * degree).fill(-1)
  const degreeOf = new Uint16Array(nodes)
  let free = nodes * degree
  if (free % 2 === 1) free -= 1
  // points[k] = owning node; the first `free` entries are unpaired.
  const points = new Int32Array(free)
  for (let k = 0; k < free; k++) points[k] = Math.floor(k / degree)
  // Bounded misses: near the end the few remaining points may admit no legal pair at all.
  let misses = 0
  const missLimit = 100 + 10 * degree * degree
  while (free > 0) {
    const i = Math.floor(random.next() * free)
    const j = Math.floor(random.next() * free)
    const a = points[i]
    const b = points[j]
    if (i === j || a === b || connected(adjacency, degreeOf, degree, a, b)) {
      if (++misses > missLimit) {
        if (!anyLegalPair(points, free, adjacency, degreeOf, degree)) return null
        misses = 0
      }
      continue
    }
    misses = 0
    adjacency[a * degree + degreeOf[a]++] = b
    adjacency[b * degree + degreeOf[b]++] = a
    // Remove i and j by swapping in the last free points (the larger index first).
    const hi = Math.max(i, j)
    const lo = Math.min(i, j)
    points[hi] = points[--free]
    points[lo] = points[--free]
  }
  return { nodes, degree, adjacency, degreeOf }
}

function connected(adjacency: Int32Array, degreeOf: Uint16Array, degree: number, a: number, b: number): boolean {
  const base = a * degree
  for (let k = 0; k < degreeOf[a]; k++) if (adjacency[base + k] === b) return true
  return false
}

function anyLegalPair(points: Int32Array, free: number, adjacency: Int32Array, degreeOf: Uint16Array, degree: number): boolean {
  for (let i = 0; i < free; i++) {
    for (let j = i + 1; j < free; j++) {
      const a = points[i]
      const b = points[j]
      if (a !== b && !connected(adjacency, degreeOf, degree, a, b)) return true
    }
  }
  return false
}

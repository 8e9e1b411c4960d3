// The explorer layout's repulsion (viz/public/many-body.js) against d3.forceManyBody, whose rule it
// keeps: where the rule is exact (theta 0) the forces are the same to rounding, with and without a
// distance limit; with Barnes–Hut approximation they stay close; coincident nodes are pushed apart
// through the simulation's seeded random source, so a layout is the same every time.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { forceManyBody, forceSimulation, randomLcg, type SimulationNodeDatum } from 'd3'
import { forceManyBodyFlat } from '../viz/public/many-body.js'

type Body = SimulationNodeDatum & { x: number; y: number; vx: number; vy: number }

function bodies(n: number, seed: number): Body[] {
  const r = randomLcg(seed)
  return Array.from({ length: n }, (_, i) => ({ index: i, x: (r() - 0.5) * 900, y: (r() - 0.5) * 700, vx: 0, vy: 0 }))
}

/** Mean |difference| over mean |force| after one application of each force to copies of `start`. */
function disagreement(start: Body[], theta: number, distanceMax: number, strength: number | ((d: Body, i: number) => number) = -14): number {
  const a = start.map((d) => ({ ...d })), b = start.map((d) => ({ ...d }))
  const d3Force = forceManyBody<Body>().strength(strength as number).theta(theta).distanceMax(distanceMax)
  const flat = forceManyBodyFlat<Body>().strength(strength).theta(theta).distanceMax(distanceMax)
  d3Force.initialize!(a, randomLcg(1)); d3Force(0.6)
  flat.initialize!(b, randomLcg(1)); flat(0.6)
  let diff = 0, size = 0
  for (let i = 0; i < a.length; i++) { diff += Math.hypot(a[i].vx - b[i].vx, a[i].vy - b[i].vy); size += Math.hypot(a[i].vx, a[i].vy) }
  return diff / size
}

const ManyBody = suite('layout many-body force')

ManyBody('theta 0: the same forces as d3.forceManyBody, with and without distanceMax, with per-node strengths', () => {
  const start = bodies(1500, 3)
  assert.ok(disagreement(start, 0, Infinity) < 1e-12)
  assert.ok(disagreement(start, 0, 120) < 1e-12)
  assert.ok(disagreement(start, 0, Infinity, (_d, i) => (i % 3 === 0 ? -40 : -5)) < 1e-12)
})

ManyBody('Barnes–Hut (theta 0.9, no limit): within 2% of d3, whose own approximation differs from its tree', () => {
  const e = disagreement(bodies(3000, 4), 0.9, Infinity)
  assert.ok(e > 0 && e < 0.02, `relative difference ${e}`)
})

ManyBody('coincident and clustered nodes: finite forces, pushed apart, the same on every run', () => {
  const run = () => {
    const nodes = bodies(400, 5)
    for (let i = 0; i < 50; i++) { nodes[i].x = 10; nodes[i].y = -4 } // 50 on one spot
    for (let i = 50; i < 60; i++) { nodes[i].x = 10 + i * 1e-12; nodes[i].y = -4 } // closer than floats split cheaply
    const sim = forceSimulation(nodes).force('charge', forceManyBodyFlat<Body>().strength(-30)).stop()
    sim.tick(40)
    return nodes
  }
  const a = run(), b = run()
  assert.ok(a.every((d) => Number.isFinite(d.x) && Number.isFinite(d.y)))
  const spot = a.slice(0, 60)
  const spread = Math.max(...spot.map((d) => Math.hypot(d.x - 10, d.y + 4)))
  assert.ok(spread > 5, `the stacked nodes moved apart (farthest ${spread})`)
  assert.equal(a.map((d) => [d.x, d.y]), b.map((d) => [d.x, d.y]))
})

ManyBody('no nodes, one node: no force, no error', () => {
  const f = forceManyBodyFlat<Body>()
  f.initialize!([], randomLcg(1)); f(1)
  const one = [{ index: 0, x: 3, y: 4, vx: 0, vy: 0 }]
  f.initialize!(one, randomLcg(1)); f(1)
  assert.equal([one[0].vx, one[0].vy], [0, 0])
})

ManyBody.run()

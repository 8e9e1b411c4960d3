// The explorer's layout repulsion: d3.forceManyBody beside forceManyBodyFlat (viz/public/many-body.js,
// the same Barnes–Hut rule over typed arrays), one force application per call on a spread-out overlay
// of 5,000 and 20,000 nodes with the settings the layout worker gives big graphs. The check is that
// both compute the same forces where the rule is exact (theta 0), so the rows compare equal work.

import { forceManyBody, randomLcg, type SimulationNodeDatum } from 'd3'
import { forceManyBodyFlat } from '../viz/public/many-body.js'
import { type GroupResult, type MicroOptions, newBench, rowsOf, sink, uniforms } from './common.ts'

type Body = SimulationNodeDatum & { x: number; y: number; vx: number; vy: number }

/** n nodes spread as a laid-out overlay of that size is (about 12 units between neighbours). */
function bodies(n: number, label: string): Body[] {
  const u = uniforms(`layout-${label}-${n}`, 2 * n, -0.5, 1)
  const side = 12 * Math.sqrt(n)
  return Array.from({ length: n }, (_, i) => ({ index: i, x: u[2 * i] * side, y: u[2 * i + 1] * side, vx: 0, vy: 0 }))
}

/** Mean |difference| / mean |force| of the two forces on the same bodies. */
function disagreement(n: number, theta: number, distanceMax: number): number {
  const a = bodies(n, 'check'), b = a.map((d) => ({ ...d }))
  const d3Force = forceManyBody<Body>().strength(-14).theta(theta).distanceMax(distanceMax)
  const flat = forceManyBodyFlat<Body>().strength(-14).theta(theta).distanceMax(distanceMax)
  d3Force.initialize!(a, randomLcg(1)); d3Force(0.5)
  flat.initialize!(b, randomLcg(1)); flat(0.5)
  let diff = 0, size = 0
  for (let i = 0; i < n; i++) { diff += Math.hypot(a[i].vx - b[i].vx, a[i].vy - b[i].vy); size += Math.hypot(a[i].vx, a[i].vy) }
  return diff / size
}

export async function layoutForceBench(opts: MicroOptions): Promise<GroupResult> {
  const checks = [[Infinity, 'no distance limit'], [260, 'distanceMax 260']].map(([limit, what]) => {
    const e = disagreement(2000, 0, limit as number)
    return { name: `theta 0, ${what}: same forces as d3`, pass: e < 1e-12, detail: `relative difference ${e.toExponential(1)}` }
  })
  const bench = newBench(opts)
  const sizes = opts.quick ? [5000] : [5000, 20000]
  for (const n of sizes) {
    for (const [name, make] of [['d3.forceManyBody', () => forceManyBody<Body>()], ['forceManyBodyFlat', () => forceManyBodyFlat<Body>()]] as const) {
      // The worker's settings: theta 0.95 (1.2 beyond 10,000 nodes), distanceMax 260.
      const force = make().strength(-14).theta(n > 10000 ? 1.2 : 0.95).distanceMax(260)
      const nodes = bodies(n, 'timed')
      force.initialize!(nodes, randomLcg(1))
      bench.add(`${name}, ${n.toLocaleString('en-US')} nodes`, () => { force(0.5); sink.value += nodes[0].vx })
    }
  }
  await bench.run()
  const rows = rowsOf(bench, 1, 'ticks/s')
  const lines = sizes.map((n) => {
    const [d3Row, flatRow] = rows.filter((r) => r.name.endsWith(`${n.toLocaleString('en-US')} nodes`))
    return `${n.toLocaleString('en-US')} nodes: forceManyBodyFlat ${(flatRow.median / d3Row.median).toFixed(1)}x d3.forceManyBody (${(1000 / flatRow.median).toFixed(1)} vs ${(1000 / d3Row.median).toFixed(1)} ms a tick)`
  })
  return { group: 'layout', title: 'Explorer layout: the many-body force, one application per call', rows, checks, lines }
}

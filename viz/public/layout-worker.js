// Force layout off the main thread, so a 5,000-node graph lays out while the page stays smooth.
// The page draws the start positions itself (the first picture); this settles them in short slices
// and streams positions back until it cools down. Big graphs get a fixed budget of about 130 ticks and
// no collision force. A module worker (the page starts it with type 'module'), so it shares the
// repulsion force with Node; d3's bundle is a UMD script and puts itself on globalThis.
import '/vendor/d3.min.js'
import { forceManyBodyFlat } from '/static/many-body.js'

const d3 = globalThis.d3

let sim = null
let nodes = []
let running = false
let ticks = 0

function post(kind) {
  const buf = new Float32Array(nodes.length * 2)
  for (let i = 0; i < nodes.length; i++) { buf[2 * i] = nodes[i].x; buf[2 * i + 1] = nodes[i].y }
  self.postMessage({ type: 'positions', kind, buf, alpha: sim.alpha(), ticks }, [buf.buffer])
}

function loop() {
  if (!running) return
  const t0 = performance.now()
  while (performance.now() - t0 < 24 && sim.alpha() > sim.alphaMin()) { sim.tick(); ticks++ }
  post('step')
  if (sim.alpha() > sim.alphaMin()) setTimeout(loop, 0)
  else { running = false; self.postMessage({ type: 'settled', ticks }) }
}

function kick() {
  if (!running) { running = true; loop() }
}

function init(m) {
  const n = m.n
  nodes = Array.from({ length: n }, (_, i) => (m.init ? { x: m.init[2 * i], y: m.init[2 * i + 1] } : {}))
  if (m.pinned) nodes.forEach((d, i) => { if (m.pinned[i]) { d.fx = d.x; d.fy = d.y } })
  ticks = 0
  const links = Array.from(m.distance, (distance, k) => ({ source: m.edges[2 * k], target: m.edges[2 * k + 1], distance, strength: m.strength?.[k] }))
  const big = n > 2000, mid = n > 400, huge = n > 10000
  sim = d3.forceSimulation(nodes)
    // Big graphs cool faster: fewer ticks to a settled picture (0.05: 135 ticks, 0.08: 83), at a
    // small cost in polish; region anchors already put their nodes near where they end up.
    .alphaDecay(huge ? 0.08 : big ? 0.05 : 0.0228)
    .velocityDecay(0.45)
    .force('link', d3.forceLink(links).distance((l) => l.distance))
    .force('charge', forceManyBodyFlat().strength((big ? -14 : mid ? -28 : -70) * (m.anchors && !big ? 0.6 : 1)).theta(huge ? 1.2 : 0.95).distanceMax(big ? 260 : 600))
    // Overlap avoidance costs more than the rest of a big graph's tick; there, the charge suffices.
    .force('collide', big ? null : d3.forceCollide(m.collide).strength(0.6))
    // Gentle gravity keeps disconnected pieces on screen; with regions, towards the region's anchor.
    .force('x', m.anchors ? d3.forceX((_, i) => m.anchors[2 * i]).strength(big ? 0.18 : 0.3) : d3.forceX(0).strength(big ? 0.035 : 0.05))
    .force('y', m.anchors ? d3.forceY((_, i) => m.anchors[2 * i + 1]).strength(big ? 0.18 : 0.3) : d3.forceY(0).strength(big ? 0.035 : 0.05))
    .stop()
  // Per-link strength when given (weaker for long links), else d3's default.
  if (m.strength) sim.force('link').strength((l) => l.strength)
  if (m.alpha !== undefined) sim.alpha(m.alpha)
  kick()
}

self.onmessage = (e) => {
  const m = e.data
  if (m.type === 'init') init(m)
  else if (!sim) return
  else if (m.type === 'fix') {
    const nd = nodes[m.i]
    nd.fx = m.x; nd.fy = m.y
    // Once settled, alpha is below alphaMin: without a little heat the loop would not tick at all
    // and would post the old positions back, snapping the node to where it was.
    nd.x = m.x; nd.y = m.y
    sim.alphaTarget(0.25).alpha(Math.max(sim.alpha(), 0.05))
    kick()
  } else if (m.type === 'cool') {
    sim.alphaTarget(0)
  } else if (m.type === 'release') {
    const nd = nodes[m.i]
    nd.fx = null; nd.fy = null
    sim.alphaTarget(0)
  } else if (m.type === 'reheat') {
    sim.alpha(Math.max(sim.alpha(), m.alpha || 0.3))
    kick()
  } else if (m.type === 'stop') {
    running = false
  }
}

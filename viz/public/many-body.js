// The layout's repulsion between all nodes: d3.forceManyBody's Barnes–Hut rule (same strength,
// theta and distance limits, same treatment of coincident nodes), over a quadtree held in typed
// arrays that are reused every tick. d3's own force builds a tree of small objects and visits it
// through closures; at 5,000 nodes on this project's 2-core machine that was about 60 of a 61 ms
// tick, and it is what kept a big overlay from settling quickly (bench/layout-force.bench.ts measures both).
// An ES module: the layout worker imports it, and so do the tests in Node.

/** Beyond this depth, points that still share a cell are chained in one leaf (as d3 does for equal ones). */
const MAX_DEPTH = 48

/**
 * A force for d3.forceSimulation, used like d3.forceManyBody():
 * `forceManyBodyFlat().strength(-14).theta(0.95).distanceMax(260)`.
 */
export function forceManyBodyFlat() {
  let nodes = []
  let random = Math.random
  let strength = () => -30
  let strengths = new Float64Array(0)
  let theta2 = 0.81
  let distanceMin2 = 1
  let distanceMax2 = Infinity
  // The tree: cell c has four child slots, a width, its charge (sum of strengths) and the charge's
  // centre; a leaf holds a chain of points (first in `point`, the rest through `next`).
  let cap = 0
  let cells = 0
  let child = new Int32Array(0)
  let point = new Int32Array(0)
  let width = new Float64Array(0)
  let left = new Float64Array(0)
  let top = new Float64Array(0)
  let charge = new Float64Array(0)
  let cx = new Float64Array(0)
  let cy = new Float64Array(0)
  let next = new Int32Array(0)
  // Positions copied once a tick: the hot loops then read flat arrays, not node objects.
  let xs = new Float64Array(0)
  let ys = new Float64Array(0)
  // The points in tree order, so consecutive traversals walk the same cells (they stay in cache).
  let order = new Int32Array(0)
  const stack = new Int32Array(4 * (MAX_DEPTH + 2))

  const jiggle = () => (random() - 0.5) * 1e-6

  function grow(min) {
    if (min <= cap) return
    const c = Math.max(min, cap * 2, 64)
    const more = (a, size) => { const b = new a.constructor(size); b.set(a); return b }
    child = more(child, 4 * c)
    point = more(point, c)
    width = more(width, c)
    left = more(left, c)
    top = more(top, c)
    charge = more(charge, c)
    cx = more(cx, c)
    cy = more(cy, c)
    cap = c
  }

  function newCell(x, y, w, first) {
    if (cells === cap) grow(cells + 1)
    const c = cells++
    child.fill(-1, 4 * c, 4 * c + 4)
    point[c] = first
    left[c] = x
    top[c] = y
    width[c] = w
    return c
  }

  function build() {
    const n = nodes.length
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
    for (let i = 0; i < n; i++) {
      const x = (xs[i] = nodes[i].x), y = (ys[i] = nodes[i].y)
      if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y
    }
    const size = Math.max(x1 - x0, y1 - y0, 1e-9) * (1 + 1e-9)
    grow(2 * n + 8)
    cells = 0
    next[0] = -1
    newCell(x0, y0, size, 0)
    for (let i = 1; i < n; i++) insert(i, x0, y0, size)
  }

  function insert(i, rx, ry, rw) {
    const x = xs[i], y = ys[i]
    let c = 0, bx = rx, by = ry, bw = rw, depth = 0
    next[i] = -1
    for (;;) {
      const p = point[c]
      if (p >= 0) {
        // A leaf: equal points (or too deep to tell apart) share it; otherwise it splits.
        const px = xs[p], py = ys[p]
        if ((px === x && py === y) || depth >= MAX_DEPTH) { next[i] = next[p]; next[p] = i; return }
        point[c] = -1
        const h = bw / 2
        const pr = px >= bx + h, pb = py >= by + h
        child[4 * c + ((pr ? 1 : 0) | (pb ? 2 : 0))] = newCell(pr ? bx + h : bx, pb ? by + h : by, h, p)
      }
      const h = bw / 2
      const right = x >= bx + h, below = y >= by + h
      const q = (right ? 1 : 0) | (below ? 2 : 0)
      if (right) bx += h
      if (below) by += h
      bw = h
      depth++
      const k = child[4 * c + q]
      if (k === -1) { child[4 * c + q] = newCell(bx, by, h, i); return }
      c = k
    }
  }

  // Children are always made after their parent, so summing from the last cell back reaches every
  // child before its parent.
  function accumulate() {
    for (let c = cells - 1; c >= 0; c--) {
      let q = 0, wx = 0, wy = 0, weight = 0
      const p = point[c]
      if (p >= 0) {
        for (let j = p; j !== -1; j = next[j]) q += strengths[j]
        cx[c] = xs[p]; cy[c] = ys[p]
        charge[c] = q
        continue
      }
      for (let s = 0; s < 4; s++) {
        const k = child[4 * c + s]
        if (k === -1) continue
        const v = charge[k], a = Math.abs(v)
        q += v; weight += a; wx += a * cx[k]; wy += a * cy[k]
      }
      charge[c] = q
      cx[c] = weight ? wx / weight : 0
      cy[c] = weight ? wy / weight : 0
    }
  }

  function apply(i, alpha) {
    const nx = xs[i], ny = ys[i]
    let vx = 0, vy = 0, sp = 0
    stack[sp++] = 0
    while (sp > 0) {
      const c = stack[--sp]
      if (!charge[c]) continue
      let dx = cx[c] - nx, dy = cy[c] - ny
      const w = width[c]
      let l = dx * dx + dy * dy
      const p = point[c]
      if ((w * w) / theta2 < l) {
        // Far enough: the cell acts as one charge at its centre.
        if (l < distanceMax2) {
          if (dx === 0) { dx = jiggle(); l += dx * dx }
          if (dy === 0) { dy = jiggle(); l += dy * dy }
          if (l < distanceMin2) l = Math.sqrt(distanceMin2 * l)
          const f = (charge[c] * alpha) / l
          vx += dx * f; vy += dy * f
        }
        continue
      }
      if (p < 0) {
        // d3 would go on into a cell that lies wholly beyond distanceMax and find nothing there to
        // apply (its centre is inside it); skipping it gives the same forces for less work.
        const ox = Math.max(left[c] - nx, 0, nx - left[c] - w), oy = Math.max(top[c] - ny, 0, ny - top[c] - w)
        if (ox * ox + oy * oy >= distanceMax2) continue
        for (let s = 3; s >= 0; s--) { const k = child[4 * c + s]; if (k !== -1) stack[sp++] = k }
        continue
      }
      if (l >= distanceMax2) continue
      // A near leaf: each of its points pushes on its own, and coincident ones in a random direction.
      if (p !== i || next[p] !== -1) {
        if (dx === 0) { dx = jiggle(); l += dx * dx }
        if (dy === 0) { dy = jiggle(); l += dy * dy }
        if (l < distanceMin2) l = Math.sqrt(distanceMin2 * l)
      }
      for (let j = p; j !== -1; j = next[j]) {
        if (j === i) continue
        const f = (strengths[j] * alpha) / l
        vx += dx * f; vy += dy * f
      }
    }
    const node = nodes[i]
    node.vx += vx; node.vy += vy
  }

  /** Fills `order` with the points leaf by leaf, depth first. */
  function treeOrder() {
    let k = 0, sp = 0
    stack[sp++] = 0
    while (sp > 0) {
      const c = stack[--sp]
      const p = point[c]
      if (p >= 0) { for (let j = p; j !== -1; j = next[j]) order[k++] = j; continue }
      for (let s = 3; s >= 0; s--) { const q = child[4 * c + s]; if (q !== -1) stack[sp++] = q }
    }
  }

  function force(alpha) {
    const n = nodes.length
    if (n === 0) return
    build()
    accumulate()
    treeOrder()
    for (let k = 0; k < n; k++) apply(order[k], alpha)
  }

  function initStrengths() {
    strengths = Float64Array.from(nodes, (d, i) => +strength(d, i, nodes))
  }

  force.initialize = (ns, r) => {
    nodes = ns
    random = r ?? Math.random
    next = new Int32Array(nodes.length)
    xs = new Float64Array(nodes.length)
    ys = new Float64Array(nodes.length)
    order = new Int32Array(nodes.length)
    initStrengths()
  }
  force.strength = (s) => {
    strength = typeof s === 'function' ? s : () => +s
    initStrengths()
    return force
  }
  force.theta = (t) => { theta2 = t * t; return force }
  force.distanceMin = (d) => { distanceMin2 = d * d; return force }
  force.distanceMax = (d) => { distanceMax2 = d * d; return force }
  return force
}

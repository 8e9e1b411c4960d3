// One stream part's overlay on a <canvas>: nodes coloured by region and sized by degree, edges
// shaded by latency, zoom/pan/drag, hover and click. Canvas, batched paths (one per colour) and a
// layout worker are what keep 5,000 nodes smooth. Replay and live mode paint on top through
// `overlay` (see setOverlay). The canvas carries data-node-count: the nodes drawn in the last frame.

const d3 = window.d3
const TAU = Math.PI * 2

// Shared with the static report, which can only load classic scripts (charts.js).
export const REGION_COLORS = window.VizCharts.REGION_COLORS
export const ROLE_COLORS = window.VizCharts.ROLE_COLORS
/** What nodes can be coloured by: categories from topology.json, or a number per node. */
/** World units per 180° of longitude on the map, and segments per great-circle arc. */
const MAP_SCALE = 600
const ARC_SEGMENTS = 12
export const COLOR_MODES = [['region', 'region'], ['role', 'role'], ['degree', 'degree']]
const NO_REGION = '#7aa2f7'
const EDGE_LOW = '#cfe3ff' // low latency: bright
const EDGE_HIGH = '#34435c' // high latency: fades into the background
const EDGE_BUCKETS = 8

export class GraphView {
  /**
   * @param {HTMLElement} wrap a positioned container (.graph-wrap)
   * @param {{ onSelect?: (id: string|null) => void, workerUrl?: string }} opts
   */
  constructor(wrap, opts = {}) {
    this.wrap = wrap
    this.opts = opts
    this.canvas = document.createElement('canvas')
    this.canvas.dataset.nodeCount = '0'
    this.canvas.setAttribute('aria-label', 'overlay graph')
    this.canvas.graphView = this // lets tests and the console reach the view
    wrap.appendChild(this.canvas)
    this.ctx = this.canvas.getContext('2d')
    this.tooltip = el('div', 'tooltip', wrap)
    this.status = el('div', 'graph-status', wrap)
    this.legend = el('div', 'legend-box', wrap)
    this.fpsEl = el('div', 'fps', wrap)
    this.transform = d3.zoomIdentity
    this.fitK = 1
    this.userMoved = false
    this.selected = -1
    this.hovered = -1
    this.dragging = -1
    this.overlay = null
    this.colorMode = 'region'
    this.metric = null
    this.hiddenCats = new Set()
    this.visible = null
    this.edgeVisible = null
    this.styleVersion = 0
    this.n = 0
    this.pos = null
    this.posVersion = 0
    this.drawPending = false
    this.frames = []
    this.drawMs = 0
    // The layout worker's positions not drawn yet, when they were last drawn, and what that cost.
    this.pendingPos = null
    this.posTimer = 0
    this.lastPosAt = -Infinity
    this.posDrawMs = 0
    this.drawnPosVersion = -1

    this.zoom = d3.zoom().scaleExtent([0.01, 60]).on('zoom', (ev) => {
      this.transform = ev.transform
      if (ev.sourceEvent) this.userMoved = true
      // While the view moves, layers are redrawn from their last picture (see layer); once it has
      // held still for 150 ms, sharp again.
      this.viewMoving = true
      clearTimeout(this.viewStill)
      this.viewStill = setTimeout(() => { this.viewMoving = false; this.requestDraw() }, 150)
      this.requestDraw()
    }).on('end', (ev) => { if (ev.sourceEvent || this.userMoved) this.opts.onView?.(this.transform) })
    const drag = d3.drag()
      .subject((ev) => {
        if (this.layoutMode === 'map') return null // a node's place on the map is its location
        const i = this.nodeAt(ev.x, ev.y)
        return i < 0 ? null : { i, x: this.transform.applyX(this.pos[2 * i]), y: this.transform.applyY(this.pos[2 * i + 1]) }
      })
      .on('start', (ev) => { this.dragging = ev.subject.i })
      .on('drag', (ev) => {
        const i = ev.subject.i
        const x = this.transform.invertX(ev.x), y = this.transform.invertY(ev.y)
        this.pos[2 * i] = x; this.pos[2 * i + 1] = y
        this.posVersion++
        this.worker?.postMessage({ type: 'fix', i, x, y })
        this.requestDraw()
      })
      // A dropped node stays where it was put (the layout flows around it), as in Gephi.
      .on('end', () => { this.worker?.postMessage({ type: 'cool' }); this.dragging = -1 })
    // Drag first: when it finds a node under the pointer it stops the event before zoom sees it.
    d3.select(this.canvas).call(drag).call(this.zoom).on('dblclick.zoom', null)
    this.canvas.addEventListener('click', (ev) => {
      const [x, y] = this.local(ev)
      this.select(this.nodeAt(x, y), true)
    })
    this.canvas.addEventListener('mousemove', (ev) => this.onHover(ev))
    // Keyboard: arrows pan, + and - zoom, 0 fits, Escape clears the selection.
    this.canvas.tabIndex = 0
    this.canvas.setAttribute('aria-keyshortcuts', 'ArrowLeft ArrowRight ArrowUp ArrowDown + - 0 Escape')
    this.canvas.addEventListener('keydown', (ev) => {
      const sel = d3.select(this.canvas)
      const pan = { ArrowLeft: [60, 0], ArrowRight: [-60, 0], ArrowUp: [0, 60], ArrowDown: [0, -60] }[ev.key]
      if (pan) { this.userMoved = true; sel.call(this.zoom.translateBy, pan[0] / this.transform.k, pan[1] / this.transform.k) }
      else if (ev.key === '+' || ev.key === '=') { this.userMoved = true; sel.call(this.zoom.scaleBy, 1.25) }
      else if (ev.key === '-') { this.userMoved = true; sel.call(this.zoom.scaleBy, 0.8) }
      else if (ev.key === '0') this.resetView()
      else if (ev.key === 'Escape') this.select(-1, true)
      else return
      ev.preventDefault()
      this.opts.onView?.(this.transform)
    })
    this.canvas.addEventListener('mouseleave', () => { this.hovered = -1; this.tooltip.style.display = 'none'; this.requestDraw() })
    new ResizeObserver(() => this.resize()).observe(wrap)
    // The legend's width, kept by an observer: reading offsetWidth in fit() forced a layout of the
    // whole page on every fit, about 30 ms on a run page that had just been built.
    this.legendWidth = 0
    new ResizeObserver(([e]) => {
      this.legendWidth = e.borderBoxSize?.[0]?.inlineSize ?? this.legend.offsetWidth
      if (!this.userMoved && this.pos) this.fit(false)
    }).observe(this.legend)
    this.resize()
    this.countFrames()
  }

  /** @param {{ nodes: Array<{id:string, region?:string, lat?:number, lon?:number}>, edges: Array<{from:string,to:string,latencyMs:number}> }} g */
  setGraph(g, opts = {}) {
    // Incremental (live topology changes): nodes that stay keep their place, the rest start next
    // to a neighbour, and the layout warms up gently instead of starting over.
    const prev = opts.incremental && this.pos && this.ids ? { pos: this.pos, index: this.index, selected: this.selected >= 0 ? this.ids[this.selected] : null } : null
    this.worker?.terminate()
    this.dropPending()
    const n = (this.n = g.nodes.length)
    this.ids = g.nodes.map((d) => d.id)
    this.index = new Map(this.ids.map((id, i) => [id, i]))
    this.nodes = g.nodes
    // Edges arrive once per direction; keep one per pair.
    const seen = new Set()
    const es = [], el = []
    this.adj = Array.from({ length: n }, () => [])
    for (const e of g.edges) {
      const a = this.index.get(e.from), b = this.index.get(e.to)
      if (a === undefined || b === undefined || a === b) continue
      const key = a < b ? a * n + b : b * n + a
      if (seen.has(key)) continue
      seen.add(key)
      es.push(a, b); el.push(+e.latencyMs || 0)
      this.adj[a].push([b, +e.latencyMs || 0]); this.adj[b].push([a, +e.latencyMs || 0])
    }
    this.edges = Int32Array.from(es)
    this.edgeLatency = Float64Array.from(el)
    this.m = el.length
    this.degree = this.adj.map((a) => a.length)
    this.edgeKey = new Map()
    for (let k = 0; k < this.m; k++) { const a = this.edges[2 * k], b = this.edges[2 * k + 1]; this.edgeKey.set(a * n + b, k); this.edgeKey.set(b * n + a, k) }

    // Colours: regions in name order, so the same run always looks the same.
    this.regions = [...new Set(g.nodes.map((d) => d.region).filter(Boolean))].sort()
    this.regionColor = new Map(this.regions.map((r, i) => [r, REGION_COLORS[i % REGION_COLORS.length]]))
    this.hasRoles = g.nodes.some((d) => d.roles || d.adversary)
    this.visible = null
    this.edgeVisible = null
    this.applyColors()

    // Latency -> edge shade and layout distance, both on a sqrt scale so short links stay distinct.
    const [lo, hi] = el.length ? d3.extent(el) : [0, 1]
    this.latencyExtent = [lo, hi]
    const norm = (l) => (hi > lo ? Math.sqrt((l - lo) / (hi - lo)) : 0.3)
    this.edgeColorAt = d3.interpolateRgb(EDGE_LOW, EDGE_HIGH)
    this.edgeBucket = Uint8Array.from(el, (l) => Math.min(EDGE_BUCKETS - 1, Math.floor(norm(l) * EDGE_BUCKETS)))
    this.bucketColors = Array.from({ length: EDGE_BUCKETS }, (_, b) => this.edgeColorAt((b + 0.5) / EDGE_BUCKETS))

    // Sizes in screen pixels: smaller for crowded graphs, growing with degree.
    const meanDeg = n ? d3.mean(this.degree) || 1 : 1
    this.baseR = n > 2000 ? 2.2 : n > 400 ? 3.2 : 5.5
    this.nodeR = Float32Array.from(this.degree, (d) => this.baseR * Math.min(2.2, Math.max(0.7, Math.sqrt((d || 1) / meanDeg))))
    this.edgeAlpha = n > 2000 ? 0.22 : n > 400 ? 0.32 : 0.6
    this.edgeWidth = n > 2000 ? 0.55 : n > 400 ? 0.8 : 1.3

    this.quadtree = null
    this.hasGeo = g.nodes.length > 0 && g.nodes.every((d) => Number.isFinite(d.lat) && Number.isFinite(d.lon))
    let init = null
    if (prev) {
      init = new Float32Array(2 * n).fill(NaN)
      const placed = (this.pinned = new Uint8Array(n))
      for (let i = 0; i < n; i++) {
        const j = prev.index.get(this.ids[i])
        if (j !== undefined && prev.pos[2 * j] === prev.pos[2 * j]) { init[2 * i] = prev.pos[2 * j]; init[2 * i + 1] = prev.pos[2 * j + 1]; placed[i] = 1 }
      }
      for (let i = 0; i < n; i++) {
        if (placed[i]) continue
        const nb = this.adj[i].find(([j]) => placed[j])
        const a = (i * 2.399963) % TAU // golden angle: newcomers next to one neighbour do not stack
        init[2 * i] = (nb ? init[2 * nb[0]] : 0) + 12 * Math.cos(a); init[2 * i + 1] = (nb ? init[2 * nb[0] + 1] : 0) + 12 * Math.sin(a)
      }
      this.pos = init
      this.posVersion++
      this.selected = prev.selected != null ? this.index.get(prev.selected) ?? -1 : -1
    } else {
      this.pos = null
      this.selected = -1
      this.userMoved = false
    }
    this.norm = norm
    this.renderLegend()
    if (this.layoutMode === 'map' && this.hasGeo && !prev) this.placeOnMap()
    else { this.layoutMode = 'force'; this.startLayout(norm, init) }
    this.requestDraw()
  }

  /** 'force' (the overlay's shape) or 'map' (each node at its latitude and longitude). */
  setLayout(mode) {
    if (mode === this.layoutMode || !this.n) { this.layoutMode = mode; return }
    this.layoutMode = mode
    this.userMoved = false
    if (mode === 'map' && this.hasGeo) this.placeOnMap()
    else { this.layoutMode = 'force'; this.startLayout(this.norm) }
  }

  /**
   * Equirectangular map: nodes of one place spread on a small sunflower around it, so a region's
   * nodes stay apart; links are great-circle arcs (see draw).
   */
  placeOnMap() {
    this.worker?.terminate()
    this.dropPending()
    this.worker = null
    const n = this.n, S = MAP_SCALE
    const pos = new Float32Array(2 * n)
    const seenAt = new Map()
    const spread = n > 2000 ? 0.9 : 1.6
    for (let i = 0; i < n; i++) {
      const d = this.nodes[i]
      const at = `${d.lat},${d.lon}`
      const k = seenAt.get(at) ?? 0
      seenAt.set(at, k + 1)
      const r = spread * Math.sqrt(k), a = k * 2.399963
      pos[2 * i] = (d.lon / 180) * S + r * Math.cos(a); pos[2 * i + 1] = (-d.lat / 180) * S + r * Math.sin(a)
    }
    // Arcs: each link as a polyline along its great circle.
    this.arcs = new Float32Array(this.m * 2 * (ARC_SEGMENTS + 1))
    for (let k = 0; k < this.m; k++) {
      const a = this.nodes[this.edges[2 * k]], b = this.nodes[this.edges[2 * k + 1]]
      const f = d3.geoInterpolate([a.lon, a.lat], [b.lon, b.lat])
      for (let q = 0; q <= ARC_SEGMENTS; q++) {
        let [lon, lat] = f(q / ARC_SEGMENTS)
        // Ends sit on the nodes; in between, the arc (not crossing the antimeridian seam).
        const o = 2 * (k * (ARC_SEGMENTS + 1) + q)
        if (q === 0 || q === ARC_SEGMENTS) { const i = this.edges[2 * k + (q ? 1 : 0)]; this.arcs[o] = pos[2 * i]; this.arcs[o + 1] = pos[2 * i + 1]; continue }
        if (Math.abs(lon - a.lon) > 180) lon += lon < a.lon ? 360 : -360
        this.arcs[o] = (lon / 180) * S; this.arcs[o + 1] = (-lat / 180) * S
      }
    }
    this.pos = pos
    this.posVersion++
    this.quadtree = null
    this.wrap.dataset.layout = 'settled'
    this.wrap.dataset.mode = 'map'
    this.status.textContent = `${n.toLocaleString()} nodes on the map · ${this.m.toLocaleString()} links as great circles`
    if (!this.userMoved) this.fit(false)
    this.requestDraw()
  }

  /** Colours every node by the current mode (region, role, degree or a metric set by setMetric). */
  applyColors() {
    const n = this.n, nodes = this.nodes
    let cat = null, colorOf = null
    if (this.colorMode === 'role' && this.hasRoles) {
      const roleColor = new Map(ROLE_COLORS)
      cat = nodes.map((d) => roleOf(d))
      colorOf = (i) => roleColor.get(cat[i])
      this.categories = ROLE_COLORS.filter(([r]) => cat.includes(r))
    } else if (this.colorMode === 'region' || this.colorMode === 'role') {
      cat = nodes.map((d) => d.region || 'no region')
      colorOf = (i) => (nodes[i].region ? this.regionColor.get(nodes[i].region) : NO_REGION)
      this.categories = this.regions.length ? this.regions.map((r) => [r, this.regionColor.get(r)]) : [['no region', NO_REGION]]
    } else {
      // A number per node on a sequential scale; nodes without a value are grey.
      const values = this.colorMode === 'degree' ? this.degree : this.metric?.values ?? []
      const finite = values.filter((v) => v != null && Number.isFinite(v))
      const [lo, hi] = finite.length ? d3.extent(finite) : [0, 1]
      const scale = d3.scaleSequential(d3.interpolatePlasma).domain([lo, hi > lo ? hi : lo + 1])
      this.metricExtent = [lo, hi]
      colorOf = (i) => (values[i] != null && Number.isFinite(values[i]) ? d3.color(scale(values[i])).formatHex() : '#4b5563')
      cat = null
      this.categories = null
    }
    this.nodeCat = cat
    this.nodeColor = Array.from({ length: n }, (_, i) => colorOf(i))
    this.colorGroups = groupBy(n, (i) => this.nodeColor[i])
    this.styleVersion++
  }

  /** mode: 'region' | 'role' | 'degree' | a metric name with `values` (one per node, in node order). */
  setColorMode(mode, metric = null) {
    this.colorMode = mode
    this.metric = metric
    this.hiddenCats.clear()
    if (!this.n) return
    this.applyColors()
    this.renderLegend()
    this.requestDraw()
  }

  /** Hides (or shows again) the nodes of one legend category, and their links. */
  toggleCategory(c) {
    if (this.hiddenCats.has(c)) this.hiddenCats.delete(c)
    else this.hiddenCats.add(c)
    this.styleVersion++
    this.renderLegend()
    this.requestDraw()
  }

  /** Which nodes and links exist at the moment shown (a churning overlay over time); null: all. */
  setVisible(nodeMask, edgeMask) {
    this.visible = nodeMask
    this.edgeVisible = edgeMask
    this.styleVersion++
    this.requestDraw()
  }

  isShown(i) {
    return (!this.visible || this.visible[i] === 1) && !(this.nodeCat && this.hiddenCats.size && this.hiddenCats.has(this.nodeCat[i]))
  }

  startLayout(norm, initPos = null) {
    const n = this.n
    this.wrap.dataset.mode = 'force'
    if (n === 0) { this.status.textContent = 'no nodes in this stream part'; return }
    this.status.textContent = `laying out ${n.toLocaleString()} nodes…`
    // Links go to the worker as typed arrays (a copy of a few buffers, not 10,000 objects to clone).
    const dMin = n > 2000 ? 6 : 12, dMax = n > 2000 ? 70 : n > 400 ? 90 : 110
    const distance = Float32Array.from(this.edgeLatency, (l) => dMin + (dMax - dMin) * norm(l))
    let strength = null
    // With geography, each region gets an anchor at its (projected) centroid: nodes start there and
    // are pulled towards it, and long links pull weaker, so regions form readable clusters instead
    // of one well-mixed ball (a random overlay is an expander: without this it is a uniform disc).
    let init = null, anchors = null
    if (this.hasGeo) {
      const S = 12 * Math.sqrt(n) + 150
      const jitter = d3.randomNormal.source(d3.randomLcg(42))(0, Math.sqrt(n) * 1.5 + 4)
      const cent = d3.rollup(this.nodes, (v) => [d3.mean(v, (d) => d.lon), d3.mean(v, (d) => d.lat)], (d) => d.region || '')
      anchors = new Float32Array(2 * n)
      init = new Float32Array(2 * n)
      this.nodes.forEach((d, i) => {
        const [lon, lat] = cent.get(d.region || '')
        anchors[2 * i] = (lon / 180) * S; anchors[2 * i + 1] = (-lat / 90) * S * 0.6
        init[2 * i] = anchors[2 * i] + jitter(); init[2 * i + 1] = anchors[2 * i + 1] + jitter()
      })
      strength = Float32Array.from(this.edgeLatency, (l) => 0.3 * (1 - 0.85 * norm(l)))
    }
    if (initPos) init = initPos
    else {
      // Without geography, d3's own start: a sunflower spiral.
      if (!init) init = Float32Array.from({ length: 2 * n }, (_, q) => { const i = q >> 1, r = 10 * Math.sqrt(0.5 + i), a = i * Math.PI * (3 - Math.sqrt(5)); return q & 1 ? r * Math.sin(a) : r * Math.cos(a) })
      // The first picture is the start positions, drawn now: the worker still has d3 to load.
      this.pos = Float32Array.from(init)
      this.posVersion++
      this.quadtree = null
      if (!this.userMoved) this.fit(false)
      this.wrap.dataset.firstPictureTicks = '0'
    }
    const url = this.opts.workerUrl || '/static/layout-worker.js'
    this.worker = new Worker(url, { type: 'module' })
    this.worker.onmessage = (e) => {
      const m = e.data
      if (m.type === 'positions') {
        this.status.textContent = `${n.toLocaleString()} nodes · ${this.m.toLocaleString()} links · layout ${m.alpha > 0.01 ? 'settling' : 'done'}`
        this.pendingPos = m.buf
        // A moving layout is drawn at most once per twice what its last redraw cost: a big overlay
        // takes tens of milliseconds to redraw in software, and drawing every update left nothing of
        // the main thread for input, hover and the replay (20,000 nodes: 11 fps while it moved).
        const wait = this.lastPosAt + 2 * this.posDrawMs - performance.now()
        if (wait <= 0) this.showPending()
        else if (!this.posTimer) this.posTimer = setTimeout(() => this.showPending(), wait)
      } else if (m.type === 'settled') {
        this.showPending()
        this.status.textContent = `${n.toLocaleString()} nodes · ${this.m.toLocaleString()} links`
        this.wrap.dataset.layout = 'settled'
      }
    }
    this.wrap.dataset.layout = 'running'
    // Incremental: nodes that stay are pinned, so only newcomers move and the picture holds still.
    this.worker.postMessage({ type: 'init', n, edges: this.edges, distance, strength, init, anchors, collide: this.baseR * 1.6, alpha: initPos ? 0.1 : undefined, pinned: initPos ? this.pinned : null })
  }

  /** Forgets positions a stopped layout sent. */
  dropPending() {
    clearTimeout(this.posTimer)
    this.posTimer = 0
    this.pendingPos = null
  }

  /** Draws the layout's latest positions, if any are waiting. */
  showPending() {
    clearTimeout(this.posTimer)
    this.posTimer = 0
    if (!this.pendingPos) return
    this.pos = this.pendingPos
    this.pendingPos = null
    this.posVersion++
    this.quadtree = null
    this.lastPosAt = performance.now()
    if (!this.userMoved) this.fit(false)
    this.requestDraw()
  }

  resize() {
    const r = this.wrap.getBoundingClientRect()
    const dpr = window.devicePixelRatio || 1
    this.W = Math.max(1, r.width); this.H = Math.max(1, r.height); this.dpr = dpr
    this.canvas.width = Math.round(this.W * dpr); this.canvas.height = Math.round(this.H * dpr)
    if (!this.userMoved && this.pos) this.fit(false)
    this.requestDraw()
  }

  /** Zoom so every node is on screen. */
  fit(animate = true) {
    if (!this.pos || !this.n) return
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
    for (let i = 0; i < this.n; i++) {
      const x = this.pos[2 * i], y = this.pos[2 * i + 1]
      if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y
    }
    // Keep clear of the legend on the right.
    const pad = 36, right = this.legendWidth + 24
    const w = Math.max(100, this.W - pad - right), hgt = this.H - 2 * pad
    const k = Math.min(w / Math.max(1, x1 - x0), hgt / Math.max(1, y1 - y0), 8)
    this.fitK = k
    const t = d3.zoomIdentity.translate(pad + w / 2 - ((x0 + x1) / 2) * k, this.H / 2 - ((y0 + y1) / 2) * k).scale(k)
    const sel = d3.select(this.canvas)
    if (animate) sel.transition().duration(500).call(this.zoom.transform, t)
    else sel.call(this.zoom.transform, t)
  }

  resetView() { this.userMoved = false; this.fit(true) }

  /** Shows the view a permalink saved: pan (x, y) and zoom k. */
  setTransform(x, y, k) {
    this.userMoved = true
    d3.select(this.canvas).call(this.zoom.transform, d3.zoomIdentity.translate(x, y).scale(k))
  }

  /** Centre on a node and select it. */
  focus(i, scale) {
    if (i < 0 || !this.pos) return
    const k = scale || Math.max(this.transform.k, this.fitK * 3)
    const t = d3.zoomIdentity.translate(this.W / 2 - this.pos[2 * i] * k, this.H / 2 - this.pos[2 * i + 1] * k).scale(k)
    this.userMoved = true
    d3.select(this.canvas).transition().duration(600).call(this.zoom.transform, t)
    this.select(i, true)
  }

  select(i, notify) {
    this.selected = i
    if (notify && this.opts.onSelect) this.opts.onSelect(i >= 0 ? this.ids[i] : null)
    this.requestDraw()
  }

  /** Paint-on-top state; see replay.js and live.js. null clears it. */
  setOverlay(ov) { this.overlay = ov; this.requestDraw() }

  local(ev) {
    const r = this.canvas.getBoundingClientRect()
    return [ev.clientX - r.left, ev.clientY - r.top]
  }

  nodeAt(sx, sy) {
    if (!this.pos) return -1
    if (!this.quadtree) this.quadtree = d3.quadtree().x((i) => this.pos[2 * i]).y((i) => this.pos[2 * i + 1]).addAll(d3.range(this.n))
    const k = this.transform.k
    const found = this.quadtree.find(this.transform.invertX(sx), this.transform.invertY(sy), (this.screenR(this.baseR * 2) + 4) / k)
    return found === undefined ? -1 : found
  }

  onHover(ev) {
    if (this.dragging >= 0) return
    const [x, y] = this.local(ev)
    const i = this.nodeAt(x, y)
    if (i !== this.hovered) { this.hovered = i; this.requestDraw() }
    if (i < 0) { this.tooltip.style.display = 'none'; return }
    const d = this.nodes[i]
    this.tooltip.textContent = `${d.id}${d.region ? ' · ' + d.region : ''} · degree ${this.degree[i]}`
    this.tooltip.style.display = 'block'
    this.tooltip.style.left = `${Math.min(x + 14, this.W - this.tooltip.offsetWidth - 6)}px`
    this.tooltip.style.top = `${y + 12}px`
  }

  /** Node radius on screen: grows gently when zooming in past the fitted view. */
  screenR(r) {
    const z = Math.max(0.7, Math.min(4, Math.sqrt(this.transform.k / (this.fitK || 1))))
    return r * z
  }

  requestDraw() {
    if (this.drawPending) return
    this.drawPending = true
    requestAnimationFrame(() => { this.drawPending = false; this.draw() })
  }

  /** Counts animation frames so tests and the FPS readout see real rendering throughput. */
  countFrames() {
    const tick = (t) => {
      this.frames.push(t)
      while (this.frames.length && this.frames[0] < t - 1000) this.frames.shift()
      if (this.frames.length % 10 === 0) {
        this.canvas.dataset.fps = String(this.frames.length)
        this.fpsEl.textContent = `${this.frames.length} fps · draw ${this.drawMs.toFixed(1)} ms`
      }
      requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  }

  /**
   * A cached full-size layer that only ever gains items: `count` items are drawn, new ones are added
   * with `drawRange(ctx, from, to)`; a changed `key` (positions, content id) or a smaller count starts
   * it over. Replays and the live feed grow monotonically, so each frame adds little. A changed view
   * starts it over too, except while the view is moving: then the layer keeps the view it was drawn
   * in and blit() scales and shifts it, so panning and zooming cost a copy per frame instead of
   * re-stroking every link (a 5,000-node base layer takes tens of milliseconds).
   */
  layer(name, key, count, drawRange) {
    const L = (this.layers ??= {})[name] ??= { canvas: document.createElement('canvas'), key: null, view: null, drawn: 0 }
    const c = L.canvas, cc = c.getContext('2d')
    const { k, x, y } = this.transform
    const fullKey = `${key}|${this.posVersion}|${this.canvas.width}x${this.canvas.height}`
    const viewChanged = !L.view || L.view.k !== k || L.view.x !== x || L.view.y !== y
    if (L.key !== fullKey || count < L.drawn || (viewChanged && !this.viewMoving)) {
      L.key = fullKey
      L.view = { k, x, y }
      L.drawn = 0
      if (c.width !== this.canvas.width || c.height !== this.canvas.height) { c.width = this.canvas.width; c.height = this.canvas.height }
      cc.setTransform(1, 0, 0, 1, 0, 0)
      cc.clearRect(0, 0, c.width, c.height)
    }
    if (count > L.drawn) {
      const V = L.view
      cc.setTransform(this.dpr * V.k, 0, 0, this.dpr * V.k, this.dpr * V.x, this.dpr * V.y)
      drawRange(cc, L.drawn, count)
      L.drawn = count
    }
    return L
  }

  /** Blits a layer in device pixels (moved from the view it was drawn in to this one), then restores the world transform. */
  blit(L) {
    const { ctx, dpr } = this
    const { k, x, y } = this.transform
    const V = L.view, s = k / V.k
    ctx.setTransform(s, 0, 0, s, dpr * (x - s * V.x), dpr * (y - s * V.y))
    ctx.drawImage(L.canvas, 0, 0)
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * x, dpr * y)
  }

  /**
   * Adds circles for `nodes` (indices) to the current path. Dots of radius up to 2.5 px on screen are
   * squares: at that size they read the same and fill faster (thousands per frame while laying out).
   */
  circles(c, nodes, from, to, rScale, extra = 0) {
    const P = this.pos
    const squareUpTo = extra === 0 ? 2.5 / (this.transform.k || 1) : 0
    let n = 0
    for (let q = from; q < to; q++) {
      const i = nodes[q]
      const x = P[2 * i], y = P[2 * i + 1]
      if (x !== x || y !== y) continue // NaN: not placed yet
      const r = this.nodeR[i] * rScale + extra
      if (r <= squareUpTo) c.rect(x - r, y - r, 2 * r, 2 * r)
      else { c.moveTo(x + r, y); c.arc(x, y, r, 0, TAU) }
      n++
    }
    return n
  }

  /** Adds the links a-b of `pairs` to the path: straight, or on the map along their great circles. */
  pairsPath(c, pairs, from, to) {
    const P = this.pos
    const map = this.layoutMode === 'map' && this.arcs
    for (let q = from; q < to; q++) {
      const a = pairs[2 * q], b = pairs[2 * q + 1]
      const k = map ? this.edgeKey.get(a * this.n + b) : undefined
      if (k === undefined) { c.moveTo(P[2 * a], P[2 * a + 1]); c.lineTo(P[2 * b], P[2 * b + 1]); continue }
      const A = this.arcs, o = 2 * k * (ARC_SEGMENTS + 1)
      c.moveTo(A[o], A[o + 1])
      for (let s = 1; s <= ARC_SEGMENTS; s++) c.lineTo(A[o + 2 * s], A[o + 2 * s + 1])
    }
  }

  /** The point a fraction f of the way from a to b: on the map, along the link's arc. */
  pointAlong(a, b, f) {
    const P = this.pos
    const k = this.layoutMode === 'map' && this.arcs ? this.edgeKey.get(a * this.n + b) : undefined
    if (k === undefined) return [P[2 * a] + (P[2 * b] - P[2 * a]) * f, P[2 * a + 1] + (P[2 * b + 1] - P[2 * a + 1]) * f]
    // Arcs run from the link's first end; a copy going the other way runs it backwards.
    const s = (this.edges[2 * k] === a ? f : 1 - f) * ARC_SEGMENTS
    const q = Math.min(ARC_SEGMENTS - 1, Math.floor(s)), t = s - q
    const A = this.arcs, o = 2 * (k * (ARC_SEGMENTS + 1) + q)
    return [A[o] + (A[o + 2] - A[o]) * t, A[o + 1] + (A[o + 3] - A[o + 1]) * t]
  }

  /**
   * Draw order: edges, trail (growing link list), overlay lines, nodes (dimmed when the overlay
   * says so, then the growing `reached` set at full colour), rings, in-flight dots, selection.
   * Overlay shape (all optional):
   *   { dim: bool, trail: { id, pairs, count, color, width, alpha }, reached: { id, nodes, count },
   *     lines: [{ color, width, alpha, pairs }], rings: [{ color, width, nodes }], dots: [{ color, pts: [a, b, f, ...] }] }
   */
  draw() {
    const t0 = performance.now()
    this.draws = (this.draws || 0) + 1
    const { ctx, dpr, W, H } = this
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
    ctx.fillStyle = '#0f1623'
    ctx.fillRect(0, 0, W, H)
    if (!this.pos || !this.n) { this.canvas.dataset.nodeCount = '0'; return }
    const { k, x: tx, y: ty } = this.transform
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * tx, dpr * ty)
    const P = this.pos, ov = this.overlay
    const inv = 1 / k
    const dim = !!(ov && ov.dim)
    const rScale = this.screenR(1) * inv

    // Base: edges by latency shade, plus every node (dimmed under an overlay). Cached: it changes
    // only with positions or the view, and re-stroking 10,000 links each frame costs most of one.
    let drawn = 0
    const filtered = !!this.visible || this.hiddenCats.size > 0
    const base = this.layer('base', `base|${dim}|${this.styleVersion}`, 1, (c) => {
      c.lineWidth = this.edgeWidth * inv
      c.globalAlpha = dim ? this.edgeAlpha * 0.45 : this.edgeAlpha
      const E = this.edges, EV = this.edgeVisible
      const map = this.layoutMode === 'map'
      if (map) {
        // Graticule every 30°, the equator and the antimeridian a little brighter.
        const S = MAP_SCALE
        c.save(); c.globalAlpha = 0.5; c.strokeStyle = '#26344d'
        c.beginPath()
        for (let lon = -180; lon <= 180; lon += 30) { c.moveTo((lon / 180) * S, -S / 2); c.lineTo((lon / 180) * S, S / 2) }
        for (let lat = -90; lat <= 90; lat += 30) { c.moveTo(-S, (-lat / 180) * S); c.lineTo(S, (-lat / 180) * S) }
        c.stroke(); c.restore()
      }
      for (let b = 0; b < EDGE_BUCKETS; b++) {
        c.beginPath()
        for (let e = 0; e < this.m; e++) {
          if (this.edgeBucket[e] !== b) continue
          if (filtered && ((EV && !EV[e]) || !this.isShown(E[2 * e]) || !this.isShown(E[2 * e + 1]))) continue
          if (map) {
            const A = this.arcs, o = 2 * e * (ARC_SEGMENTS + 1)
            c.moveTo(A[o], A[o + 1])
            for (let q = 1; q <= ARC_SEGMENTS; q++) c.lineTo(A[o + 2 * q], A[o + 2 * q + 1])
          } else this.pairsPath(c, E, e, e + 1)
        }
        c.strokeStyle = this.bucketColors[b]
        c.stroke()
      }
      let nd = 0
      c.globalAlpha = dim ? 0.22 : 1
      for (const [color, all] of this.colorGroups) {
        const members = filtered ? all.filter((i) => this.isShown(i)) : all
        c.beginPath()
        nd += this.circles(c, members, 0, members.length, rScale)
        c.fillStyle = color
        c.fill()
      }
      c.globalAlpha = 1
      this.baseNodes = nd
    })
    this.blit(base)
    drawn = this.baseNodes

    if (ov && ov.trail && ov.trail.count > 0) {
      const T = ov.trail
      this.blit(this.layer('trail', `trail|${T.id}`, T.count, (c, from, to) => {
        c.globalAlpha = T.alpha ?? 1
        c.strokeStyle = T.color
        c.lineWidth = (T.width || 1.5) * inv
        c.beginPath(); this.pairsPath(c, T.pairs, from, to); c.stroke()
      }))
    }

    for (const L of (ov && ov.lines) || []) {
      if (!L.pairs.length) continue
      ctx.globalAlpha = L.alpha ?? 1
      ctx.strokeStyle = L.color
      ctx.lineWidth = (L.width || 1.5) * inv
      ctx.beginPath(); this.pairsPath(ctx, L.pairs, 0, L.pairs.length / 2); ctx.stroke()
    }
    ctx.globalAlpha = 1

    // The selected node's links, bright.
    const sel = this.selected
    if (sel >= 0) {
      ctx.strokeStyle = '#ffffff'
      ctx.lineWidth = 1.6 * inv
      ctx.globalAlpha = 0.85
      ctx.beginPath()
      this.pairsPath(ctx, this.adj[sel].flatMap(([j]) => [sel, j]), 0, this.adj[sel].length)
      ctx.stroke()
      ctx.globalAlpha = 1
    }

    // Reached nodes at full colour, added as they are reached.
    let reached = 0
    if (ov && ov.reached && ov.reached.count > 0) {
      const R = ov.reached
      const L = this.layer('reached', `reached|${R.id}`, R.count, (c, from, to) => {
        if (from === 0) this.reachedNodes = 0
        // Group the new nodes by colour so each colour is one fill.
        const byColor = new Map()
        for (let q = from; q < to; q++) {
          const i = R.nodes[q], col = this.nodeColor[i]
          if (!byColor.has(col)) byColor.set(col, [])
          byColor.get(col).push(i)
        }
        for (const [col, list] of byColor) {
          c.beginPath(); this.reachedNodes += this.circles(c, list, 0, list.length, rScale); c.fillStyle = col; c.fill()
        }
      })
      this.blit(L)
      reached = this.reachedNodes
    }
    this.canvas.dataset.nodeCount = String(drawn)
    // Nodes drawn as reached by the overlay: what the replay test checks.
    this.canvas.dataset.reachedCount = String(reached)

    for (const R of (ov && ov.rings) || []) {
      if (!R.nodes.length) continue
      ctx.beginPath(); this.circles(ctx, R.nodes, 0, R.nodes.length, rScale, 2.5 * inv)
      ctx.strokeStyle = R.color; ctx.lineWidth = (R.width || 1.5) * inv; ctx.stroke()
    }

    // In-flight copies: dots a fraction f along a->b.
    if (ov && ov.dots) {
      const r = Math.max(1.5, this.baseR * 0.6) * this.screenR(1) * inv
      for (const D of ov.dots) {
        if (!D.pts.length) continue
        ctx.beginPath()
        for (let q = 0; q < D.pts.length; q += 3) {
          const [x, y] = this.pointAlong(D.pts[q], D.pts[q + 1], D.pts[q + 2])
          ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, TAU)
        }
        ctx.fillStyle = D.color
        ctx.fill()
      }
    }

    for (const [i, color] of [[this.hovered, '#e2e8f0'], [sel, '#ffffff']]) {
      if (i < 0) continue
      const r = this.nodeR[i] * rScale + 3 * inv
      ctx.beginPath(); ctx.arc(P[2 * i], P[2 * i + 1], r, 0, TAU)
      ctx.strokeStyle = color; ctx.lineWidth = 2 * inv; ctx.stroke()
    }
    if (sel >= 0 && k > this.fitK * 1.5) {
      // Label the selection and its neighbours once zoomed in enough to read them.
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
      ctx.font = '12px system-ui, sans-serif'
      ctx.fillStyle = '#f8fafc'
      for (const i of [sel, ...this.adj[sel].map((a) => a[0])]) {
        ctx.fillText(this.ids[i], P[2 * i] * k + tx + 8, P[2 * i + 1] * k + ty - 8)
      }
    }
    const ms = performance.now() - t0
    this.drawMs = this.drawMs * 0.8 + ms * 0.2
    if (this.posVersion !== this.drawnPosVersion) { this.posDrawMs = ms; this.drawnPosVersion = this.posVersion }
  }

  renderLegend() {
    const L = this.legend
    L.innerHTML = ''
    const add = (cls, text, parent = L) => el('div', cls, parent, text)
    if (this.categories) {
      add('title', `${this.colorMode === 'role' && this.hasRoles ? 'Role' : 'Region'} (click to hide)`)
      const counts = d3.rollup(this.nodeCat, (v) => v.length, (c) => c)
      for (const [c, color] of this.categories) {
        // Buttons, so the filter is reachable by keyboard too.
        const row = el('button', `row${this.hiddenCats.has(c) ? ' off' : ''}`, L)
        row.type = 'button'
        row.dataset.cat = c
        row.setAttribute('aria-pressed', String(!this.hiddenCats.has(c)))
        row.title = this.hiddenCats.has(c) ? `show ${c}` : `hide ${c}`
        row.onclick = () => this.toggleCategory(c)
        const sw = el('span', 'sw', row); sw.style.background = color
        el('span', '', row, `${c} (${counts.get(c) ?? 0})`)
      }
    } else {
      add('title', `${this.colorMode === 'degree' ? 'Degree' : this.metric?.label ?? this.colorMode} (node colour)`)
      const ramp = add('ramp', '')
      ramp.style.background = `linear-gradient(to right, ${d3.range(0, 1.01, 0.125).map((v) => d3.interpolatePlasma(v)).join(',')})`
      const labels = add('ramp-labels', '')
      for (const v of this.metricExtent) el('span', '', labels, VizCharts.fmtNum(v))
    }
    add('title', 'Size: degree').style.marginTop = '8px'
    const [dmin, dmax] = d3.extent(this.degree.length ? this.degree : [0])
    add('muted', `${dmin}${dmax !== dmin ? '–' + dmax : ''} neighbours`)
    const t = add('title', 'Link latency (ms)'); t.style.marginTop = '8px'
    const ramp = add('ramp', '')
    ramp.style.background = `linear-gradient(to right, ${d3.range(0, 1.01, 0.25).map((v) => this.edgeColorAt(v)).join(',')})`
    const labels = add('ramp-labels', '')
    const [lo, hi] = this.latencyExtent
    const mid = lo + (hi - lo) * 0.25 // sqrt scale: the ramp's midpoint is a quarter of the range
    for (const v of [lo, mid, hi]) el('span', '', labels, VizCharts.fmtNum(v))
  }
}

export const roleOf = (d) => window.VizCharts.roleOf(d)

function el(tag, cls, parent, text) {
  const e = document.createElement(tag)
  if (cls) e.className = cls
  if (text !== undefined) e.textContent = text
  if (parent) parent.appendChild(e)
  return e
}

function groupBy(n, key) {
  const m = new Map()
  for (let i = 0; i < n; i++) {
    const k = key(i)
    if (!m.has(k)) m.set(k, [])
    m.get(k).push(i)
  }
  return m
}

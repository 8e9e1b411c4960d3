// Message replay: one message's receipts played back on the graph. First copies light their
// receiver and the link they came over (cyan); duplicates flash their link pink; copies on the
// wire are dots moving along their link. The graph counts the nodes it draws as reached.

const FIRST = '#22d3ee', DUP = '#f472b6', WIRE = '#f8fafc'

export class Replay {
  /** @param {import('./graph.js').GraphView} view */
  constructor(view, ui) {
    this.view = view
    this.ui = ui
    this.data = null
    this.t = 0
    this.playing = false
    this.speed = 0.05
    this.last = 0
    this.loads = 0
  }

  /** @param {{ publisher: string, publishedAtMs: number, receipts: Array<{node:string, from:string|null, receivedAtMs:number, hops:number, duplicate:boolean}> }} d */
  load(d) {
    const v = this.view
    const rows = d.receipts
      .map((r) => ({ ...r, i: v.index.get(r.node) ?? -1, f: r.from == null ? -1 : v.index.get(r.from) ?? -1, dt: r.receivedAtMs - d.publishedAtMs }))
      .sort((a, b) => a.dt - b.dt)
    for (const r of rows) {
      // Time on the wire = the link's latency when the topology has the link.
      const k = r.i >= 0 && r.f >= 0 ? v.edgeKey.get(r.f * v.n + r.i) : undefined
      r.lat = k === undefined ? 0 : Math.min(v.edgeLatency[k], r.dt)
    }
    // First copies in arrival order. At time t both the tree of links they came over and the set
    // of reached nodes are prefixes of these lists, so the graph draws them incrementally.
    const firsts = rows.filter((r) => !r.duplicate && r.i >= 0)
    const seen = new Set()
    const reach = firsts.filter((r) => !seen.has(r.i) && seen.add(r.i))
    const tree = reach.filter((r) => r.f >= 0)
    this.data = {
      ...d, rows, id: ++this.loads,
      pub: v.index.get(d.publisher) ?? -1,
      span: rows.length ? rows[rows.length - 1].dt : 1,
      // Who should get it (the page counts the graph's subscribers); without that, who did.
      receivers: d.expected ?? new Set(rows.filter((r) => !r.duplicate).map((r) => r.node)).size,
      offGraph: rows.filter((r) => r.i < 0).length,
      reachNodes: Int32Array.from(reach, (r) => r.i), reachTimes: Float64Array.from(reach, (r) => r.dt),
      treePairs: Int32Array.from(tree.flatMap((r) => [r.f, r.i])), treeTimes: Float64Array.from(tree, (r) => r.dt),
    }
    // Aim for a replay of about eight seconds at the default speed.
    this.speed = pickSpeed(this.data.span / 8000)
    this.ui.setSpeed(this.speed)
    this.ui.slider.max = String(Math.ceil(this.data.span))
    this.seek(0)
  }

  seek(t) {
    if (!this.data) return
    this.t = Math.max(0, Math.min(this.data.span, t))
    this.ui.slider.value = String(this.t)
    this.render()
  }

  play() {
    if (!this.data) return
    if (this.t >= this.data.span) this.t = 0
    this.playing = true
    this.last = performance.now()
    this.ui.onPlaying(true)
    const step = (now) => {
      if (!this.playing) return
      this.seek(this.t + (now - this.last) * this.speed)
      this.last = now
      if (this.t >= this.data.span) { this.pause(); return }
      requestAnimationFrame(step)
    }
    requestAnimationFrame(step)
  }

  pause() { this.playing = false; this.ui.onPlaying(false) }

  clear() { this.pause(); this.data = null; this.view.setOverlay(null); this.ui.stats(null) }

  render() {
    const d = this.data, v = this.view, t = this.t
    const fresh = Math.max(d.span * 0.03, 5)
    const flash = Math.max(d.span * 0.05, 8)
    const big = v.n > 1500
    const dupOld = [], dupNew = [], dotsFirst = [], dotsDup = [], freshNodes = []
    let reached = 0, dups = 0, hops = 0
    for (const r of d.rows) {
      const sent = r.dt - r.lat
      if (sent > t) continue // not sent yet
      if (r.dt > t) {
        if (r.i >= 0 && r.f >= 0 && r.lat > 0) (r.duplicate ? dotsDup : dotsFirst).push(r.f, r.i, (t - sent) / r.lat)
        continue
      }
      if (r.duplicate) {
        dups++
        // Old duplicates stay as a faint trace on small graphs; on big ones only the flash shows.
        if (r.i >= 0 && r.f >= 0 && (!big || t - r.dt < flash)) (t - r.dt < flash ? dupNew : dupOld).push(r.f, r.i)
      } else {
        reached++
        if (r.hops > hops) hops = r.hops
        if (r.i >= 0 && t - r.dt < fresh) freshNodes.push(r.i)
      }
    }
    v.setOverlay({
      dim: true,
      trail: { id: d.id, pairs: d.treePairs, count: prefix(d.treeTimes, t), color: FIRST, width: big ? 1.1 : 1.8, alpha: 0.9 },
      reached: { id: d.id, nodes: d.reachNodes, count: prefix(d.reachTimes, t) },
      lines: [
        { color: DUP, width: 0.8, alpha: 0.25, pairs: dupOld },
        { color: DUP, width: big ? 1.4 : 2.4, alpha: 1, pairs: dupNew },
      ],
      rings: [{ color: '#ffffff', width: 1.4, nodes: freshNodes }, { color: '#facc15', width: 2.6, nodes: d.pub >= 0 ? [d.pub] : [] }],
      dots: [{ color: DUP, pts: dotsDup }, { color: WIRE, pts: dotsFirst }],
    })
    this.ui.stats({ t, reached, receivers: d.receivers, dups, hops, offGraph: d.offGraph })
  }
}

/** How many of the ascending `times` are <= t (binary search). */
function prefix(times, t) {
  let lo = 0, hi = times.length
  while (lo < hi) { const mid = (lo + hi) >> 1; if (times[mid] <= t) lo = mid + 1; else hi = mid }
  return lo
}

const SPEEDS = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2]
export function speedOptions() { return SPEEDS }
function pickSpeed(target) {
  let best = SPEEDS[0]
  for (const s of SPEEDS) if (Math.abs(Math.log(s / target)) < Math.abs(Math.log(best / target))) best = s
  return best
}

// Live mode: the explorer plus a WebSocket (/api/live) that streams a running simulation to the
// live page. The simulator calls the LiveFeed; the page sets the real-time multiple and pause,
// which the simulator reads back through speed() and paused(). Events are batched and flushed
// every 50 ms so a fast simulation cannot flood the browser; topology changes go out as
// differences, at most one a second, so a churning overlay costs bytes per change, not per node.

import websocket from '@fastify/websocket'
import type { WebSocket } from 'ws'
import { DEFAULT_EXPLORER_PORT, buildApp } from './app.ts'
import type { TopologyJson } from './data/runs.ts'
import { topologyDiff, type TopologyDiff } from './data/topology-diff.ts'

export type { TopologyJson }

export interface LiveDelivery { messageId: string; node: string; from: string | null; atMs: number; hops: number; duplicate: boolean }
/** firstReceipts and duplicates are running totals since the start (the page derives rates). */
export interface LiveTick { tMs: number; nodesUp: number; firstReceipts: number; duplicates: number }

export interface LiveFeed {
  /** Real-time multiple chosen in the page (virtual seconds per wall second); the simulator paces itself by it. */
  speed(): number
  /** Whether the page has asked to pause. */
  paused(): boolean
  /** Pages connected right now. */
  clients(): number
  /** Resolves when a page connects (true) or after timeoutMs (false); lets the CLI wait for the browser. */
  waitForClient(timeoutMs: number): Promise<boolean>
  /** The overlay now: the first goes out whole, later ones as differences at a bounded rate; pages that connect later get it whole. */
  topology(t: TopologyJson): void
  delivery(d: LiveDelivery): void
  tick(s: LiveTick): void
  done(summary: unknown): void
}

export interface LiveServer { url: string; feed: LiveFeed; close(): Promise<void> }

export const SPEED_MIN = 0.1
export const SPEED_MAX = 100
const FLUSH_MS = 50
/** Deliveries per flush (100k/s); beyond it the rest of that flush is counted as dropped, not sent. */
const MAX_PER_FLUSH = 5_000
/** A page this far behind (bytes queued on its socket) gets ticks and controls but no deliveries
 * until it catches up, so its controls and clock never wait behind a backlog. */
const MAX_BUFFERED = 1 << 20
/** Recent deliveries kept for pages that connect mid-run. */
const KEEP_RECENT = 20_000
/** Topology differences go out at most this often (wall ms); changes in between are merged. */
export const TOPOLOGY_MIN_INTERVAL_MS = 1000

/** Compact wire form: [messageId, node, from, atMs, hops, duplicate 0/1]. */
type WireDelivery = [string, string, string | null, number, number, 0 | 1]

class LiveHub implements LiveFeed {
  private speedValue = 1
  private pausedValue = false
  private topo: TopologyJson | null = null
  /** What the pages have: `topo` may be newer until the next topology flush. */
  private sentTopo: TopologyJson | null = null
  private topoSentAt = -Infinity
  private topoTimer: NodeJS.Timeout | null = null
  private ticks: LiveTick[] = []
  private recent: WireDelivery[] = []
  private summary: unknown = null
  private pending: WireDelivery[] = []
  private pendingTicks: LiveTick[] = []
  private dropped = 0
  private timer: NodeJS.Timeout | null = null
  private waiters: Array<() => void> = []
  readonly sockets = new Set<WebSocket>()

  speed(): number { return this.speedValue }
  paused(): boolean { return this.pausedValue }
  clients(): number { return this.sockets.size }

  waitForClient(timeoutMs: number): Promise<boolean> {
    if (this.sockets.size > 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs)
      this.waiters.push(() => { clearTimeout(t); resolve(true) })
    })
  }

  topology(t: TopologyJson): void {
    this.topo = t
    if (this.sentTopo === null) { this.sendTopology(); return }
    if (this.topoTimer) return
    const wait = Math.max(0, this.topoSentAt + TOPOLOGY_MIN_INTERVAL_MS - performance.now())
    this.topoTimer = setTimeout(() => { this.topoTimer = null; this.sendTopology() }, wait)
    this.topoTimer.unref()
  }

  private sendTopology(): void {
    const t = this.topo
    if (t === null || t === this.sentTopo) return
    this.topoSentAt = performance.now()
    if (this.sentTopo === null) this.broadcast({ type: 'topology', topology: t })
    else {
      const diff: TopologyDiff = topologyDiff(this.sentTopo, t)
      if (Object.keys(diff.streamParts).length > 0) this.broadcast({ type: 'topology-diff', diff })
    }
    this.sentTopo = t
  }

  delivery(d: LiveDelivery): void {
    const w: WireDelivery = [d.messageId, d.node, d.from, d.atMs, d.hops, d.duplicate ? 1 : 0]
    this.recent.push(w)
    if (this.recent.length > KEEP_RECENT * 2) this.recent = this.recent.slice(-KEEP_RECENT)
    if (this.pending.length < MAX_PER_FLUSH) this.pending.push(w)
    else this.dropped++
    this.schedule()
  }

  tick(s: LiveTick): void {
    this.ticks.push(s)
    this.pendingTicks.push(s)
    this.schedule()
  }

  done(summary: unknown): void {
    if (this.topoTimer) { clearTimeout(this.topoTimer); this.topoTimer = null }
    this.sendTopology()
    this.flush()
    this.summary = summary ?? {}
    this.broadcast({ type: 'done', summary: this.summary })
  }

  status() {
    return { speed: this.speedValue, paused: this.pausedValue, clients: this.sockets.size, hasTopology: this.topo !== null, ticks: this.ticks.length, done: this.summary !== null }
  }

  attach(socket: WebSocket): void {
    this.sockets.add(socket)
    const recent = this.recent.slice(-KEEP_RECENT)
    // The page gets what the others have; later differences apply on top of it.
    socket.send(JSON.stringify({ type: 'hello', speed: this.speedValue, paused: this.pausedValue, topology: this.sentTopo, ticks: this.ticks, deliveries: recent, done: this.summary !== null, summary: this.summary }))
    socket.on('message', (raw) => this.onControl(raw.toString()))
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => this.sockets.delete(socket))
    for (const w of this.waiters.splice(0)) w()
  }

  /** Page -> simulator: { type: 'control', speed?, paused? }; anything else is ignored. */
  private onControl(text: string): void {
    let m: { type?: unknown; speed?: unknown; paused?: unknown }
    try { m = JSON.parse(text) } catch { return }
    if (!m || m.type !== 'control') return
    if (typeof m.speed === 'number' && Number.isFinite(m.speed)) this.speedValue = Math.min(SPEED_MAX, Math.max(SPEED_MIN, m.speed))
    if (typeof m.paused === 'boolean') this.pausedValue = m.paused
    this.broadcast({ type: 'control', speed: this.speedValue, paused: this.pausedValue })
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(() => { this.timer = null; this.flush() }, FLUSH_MS)
    this.timer.unref() // never keep the simulator's process alive on our account
  }

  private flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null }
    if (!this.pending.length && !this.pendingTicks.length) return
    if (this.sockets.size) {
      const full = JSON.stringify({ type: 'batch', deliveries: this.pending, ticks: this.pendingTicks, dropped: this.dropped })
      let lean: string | null = null
      for (const s of this.sockets) {
        if (s.readyState !== 1) continue
        if (s.bufferedAmount <= MAX_BUFFERED) s.send(full)
        else s.send((lean ??= JSON.stringify({ type: 'batch', deliveries: [], ticks: this.pendingTicks, dropped: this.dropped + this.pending.length })))
      }
    }
    this.pending = []
    this.pendingTicks = []
    this.dropped = 0
  }

  private broadcast(msg: unknown): void {
    if (!this.sockets.size) return
    const text = JSON.stringify(msg)
    for (const s of this.sockets) if (s.readyState === 1) s.send(text)
  }

  shutdown(): void {
    if (this.timer) clearTimeout(this.timer)
    if (this.topoTimer) clearTimeout(this.topoTimer)
    for (const s of this.sockets) s.close(1001, 'server closing')
    for (const w of this.waiters.splice(0)) w()
  }
}

export async function startLiveServer(opts: { resultsDir: string; port?: number; host?: string }): Promise<LiveServer> {
  const hub = new LiveHub()
  const app = buildApp({ resultsDir: opts.resultsDir, liveStatus: () => hub.status() })
  await app.register(websocket)
  app.get('/api/live', { websocket: true }, (socket) => hub.attach(socket))
  const address = await app.listen({ port: opts.port ?? DEFAULT_EXPLORER_PORT, host: opts.host ?? '127.0.0.1' })
  return {
    url: `${address}/live.html`,
    feed: hub,
    close: async () => { hub.shutdown(); await app.close() },
  }
}

// A worker process of a live scenario run: it builds its share of the nodes, runs their part of
// the plan (joins, leaves, crashes, publishes) on real time from the coordinator's time zero,
// records what they observe, and at the end reports the records, each node's neighbours and the
// process's CPU and memory. Started by coordinator.ts with an IPC channel; not a command.

import type { NodeId } from '../../core/ports.ts'
import { DelayQueue } from '../delay-line.ts'
import { realClock } from '../real-time.ts'
import { shutdownWebRtc } from '../webrtc-transport.ts'
import { EventRecorder, REC_APP_DELIVER, REC_APP_PUBLISH, REC_CRASH, REC_JOIN, REC_LEAVE } from './event-recorder.ts'
import { scenarioMessageSetup } from './message-layer-plan.ts'
import { type StorageNode, attachStorageNode, createStorageNodeOptions } from '../../core/storage/storage-node.ts'
import { InMemoryMessageStore } from '../../core/storage/in-memory-message-store.ts'
import { storedPartsOf } from '../../core/storage/storage-assignment.ts'
import { type MessageLayerCounts, countRoles } from '../../sim/metrics/message-layer-counts.ts'
import { machineNowMs } from './machine-clock.ts'
import { type LiveRunPlan, planLiveRun } from './run-plan.ts'
import { ScenarioLinkShaper, scenarioNeedsShim } from './scenario-link-shaper.ts'
import { type NodeCounters, type ScenarioNode, StaticBuiltNode, TrackerBuiltNode } from './scenario-node.ts'
import { StaticLiveOverlay } from './static-live-overlay.ts'
import { DhtBuiltNode } from './dht-scenario-node.ts'
import { DhtFigureCollector } from './dht-figures.ts'
import { regionNumbers } from '../../sim/network/region-numbers.ts'
import type { FromWorker, ServerUrls, ToWorker, WorkerInit, WorkerResult } from './worker-protocol.ts'
import { PROGRESS_INTERVAL_MS } from './worker-protocol.ts'
import { ProcessGauges } from './process-gauges.ts'
import { WorkerProfiler } from './worker-profiler.ts'

/** A node that does not finish closing by then is left to process exit. */
const STOP_TIMEOUT_MS = 5_000
const MAX_ERROR_MESSAGES = 5

const mb = (bytes: number) => bytes / 2 ** 20

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, undefined, undefined, (e) => e ? reject(e) : resolve()))
}

class Worker {
  private readonly plan: LiveRunPlan
  private readonly recorder: EventRecorder
  private readonly nodes = new Map<number, ScenarioNode>()
  private readonly online = new Set<number>()
  private readonly overlay: StaticLiveOverlay | null
  private readonly queue: DelayQueue | null
  private readonly errors = { count: 0, first: [] as string[] }
  private readonly partIds: string[]
  /** This worker's storage nodes (scenarios with storage.nodes). */
  private readonly storage: StorageNode<InMemoryMessageStore>[] = []
  /** DHT builder: lookups and, at the end, the nodes' DHT state. */
  private readonly dht: DhtFigureCollector | null
  private t0 = 0
  private cpuAtStart: NodeJS.CpuUsage | undefined
  private timeline: ReturnType<typeof setTimeout> | undefined
  private progress: ReturnType<typeof setInterval> | undefined
  private readonly rssBeforeNodesMb: number
  private rssReadyMb = 0
  private readonly gauges = new ProcessGauges()
  private readonly profiler: WorkerProfiler | null

  constructor(private readonly init: WorkerInit) {
    this.rssBeforeNodesMb = mb(process.memoryUsage().rss)
    const scenario = init.scenario
    this.plan = planLiveRun(scenario)
    const { nodeIds, trackerIds, streamParts } = this.plan
    this.partIds = streamParts.map((p) => p.id)
    this.recorder = new EventRecorder(new Map(nodeIds.map((id, i) => [id, i])), new Map(this.partIds.map((id, k) => [id, k])))
    this.queue = scenarioNeedsShim(scenario) ? new DelayQueue(machineNowMs) : null
    const placed = new Map<NodeId, number>([...nodeIds, ...trackerIds].map((id, i) => [id, i]))
    const onError = (error: unknown, where: string) => {
      this.errors.count++
      if (this.errors.first.length < MAX_ERROR_MESSAGES) this.errors.first.push(`${where}: ${error instanceof Error ? error.message : String(error)}`)
    }
    const publishers = new Set(streamParts.flatMap((p) => p.publishers))
    const ml = this.plan.messageLayer
    const topology = scenario.topology
    const regions = topology.locality === 'ring' ? regionNumbers(this.plan.latency.regions) : undefined
    this.dht = topology.builder === 'dht' ? new DhtFigureCollector(() => realClock.now()) : null
    for (const i of init.nodes) {
      const id = nodeIds[i]
      const options = {
        id, seed: scenario.seed, scenario, observer: this.recorder.observerFor(i), onError,
        ...(ml !== undefined && topology.builder === 'static' ? { messageLayer: scenarioMessageSetup(scenario, ml, nodeIds, streamParts, i) } : {}),
        ...(this.queue !== null ? { shaper: new ScenarioLinkShaper(this.plan.latency, i, placed, scenario, id), queue: this.queue } : {}),
      }
      this.nodes.set(i, topology.builder === 'tracker' ? new TrackerBuiltNode(options, init.trackers)
        : topology.builder === 'dht' ? new DhtBuiltNode(options, {
          server: this.plan.hasServer[i] === 1, region: regions === undefined ? 0 : regions[this.plan.latency.nodeRegion[i]],
          neighbourTargetCount: topology.degree, plumtree: topology.plumtree === true, ...(this.dht !== null ? { observer: this.dht } : {}),
        })
        : new StaticBuiltNode(options, init.relay!))
    }
    this.profiler = init.profileDir !== undefined ? new WorkerProfiler(init.profileDir, init.worker) : null
    this.overlay = scenario.topology.builder === 'static' ? new StaticLiveOverlay(this.plan.staticGraphs, nodeIds, this.nodes) : null
    // Storage nodes keep what their parts carry, in the simulator's store, and answer resends over their links.
    if (ml !== undefined) {
      const storageIds = ml.storage.map((i) => nodeIds[i])
      for (const i of ml.storage) {
        const node = this.nodes.get(i)
        if (node === undefined) continue
        const storage = attachStorageNode(node.node, new InMemoryMessageStore(createStorageNodeOptions()))
        for (const sp of storedPartsOf(nodeIds[i], this.partIds, storageIds, scenario.storage.replicas)) storage.assign(sp)
        this.storage.push(storage)
      }
    }
    // What the subscribers' apps get: plaintext, in chain order.
    if (ml !== undefined) {
      for (const i of init.nodes) if (!publishers.has(i)) this.nodes.get(i)!.messages.onContent((message) => this.recorder.app(REC_APP_DELIVER, i, message))
    }
  }

  /** Builds the nodes' links to the relay and starts the DHT servers; returns their URLs. */
  async prepare(): Promise<ServerUrls> {
    await Promise.all([...this.nodes.values()].map((n) => n.prepare()))
    this.rssReadyMb = mb(process.memoryUsage().rss)
    this.gauges.sample()
    // Started now so that time zero finds it running; the nodes are idle until then.
    await this.profiler?.start()
    const servers: ServerUrls = []
    for (const [i, n] of this.nodes) if (n instanceof DhtBuiltNode && n.url !== undefined) servers.push([i, n.url])
    return servers
  }

  start(t0: number, servers: ServerUrls = []): void {
    this.t0 = t0
    const urls = new Map(servers)
    const regions = this.init.scenario.topology.locality === 'ring' ? regionNumbers(this.plan.latency.regions) : undefined
    const entryPoints = this.plan.entryPoints.flatMap((e) => {
      const url = urls.get(e)
      return url === undefined ? [] : [{ nodeId: this.plan.nodeIds[e], url, region: regions === undefined ? 0 : regions[this.plan.latency.nodeRegion[e]] }]
    })
    for (const n of this.nodes.values()) if (n instanceof DhtBuiltNode) n.setEntryPoints(entryPoints)
    this.recorder.start(t0)
    this.cpuAtStart = process.cpuUsage()
    this.gauges.start()
    const mine = new Set(this.init.nodes)
    const steps: { atMs: number; run: () => void }[] = []
    for (const a of this.plan.nodeActions) {
      if (!mine.has(a.node)) continue
      steps.push({ atMs: a.atMs, run: () => a.kind === 'join' ? this.join(a.node) : this.leave(a.node, a.kind === 'crash') })
    }
    // Before the publishes, so that same-time ones come after, as the simulator schedules them.
    this.scheduleSecurityEvents(steps)
    const payload = this.init.scenario.workload.payloadBytes
    const recordApp = this.plan.messageLayer !== undefined
    for (const p of this.plan.publishes) {
      if (!mine.has(p.publisher)) continue
      const streamId = this.plan.streamParts[p.stream].streamId
      steps.push({ atMs: p.atMs, run: () => {
        if (!this.online.has(p.publisher)) return
        const calledAt = machineNowMs()
        const message = this.nodes.get(p.publisher)!.publish(streamId, new Uint8Array(payload))
        if (recordApp) this.recorder.app(REC_APP_PUBLISH, p.publisher, message, calledAt)
      } })
    }
    // The event loop's lag while the network forms and while it carries messages, apart.
    const firstPublishMs = this.plan.publishes.reduce((m, p) => Math.min(m, p.atMs), Infinity)
    if (firstPublishMs !== Infinity) steps.push({ atMs: firstPublishMs, run: () => this.gauges.split() })
    // Stable: same-time steps keep the plan's order (joins before publishes).
    steps.sort((x, y) => x.atMs - y.atMs)
    this.runSteps(steps, 0)
    this.progress = setInterval(() => {
      this.gauges.sample()
      const r = this.recorder
      void send({ type: 'progress', published: r.published, firstReceipts: r.firstReceipts, duplicates: r.duplicates, appDeliveries: r.appDeliveries })
    }, PROGRESS_INTERVAL_MS)
  }

  /**
   * The scenario's key events on this worker's publishers (a rekey is recorded when done: the
   * replay counts a revoked reader's reads after it) and its revocations on every node's
   * registry, which confirms them after permissions.confirmationDelayS.
   */
  private scheduleSecurityEvents(steps: { atMs: number; run: () => void }[]): void {
    const ml = this.plan.messageLayer
    if (ml === undefined) return
    const parts = this.plan.streamParts
    for (const e of ml.keyEvents) {
      for (const i of this.init.nodes) {
        const own = parts.filter((p) => p.publishers.includes(i)).map((p) => p.streamId)
        if (own.length === 0) continue
        steps.push({ atMs: e.atMs, run: () => {
          if (!this.online.has(i)) return
          const publisher = this.nodes.get(i)!.messages.publisher
          for (const streamId of own) {
            if (e.kind === 'rotateKey') publisher.rotateKey(streamId)
            else publisher.rekey(streamId)
          }
          if (e.kind === 'rekey') this.recorder.rekeyed(i, e.event)
        } })
      }
    }
    for (const r of ml.revocations) {
      steps.push({ atMs: r.atMs, run: () => {
        for (const node of this.nodes.values()) {
          for (const part of parts) for (const s of r.nodes) node.registry.revoke(part.streamId, ml.identities[s].address, 'subscribe')
        }
      } })
    }
  }

  joinOrder(node: number, seq: number): void {
    this.overlay?.joined(node, seq)
  }

  departed(node: number): void {
    this.overlay?.left(node)
  }

  async finish(): Promise<WorkerResult> {
    if (this.timeline !== undefined) clearTimeout(this.timeline)
    if (this.progress !== undefined) clearInterval(this.progress)
    this.recorder.stop()
    const cpu = process.cpuUsage(this.cpuAtStart)
    const neighbours: Record<string, [number, number[]][]> = {}
    const index = new Map(this.plan.nodeIds.map((id, i) => [id, i]))
    for (const sp of this.partIds) {
      neighbours[sp] = [...this.online].map((i) => [i, this.nodes.get(i)!.neighbours(sp).map((id) => index.get(id) ?? -1).filter((j) => j >= 0)])
    }
    const transport = sumCounters([...this.nodes.values()].map((n) => n.counters()))
    const running = [...this.online].map((i) => this.nodes.get(i)).flatMap((n) => n instanceof DhtBuiltNode && n.tatum !== undefined ? [n.tatum] : [])
    const dht = this.dht?.figures(running, this.partIds[0], realClock.now())
    const rssAtEndMb = mb(process.memoryUsage().rss)
    const ml = this.plan.messageLayer
    const { beforeSplitLoopDelayP99Ms, beforeSplitLoopDelayMaxMs, ...gauges } = this.gauges.figures()
    await this.profiler?.stop()
    this.queue?.clear()
    this.overlay?.dispose()
    await Promise.race([
      Promise.all([...this.nodes.values()].map((n) => n.stop('end'))),
      new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS)),
    ])
    return {
      worker: this.init.worker,
      nodes: this.init.nodes,
      records: this.recorder.columns(),
      counters: this.recorder.counters,
      neighbours,
      transport,
      staticRedials: this.overlay?.redials ?? 0,
      shimLatenessMs: Float64Array.from(this.queue?.latenessMs ?? []),
      process: {
        rssBeforeNodesMb: this.rssBeforeNodesMb,
        rssReadyMb: this.rssReadyMb,
        rssAtEndMb,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
        cpuUserS: cpu.user / 1e6,
        cpuSystemS: cpu.system / 1e6,
        ...gauges,
        joinLoopDelayP99Ms: beforeSplitLoopDelayP99Ms,
        joinLoopDelayMaxMs: beforeSplitLoopDelayMaxMs,
      },
      errors: this.errors,
      ...(dht !== undefined ? { dht } : {}),
      ...(ml !== undefined ? { messageLayer: this.messageLayerCounts() } : {}),
    }
  }

  private messageLayerCounts(): MessageLayerCounts {
    const publishers = new Set(this.plan.streamParts.flatMap((p) => p.publishers))
    const nodes = [...this.nodes].map(([i, n]) => ({ i, roles: n.messages }))
    return countRoles(
      nodes.flatMap((n) => n.roles.subscriber === undefined ? [] : [n.roles.subscriber]),
      nodes.filter((n) => publishers.has(n.i)).map((n) => n.roles.publisher),
      this.storage,
    )
  }

  private join(i: number): void {
    this.recorder.membership(REC_JOIN, i)
    this.online.add(i)
    this.nodes.get(i)!.join(this.partIds)
    if (this.overlay !== null) void send({ type: 'joined', node: i })
  }

  private leave(i: number, crash: boolean): void {
    if (!this.online.delete(i)) return
    this.recorder.membership(crash ? REC_CRASH : REC_LEAVE, i)
    const left = this.nodes.get(i)
    if (left instanceof DhtBuiltNode && left.tatum !== undefined) this.dht?.retire(left.tatum)
    if (!crash && this.overlay !== null) void send({ type: 'left', node: i })
    void this.nodes.get(i)!.stop(crash ? 'crash' : 'leave')
  }

  /** Runs the steps from `next` on whose time has come, then sleeps until the following one. */
  private runSteps(steps: { atMs: number; run: () => void }[], next: number): void {
    let k = next
    while (k < steps.length && steps[k].atMs <= machineNowMs() - this.t0) steps[k++].run()
    if (k === steps.length) return
    const wait = steps[k].atMs - (machineNowMs() - this.t0)
    this.timeline = setTimeout(() => this.runSteps(steps, k), Math.max(0, wait))
  }
}

function sumCounters(all: NodeCounters[]): NodeCounters {
  const add = <T extends object>(xs: T[]): T => {
    const out = {} as Record<string, number>
    for (const x of xs) for (const [k, v] of Object.entries(x)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + v
    return out as T
  }
  const shims = all.map((c) => c.shim).filter((s) => s !== null)
  return {
    webrtc: add(all.map((c) => c.webrtc)),
    rtc: add(all.map((c) => c.rtc)),
    websocket: add(all.map((c) => c.websocket)),
    shim: shims.length === 0 ? null : add(shims),
  }
}

let worker: Worker | undefined

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init':
      worker = new Worker(message)
      await send({ type: 'ready', servers: await worker.prepare() })
      return
    case 'start':
      worker!.start(message.t0, message.servers)
      return
    case 'joinOrder':
      worker!.joinOrder(message.node, message.seq)
      return
    case 'departed':
      worker!.departed(message.node)
      return
    case 'finish': {
      const result = await worker!.finish()
      await send({ type: 'result', result })
      shutdownWebRtc()
      process.disconnect()
      process.exit(0)
    }
  }
}

if (process.send === undefined) {
  console.error('live/scenario/worker.ts is started by the live scenario coordinator, not by hand')
  process.exit(2)
}
process.on('message', (message: ToWorker) => {
  handle(message).catch(async (error: unknown) => {
    await send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }).catch(() => {})
    process.exit(3)
  })
})
// The coordinator going away (crash, Ctrl-C) must not leave workers running.
process.on('disconnect', () => process.exit(0))

// Runs a scenario with real nodes: starts the trackers here, the nodes in worker processes
// (worker.ts; node-datachannel's native threads and every node's event loop work are spread
// over the machine's cores), sets time zero on the machine clock, plays the tracker failures,
// numbers the static builder's joins, and decides when the run is over:
//   - at durationS of real time at the latest, as the simulator's hard stop;
//   - earlier, once the last scripted action (publish, join, leave, tracker event) is past and no
//     receipt (nor app delivery) has arrived for the plan's quietMs. The simulator ends when no
//     events remain; a live network never runs out of keep-alives, so silence of content is the
//     nearest equivalent.
// It returns what the workers recorded; replay.ts turns that into the simulator's metrics.

import { type ChildProcess, fork } from 'node:child_process'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Progress } from '../../sim/runner.ts'
import type { Scenario } from '../../sim/scenario/types.ts'
import { DelayQueue } from '../delay-line.ts'
import { machineNowMs } from './machine-clock.ts'
import { type LiveRunPlan, planLiveRun } from './run-plan.ts'
import { scenarioNeedsShim } from './scenario-link-shaper.ts'
import { ScenarioTrackers } from './scenario-trackers.ts'
import type { FromWorker, ToWorker, WorkerResult } from './worker-protocol.ts'

/** Time zero is set this far ahead, so every worker hears it before it comes. */
const START_LEAD_MS = 300
/** Workers get this long to build their nodes (and link them to the relay). */
const READY_TIMEOUT_MS = 120_000
const RESULT_TIMEOUT_MS = 60_000
const TICK_MS = 100
const EXIT_GRACE_MS = 3_000
/** Default share of nodes per worker process; workers never outnumber the cores. */
const NODES_PER_WORKER = 20

const WORKER_PATH = fileURLToPath(new URL('./worker.ts', import.meta.url))

export interface CoordinatorOptions {
  /** Worker processes; default: one per 20 nodes, at most one per core. */
  workers?: number
  /** Each worker writes a CPU profile of its run (from its nodes being built to the end) into this folder (worker-profiler.ts). */
  profileDir?: string
  onProgress?: (progress: Progress) => void
}

export interface TrackerFigures {
  id: string
  messagesReceived: number
}

export interface LiveOutcome {
  plan: LiveRunPlan
  results: WorkerResult[]
  trackers: TrackerFigures[]
  /** Signals relayed by the static builder's relay or the scenario's trackers. */
  signalsRelayed: number
  /** Scenario time (ms since time zero) when the workers were told to finish. */
  endMs: number
  endReason: 'quiet' | 'durationS'
  /** Wall seconds from the start of this call to time zero: trackers, workers, nodes. */
  startupSeconds: number
  workers: number
  /** The coordinator's own delay shim (trackers' side), when links have delays. */
  trackerShimLatenessMs: number[]
  /** Exceptions reported in the coordinator (trackers' transports and timers). */
  errors: { count: number; first: string[] }
}

export function defaultWorkerCount(nodes: number): number {
  return Math.max(1, Math.min(os.availableParallelism(), Math.ceil(nodes / NODES_PER_WORKER)))
}

export async function runLiveScenario(scenario: Scenario, options: CoordinatorOptions = {}): Promise<LiveOutcome> {
  const started = performance.now()
  const plan = planLiveRun(scenario)
  const workerCount = Math.min(options.workers ?? defaultWorkerCount(scenario.nodes), scenario.nodes)
  const queue = scenarioNeedsShim(scenario) ? new DelayQueue(machineNowMs) : null
  const errors = { count: 0, first: [] as string[] }
  const onError = (error: unknown, where: string) => {
    errors.count++
    if (errors.first.length < 5) errors.first.push(`${where}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const trackers = await ScenarioTrackers.start(scenario, plan, queue, onError)
  const pool = new WorkerPool(workerCount)
  const timers: ReturnType<typeof setTimeout>[] = []
  try {
    const shares = Array.from({ length: workerCount }, (_, w) => plan.nodeIds.map((_, i) => i).filter((i) => i % workerCount === w))
    const ready = await pool.each((w) => ({ type: 'init', scenario, worker: w, nodes: shares[w], trackers: trackers.scenarioTrackers, relay: trackers.relay,
      ...(options.profileDir !== undefined ? { profileDir: options.profileDir } : {}) }), 'ready', READY_TIMEOUT_MS)
    // DHT builder: the servers' URLs, which every node needs for the entry points.
    const servers = ready.flatMap((m) => (m.type === 'ready' ? m.servers : undefined) ?? [])

    let joinSeq = 0
    pool.onMessage = (message) => {
      if (message.type === 'joined') pool.broadcast({ type: 'joinOrder', node: message.node, seq: joinSeq++ })
      else if (message.type === 'left') pool.broadcast({ type: 'departed', node: message.node })
    }
    const t0 = machineNowMs() + START_LEAD_MS
    const startupSeconds = (performance.now() - started) / 1000
    pool.broadcast({ type: 'start', t0, servers })
    for (const a of plan.trackerActions) {
      timers.push(setTimeout(() => {
        (a.kind === 'down' ? trackers.down(a.tracker) : trackers.up(a.tracker)).catch((e: unknown) => onError(e, `tracker ${a.kind}`))
      }, Math.max(0, t0 + a.atMs - machineNowMs())))
    }

    const { endMs, endReason } = await waitForEnd(plan, t0, pool, options.onProgress)
    const results = await pool.each(() => ({ type: 'finish' }), 'result', RESULT_TIMEOUT_MS)
    return {
      plan,
      results: results.map((m) => (m as { result: WorkerResult }).result),
      trackers: plan.trackerIds.map((id, t) => ({ id, messagesReceived: trackers.messagesReceived(t) })),
      signalsRelayed: trackers.signalsRelayed(),
      endMs,
      endReason,
      startupSeconds,
      workers: workerCount,
      trackerShimLatenessMs: queue?.latenessMs ?? [],
      errors,
    }
  } finally {
    for (const t of timers) clearTimeout(t)
    await pool.close()
    queue?.clear()
    await trackers.stop()
  }
}

function waitForEnd(plan: LiveRunPlan, t0: number, pool: WorkerPool, onProgress?: (p: Progress) => void): Promise<{ endMs: number; endReason: 'quiet' | 'durationS' }> {
  return new Promise((resolve, reject) => {
    let lastReceipts = -1
    let lastChangeMs = 0
    // At the earliest, a live run ends quietMs after its last scripted action.
    const expectedEndMs = Math.min(plan.endMs, Math.max(plan.expectedEndMs, plan.lastActionMs + plan.quietMs))
    const tick = setInterval(() => {
      const nowMs = machineNowMs() - t0
      const receipts = pool.receipts()
      if (receipts !== lastReceipts) {
        lastReceipts = receipts
        lastChangeMs = nowMs
      }
      onProgress?.({ simulatedMs: Math.max(0, nowMs), expectedEndMs, events: receipts })
      const failure = pool.failure()
      if (failure !== undefined) {
        clearInterval(tick)
        reject(new Error(failure))
      } else if (nowMs >= plan.endMs) {
        clearInterval(tick)
        resolve({ endMs: nowMs, endReason: 'durationS' })
      } else if (nowMs >= plan.lastActionMs + plan.quietMs && nowMs - lastChangeMs >= plan.quietMs) {
        clearInterval(tick)
        resolve({ endMs: nowMs, endReason: 'quiet' })
      }
    }, TICK_MS)
  })
}

/** The worker processes and their IPC channels. */
class WorkerPool {
  private readonly children: ChildProcess[] = []
  private readonly progress: number[]
  private readonly stderr: string[]
  private failed: string | undefined
  onMessage: ((message: FromWorker, worker: number) => void) | undefined
  private readonly waiting: ((message: FromWorker, worker: number) => void)[] = []

  constructor(count: number) {
    this.progress = new Array(count).fill(0)
    this.stderr = new Array(count).fill('')
    for (let w = 0; w < count; w++) {
      const child = fork(WORKER_PATH, [], {
        execArgv: ['--import', 'tsx'],
        serialization: 'advanced',
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      })
      child.stdout!.on('data', () => {})
      child.stderr!.on('data', (d: Buffer) => { this.stderr[w] = (this.stderr[w] + d.toString()).slice(-4000) })
      child.on('message', (message: FromWorker) => this.handle(message, w))
      child.on('exit', (code, signal) => {
        if (this.failed === undefined && code !== 0) {
          this.failed = `live worker ${w} exited (${signal ?? `code ${code}`}): ${this.stderr[w].trim().split('\n').slice(-5).join(' | ')}`
        }
      })
      this.children.push(child)
    }
  }

  failure(): string | undefined {
    return this.failed
  }

  /** First receipts, duplicates and app deliveries, as last reported. */
  receipts(): number {
    return this.progress.reduce((a, b) => a + b, 0)
  }

  broadcast(message: ToWorker): void {
    for (const child of this.children) if (child.connected) child.send(message)
  }

  /** Sends each worker its message and waits for every one's reply of type `reply`. */
  each(message: (worker: number) => ToWorker, reply: FromWorker['type'], timeoutMs: number): Promise<FromWorker[]> {
    return new Promise((resolve, reject) => {
      const replies: (FromWorker | undefined)[] = new Array(this.children.length).fill(undefined)
      let pending = this.children.length
      const timer = setTimeout(() => finish(new Error(`live workers did not answer "${reply}" within ${timeoutMs / 1000} s`)), timeoutMs)
      const poll = setInterval(() => { if (this.failed !== undefined) finish(new Error(this.failed)) }, TICK_MS)
      const listener = (m: FromWorker, w: number) => {
        if (m.type === 'failed') finish(new Error(`live worker ${w} failed: ${m.message}`))
        if (m.type !== reply || replies[w] !== undefined) return
        replies[w] = m
        if (--pending === 0) finish(undefined)
      }
      const finish = (error: Error | undefined) => {
        clearTimeout(timer)
        clearInterval(poll)
        const k = this.waiting.indexOf(listener)
        if (k >= 0) this.waiting.splice(k, 1)
        if (error !== undefined) reject(error)
        else resolve(replies as FromWorker[])
      }
      this.waiting.push(listener)
      this.children.forEach((child, w) => child.send(message(w)))
    })
  }

  /** Waits a moment for workers to exit by themselves (they release native resources), then kills the rest. */
  async close(): Promise<void> {
    const running = () => this.children.filter((c) => c.exitCode === null && c.signalCode === null)
    const deadline = performance.now() + EXIT_GRACE_MS
    while (running().length > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    for (const child of running()) child.kill()
  }

  private handle(message: FromWorker, w: number): void {
    if (message.type === 'progress') this.progress[w] = message.firstReceipts + message.duplicates + message.appDeliveries
    if (message.type === 'failed') this.failed = `live worker ${w} failed: ${message.message}`
    for (const listener of [...this.waiting]) listener(message, w)
    this.onMessage?.(message, w)
  }
}

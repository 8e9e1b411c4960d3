// The live scale group (`npm run bench -- --only live-scale`; not part of --quick): how many real
// nodes this machine holds. For each size N (--scale-sizes, default 100, 300, 500, 700, 1000) and
// each way of spreading them over processes (--scale-per-process: `cores`, the coordinator's
// default of one worker per core, or K nodes per worker process), N nodes join one tracker,
// JOIN_PER_SECOND a second from time zero; SETTLE_S after the last join, one publisher sends 100
// messages at 10/s (256 B) on loopback without link delays. A size holds when every node found
// a neighbour and the delivery ratio is at least HOLD_DELIVERY; the first size that does not
// hold ends that layout's sweep. Each run reports:
//   - nodes with a neighbour, time to first neighbour p50/p99, latency p50/p99 with samples, delivery;
//   - RSS and CPU per node (workers), the coordinator's CPU (it runs the tracker);
//   - the gauges that say what limited it (limits()): cores busy, event-loop lag in the workers
//     and the coordinator, open file descriptors and threads against their limits, UDP sockets
//     on the machine, free memory, and errors the nodes reported;
//   - the link proofs' cost (live/link-proof.ts): CPU per link, measured here, times the links made.
// Figures are medians over --repeat runs (at least MIN_RUNS). --scale-profile DIR writes every
// worker's V8 CPU profile of the run under DIR/<layout>-<N>-<run>/ (bench/cpu-profile-summary.ts
// sums them).

import { readFileSync, readdirSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { keyPairFromSeed } from '../core/message-layer/identity.ts'
import { formatTable } from '../sim/results/table.ts'
import { loadScenario } from '../sim/scenario/load.ts'
import { median } from '../live/scenario/calibration-report.ts'
import { defaultWorkerCount } from '../live/scenario/coordinator.ts'
import { ProcessGauges } from '../live/scenario/process-gauges.ts'
import { runLive } from '../live/scenario/run-live.ts'
import { newChallenge, proveTo, proverOf } from '../live/link-proof.ts'
import { LIVE_BENCH_BASE, LIVE_BENCH_COMMON, MIN_RUNS } from './live.ts'
import { sig } from './report.ts'

export const SCALE_SIZES = [100, 300, 500, 700, 1000]
/** `cores`: the coordinator's default layout; a number: that many nodes per worker process. */
export type ScaleLayout = 'cores' | number
export const SCALE_LAYOUTS: ScaleLayout[] = ['cores', 25]
/** A size holds at this delivery ratio or better (and with every node linked). */
export const HOLD_DELIVERY = 0.99
/** The issue's goal: p99 propagation latency below this at 500 nodes. */
export const GOAL_P99_MS = 100
/** Gauges at or above this share of their limit count as what limited a run. */
const NEAR_LIMIT = 0.8
/** Event-loop lag (p99) above this counts as a limit: it alone would break the latency goal. */
const LAG_LIMIT_MS = GOAL_P99_MS
const SAMPLE_MS = 1_000
const PROOF_SAMPLES = 200

export interface ScaleOptions {
  sizes: number[]
  layouts: ScaleLayout[]
  repeat: number
  profileDir?: string
}

export interface ScaleRun {
  nodes: number
  workers: number
  /** Nodes that had a neighbour at some point (time to first neighbour samples). */
  nodesLinked: number
  overlayComponents: number
  timeToFirstNeighbourP50Ms: number
  timeToFirstNeighbourP99Ms: number
  latencyP50Ms: number
  latencyP99Ms: number
  latencySamples: number
  deliveryRatio: number
  rssMbPerNode: number
  cpuCoresPerNode: number
  /** Cores used on average: the workers' from time zero to the end, the coordinator's over the whole run. */
  coresUsed: number
  /** The machine's busy share over the run (every process on it, not only ours). */
  machineBusy: number
  /** Cores other work on the machine took over the run: its busy time less ours (this process and its workers, start-up included), per wall second. */
  otherCores: number
  /** The workers' event-loop lag (the worst worker) while messages flowed, and while the nodes joined. */
  workerLoopDelayP99Ms: number
  workerLoopDelayMaxMs: number
  workerJoinLoopDelayP99Ms: number
  coordinatorLoopDelayP99Ms: number
  maxOpenFdsPerWorker: number
  maxThreadsPerWorker: number
  maxUdpSockets: number
  minFreeMemoryMb: number
  webrtcLinks: number
  webrtcConnectsFailed: number
  /** CPU the link proofs cost over the run (2 signatures and 2 recoveries per link), as a share of the workers' and coordinator's CPU. */
  linkProofCpuShare: number
  errors: number
  loadAverage: number
  wallSeconds: number
  held: boolean
  limits: string[]
  /** The first few errors the nodes and the coordinator reported. */
  errorMessages: string[]
}

export interface ScaleResult {
  layout: string
  nodes: number
  runs: ScaleRun[]
  failures: string[]
  median: ScaleRun | null
  held: boolean
}

export interface ScaleOutput {
  /** CPU ms of one link's proofs: both sides sign a challenge and recover the other's key. */
  proofMsPerLink: number
  fdLimit: number
  results: ScaleResult[]
}

/**
 * Nodes join at this rate (the publisher at time zero, the others uniformly over
 * N / JOIN_PER_SECOND s, a flashCrowd; publishers are drawn from the nodes online at zero),
 * and publishing starts SETTLE_S after the last join: the bench measures how many nodes the
 * machine holds, not how fast it links a crowd. A node's joining costs about 80 ms of CPU (link
 * proofs, link setup, signalling; 100 nodes at once, load 2), so 10/s keeps the joins within
 * half of two cores. All N at time zero: 100 held, 300 did not (3,163 ms latency p50, 304
 * failed connects, at load 2 to 6 with 2 workers).
 */
export const JOIN_PER_SECOND = 10
export const SETTLE_S = 5

export function joinWindowSeconds(n: number): number {
  return Math.ceil(n / JOIN_PER_SECOND)
}

/** Both ends of one link: each signs the other's challenge and recovers the signer of its own. */
export function measureLinkProofMs(): number {
  const a = keyPairFromSeed('scale-a')
  const b = keyPairFromSeed('scale-b')
  proverOf(proveTo(a, newChallenge(), 'a', 'b'), newChallenge(), 'a', 'b') // warms the curve's tables
  // CPU time, not wall time: on a loaded machine the wall clock counts other processes' turns.
  const started = process.cpuUsage()
  for (let i = 0; i < PROOF_SAMPLES; i++) {
    const ca = newChallenge()
    const cb = newChallenge()
    proverOf(proveTo(b, ca, 'b', 'a'), ca, 'b', 'a')
    proverOf(proveTo(a, cb, 'a', 'b'), cb, 'a', 'b')
  }
  const used = process.cpuUsage(started)
  return (used.user + used.system) / 1000 / PROOF_SAMPLES
}

function readOr<T>(read: () => T, fallback: T): T {
  try {
    return read()
  } catch {
    return fallback
  }
}

/** The soft limit on open files of this process (the workers inherit it). */
function fdLimit(): number {
  return readOr(() => Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? NaN), NaN)
}

function udpSockets(): number {
  return readOr(() => readdirSync('/proc/net').includes('udp') ? readFileSync('/proc/net/udp', 'utf8').split('\n').length - 2 : NaN, NaN)
}

function ephemeralPorts(): number {
  return readOr(() => {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    return hi - lo + 1
  }, NaN)
}

/**
 * CPU seconds of this process and of its children that have exited (the workers, once reaped):
 * /proc/self/stat's utime, stime, cutime and cstime, in USER_HZ (100 on Linux) ticks.
 */
function ownCpuSeconds(): number {
  return readOr(() => {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[0] is field 3 (state); utime..cstime are fields 14..17.
    return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) / 100
  }, NaN)
}

/** Busy and total CPU time of the machine, ms, summed over its cores. */
function busyTicks(): { busy: number; total: number } {
  let busy = 0
  let total = 0
  for (const c of os.cpus()) {
    const t = c.times
    busy += t.user + t.nice + t.sys + t.irq
    total += t.user + t.nice + t.sys + t.irq + t.idle
  }
  return { busy, total }
}

/** What was at or near its limit in a run, in words; empty when nothing was. */
function limits(r: ScaleRun, fds: number): string[] {
  const out: string[] = []
  const cores = os.availableParallelism()
  if (r.machineBusy >= 0.9) out.push(`CPU: the machine ${Math.round(r.machineBusy * 100)}% busy (ours ${sig(r.coresUsed)} of ${cores} cores)`)
  if (r.workerLoopDelayP99Ms > LAG_LIMIT_MS) out.push(`worker event loop: p99 lag ${sig(r.workerLoopDelayP99Ms)} ms while messages flowed`)
  if (r.workerJoinLoopDelayP99Ms > LAG_LIMIT_MS) out.push(`worker event loop while joining: p99 lag ${sig(r.workerJoinLoopDelayP99Ms)} ms`)
  if (r.coordinatorLoopDelayP99Ms > LAG_LIMIT_MS) out.push(`tracker (coordinator) event loop: p99 lag ${sig(r.coordinatorLoopDelayP99Ms)} ms`)
  if (r.maxOpenFdsPerWorker >= NEAR_LIMIT * fds) out.push(`file descriptors: ${r.maxOpenFdsPerWorker} of ${fds} in a worker`)
  const ports = ephemeralPorts()
  if (r.maxUdpSockets >= NEAR_LIMIT * ports) out.push(`UDP ports: ${r.maxUdpSockets} sockets, ${ports} ephemeral ports`)
  if (r.minFreeMemoryMb <= (1 - NEAR_LIMIT) * os.totalmem() / 2 ** 20) out.push(`memory: ${sig(r.minFreeMemoryMb)} MB free at the least`)
  const named = r.errorMessages.filter((e) => /EMFILE|ENFILE|EADDRINUSE|EADDRNOTAVAIL|ENOMEM|heap/i.test(e))
  if (named.length > 0) out.push(`errors: ${named[0]}`)
  return out
}

async function measure(n: number, layout: ScaleLayout, proofMsPerLink: number, fds: number, profileDir: string | undefined): Promise<ScaleRun> {
  const joinS = joinWindowSeconds(n)
  const scenario = loadScenario(LIVE_BENCH_BASE, {
    set: [...LIVE_BENCH_COMMON, `nodes=${n}`, 'churn.initialNodes=1', `churn.events=[{type: flashCrowd, atS: 0, count: ${n - 1}, withinS: ${joinS}}]`,
      'workload.publishersPerStream=1', 'workload.messagesPerPublisher=100', 'workload.ratePerSecond=10', `workload.warmupS=${joinS + SETTLE_S}`, 'record.deliveries=false'],
  })
  const workers = layout === 'cores' ? defaultWorkerCount(n) : Math.ceil(n / layout)
  // The coordinator (this process) runs the tracker.
  const coordinator = new ProcessGauges()
  let maxUdp = udpSockets()
  let minFree = os.freemem()
  const sampler = setInterval(() => {
    maxUdp = Math.max(maxUdp, udpSockets())
    minFree = Math.min(minFree, os.freemem())
  }, SAMPLE_MS)
  const loadAverage = os.loadavg()[0]
  const cpu0 = process.cpuUsage()
  const ticks0 = busyTicks()
  const own0 = ownCpuSeconds()
  const wall0 = performance.now()
  coordinator.start()
  let run
  try {
    run = await runLive(scenario, { quiet: true, workers, ...(profileDir !== undefined ? { profileDir } : {}) })
  } finally {
    clearInterval(sampler)
  }
  const tracker = coordinator.figures()
  const { summary: s } = run
  const ticks = busyTicks()
  // Workers are reaped by now (the coordinator waited for their exit).
  const ownS = ownCpuSeconds() - own0
  const wallS = (performance.now() - wall0) / 1000
  const coordinatorCpuS = (() => { const c = process.cpuUsage(cpu0); return (c.user + c.system) / 1e6 })()
  const procs = s.live.processes
  const workerCpuS = procs.reduce((sum, p) => sum + p.cpuUserS + p.cpuSystemS, 0)
  const links = s.live.transport.webrtcLinksOpened
  // Every node's WebSocket link to the tracker proves keys too.
  const proofCpuS = (links + n) * proofMsPerLink / 1000
  const r: ScaleRun = {
    nodes: n,
    workers: s.live.workers,
    nodesLinked: s.timeToFirstNeighbourMs.count,
    overlayComponents: s.overlay[0]?.components ?? NaN,
    timeToFirstNeighbourP50Ms: s.timeToFirstNeighbourMs.p50,
    timeToFirstNeighbourP99Ms: s.timeToFirstNeighbourMs.p99,
    latencyP50Ms: s.latencyMs.p50,
    latencyP99Ms: s.latencyMs.p99,
    latencySamples: s.latencyMs.count,
    deliveryRatio: s.deliveryRatio,
    rssMbPerNode: s.live.rssMbPerNode,
    cpuCoresPerNode: s.live.cpuCoresPerNode,
    coresUsed: workerCpuS / s.simulatedSeconds + coordinatorCpuS / s.wallSeconds,
    machineBusy: (ticks.busy - ticks0.busy) / Math.max(1, ticks.total - ticks0.total),
    otherCores: Math.max(0, ((ticks.busy - ticks0.busy) / 1000 - ownS) / wallS),
    workerLoopDelayP99Ms: Math.max(...procs.map((p) => p.loopDelayP99Ms)),
    workerLoopDelayMaxMs: Math.max(...procs.map((p) => p.loopDelayMaxMs)),
    workerJoinLoopDelayP99Ms: Math.max(...procs.map((p) => p.joinLoopDelayP99Ms)),
    coordinatorLoopDelayP99Ms: tracker.loopDelayP99Ms,
    maxOpenFdsPerWorker: Math.max(...procs.map((p) => p.maxOpenFds)),
    maxThreadsPerWorker: Math.max(...procs.map((p) => p.maxThreads)),
    maxUdpSockets: maxUdp,
    minFreeMemoryMb: minFree / 2 ** 20,
    webrtcLinks: links,
    webrtcConnectsFailed: s.live.transport.webrtcConnectsFailed,
    linkProofCpuShare: proofCpuS / (workerCpuS + coordinatorCpuS),
    errors: s.live.errors.count,
    loadAverage,
    wallSeconds: s.wallSeconds,
    held: s.timeToFirstNeighbourMs.count === n && s.deliveryRatio >= HOLD_DELIVERY,
    limits: [],
    errorMessages: s.live.errors.first,
  }
  r.limits = limits(r, fds)
  return r
}

/** Every figure the median of the runs'; what limited it judged on those medians. */
function medianRun(runs: ScaleRun[], fds: number): ScaleRun {
  const numeric = Object.keys(runs[0]).filter((k) => typeof runs[0][k as keyof ScaleRun] === 'number') as (keyof ScaleRun)[]
  const m: ScaleRun = {
    ...runs[0],
    ...Object.fromEntries(numeric.map((k) => [k, median(runs.map((r) => r[k] as number))])),
    held: runs.filter((r) => r.held).length * 2 > runs.length,
    errorMessages: [...new Set(runs.flatMap((r) => r.errorMessages))].slice(0, 5),
  }
  m.limits = limits(m, fds)
  return m
}

export function layoutName(layout: ScaleLayout): string {
  return layout === 'cores' ? 'one worker per core' : `${layout} nodes per worker`
}

export async function liveScaleBench(opts: ScaleOptions, progress: (line: string) => void): Promise<ScaleOutput> {
  const runs = Math.max(MIN_RUNS, opts.repeat)
  const proofMsPerLink = measureLinkProofMs()
  const fds = fdLimit()
  const results: ScaleResult[] = []
  for (const layout of opts.layouts) {
    for (const n of opts.sizes) {
      const figures: ScaleRun[] = []
      const failures: string[] = []
      for (let k = 0; k < runs; k++) {
        progress(`live-scale: ${n} nodes, ${layoutName(layout)}, run ${k + 1} of ${runs} (load ${os.loadavg()[0].toFixed(2)})`)
        const dir = opts.profileDir === undefined ? undefined : join(opts.profileDir, `${layout === 'cores' ? 'cores' : `per${layout}`}-${n}-${k + 1}`)
        try {
          figures.push(await measure(n, layout, proofMsPerLink, fds, dir))
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error))
        }
      }
      const m = figures.length > 0 ? medianRun(figures, fds) : null
      const held = m !== null && m.held && failures.length * 2 < runs
      results.push({ layout: layoutName(layout), nodes: n, runs: figures, failures, median: m, held })
      // A sweep takes long and its tables print at the end: each size's medians as they come.
      progress(`live-scale: ${n} nodes, ${layoutName(layout)}: ${held ? 'held' : 'did not hold'}; ${m === null ? `every run failed: ${failures[0]}`
        : `${m.nodesLinked} linked, latency p50 ${sig(m.latencyP50Ms)} / p99 ${sig(m.latencyP99Ms)} ms, delivery ${sig(m.deliveryRatio)}, ${sig(m.rssMbPerNode)} MB and ${sig(m.cpuCoresPerNode * 100)}% of a core per node`}`)
      if (!held) break
    }
  }
  return { proofMsPerLink, fdLimit: fds, results }
}

export function formatLiveScale(out: ScaleOutput): string {
  const lines = [
    '== Live scale: N real nodes on loopback (WebRTC data channels, one tracker over WebSocket in the coordinator)   [--only live-scale]',
    `N nodes join ${JOIN_PER_SECOND}/s from time zero; ${SETTLE_S} s after the last, 1 publisher sends 100 messages at 10/s, 256 B; no link delays. A size holds with every node linked and delivery >= ${HOLD_DELIVERY}; the first that does not ends its layout's sweep. Medians of the runs; load = 1-minute load average when each run started (it includes the bench's own previous run; "cores others used" below is the machine's busy time less ours).`,
  ]
  const done = out.results.filter((r) => r.median !== null)
  lines.push(formatTable(
    ['layout', 'N', 'runs', 'workers', 'linked', 'first neighbour p50 / p99 ms', 'latency p50 / p99 ms (samples)', 'delivery', `p99 < ${GOAL_P99_MS} ms`, 'RSS MB/node', 'CPU/node (of a core)', 'load', 'held'],
    done.map((r) => {
      const m = r.median!
      return [r.layout, String(r.nodes), String(r.runs.length), String(m.workers), `${m.nodesLinked} of ${r.nodes}`,
        `${sig(m.timeToFirstNeighbourP50Ms)} / ${sig(m.timeToFirstNeighbourP99Ms)}`, `${sig(m.latencyP50Ms)} / ${sig(m.latencyP99Ms)} (${sig(m.latencySamples)})`,
        sig(m.deliveryRatio), m.latencyP99Ms < GOAL_P99_MS ? 'yes' : 'no', sig(m.rssMbPerNode), `${sig(m.cpuCoresPerNode * 100)}%`,
        r.runs.map((x) => x.loadAverage.toFixed(1)).join(' '), r.held ? 'yes' : 'NO']
    }),
  ))
  lines.push('', 'gauges (medians): what each size ran up against')
  lines.push(formatTable(
    ['layout', 'N', 'cores used (ours)', 'machine busy', 'cores others used', 'worker loop lag p99 / max ms (joins: p99)', 'tracker loop lag p99 ms', 'fds / threads per worker', 'UDP sockets', 'min free MB', 'WebRTC links (failed)', 'link proofs, share of CPU', 'limited by'],
    done.map((r) => {
      const m = r.median!
      return [r.layout, String(r.nodes), sig(m.coresUsed), `${sig(m.machineBusy * 100)}%`, sig(m.otherCores), `${sig(m.workerLoopDelayP99Ms)} / ${sig(m.workerLoopDelayMaxMs)} (${sig(m.workerJoinLoopDelayP99Ms)})`,
        sig(m.coordinatorLoopDelayP99Ms), `${sig(m.maxOpenFdsPerWorker)} / ${sig(m.maxThreadsPerWorker)}`, sig(m.maxUdpSockets), sig(m.minFreeMemoryMb),
        `${sig(m.webrtcLinks)} (${sig(m.webrtcConnectsFailed)})`, `${sig(m.linkProofCpuShare * 100)}%`, m.limits.length === 0 ? 'nothing near its limit' : m.limits.join('; ')]
    }),
  ))
  for (const r of out.results) {
    for (const f of r.failures) lines.push(`FAILED run, ${r.layout}, ${r.nodes} nodes: ${f}`)
    if (r.median !== null && r.median.errors > 0) lines.push(`${r.layout}, ${r.nodes} nodes: ${sig(r.median.errors)} errors reported (median), first: ${r.median.errorMessages.join(' | ')}`)
  }
  const largest = (layout: string) => out.results.filter((r) => r.layout === layout && r.held).at(-1)
  for (const layout of [...new Set(out.results.map((r) => r.layout))]) {
    const best = largest(layout)
    lines.push(`${layout}: ${best === undefined ? 'no size held' : `the largest size that held is ${best.nodes} nodes`}`)
  }
  lines.push(`link proofs (live/link-proof.ts): ${sig(out.proofMsPerLink)} ms of CPU per link (2 secp256k1 signatures + 2 recoveries, measured here), counted for every WebRTC link and every node's tracker link; open file limit ${sig(out.fdLimit)}`)
  return lines.join('\n')
}

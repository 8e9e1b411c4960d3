// One whole scenario run in its own process, so its peak RSS is its own. Mirrors sim/runner.ts
// (build, step to the end, summarize) but times the build apart from the event loop; prints
// one JSON line for bench/macro.ts. Usage: node --import tsx bench/macro-child.ts FILE [a.b=v ...]
// With WALL_LIMIT_S in the environment the run stops after that many wall seconds and reports
// how far it got (simulated seconds, nodes joined), so a scale this machine cannot finish in
// reasonable time is measured rather than left out. With --bare first it runs the bare
// typed-array flood of the same scenario instead (bare-flood.ts) and prints a BareChildResult.

import { loadScenario } from '../sim/scenario/load.ts'
import { EVENTS_PER_CHUNK } from '../sim/runner.ts'
import { Simulation } from '../sim/simulation.ts'
import { summarize } from '../sim/results/summarize.ts'
import { bareFlood } from './bare-flood.ts'

export interface ChildResult {
  nodes: number
  published: number
  firstReceipts: number
  duplicates: number
  deliveryRatio: number
  events: number
  simulatedSeconds: number
  /** Building the Simulation: nodes, latency model, overlay definition. */
  setupSeconds: number
  /** The event loop, from time zero (joins, handshakes, warm-up) to the end. */
  runSeconds: number
  /** setup + run, as the CLI's summary.json wallSeconds counts it. */
  wallSeconds: number
  /** CPU time (user + system) of setup + run: on a shared machine, what the run itself cost. */
  cpuSeconds: number
  summarizeSeconds: number
  /** RSS before the scenario was loaded: node + tsx + modules. */
  startRssMb: number
  peakRssMb: number
  timeToDataP50Ms: number
  timeToDataP99Ms: number
  timeToDataCount: number
  /** 1 when the run reached its end, 0 when WALL_LIMIT_S stopped it first. */
  completed: number
  /** Nodes that had joined by the end (or the stop). */
  joined: number
  /** Nodes that had reached the overlay's target degree by then (DHT: joinTimeMs count). */
  atTargetDegree: number
}

export interface BareChildResult {
  firstReceipts: number
  duplicates: number
  setupSeconds: number
  runSeconds: number
  wallSeconds: number
  cpuSeconds: number
  peakRssMb: number
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start)
  return (u.user + u.system) / 1e6
}

const args = process.argv.slice(2)
const bare = args[0] === '--bare'
const [file, ...set] = bare ? args.slice(1) : args
if (file === undefined) throw new Error('usage: macro-child.ts [--bare] FILE [path=value ...]')
const startRssMb = process.memoryUsage().rss / 2 ** 20
const scenario = loadScenario(file, { set })
const cpu0 = process.cpuUsage()
if (bare) {
  const r = bareFlood(scenario)
  const result: BareChildResult = {
    ...r, wallSeconds: r.setupSeconds + r.runSeconds, cpuSeconds: cpuSecondsSince(cpu0), peakRssMb: process.resourceUsage().maxRSS / 1024,
  }
  console.log(JSON.stringify(result))
  process.exit(0)
}
const t0 = performance.now()
const simulation = new Simulation(scenario)
const t1 = performance.now()
const wallLimitMs = process.env.WALL_LIMIT_S === undefined ? Infinity : Number(process.env.WALL_LIMIT_S) * 1000
let completed = 1
while (simulation.step(EVENTS_PER_CHUNK)) {
  if (performance.now() - t1 > wallLimitMs) {
    completed = 0
    break
  }
}
const t2 = performance.now()
const cpuSeconds = cpuSecondsSince(cpu0)
const summary = summarize(simulation, { wallSeconds: (t2 - t0) / 1000, startedAt: new Date().toISOString() })
const t3 = performance.now()
const result: ChildResult = {
  nodes: summary.nodes,
  published: summary.published,
  firstReceipts: summary.firstReceipts,
  duplicates: summary.duplicates,
  deliveryRatio: summary.deliveryRatio,
  events: summary.events,
  simulatedSeconds: summary.simulatedSeconds,
  setupSeconds: (t1 - t0) / 1000,
  runSeconds: (t2 - t1) / 1000,
  wallSeconds: (t2 - t0) / 1000,
  cpuSeconds,
  summarizeSeconds: (t3 - t2) / 1000,
  startRssMb,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  timeToDataP50Ms: summary.timeToDataMs.p50,
  timeToDataP99Ms: summary.timeToDataMs.p99,
  timeToDataCount: summary.timeToDataMs.count,
  completed,
  joined: summary.churn.joined,
  atTargetDegree: summary.joinTimeMs.count,
}
console.log(JSON.stringify(result))

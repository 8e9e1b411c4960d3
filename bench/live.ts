// The live benchmark group (`npm run bench -- --only live`; not part of --quick): 100 real nodes
// on loopback, each run a live scenario run (live/scenario/) with its worker processes, and the
// sim-versus-live calibration table. Every figure is the median over the runs of what each run's
// summary measured; nothing here is estimated.
//   - join: 100 nodes join one tracker at time zero; time to first neighbour and time to data.
//   - light load: one publisher, 20 messages/s: propagation latency, CPU and memory per node.
//   - saturation: four publishers offering 400 messages/s in all, more than two cores relay:
//     the rate the overlay carried (published messages / time from first publish to last
//     receipt), receipts per node per second, CPU per receipt.
//   - calibration: scenarios/calibration.yaml simulated and run live (calibration-run.ts).

import { join } from 'node:path'
import { formatTable } from '../sim/results/table.ts'
import { PROJECT_ROOT } from '../sim/results/run-metadata.ts'
import { loadScenario } from '../sim/scenario/load.ts'
import type { Scenario } from '../sim/scenario/types.ts'
import { calibrate } from '../live/scenario/calibration-run.ts'
import { median } from '../live/scenario/calibration-report.ts'
import { runLive } from '../live/scenario/run-live.ts'
import { sig } from './report.ts'

export interface LiveBenchOptions {
  /** Runs per workload; at least MIN_RUNS. */
  repeat: number
}

/** Medians of fewer live runs than this say little on a shared machine. */
export const MIN_RUNS = 3

export interface LiveFigures {
  timeToFirstNeighbourP50Ms: number
  timeToFirstNeighbourP99Ms: number
  timeToDataP50Ms: number
  timeToDataP99Ms: number
  latencyP50Ms: number
  latencyP99Ms: number
  deliveryRatio: number
  /** Worker CPU from time zero to the end, per node, as a share of one core. */
  cpuCoresPerNode: number
  rssMbPerNode: number
  /** Saturation workload only (NaN otherwise). */
  carriedMessagesPerSecond: number
  receiptsPerNodePerSecond: number
  sendsPerNodePerSecond: number
  cpuMsPerThousandReceipts: number
}

export interface LiveBenchResult {
  workload: string
  description: string
  runs: LiveFigures[]
  median: LiveFigures | null
  errors: string[]
}

export interface LiveBenchOutput {
  workloads: LiveBenchResult[]
  calibration: { markdown: string; files: string[] } | { error: string }
}

export const LIVE_BENCH_BASE = join(PROJECT_ROOT, 'scenarios/quickstart.yaml')
export const LIVE_BENCH_COMMON = [
  'name=live-bench', 'nodes=100', 'topology.builder=tracker', 'topology.degree=4', 'topology.trackers=1',
  'network.latency={model: fixed, ms: 0}', 'budgets=[]', 'workload.payloadBytes=256',
]

const WORKLOADS: { name: string; description: string; set: string[] }[] = [
  {
    name: 'light load',
    description: '100 nodes join one tracker at time zero; 1 publisher, 200 messages at 20/s after 3 s; 256 B; loopback, no link delays',
    set: [...LIVE_BENCH_COMMON, 'workload.publishersPerStream=1', 'workload.messagesPerPublisher=200', 'workload.ratePerSecond=20', 'workload.warmupS=3', 'record.deliveries=false'],
  },
  {
    name: 'saturation',
    description: '100 nodes; 4 publishers, 200 messages each at 100/s (400/s offered) after 3 s; 256 B; loopback',
    set: [...LIVE_BENCH_COMMON, 'workload.publishersPerStream=4', 'workload.messagesPerPublisher=200', 'workload.ratePerSecond=100', 'workload.warmupS=3', 'record.deliveries=true'],
  },
]

async function measure(scenario: Scenario): Promise<LiveFigures> {
  const { summary: s, record } = await runLive(scenario, { quiet: true })
  const receipts = s.firstReceipts + s.duplicates
  const cpuSeconds = s.live.processes.reduce((sum, p) => sum + p.cpuUserS + p.cpuSystemS, 0)
  let carried = NaN
  let perNode = NaN
  let sends = NaN
  const log = record.metrics.deliveryLog
  if (log !== null && log.length > 0) {
    let last = 0
    for (let i = 0; i < log.length; i++) last = Math.max(last, log.receivedAtMs[i])
    const first = Math.min(...record.metrics.messagePublishedAtMs)
    const activeS = (last - first) / 1000
    carried = s.published / activeS
    perNode = receipts / s.nodes / activeS
    sends = s.payloadTransmissions / s.nodes / activeS
  }
  return {
    timeToFirstNeighbourP50Ms: s.timeToFirstNeighbourMs.p50,
    timeToFirstNeighbourP99Ms: s.timeToFirstNeighbourMs.p99,
    timeToDataP50Ms: s.timeToDataMs.p50,
    timeToDataP99Ms: s.timeToDataMs.p99,
    latencyP50Ms: s.latencyMs.p50,
    latencyP99Ms: s.latencyMs.p99,
    deliveryRatio: s.deliveryRatio,
    cpuCoresPerNode: s.live.cpuCoresPerNode,
    rssMbPerNode: s.live.rssMbPerNode,
    carriedMessagesPerSecond: carried,
    receiptsPerNodePerSecond: perNode,
    sendsPerNodePerSecond: sends,
    cpuMsPerThousandReceipts: receipts === 0 ? NaN : (cpuSeconds * 1000) / (receipts / 1000),
  }
}

function medianFigures(runs: LiveFigures[]): LiveFigures {
  const keys = Object.keys(runs[0]) as (keyof LiveFigures)[]
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as LiveFigures
}

export async function liveBench(opts: LiveBenchOptions, progress: (line: string) => void): Promise<LiveBenchOutput> {
  const runs = Math.max(MIN_RUNS, opts.repeat)
  const workloads: LiveBenchResult[] = []
  for (const w of WORKLOADS) {
    const scenario = loadScenario(LIVE_BENCH_BASE, { set: w.set })
    const figures: LiveFigures[] = []
    const errors: string[] = []
    for (let r = 0; r < runs; r++) {
      progress(`live: ${w.name}, run ${r + 1} of ${runs}`)
      try {
        figures.push(await measure(scenario))
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error))
      }
    }
    workloads.push({ workload: w.name, description: w.description, runs: figures, median: figures.length > 0 ? medianFigures(figures) : null, errors })
  }
  progress(`live: calibration, ${runs} live runs`)
  let calibration: LiveBenchOutput['calibration']
  try {
    const c = await calibrate(loadScenario(join(PROJECT_ROOT, 'scenarios/calibration.yaml')), { runs, out: join(PROJECT_ROOT, 'results', 'calibration'), quiet: true })
    calibration = { markdown: c.markdown, files: c.files }
  } catch (error) {
    calibration = { error: error instanceof Error ? error.message : String(error) }
  }
  return { workloads, calibration }
}

export function formatLive(out: LiveBenchOutput): string {
  const lines = ['== Live: real nodes on loopback (WebRTC data channels, one tracker over WebSocket), 2 worker processes   [--only live]']
  for (const w of out.workloads) {
    lines.push(`${w.workload}: ${w.description}; ${w.runs.length} run(s), medians below`)
    for (const e of w.errors) lines.push(`FAILED run of ${w.workload}: ${e}`)
  }
  const rows = out.workloads.filter((w) => w.median !== null).map((w) => {
    const m = w.median!
    return [w.workload, String(w.runs.length), `${sig(m.timeToFirstNeighbourP50Ms)} / ${sig(m.timeToFirstNeighbourP99Ms)}`, `${sig(m.timeToDataP50Ms)} / ${sig(m.timeToDataP99Ms)}`,
      `${sig(m.latencyP50Ms)} / ${sig(m.latencyP99Ms)}`, sig(m.deliveryRatio), `${sig(m.cpuCoresPerNode * 100)}%`, sig(m.rssMbPerNode)]
  })
  lines.push(formatTable(['workload', 'runs', 'first neighbour p50 / p99 ms', 'time to data p50 / p99 ms', 'latency p50 / p99 ms', 'delivery', 'CPU per node (of a core)', 'RSS MB per node'], rows))
  const sat = out.workloads.filter((w) => w.median !== null && Number.isFinite(w.median.carriedMessagesPerSecond))
  if (sat.length > 0) {
    lines.push('', formatTable(['workload', 'runs', 'messages/s carried (network)', 'receipts/s per node', 'sends/s per node', 'CPU ms per 1,000 receipts'],
      sat.map((w) => [w.workload, String(w.runs.length), sig(w.median!.carriedMessagesPerSecond), sig(w.median!.receiptsPerNodePerSecond), sig(w.median!.sendsPerNodePerSecond), sig(w.median!.cpuMsPerThousandReceipts)])))
    lines.push('carried = published / (last receipt - first publish); a receipt is a first receipt or a duplicate; CPU is the worker processes\' user + system time')
  }
  lines.push('', '== Sim versus live calibration (scenarios/calibration.yaml)')
  if ('error' in out.calibration) lines.push(`FAILED: ${out.calibration.error}`)
  else lines.push(out.calibration.markdown, `written: ${out.calibration.files.join(', ')}`)
  return lines.join('\n')
}

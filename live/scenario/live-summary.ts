// summary.json of a live run: the simulator's summary computed from the replayed record (so every
// shared field means what it means for a simulated run), marked `transport: "live"`, with a
// `live` section on how the run was carried out: processes, link delays and the shim's own
// timing error, CPU and memory per node, and the transports' counters. Fields that mean
// something else live than simulated:
//   - simulatedSeconds: scenario seconds of real time from time zero to the end of the run;
//   - events, eventsPerSecond: events the nodes recorded (joins, publishes, receipts, neighbour
//     changes), not simulator events;
//   - peakRssMb: the sum of every process's peak RSS (coordinator and workers), an upper bound
//     on the run's peak;
//   - trackers[].messagesReceived: statuses and signals; live signalling (WebRTC offers,
//     answers, candidates) goes through the trackers, the simulator has none.

import type { Distribution, Summary } from '../../sim/results/summary-types.ts'
import { summarize } from '../../sim/results/summarize.ts'
import { checkBudgets } from '../../sim/results/budget-check.ts'
import { distributionOf } from '../../sim/metrics/sample-buffer.ts'
import type { LiveOutcome } from './coordinator.ts'
import type { LiveRunRecord } from './replay.ts'
import type { ProcessFigures } from './worker-protocol.ts'

export interface LiveRunInfo {
  /** Worker processes the nodes ran in; trackers ran in the coordinator. */
  workers: number
  /** The clock every time in the run was read from. */
  clock: string
  /** `shim`: each transmission held for the scenario's latency model (live/delayed-transport.ts); `none`: loopback as it is. */
  linkDelays: 'shim' | 'none'
  /** How much later than due the shim released transmissions (its own error), in ms. */
  shimLatenessMs: Distribution | null
  /** Why the run stopped: no receipts for a while after the last scripted action, or durationS. */
  endReason: 'quiet' | 'durationS'
  /** Wall seconds before time zero: trackers, worker processes, nodes. */
  startupSeconds: number
  /** CPU (user + system) of the workers from time zero to the end, per node, as a share of one core. */
  cpuCoresPerNode: number
  /** Worker RSS at the end minus before any node existed, per node. */
  rssMbPerNode: number
  processes: (ProcessFigures & { worker: number; nodes: number })[]
  transport: {
    webrtcLinksOpened: number
    webrtcConnectsFailed: number
    webrtcAttemptsFailed: number
    signalsRelayed: number
    /** Static builder: failed connects to a graph neighbour tried again (static-live-overlay.ts). */
    staticRedials: number
    droppedOnClosedLinks: number
    droppedBackpressure: number
    garbageFrames: number
  }
  /** Receipts whose sender had no earlier first receipt on the machine clock (hops fall back to 1). */
  hopsUnknown: number
  errors: { count: number; first: string[] }
}

export type LiveSummary = Summary & { transport: 'live'; live: LiveRunInfo }

export function summarizeLive(record: LiveRunRecord, outcome: LiveOutcome, wall: { wallSeconds: number; startedAt: string }): LiveSummary {
  const base = summarize(record, wall)
  const workers = outcome.results
  const sum = (f: (p: ProcessFigures) => number) => workers.reduce((s, r) => s + f(r.process), 0)
  const nodes = record.scenario.nodes
  const scenarioSeconds = outcome.endMs / 1000
  const lateness = Float64Array.from([...workers.flatMap((r) => Array.from(r.shimLatenessMs)), ...outcome.trackerShimLatenessMs]).sort()
  const t = (k: 'sentOnClosed' | 'droppedBackpressure' | 'garbageFrames') =>
    workers.reduce((s, r) => s + r.transport.webrtc[k] + r.transport.websocket[k], 0)
  const errors = [outcome.errors, ...workers.map((r) => r.errors)]
  const live: LiveRunInfo = {
    workers: outcome.workers,
    clock: 'CLOCK_MONOTONIC via process.hrtime, one clock for every process of the run',
    linkDelays: workers.some((r) => r.transport.shim !== null) ? 'shim' : 'none',
    shimLatenessMs: lateness.length === 0 ? null : distributionOf(lateness),
    endReason: outcome.endReason,
    startupSeconds: outcome.startupSeconds,
    cpuCoresPerNode: scenarioSeconds > 0 ? sum((p) => p.cpuUserS + p.cpuSystemS) / scenarioSeconds / nodes : NaN,
    rssMbPerNode: (sum((p) => p.rssAtEndMb) - sum((p) => p.rssBeforeNodesMb)) / nodes,
    processes: workers.map((r) => ({ worker: r.worker, nodes: r.nodes.length, ...r.process })),
    transport: {
      webrtcLinksOpened: workers.reduce((s, r) => s + r.transport.webrtc.connectionsOpened, 0) / 2,
      webrtcConnectsFailed: workers.reduce((s, r) => s + r.transport.webrtc.connectsFailed, 0),
      webrtcAttemptsFailed: workers.reduce((s, r) => s + r.transport.rtc.attemptsFailed, 0),
      signalsRelayed: outcome.signalsRelayed,
      staticRedials: workers.reduce((s, r) => s + r.staticRedials, 0),
      droppedOnClosedLinks: t('sentOnClosed'),
      droppedBackpressure: t('droppedBackpressure'),
      garbageFrames: t('garbageFrames'),
    },
    hopsUnknown: record.metrics.copiesFromNonReceivers,
    errors: { count: errors.reduce((s, e) => s + e.count, 0), first: errors.flatMap((e) => e.first).slice(0, 10) },
  }
  const { scenario, seed, version, commit, ...rest } = base
  const summary: LiveSummary = {
    scenario, seed, version, commit, transport: 'live', ...rest,
    peakRssMb: Math.round(base.peakRssMb + sum((p) => p.maxRssMb)),
    live,
  }
  summary.budgets = checkBudgets(record.scenario.budgets, summary)
  return summary
}

// What the coordinator and its worker processes say to each other over the IPC channel
// (structured clone, so typed arrays cross as they are). One run:
//   coordinator -> init; worker -> ready (nodes built, relay links up, DHT servers listening)
//   coordinator -> start (time zero on the machine clock, every DHT server's URL); workers run the plan
//   static builder: worker -> joined / left; coordinator -> joinOrder / departed, to every worker
//   worker -> progress, every PROGRESS_INTERVAL_MS
//   coordinator -> finish; worker -> result (records, final neighbours, counters), then exits

import type { TrackerAddress } from '../live-node.ts'
import type { Scenario } from '../../sim/scenario/types.ts'
import type { RecordColumns, SendCounters } from './event-recorder.ts'
import type { NodeCounters } from './scenario-node.ts'
import type { DhtFigures } from './dht-figures.ts'
import type { MessageLayerCounts } from '../../sim/metrics/message-layer-counts.ts'

export const PROGRESS_INTERVAL_MS = 250

/** DHT builder: node index -> the ws:// URL of its server. */
export type ServerUrls = [number, string][]

export interface WorkerInit {
  type: 'init'
  scenario: Scenario
  worker: number
  /** Node indices this worker runs. */
  nodes: number[]
  /** Tracker builder: the scenario's trackers, in order. */
  trackers: TrackerAddress[]
  /** Static builder: the tracker that relays signalling. */
  relay: TrackerAddress | null
  /** Profile the run into this folder (worker-profiler.ts). */
  profileDir?: string
}

export type ToWorker =
  | WorkerInit
  | { type: 'start'; t0: number; servers?: ServerUrls }
  | { type: 'joinOrder'; node: number; seq: number }
  | { type: 'departed'; node: number }
  | { type: 'finish' }

export interface ProcessFigures {
  /** RSS once the modules were loaded, before any node existed. */
  rssBeforeNodesMb: number
  /** RSS with every node built (and linked to the relay), before time zero. */
  rssReadyMb: number
  rssAtEndMb: number
  /** Peak RSS of the worker process over its life. */
  maxRssMb: number
  /** CPU the process used from time zero to the final snapshot. */
  cpuUserS: number
  cpuSystemS: number
  /**
   * How late the event loop ran timers (perf_hooks.monitorEventLoopDelay), ms: from the run's
   * first publish to the end, and (joinLoopDelay*) from time zero to the first publish; with no
   * publish, the whole run and NaN.
   */
  loopDelayP50Ms: number
  loopDelayP99Ms: number
  loopDelayMaxMs: number
  joinLoopDelayP99Ms: number
  joinLoopDelayMaxMs: number
  /** Most open file descriptors and threads seen at a progress tick (Linux /proc; NaN elsewhere). */
  maxOpenFds: number
  maxThreads: number
}

export interface WorkerResult {
  worker: number
  nodes: number[]
  records: RecordColumns
  counters: SendCounters
  /** Per stream part: for each node online at the end, its neighbours' node indices. */
  neighbours: Record<string, [number, number[]][]>
  /** Sums of the nodes' transport counters. */
  transport: NodeCounters
  /** Static builder: WebRTC connects to a graph neighbour that failed and were tried again. */
  staticRedials: number
  /** How late (ms) the delay shim released each transmission; empty without a shim. */
  shimLatenessMs: Float64Array
  process: ProcessFigures
  /** DHT builder: the raw samples of the run's DHT figures (dht-figures.ts). */
  dht?: DhtFigures
  /** Scenarios that run the message layer: its roles' counters summed over the worker's nodes. */
  messageLayer?: MessageLayerCounts
  /** Exceptions the nodes' timers and transports reported, with the first few messages. */
  errors: { count: number; first: string[] }
}

export type FromWorker =
  | { type: 'ready'; servers?: ServerUrls }
  | { type: 'joined'; node: number }
  | { type: 'left'; node: number }
  | { type: 'progress'; published: number; firstReceipts: number; duplicates: number; appDeliveries: number }
  | { type: 'result'; result: WorkerResult }
  | { type: 'failed'; message: string }

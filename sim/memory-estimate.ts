// How much memory a simulated run will need, estimated before anything is built, so that a run
// this machine cannot hold is refused with the estimate and the limit instead of dying out of
// memory an hour in. The coefficients are measured (peak RSS of flood-100k-style runs on this
// project's machine at 100,000 nodes x 100 messages and 1,000,000 nodes x 10); they are
// upper-side estimates for refusing, not predictions to report.

import { getHeapStatistics } from 'node:v8'
import { totalmem } from 'node:os'
import { InputError } from './input-error.ts'
import type { Scenario } from './scenario/types.ts'

/** The process before any node: Node.js, the modules, the engine. */
export const BASE_BYTES = 150e6
/**
 * Per node on a static overlay: its NetworkNode, stream part, links and metrics slots (about
 * 2.6 kB a node once joined) and, at the peak, its share of the join at time zero, when every
 * link attempt's signalling and timers are pending at once. A million nodes peaked at 4.25 GB
 * during their joins (before: 4.5 GB with 5 messages); 100,000 at 0.91 GB (before: 1.25 GB),
 * where V8 leaves the heap more room to grow, so per node the smaller run looks larger.
 */
export const STATIC_NODE_BYTES = 4_500
/** Per node with trackers: the tracker client, the trackers' graphs and instructions. */
export const TRACKER_NODE_BYTES = 9_000
/**
 * Per node of the DHT overlay: its two DHTs' tables, RPC state and a link to hundreds of peers
 * during a join wave. Peak RSS was 898 MB at 1,000 nodes and 2.9 GB at 3,000 (dht-1k.yaml, and
 * dht-10k.yaml at 3,000 nodes); the live heap after a collection is nearer 200 kB a node, so
 * this refuses only what cannot fit.
 */
export const DHT_NODE_BYTES = 400_000
/** Per node running the message layer: identity, publisher or subscriber, validator, caches. */
export const MESSAGE_LAYER_NODE_BYTES = 65_000
/**
 * Per node and message: the latency (8 bytes), hop and stretch (4 each) samples of a first
 * receipt, reserved up front, and its slot in the message's hop table (2).
 */
export const RECEIPT_BYTES = 18
/** Per node and message with record.deliveries: about three rows (first copy and duplicates) of ~30 bytes. */
export const DELIVERY_LOG_BYTES = 100
/** Typed arrays and buffers live outside the JavaScript heap: this much beyond its limit is allowed. */
export const OFF_HEAP_ALLOWANCE_BYTES = 1e9

export interface MemoryEstimate {
  bytes: number
  /** What it is made of, for the message. */
  parts: string
}

export function estimateMemory(s: Scenario, messageLayer: boolean): MemoryEstimate {
  const builderBytes = s.topology.builder === 'tracker' ? TRACKER_NODE_BYTES : s.topology.builder === 'dht' ? DHT_NODE_BYTES : STATIC_NODE_BYTES
  const perNode = builderBytes + (messageLayer ? MESSAGE_LAYER_NODE_BYTES : 0)
  const messages = s.workload.streams * s.workload.publishersPerStream * s.workload.messagesPerPublisher
  const perReceipt = RECEIPT_BYTES + (s.record.deliveries ? DELIVERY_LOG_BYTES : 0)
  const receipts = s.nodes * messages
  const bytes = BASE_BYTES + s.nodes * perNode + receipts * perReceipt
  const parts = `${s.nodes.toLocaleString('en-US')} nodes at ${(perNode / 1000).toFixed(1)} kB, `
    + `${receipts.toLocaleString('en-US')} node-messages at ${perReceipt} B`
  return { bytes, parts }
}

/** The most a run may use here: the JavaScript heap limit plus the off-heap allowance, within 90% of RAM. */
export function memoryLimitBytes(): { bytes: number; why: string } {
  const heap = getHeapStatistics().heap_size_limit
  const ram = 0.9 * totalmem()
  return heap + OFF_HEAP_ALLOWANCE_BYTES < ram
    ? { bytes: heap + OFF_HEAP_ALLOWANCE_BYTES, why: `the Node.js heap limit of ${mb(heap)} plus ${mb(OFF_HEAP_ALLOWANCE_BYTES)} outside it` }
    : { bytes: ram, why: `90% of this machine's ${mb(totalmem())}` }
}

/** Throws an InputError naming the file, the estimate and the limit if the run will not fit. */
export function assertFitsInMemory(s: Scenario, messageLayer: boolean, maxMemoryMb?: number): void {
  const estimate = estimateMemory(s, messageLayer)
  const limit = maxMemoryMb !== undefined ? { bytes: maxMemoryMb * 1e6, why: 'set by --max-memory-mb' } : memoryLimitBytes()
  if (estimate.bytes <= limit.bytes) return
  throw new InputError(`${s.sourceFile}: nodes: got ${s.nodes.toLocaleString('en-US')}, expected a run this machine can hold: `
    + `it needs about ${mb(estimate.bytes)} (${estimate.parts}), the limit is ${mb(limit.bytes)} (${limit.why}), for one run alone or in one worker thread of --jobs; `
    + 'lower nodes or messages, or raise the limit with --max-memory-mb N (and NODE_OPTIONS=--max-old-space-size=N)')
}

/**
 * How many runs of `bytes` each fit side by side in 90% of this machine's memory, the most
 * --jobs may run at once (worker threads share the process). At least 1: each run alone was
 * checked by assertFitsInMemory.
 */
export function runsThatFit(bytes: number): number {
  return Math.max(1, Math.floor((0.9 * totalmem()) / bytes))
}

export function mb(bytes: number): string {
  return `${Math.round(bytes / 1e6).toLocaleString('en-US')} MB`
}

// How far a live run is from the simulated run of the same scenario: the same seeded static
// graph, the same per-link delays (the live ones by the delay shim), the same publish schedule.
// Two views of the latency gap:
//   - the distributions: two-sample Kolmogorov-Smirnov distance and percentile differences;
//   - receipt by receipt: the k-th message of a publisher reaches a node after the simulated
//     time plus whatever the live path adds (transport, event loops, the shim's own error).
//     The simulator is deterministic and the delays are the same, so this difference is the
//     live overhead itself, and its size per hop is the calibration's answer.
// Duplicates must match exactly where the overlay is the same: flooding sends each message over
// every link once in each direction but the one it came from, whatever the timing.

import { ksCoefficient } from '../../sim/churn/ks-test.ts'
import type { DeliveryLog } from '../../sim/metrics/delivery-log.ts'
import { distributionOf } from '../../sim/metrics/sample-buffer.ts'
import type { Distribution, Summary } from '../../sim/results/summary-types.ts'

export const KS_ALPHA = 0.05

export interface RunSample {
  summary: Summary
  /** First-receipt latencies, sorted. */
  latencies: Float64Array
  log: DeliveryLog
  nodeIds: readonly string[]
  /** Publisher ids in the log -> node ids, where they differ (the simulator's message layer names publishers by signing address). */
  publisherNodes?: ReadonlyMap<string, string>
  /** Scenarios that run the message layer: publish-to-app latencies, sorted. */
  appLatencies?: Float64Array
}

export interface Comparison {
  /** sup |F_sim - F_live| over the latency distributions. */
  ksDistance: number
  /** The two-sample critical value at KS_ALPHA: a larger distance says the distributions differ. */
  ksCritical: number
  /** First receipts matched by (publisher, k-th message, node) in both runs. */
  matchedReceipts: number
  /** Live minus simulated latency of the same receipt, in ms. */
  receiptGapMs: Distribution
  /** The same, divided by the simulated receipt's hops: the live overhead per hop. */
  gapPerHopMs: Distribution
  /** Share of matched receipts whose first copy came from the same neighbour in both runs. */
  sameSenderShare: number
  /** The message layer: KS distance between the app latency distributions (NaN without one). */
  appKsDistance: number
  appKsCritical: number
}

/** Two-sample Kolmogorov-Smirnov statistic of two sorted samples. */
export function twoSampleKs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let i = 0
  let j = 0
  let d = 0
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i], b[j])
    while (i < a.length && a[i] <= x) i++
    while (j < b.length && b[j] <= x) j++
    d = Math.max(d, Math.abs(i / a.length - j / b.length))
  }
  return d
}

/** c(alpha) * sqrt((n + m) / (n m)). */
export function twoSampleKsCritical(n: number, m: number, alpha = KS_ALPHA): number {
  return ksCoefficient(alpha) * Math.sqrt((n + m) / (n * m))
}

interface Receipt {
  latencyMs: number
  hops: number
  from: string
}

/** First receipts by `publisher/ordinal/node`: the k-th message of each publisher, in publish order. */
function firstReceipts(run: RunSample): Map<string, Receipt> {
  const log = run.log
  const ordinal: number[] = []
  const seen = new Map<string, number>()
  const names: string[] = []
  for (let m = 0; m < log.messageIds.length; m++) {
    const p = run.publisherNodes?.get(log.publishers[m]) ?? log.publishers[m]
    names.push(p)
    const k = seen.get(p) ?? 0
    seen.set(p, k + 1)
    ordinal.push(k)
  }
  const out = new Map<string, Receipt>()
  for (let i = 0; i < log.length; i++) {
    if (log.duplicate[i] === 1 || log.message[i] < 0) continue
    const m = log.message[i]
    out.set(`${names[m]}/${ordinal[m]}/${run.nodeIds[log.node[i]]}`, {
      latencyMs: log.receivedAtMs[i] - log.publishedAtMs[m], hops: log.hops[i], from: run.nodeIds[log.from[i]],
    })
  }
  return out
}

/** First receipts present in both runs, paired. */
function matchReceipts(sim: RunSample, live: RunSample): { sim: Receipt; live: Receipt }[] {
  const simReceipts = firstReceipts(sim)
  const out: { sim: Receipt; live: Receipt }[] = []
  for (const [key, l] of firstReceipts(live)) {
    const s = simReceipts.get(key)
    if (s !== undefined) out.push({ sim: s, live: l })
  }
  return out
}

export function compareRuns(sim: RunSample, live: RunSample): Comparison {
  const pairs = matchReceipts(sim, live)
  const sorted = (xs: number[]) => Float64Array.from(xs).sort()
  return {
    ksDistance: twoSampleKs(sim.latencies, live.latencies),
    ksCritical: twoSampleKsCritical(sim.latencies.length, live.latencies.length),
    matchedReceipts: pairs.length,
    receiptGapMs: distributionOf(sorted(pairs.map((p) => p.live.latencyMs - p.sim.latencyMs))),
    gapPerHopMs: distributionOf(sorted(pairs.map((p) => (p.live.latencyMs - p.sim.latencyMs) / Math.max(1, p.sim.hops)))),
    sameSenderShare: pairs.length === 0 ? NaN : pairs.filter((p) => p.live.from === p.sim.from).length / pairs.length,
    ...appKs(sim.appLatencies, live.appLatencies),
  }
}

function appKs(sim: Float64Array | undefined, live: Float64Array | undefined): { appKsDistance: number; appKsCritical: number } {
  if (sim === undefined || live === undefined || sim.length === 0 || live.length === 0) return { appKsDistance: NaN, appKsCritical: NaN }
  return { appKsDistance: twoSampleKs(sim, live), appKsCritical: twoSampleKsCritical(sim.length, live.length) }
}

/** Live minus simulated latency of every matched first receipt, for a histogram. */
export function receiptGaps(sim: RunSample, live: RunSample): number[] {
  return matchReceipts(sim, live).map((p) => p.live.latencyMs - p.sim.latencyMs)
}

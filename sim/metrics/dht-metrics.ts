// What the Tatum overlay's DHTs did and how they stand at the end: lookups (requests and hops
// per lookup, by layer), routing table fill, links per node (all of layer 0, and the content
// links of layer 2), routed messages, RPC outcomes, links closed by the cap, and the stream
// part's stored entry points. Observes only.

import { dhtKeyOf } from '../../core/dht/dht-id.ts'
import type { DhtObserver, JoinPhase } from '../../core/dht/dht-node.ts'
import type { LookupResult } from '../../core/dht/lookup.ts'
import type { DhtOverlay } from '../../core/dht-overlay/dht-overlay.ts'
import type { TatumNode } from '../../core/dht-overlay/tatum-node.ts'
import type { Distribution } from '../results/summary-types.ts'
import { SampleBuffer, distributionOf } from './sample-buffer.ts'
import { JoinPhaseTimes, type ReachedPhase } from './join-phases.ts'

export interface LookupSummary {
  /** Lookups that ended (joins' sessions and finds for store and fetch; ring lookups apart). */
  count: number
  /** RPCs sent per lookup. */
  requests: Distribution
  /** Depth of the closest node found: 1 for a seed, one more per answer on the way to it. */
  hops: Distribution
}

export interface DhtSummary {
  lookups: { layer0: LookupSummary; layer1: LookupSummary }
  /** At the end, over online nodes: k-bucket contacts and buckets holding any, per layer (layer 1: per membership). */
  routingTable: {
    layer0: { contacts: Distribution; buckets: Distribution }
    layer1: { contacts: Distribution; buckets: Distribution }
  }
  /** At the end, over online nodes: all links (layer 0), and links that carry content (layer 2 neighbours). */
  connectionsPerNode: { layer0: Distribution; layer2: Distribution }
  routed: { sent: number; forwarded: number; delivered: number; deadEnds: number }
  rpc: { requests: number; replies: number; timeouts: number; connectFailures: number }
  /** Links closed by the connection cap. */
  closedByCap: number
  /** Entry points of the first stream part stored in the DHT at the end (distinct nodes, live entries). */
  entryPointsAtEnd: number
  /**
   * Where joining spends its time: from a node's start to its first layer-0 link, to having its
   * stream part's entry points, and to its first layer-1 contact (the first neighbour follows:
   * timeToFirstNeighbourMs). One sample per node start that reached the phase.
   */
  joinPhasesMs: { layer0Linked: Distribution; entryPointsFetched: Distribution; layer1Contact: Distribution }
}


class LookupStats {
  readonly requests = new SampleBuffer('f32')
  readonly hops = new SampleBuffer('f32')
  add(r: LookupResult): void {
    this.requests.push(r.requests)
    if (r.closest.length > 0) this.hops.push(r.hops)
  }
  summary(): LookupSummary {
    return { count: this.requests.length, requests: this.requests.distribution(), hops: this.hops.distribution() }
  }
}

export class DhtMetrics implements DhtObserver {
  private readonly layer0 = new LookupStats()
  private readonly layer1 = new LookupStats()
  private readonly joinPhases = new JoinPhaseTimes()
  /** What nodes that stopped (left or crashed) counted: the totals cover every node that ran. */
  private readonly retired = { routed: { sent: 0, forwarded: 0, delivered: 0, deadEnds: 0 }, rpc: { requests: 0, replies: 0, timeouts: 0, connectFailures: 0 }, closedByCap: 0 }

  constructor(private readonly now: () => number) {}

  lookupDone(service: string, purpose: 'join' | 'find' | 'ring', result: LookupResult): void {
    if (purpose === 'ring') return
    ;(service === 'layer0' ? this.layer0 : this.layer1).add(result)
  }

  joinPhase(nodeId: string, phase: JoinPhase): void {
    this.joinPhases.record(nodeId, phase, this.now())
  }

  retire(node: TatumNode): void {
    addCounts(this.retired, node)
  }

  /** Distinct live entry points of `streamPartId` held anywhere: global knowledge, for metrics only. */
  entryPointCount(overlay: DhtOverlay, streamPartId: string): number {
    const key = dhtKeyOf(streamPartId)
    const creators = new Set<string>()
    const now = this.now()
    for (const node of overlay.runningNodes()) for (const e of node.layer0.storedEntries(key, now)) creators.add(e.creator.nodeId)
    return creators.size
  }

  summary(overlay: DhtOverlay, streamPartId: string): DhtSummary {
    const b0 = new SampleBuffer('f32'); const f0 = new SampleBuffer('f32')
    const b1 = new SampleBuffer('f32'); const f1 = new SampleBuffer('f32')
    const links = new SampleBuffer('f32'); const content = new SampleBuffer('f32')
    const totals = { routed: { ...this.retired.routed }, rpc: { ...this.retired.rpc }, closedByCap: this.retired.closedByCap }
    for (const node of overlay.runningNodes()) {
      b0.push(node.layer0.peers.buckets.count)
      f0.push(node.layer0.peers.buckets.nonEmptyBuckets())
      for (const m of node.memberships.values()) {
        b1.push(m.layer1.peers.buckets.count)
        f1.push(m.layer1.peers.buckets.nonEmptyBuckets())
      }
      links.push(node.node.connectionCount)
      let neighbours = 0
      for (const peer of node.node.connectedPeers()) if (node.node.isNeighbour(peer)) neighbours++
      content.push(neighbours)
      addCounts(totals, node)
    }
    return {
      lookups: { layer0: this.layer0.summary(), layer1: this.layer1.summary() },
      routingTable: {
        layer0: { contacts: b0.distribution(), buckets: f0.distribution() },
        layer1: { contacts: b1.distribution(), buckets: f1.distribution() },
      },
      connectionsPerNode: { layer0: links.distribution(), layer2: content.distribution() },
      routed: totals.routed, rpc: totals.rpc, closedByCap: totals.closedByCap,
      entryPointsAtEnd: this.entryPointCount(overlay, streamPartId),
      joinPhasesMs: joinPhaseDistributions([this.joinPhases.samples]),
    }
  }
}

interface Counts {
  routed: { sent: number; forwarded: number; delivered: number; deadEnds: number }
  rpc: { requests: number; replies: number; timeouts: number; connectFailures: number }
  closedByCap: number
}

function addCounts(into: Counts, node: TatumNode): void {
  for (const k of Object.keys(into.routed) as (keyof Counts['routed'])[]) into.routed[k] += node.router.counts[k]
  for (const k of Object.keys(into.rpc) as (keyof Counts['rpc'])[]) into.rpc[k] += node.rpc.counts[k]
  into.closedByCap += node.cap.closed
}

/** summary.json's joinPhasesMs from the samples of one collector or several (live workers). */
export function joinPhaseDistributions(all: readonly Readonly<Record<ReachedPhase, number[]>>[]): DhtSummary['joinPhasesMs'] {
  const cat = (phase: ReachedPhase) => distributionOf(Float64Array.from(all.flatMap((x) => x[phase])).sort())
  return { layer0Linked: cat('layer0Linked'), entryPointsFetched: cat('entryPointsFetched'), layer1Contact: cat('layer1Contact') }
}

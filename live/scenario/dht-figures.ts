// The DHT figures of a live run with `topology.builder: dht`, as the simulator's DhtMetrics
// (sim/metrics/dht-metrics.ts) reports them in summary.json's `dht`: lookups (requests and hops
// per lookup, by layer), routing table fill, links per node (all, and layer-2 content links),
// routed messages, RPC outcomes, links closed by the cap, and the first stream part's stored
// entry points. Each worker collects raw samples of its own nodes (DhtFigureCollector); the
// coordinator's replay merges them (mergeDhtFigures), since distributions do not add up.

import { dhtKeyOf } from '../../core/dht/dht-id.ts'
import type { DhtObserver, JoinPhase } from '../../core/dht/dht-node.ts'
import type { LookupResult } from '../../core/dht/lookup.ts'
import type { TatumNode } from '../../core/dht-overlay/tatum-node.ts'
import { type DhtSummary, joinPhaseDistributions } from '../../sim/metrics/dht-metrics.ts'
import { JoinPhaseTimes, type ReachedPhase } from '../../sim/metrics/join-phases.ts'
import { distributionOf } from '../../sim/metrics/sample-buffer.ts'

interface LookupSamples { requests: number[]; hops: number[] }
interface Totals {
  routed: { sent: number; forwarded: number; delivered: number; deadEnds: number }
  rpc: { requests: number; replies: number; timeouts: number; connectFailures: number }
  closedByCap: number
}

/** One worker's samples, as plain arrays for the IPC channel. */
export interface DhtFigures extends Totals {
  lookups: { layer0: LookupSamples; layer1: LookupSamples }
  perNode: { contacts0: number[]; buckets0: number[]; contacts1: number[]; buckets1: number[]; links: number[]; content: number[] }
  /** Distinct creators of live entries under the first stream part's key held by this worker's nodes. */
  entryPointCreators: string[]
  joinPhases: Record<ReachedPhase, number[]>
}

const zeroTotals = (): Totals => ({
  routed: { sent: 0, forwarded: 0, delivered: 0, deadEnds: 0 }, rpc: { requests: 0, replies: 0, timeouts: 0, connectFailures: 0 }, closedByCap: 0,
})

export class DhtFigureCollector implements DhtObserver {
  private readonly lookups = { layer0: { requests: [] as number[], hops: [] as number[] }, layer1: { requests: [] as number[], hops: [] as number[] } }
  /** What nodes that stopped counted: the totals cover every node that ran. */
  private readonly retired = zeroTotals()
  private readonly joinPhases = new JoinPhaseTimes()

  constructor(private readonly now: () => number) {}

  joinPhase(nodeId: string, phase: JoinPhase): void {
    this.joinPhases.record(nodeId, phase, this.now())
  }

  lookupDone(service: string, purpose: 'join' | 'find' | 'ring', result: LookupResult): void {
    if (purpose === 'ring') return
    const l = service === 'layer0' ? this.lookups.layer0 : this.lookups.layer1
    l.requests.push(result.requests)
    if (result.closest.length > 0) l.hops.push(result.hops)
  }

  retire(node: TatumNode): void {
    addCounts(this.retired, node)
  }

  /** The samples, with the state of `running` (the worker's nodes online at the end) now. */
  figures(running: readonly TatumNode[], firstStreamPartId: string | undefined, nowMs: number): DhtFigures {
    const totals: Totals = { routed: { ...this.retired.routed }, rpc: { ...this.retired.rpc }, closedByCap: this.retired.closedByCap }
    const perNode: DhtFigures['perNode'] = { contacts0: [], buckets0: [], contacts1: [], buckets1: [], links: [], content: [] }
    const creators = new Set<string>()
    const key = firstStreamPartId === undefined ? undefined : dhtKeyOf(firstStreamPartId)
    for (const node of running) {
      perNode.contacts0.push(node.layer0.peers.buckets.count)
      perNode.buckets0.push(node.layer0.peers.buckets.nonEmptyBuckets())
      for (const m of node.memberships.values()) {
        perNode.contacts1.push(m.layer1.peers.buckets.count)
        perNode.buckets1.push(m.layer1.peers.buckets.nonEmptyBuckets())
      }
      perNode.links.push(node.node.connectionCount)
      let neighbours = 0
      for (const peer of node.node.connectedPeers()) if (node.node.isNeighbour(peer)) neighbours++
      perNode.content.push(neighbours)
      addCounts(totals, node)
      if (key !== undefined) for (const e of node.layer0.storedEntries(key, nowMs)) creators.add(e.creator.nodeId)
    }
    return { ...totals, lookups: this.lookups, perNode, entryPointCreators: [...creators], joinPhases: this.joinPhases.samples }
  }
}

/** The workers' figures as summary.json's `dht`. */
export function mergeDhtFigures(all: readonly DhtFigures[]): DhtSummary {
  const cat = (f: (x: DhtFigures) => number[]) => distributionOf(Float64Array.from(all.flatMap(f)).sort())
  const lookup = (layer: 'layer0' | 'layer1') => ({
    count: all.reduce((n, x) => n + x.lookups[layer].requests.length, 0),
    requests: cat((x) => x.lookups[layer].requests),
    hops: cat((x) => x.lookups[layer].hops),
  })
  const totals = zeroTotals()
  for (const x of all) {
    for (const k of Object.keys(totals.routed) as (keyof Totals['routed'])[]) totals.routed[k] += x.routed[k]
    for (const k of Object.keys(totals.rpc) as (keyof Totals['rpc'])[]) totals.rpc[k] += x.rpc[k]
    totals.closedByCap += x.closedByCap
  }
  return {
    lookups: { layer0: lookup('layer0'), layer1: lookup('layer1') },
    routingTable: {
      layer0: { contacts: cat((x) => x.perNode.contacts0), buckets: cat((x) => x.perNode.buckets0) },
      layer1: { contacts: cat((x) => x.perNode.contacts1), buckets: cat((x) => x.perNode.buckets1) },
    },
    connectionsPerNode: { layer0: cat((x) => x.perNode.links), layer2: cat((x) => x.perNode.content) },
    routed: totals.routed, rpc: totals.rpc, closedByCap: totals.closedByCap,
    entryPointsAtEnd: new Set(all.flatMap((x) => x.entryPointCreators)).size,
    joinPhasesMs: joinPhaseDistributions(all.map((x) => x.joinPhases)),
  }
}

function addCounts(into: Totals, node: TatumNode): void {
  for (const k of Object.keys(into.routed) as (keyof Totals['routed'])[]) into.routed[k] += node.router.counts[k]
  for (const k of Object.keys(into.rpc) as (keyof Totals['rpc'])[]) into.rpc[k] += node.rpc.counts[k]
  into.closedByCap += node.cap.closed
}

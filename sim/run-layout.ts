// Who is who in a run, drawn from the scenario before anything runs: node and tracker ids, the
// stream parts with their members and publishers, the storage nodes. The simulator and a live
// run's plan (live/scenario/run-plan.ts) both lay a run out here, so the same scenario and seed
// put the same publishers in the same places in both.

import { streamPartIdOf } from '../core/message.ts'
import type { NodeId } from '../core/ports.ts'
import { createRandom, sample } from './engine/random.ts'
import type { Scenario } from './scenario/types.ts'

export interface StreamPartSetup {
  readonly id: string
  readonly streamId: string
  /** Node indices of the members. */
  readonly members: readonly number[]
  readonly publishers: readonly number[]
}

export interface RunLayout {
  /** The protocol nodes, n0..n(N-1). */
  readonly nodeIds: readonly NodeId[]
  /** Trackers t0, t1, ... (tracker builder only); on the network they follow the nodes. */
  readonly trackerIds: readonly NodeId[]
  readonly streamParts: readonly StreamPartSetup[]
  /** Publishers of any stream part: they stay online, since the workload is fixed and churn is the variable. */
  readonly publishers: ReadonlySet<number>
  /** Storage nodes, sorted: the network's memory, which stays too. */
  readonly storageNodes: readonly number[]
  /** The DHT's layer-0 entry points (dht builder only), sorted: public infrastructure, which stays. */
  readonly entryPoints: readonly number[]
  /** Per node: 1 when it runs a WebSocket server others can dial (dht: entry points and a drawn share). */
  readonly hasServer: Uint8Array
}

export function layOutRun(scenario: Scenario): RunLayout {
  const { seed, nodes: n, workload, topology } = scenario
  const nodeIds = Array.from({ length: n }, (_, i) => `n${i}`)
  const trackerIds = topology.builder === 'tracker' ? Array.from({ length: topology.trackers }, (_, t) => `t${t}`) : []
  const allNodes = nodeIds.map((_, i) => i)
  // Publishers and storage nodes come from the nodes online from the start.
  const initial = allNodes.slice(0, scenario.churn.initialNodes)
  const publishers = new Set<number>()
  const streamParts: StreamPartSetup[] = []
  for (let s = 0; s < workload.streams; s++) {
    const streamId = `stream-${s}`
    const id = streamPartIdOf(streamId, 0)
    const chosen = sample(createRandom(seed, 'workload', id), initial, workload.publishersPerStream).sort((a, b) => a - b)
    for (const p of chosen) publishers.add(p)
    streamParts.push({ id, streamId, members: allNodes, publishers: chosen })
  }
  const storageNodes = sample(createRandom(seed, 'storage'), initial.filter((i) => !publishers.has(i)), scenario.storage.nodes)
    .sort((a, b) => a - b)
  const entryPoints = topology.builder === 'dht' ? entryPointsOf(topology.entryPoints) : []
  const hasServer = new Uint8Array(n)
  if (topology.builder === 'dht') {
    for (const e of entryPoints) hasServer[e] = 1
    // Each node draws from its own stream: a larger network keeps the servers of the smaller one.
    if (topology.wsServerShare > 0) {
      for (let i = 0; i < n; i++) if (createRandom(seed, 'node', nodeIds[i], 'server').next() < topology.wsServerShare) hasServer[i] = 1
    }
  }
  return { nodeIds, trackerIds, streamParts, publishers, storageNodes, entryPoints, hasServer }
}

/** A count means the first nodes; names are node ids n<i>. */
function entryPointsOf(spec: number | readonly string[]): number[] {
  const indices = typeof spec === 'number' ? Array.from({ length: spec }, (_, i) => i) : spec.map((id) => Number(id.slice(1)))
  return [...new Set(indices)].sort((a, b) => a - b)
}

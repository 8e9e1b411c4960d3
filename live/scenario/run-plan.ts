// What a live run will do and when, worked out before it starts, from the same seeded streams the
// simulator draws: node and tracker ids, each stream part's publishers, every publish time, the
// churn timeline (sim/churn's ChurnPlan, run on a scratch simulator that only keeps the time), the
// static builder's graph and the latency model's placement. Coordinator and workers each compute
// it from the scenario and get the same answer, so only the scenario crosses process boundaries.

import type { RegularGraph } from '../../core/topology/random-regular-graph.ts'
import { StaticOverlay } from '../../core/topology/static-overlay.ts'
import { ChurnPlan } from '../../sim/churn/churn-plan.ts'
import { createRandom } from '../../sim/engine/random.ts'
import { Simulator } from '../../sim/engine/simulator.ts'
import { createLatencyModel, type LatencyModel } from '../../sim/network/latency-model.ts'
import type { Scenario } from '../../sim/scenario/types.ts'
import { type StreamPartSetup, layOutRun } from '../../sim/run-layout.ts'
import { Workload } from '../../sim/workload.ts'
import { type LiveMessageLayerPlan, planMessageLayer } from './message-layer-plan.ts'

/** No receipt for this long after the last scripted action ends the run. */
export const QUIET_MS = 2_000

export type NodeActionKind = 'join' | 'leave' | 'crash'

export interface NodeAction {
  readonly atMs: number
  readonly kind: NodeActionKind
  readonly node: number
}

export interface TrackerAction {
  readonly atMs: number
  readonly kind: 'down' | 'up'
  readonly tracker: number
}

export interface PlannedPublish {
  readonly atMs: number
  readonly publisher: number
  /** Index into streamParts. */
  readonly stream: number
}

export interface LiveRunPlan {
  readonly nodeIds: readonly string[]
  /** Tracker builder: t0, t1, ...; static builder: none (its signalling relay is not a tracker of the scenario). */
  readonly trackerIds: readonly string[]
  readonly streamParts: readonly StreamPartSetup[]
  /** Joins, graceful leaves and crashes in time order. */
  readonly nodeActions: readonly NodeAction[]
  readonly trackerActions: readonly TrackerAction[]
  readonly publishes: readonly PlannedPublish[]
  /** DHT builder: the entry point nodes (indices), and which nodes run a WebSocket server (1). */
  readonly entryPoints: readonly number[]
  readonly hasServer: Uint8Array
  /** Static builder: each stream part's graph over its members, by member position. */
  readonly staticGraphs: ReadonlyMap<string, RegularGraph>
  /** Over nodeIds then trackerIds, placed as the simulator places them. */
  readonly latency: LatencyModel
  /** The last scripted moment: a publish, a join, a leave or a tracker event. */
  readonly lastActionMs: number
  /** Rough end for progress and ETA, as Simulation.expectedEndMs reckons it. */
  readonly expectedEndMs: number
  /** What the churn plan could not do as the scenario asked (summary.json `warnings`). */
  readonly warnings: readonly string[]
  readonly endMs: number
  /** Scenarios that run the message layer: roles, permissions, revocations and key events. */
  readonly messageLayer: LiveMessageLayerPlan | undefined
  /**
   * Silence (no receipt, no app delivery) that ends the run after its last action: QUIET_MS, plus
   * with ordering the wait a gap gets before it is skipped (its held messages reach the app then).
   */
  readonly quietMs: number
}

export function planLiveRun(scenario: Scenario): LiveRunPlan {
  const { seed, nodes: n, workload, topology } = scenario
  const endMs = scenario.durationS * 1000
  const { nodeIds, trackerIds, streamParts, publishers, entryPoints, hasServer, storageNodes } = layOutRun(scenario)
  const messageLayer = planMessageLayer(scenario, nodeIds, publishers, storageNodes)
  // Publishers and storage nodes stay, as in the simulator.
  const staying = new Set([...publishers, ...storageNodes])
  const latency = createLatencyModel(scenario.network.latency, [...nodeIds, ...trackerIds], seed)
  const staticGraphs = new Map<string, RegularGraph>()
  if (topology.builder === 'static') {
    const overlay = new StaticOverlay(topology.degree)
    for (const part of streamParts) {
      staticGraphs.set(part.id, overlay.define(part.id, part.members.map((m) => nodeIds[m]), createRandom(seed, 'topology', part.id)))
    }
  }

  const scratch = new Simulator()
  const online = new Set<number>()
  const nodeActions: NodeAction[] = []
  const trackerActions: TrackerAction[] = []
  const warnings: string[] = []
  new ChurnPlan(scratch, scenario.churn, n, endMs, seed, {
    join: (i) => {
      online.add(i)
      nodeActions.push({ atMs: scratch.now(), kind: 'join', node: i })
    },
    // As Simulation.leave: only online nodes that are neither publishers nor storage nodes leave.
    leave: (i, crash) => {
      if (!online.has(i) || staying.has(i)) return
      online.delete(i)
      nodeActions.push({ atMs: scratch.now(), kind: crash ? 'crash' : 'leave', node: i })
    },
    isOnline: (i) => online.has(i),
    canLeave: (i) => !staying.has(i),
    trackerDown: (t) => trackerActions.push({ atMs: scratch.now(), kind: 'down', tracker: t }),
    trackerUp: (t) => trackerActions.push({ atMs: scratch.now(), kind: 'up', tracker: t }),
    warn: (message) => warnings.push(message),
  }).schedule()
  const publishes: PlannedPublish[] = []
  new Workload(scratch, workload, seed, nodeIds, streamParts.map((p) => p.publishers), (publisher, stream) => {
    publishes.push({ atMs: scratch.now(), publisher, stream })
  }).schedule()
  scratch.run(endMs)

  const last = (xs: readonly { atMs: number }[]) => xs.reduce((m, x) => Math.max(m, x.atMs), 0)
  const expectedEndMs = Math.min(endMs, workload.warmupS * 1000 + (workload.messagesPerPublisher / workload.ratePerSecond) * 1000 + 1000)
  return {
    nodeIds, trackerIds, streamParts, entryPoints, hasServer, nodeActions, trackerActions, publishes, staticGraphs, latency, endMs, expectedEndMs, warnings,
    messageLayer,
    lastActionMs: Math.max(last(nodeActions), last(trackerActions), last(publishes), ...(messageLayer?.keyEvents.map((e) => e.atMs) ?? []), ...(messageLayer?.revocations.map((r) => r.atMs) ?? [])),
    quietMs: QUIET_MS + (messageLayer !== undefined && scenario.ordering.enabled ? scenario.ordering.initialWaitMs : 0),
  }
}


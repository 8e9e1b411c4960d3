// The static builder live: the scenario's seeded random regular graph (the simulator's own, from
// run-plan.ts), each edge requested once, by its later end, through the node's addNeighbour.
// "Later" is the order in which the coordinator heard of the joins. Workers hear that order from
// the coordinator, so the two ends of an edge, which may live in different worker processes,
// agree on who dials without talking to each other, and the dialled end has always joined the
// stream part already (so its handshake is accepted). As in the simulator, a node that left
// gracefully is not dialled by later joiners, a crashed one is (and the attempt fails), and
// nothing replaces a link that closes.
//
// One thing the simulator never does: a WebRTC connect between two live nodes can fail (every
// attempt timed out) although both are up. That is not a scenario event, so the dialling end
// tries again, up to MAX_REDIALS times, to give the run the scenario's graph; redials are counted.

import type { LinkProtocol } from '../../core/link-protocol.ts'
import type { NodeId } from '../../core/ports.ts'
import type { RegularGraph } from '../../core/topology/random-regular-graph.ts'
import type { ScenarioNode } from './scenario-node.ts'

export const MAX_REDIALS = 3
const REDIAL_DELAY_MS = 100

export class StaticLiveOverlay {
  /** Join order per node as the coordinator numbered it; -1 until heard. */
  private readonly order: Int32Array
  private readonly departed: Uint8Array
  private readonly indexOf: ReadonlyMap<NodeId, number>
  /** `dialler peer` -> redials made for that edge. */
  private readonly redialsOf = new Map<string, number>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  redials = 0

  constructor(
    private readonly graphs: ReadonlyMap<string, RegularGraph>,
    private readonly nodeIds: readonly string[],
    /** The nodes of this worker, by node index. */
    private readonly local: ReadonlyMap<number, ScenarioNode>
  ) {
    this.order = new Int32Array(nodeIds.length).fill(-1)
    this.departed = new Uint8Array(nodeIds.length)
    this.indexOf = new Map(nodeIds.map((id, i) => [id, i]))
    for (const [i, node] of local) {
      const watcher: LinkProtocol = { kinds: [], handleMessage: () => false, onConnectFailed: (peer) => this.connectFailed(i, peer) }
      node.node.attach(watcher)
    }
  }

  /** `node` was the `seq`-th to join: link it with every graph neighbour already numbered. */
  joined(node: number, seq: number): void {
    this.order[node] = seq
    for (const [streamPartId, graph] of this.graphs) {
      for (const peer of neighboursIn(graph, node)) {
        if (this.order[peer] < 0) continue
        const [later, earlier] = this.order[peer] < seq ? [node, peer] : [peer, node]
        if (this.departed[earlier] === 1) continue
        this.local.get(later)?.node.addNeighbour(streamPartId, this.nodeIds[earlier])
      }
    }
  }

  /** `node` left gracefully: later joiners leave it alone. */
  left(node: number): void {
    this.departed[node] = 1
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private connectFailed(dialler: number, peerId: NodeId): void {
    const peer = this.indexOf.get(peerId)
    if (peer === undefined || this.departed[peer] === 1 || this.departed[dialler] === 1) return
    const key = `${dialler} ${peer}`
    const made = this.redialsOf.get(key) ?? 0
    if (made >= MAX_REDIALS) return
    this.redialsOf.set(key, made + 1)
    this.redials++
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      for (const [streamPartId, graph] of this.graphs) {
        if (neighboursIn(graph, dialler).includes(peer)) this.local.get(dialler)?.node.addNeighbour(streamPartId, peerId)
      }
    }, REDIAL_DELAY_MS)
    this.timers.add(timer)
  }
}

function neighboursIn(graph: RegularGraph, node: number): number[] {
  const out: number[] = []
  for (let k = 0; k < graph.degreeOf[node]; k++) out.push(graph.adjacency[node * graph.degree + k])
  return out
}

// The baseline overlay: a seeded random regular graph over a stream part's known members, fixed
// for the whole run. A joining node asks for the edges to members that joined before it, so each
// edge is requested once, by its later end, through the ordinary addNeighbour path.

import type { NetworkNode } from '../network-node.ts'
import type { NodeId, Random } from '../ports.ts'
import { type RegularGraph, randomRegularGraph } from './random-regular-graph.ts'
import type { TopologyBuilder } from './topology-builder.ts'

export const DEFAULT_STATIC_DEGREE = 4

interface StreamPartGraph {
  readonly members: readonly NodeId[]
  readonly indexOf: Map<NodeId, number>
  readonly graph: RegularGraph
  readonly joined: Uint8Array
}

export class StaticOverlay implements TopologyBuilder {
  private readonly parts = new Map<string, StreamPartGraph>()

  constructor(private readonly degree: number = DEFAULT_STATIC_DEGREE) {}

  /** Fixes the members of a stream part and draws its graph; call before anyone joins. */
  define(streamPartId: string, members: readonly NodeId[], random: Random): RegularGraph {
    const graph = randomRegularGraph(members.length, Math.min(this.degree, members.length - 1), random)
    const indexOf = new Map<NodeId, number>()
    members.forEach((id, i) => indexOf.set(id, i))
    this.parts.set(streamPartId, { members, indexOf, graph, joined: new Uint8Array(members.length) })
    return graph
  }

  join(node: NetworkNode, streamPartId: string): void {
    const part = this.parts.get(streamPartId)
    const i = part?.indexOf.get(node.id)
    if (part === undefined || i === undefined) {
      throw new Error(`static overlay: ${node.id} is not a defined member of ${streamPartId}`)
    }
    node.joinStreamPart(streamPartId)
    part.joined[i] = 1
    const { adjacency, degree, degreeOf } = part.graph
    for (let k = 0; k < degreeOf[i]; k++) {
      const peer = adjacency[i * degree + k]
      if (part.joined[peer] === 1) node.addNeighbour(streamPartId, part.members[peer])
    }
  }

  /** The static graph keeps a crashed node's place: later joiners try it and fail, as they would. */
  crashed(_node: NetworkNode): void {}

  leave(node: NetworkNode, streamPartId: string): void {
    const part = this.parts.get(streamPartId)
    const i = part?.indexOf.get(node.id)
    if (part !== undefined && i !== undefined) part.joined[i] = 0
    node.leaveStreamPart(streamPartId)
  }
}

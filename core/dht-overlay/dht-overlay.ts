// The Tatum TopologyBuilder: a node's first join starts its TatumNode (layer 0 through the
// network's entry points); each stream part it joins gets a membership (layers 1 and 2). No
// tracker: everything a node learns, it learns from other nodes.

import type { NetworkNode } from '../network-node.ts'
import type { NodeId } from '../ports.ts'
import type { PeerDescriptor } from '../dht/peer-descriptor.ts'
import type { TatumOverlayDefaults } from '../protocol-era.ts'
import type { TopologyBuilder } from '../topology/topology-builder.ts'
import { TatumNode, type TatumNodePorts } from './tatum-node.ts'

export interface DhtOverlayPorts {
  /** Each node's ports: its random stream, where payloads routed to it go, its layer 2. */
  portsFor(nodeId: NodeId): TatumNodePorts
  /** Each node's descriptor (its region and whether it runs a server). */
  descriptorOf(nodeId: NodeId): PeerDescriptor
  /** A node stopped for good: what it counted is final (metrics keep it past the node). */
  stopped?(node: TatumNode): void
}

export class DhtOverlay implements TopologyBuilder {
  private readonly nodes = new Map<NodeId, TatumNode>()

  constructor(
    readonly entryPoints: readonly PeerDescriptor[],
    private readonly ports: DhtOverlayPorts,
    private readonly overlay: TatumOverlayDefaults
  ) {
    if (entryPoints.length === 0) throw new RangeError('a DHT overlay needs at least one entry point')
  }

  join(node: NetworkNode, streamPartId: string): void {
    let tatum = this.nodes.get(node.id)
    if (tatum === undefined) {
      tatum = new TatumNode(node, this.ports.descriptorOf(node.id), this.entryPoints, this.ports.portsFor(node.id), this.overlay)
      this.nodes.set(node.id, tatum)
      tatum.start()
    }
    tatum.joinStreamPart(streamPartId)
  }

  leave(node: NetworkNode, streamPartId: string): void {
    const tatum = this.nodes.get(node.id)
    if (tatum !== undefined) tatum.leaveStreamPart(streamPartId)
    else node.leaveStreamPart(streamPartId)
  }

  crashed(node: NetworkNode): void {
    const tatum = this.nodes.get(node.id)
    if (tatum === undefined) return
    tatum.halt()
    this.nodes.delete(node.id)
    this.ports.stopped?.(tatum)
  }

  /** The running Tatum node of `nodeId`, if it is up. */
  node(nodeId: NodeId): TatumNode | undefined {
    return this.nodes.get(nodeId)
  }

  runningNodes(): IterableIterator<TatumNode> {
    return this.nodes.values()
  }
}

// The soft cap on a node's links (ConnectionManager.ts garbage collection, @streamr/dht
// 103.3.1): every few seconds, if the node has more links than the cap, it closes the surplus
// among those that are unlocked and idle, furthest from it first. Nothing refuses a new link;
// locked links (bucket contacts, entry points during a join, stream part neighbours) never go.

import type { NetworkNode } from '../network-node.ts'
import type { NodeId, Timers } from '../ports.ts'
import type { Clock } from '../ports.ts'
import type { RpcEndpoint } from '../rpc/rpc-endpoint.ts'
import { compareDistance, dhtIdOf } from './dht-id.ts'
import type { ConnectionCapOptions } from './dht-options.ts'

export class ConnectionCap {
  private readonly locks = new Map<NodeId, Set<string>>()
  private timer: number | undefined
  /** Links closed for being over the cap. */
  closed = 0

  constructor(
    private readonly node: NetworkNode,
    private readonly rpc: RpcEndpoint,
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly options: ConnectionCapOptions
  ) {}

  start(): void {
    if (this.timer !== undefined) return
    const tick = () => {
      this.timer = this.timers.setTimeout(tick, this.options.gcIntervalMs)
      this.collect()
    }
    this.timer = this.timers.setTimeout(tick, this.options.gcIntervalMs)
  }

  stop(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer)
    this.timer = undefined
  }

  lock(peer: NodeId, lockId: string): void {
    let held = this.locks.get(peer)
    if (held === undefined) {
      held = new Set()
      this.locks.set(peer, held)
    }
    held.add(lockId)
  }

  unlock(peer: NodeId, lockId: string): void {
    const held = this.locks.get(peer)
    if (held === undefined) return
    held.delete(lockId)
    if (held.size === 0) this.locks.delete(peer)
  }

  isLocked(peer: NodeId): boolean {
    return this.locks.has(peer) || this.node.isNeighbour(peer)
  }

  /** One collection: close the surplus of idle, unlocked links, furthest first. */
  collect(): void {
    const surplus = this.node.connectionCount - this.options.maxConnections
    if (surplus <= 0) return
    const now = this.clock.now()
    const candidates: { peer: NodeId; id: Uint8Array }[] = []
    for (const peer of this.node.connectedPeers()) {
      if (this.isLocked(peer)) continue
      const used = this.rpc.lastUsedMs(peer)
      if (used !== undefined && now - used <= this.options.idleLimitMs) continue
      candidates.push({ peer, id: this.rpc.linkedPeer(peer)?.dhtId ?? dhtIdOf(peer) })
    }
    const local = this.rpc.local.dhtId
    candidates.sort((a, b) => compareDistance(b.id, a.id, local))
    for (const c of candidates.slice(0, surplus)) {
      this.node.connection(c.peer)?.close()
      this.closed++
    }
  }
}

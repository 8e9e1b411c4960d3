// One node of the Tatum overlay (NetworkStack.ts, trackerless-network 103.3.1): its RPC
// endpoint, its layer-0 DHT with the router that carries WebRTC signalling and connect-back
// requests, the cap on its links, and a membership per stream part. The node starts joining
// layer 0 through the network's entry points at once and joins stream parts once it has a link
// (ensureConnectedToControlLayer waits for network connectivity, at most 10 s).

import type { NetworkNode } from '../network-node.ts'
import type { Clock, Random, Timers } from '../ports.ts'
import { ConnectionCap } from '../dht/connection-cap.ts'
import { DhtNode, type DhtObserver } from '../dht/dht-node.ts'
import type { PeerDescriptor } from '../dht/peer-descriptor.ts'
import { Router } from '../dht/router.ts'
import type { TatumOverlayDefaults } from '../protocol-era.ts'
import { RpcEndpoint } from '../rpc/rpc-endpoint.ts'
import { type NeighbourManager, StreamPartMembership } from './stream-part-membership.ts'

/**
 * How long a stream part join waits for layer-0 connectivity: the sdk's
 * controlLayer.networkConnectivityTimeout (config.schema.json, sdk 103.3.1). The reference then
 * fails the join; here the join goes ahead and finds nobody.
 */
export const NETWORK_CONNECTIVITY_TIMEOUT_MS = 10_000

export interface TatumNodePorts {
  readonly clock: Clock
  readonly timers: Timers
  /** The node's random stream for its DHTs and overlay choices. */
  readonly random: Random
  readonly observer?: DhtObserver
  /** A payload routed to this node: WebRTC signalling or a connect-back request. */
  readonly routed: (source: PeerDescriptor, payload: string) => void
  /** Layer 2 for a stream part, on the membership's contacts (tatum's content delivery). */
  readonly neighbourManager?: (node: NetworkNode, membership: StreamPartMembership, rpc: RpcEndpoint) => NeighbourManager
}

export class TatumNode {
  readonly rpc: RpcEndpoint
  readonly layer0: DhtNode
  readonly router: Router
  readonly cap: ConnectionCap
  readonly memberships = new Map<string, StreamPartMembership>()
  private connected = false
  private readonly waiting: (() => void)[] = []
  private connectivityTimer: number | undefined
  private halted = false

  constructor(
    readonly node: NetworkNode,
    readonly local: PeerDescriptor,
    private readonly entryPoints: readonly PeerDescriptor[],
    private readonly ports: TatumNodePorts,
    private readonly overlay: TatumOverlayDefaults
  ) {
    this.rpc = new RpcEndpoint(node, local, ports.clock, ports.timers)
    this.cap = new ConnectionCap(node, this.rpc, ports.clock, ports.timers, overlay.connectionCap)
    this.layer0 = new DhtNode(ports, this.rpc, 'layer0', overlay.layer0, overlay.connectionTimeouts, entryPoints, {
      lock: (id, lockId) => this.cap.lock(id, lockId),
      unlock: (id, lockId) => this.cap.unlock(id, lockId),
      observer: ports.observer,
    })
    // DhtNode.send: while joining, routed messages name the entry points we are linked to.
    this.router = new Router(this.rpc, 'layer0', ports.clock,
      () => this.layer0.joining ? entryPoints.filter((e) => this.rpc.linkedPeer(e.nodeId) !== undefined) : [], ports.routed)
    this.layer0.setRouter(this.router)
    this.rpc.addLinkListener({ connected: () => this.becameConnected() })
  }

  /** Starts layer 0: joins through the entry points (an entry point itself skips itself). */
  start(): void {
    this.ports.observer?.joinPhase?.(this.local.nodeId, 'started')
    this.cap.start()
    if (this.entryPoints.some((e) => e.nodeId === this.local.nodeId)) this.becameConnected()
    this.layer0.join(this.entryPoints)
  }

  joinStreamPart(streamPartId: string): void {
    if (this.memberships.has(streamPartId)) return
    const membership = new StreamPartMembership(streamPartId, this.rpc, this.layer0, this.ports, this.overlay)
    if (this.ports.neighbourManager !== undefined) {
      membership.setNeighbourManager(this.ports.neighbourManager(this.node, membership, this.rpc))
    }
    this.memberships.set(streamPartId, membership)
    this.node.joinStreamPart(streamPartId)
    this.whenConnected(() => {
      if (this.memberships.get(streamPartId) === membership) membership.join()
    })
  }

  leaveStreamPart(streamPartId: string): void {
    const membership = this.memberships.get(streamPartId)
    if (membership === undefined) return
    this.memberships.delete(streamPartId)
    membership.leave()
    this.node.leaveStreamPart(streamPartId)
  }

  /** The node is gone (crashed, or done lingering after a leave): every timer stops, nothing more is sent. */
  halt(): void {
    if (this.halted) return
    this.halted = true
    for (const m of this.memberships.values()) m.halt()
    this.memberships.clear()
    this.cap.stop()
    this.layer0.halt()
    this.rpc.failAll('node stopped')
    if (this.connectivityTimer !== undefined) this.ports.timers.clearTimeout(this.connectivityTimer)
  }

  private whenConnected(then: () => void): void {
    if (this.connected) return then()
    this.waiting.push(then)
    this.connectivityTimer ??= this.ports.timers.setTimeout(() => this.becameConnected(), NETWORK_CONNECTIVITY_TIMEOUT_MS)
  }

  private becameConnected(): void {
    if (this.connected || this.halted) return
    this.connected = true
    this.ports.observer?.joinPhase?.(this.local.nodeId, 'layer0Linked')
    if (this.connectivityTimer !== undefined) this.ports.timers.clearTimeout(this.connectivityTimer)
    for (const then of this.waiting.splice(0)) then()
  }
}

// One node's membership of one stream part in the Tatum overlay (ContentDeliveryManager
// joinStreamPart and startLayersAndJoinDht, trackerless-network 103.3.1): a layer-1 DHT of the
// stream part's members, its entry points in layer 0, the split avoidance, and layer 2 choosing
// neighbours among the layer-1 contacts.
//
// Joining: fetch the entry points; join layer 1 through a random 4 of them and find our place on
// the ring; if fewer than 8 were stored, store ourselves and keep stored; if layer 1 then has
// fewer than 4 neighbours, run the split avoidance. A layer 1 left with no neighbour (and it
// has no entry points of its own) fetches entry points and rejoins every 30 s until it has one
// (StreamPartReconnect.ts).

import type { Clock, Random, Timers } from '../ports.ts'
import { DhtNode, type DhtObserver } from '../dht/dht-node.ts'
import type { PeerDescriptor } from '../dht/peer-descriptor.ts'
import type { TatumOverlayDefaults } from '../protocol-era.ts'
import type { RpcEndpoint } from '../rpc/rpc-endpoint.ts'
import { NetworkSplitAvoidance } from './network-split-avoidance.ts'
import { StreamEntryPoints } from './stream-entry-points.ts'

/** What layer 1 offers layer 2: contacts to choose neighbours from. */
export interface NeighbourContacts {
  nearbyContacts(): readonly PeerDescriptor[]
  randomContacts(): readonly PeerDescriptor[]
  ringContacts(): { readonly left: readonly PeerDescriptor[]; readonly right: readonly PeerDescriptor[] }
}

/** Layer 2 as the membership drives it. */
export interface NeighbourManager {
  start(): void
  contactsChanged(): void
  stop(): void
}

export interface MembershipPorts {
  readonly clock: Clock
  readonly timers: Timers
  readonly random: Random
  readonly observer?: DhtObserver
}

export class StreamPartMembership implements NeighbourContacts {
  readonly layer1: DhtNode
  readonly entryPoints: StreamEntryPoints
  readonly splitAvoidance: NetworkSplitAvoidance
  private layer2: NeighbourManager | undefined
  private reconnectTimer: number | undefined
  private stopped = false
  /** Layer 1 has had a contact: the join phase is reported once. */
  private layer1Contacted = false

  constructor(
    readonly streamPartId: string,
    rpc: RpcEndpoint,
    layer0: DhtNode,
    private readonly ports: MembershipPorts,
    private readonly overlay: TatumOverlayDefaults
  ) {
    this.layer1 = new DhtNode(ports, rpc, `layer1::${streamPartId}`, overlay.layer1, overlay.connectionTimeouts, [], {
      contactsChanged: () => {
        if (!this.layer1Contacted && this.layer1.peers.neighbourCount > 0) {
          this.layer1Contacted = true
          ports.observer?.joinPhase?.(rpc.local.nodeId, 'layer1Contact')
        }
        this.layer2?.contactsChanged()
      },
      rejoinRequired: () => this.reconnect(),
      observer: ports.observer,
    })
    const ep = overlay.entryPoints
    this.entryPoints = new StreamEntryPoints(streamPartId, layer0, ports.clock, ports.timers, {
      maxStored: ep.maxStored, refreshIntervalMs: ep.refreshIntervalMs, ttlMs: overlay.layer0.storeTtlMs,
    })
    this.splitAvoidance = new NetworkSplitAvoidance(this.layer1, this.entryPoints, ports.timers, {
      minNeighbours: ep.joinThrough, baseDelayMs: ep.splitAvoidanceBaseDelayMs, maxAttempts: ep.splitAvoidanceMaxAttempts,
    })
  }

  /** Layer 2 on these contacts; started with the join. */
  setNeighbourManager(layer2: NeighbourManager): void {
    this.layer2 = layer2
  }

  join(): void {
    this.layer2?.start()
    this.entryPoints.fetch((found) => {
      if (this.stopped) return
      this.ports.observer?.joinPhase?.(this.layer1.local.nodeId, 'entryPointsFetched')
      const { joinThrough, maxStored } = this.overlay.entryPoints
      let pending = 2
      const joined = () => {
        if (--pending > 0 || this.stopped) return
        if (found.length < maxStored) {
          this.entryPoints.storeAndKeep()
          if (this.layer1.peers.neighbourCount < joinThrough) this.splitAvoidance.start()
        }
      }
      this.layer1.join(sample(found, joinThrough, this.ports.random), true, true, joined)
      this.layer1.joinRing(joined)
    })
  }

  /** Leaves gracefully: layer 2 and layer 1 say goodbye, our entry point is withdrawn. */
  leave(): void {
    this.halt()
    this.entryPoints.stop()
    this.layer1.stop()
  }

  /** Stops everything without a word (the node crashed). */
  halt(): void {
    this.stopped = true
    this.layer2?.stop()
    this.splitAvoidance.stop()
    if (this.reconnectTimer !== undefined) this.ports.timers.clearTimeout(this.reconnectTimer)
  }

  // NeighbourContacts

  nearbyContacts(): readonly PeerDescriptor[] {
    return this.layer1.peers.nearby.closest(this.overlay.contentDelivery.nodeViewSize)
  }

  randomContacts(): readonly PeerDescriptor[] {
    return this.layer1.peers.random.all()
  }

  ringContacts(): { readonly left: readonly PeerDescriptor[]; readonly right: readonly PeerDescriptor[] } {
    return this.layer1.peers.ring
  }

  private reconnect(): void {
    if (this.stopped || this.reconnectTimer !== undefined || this.splitAvoidance.isRunning) return
    const attempt = () => {
      this.reconnectTimer = undefined
      if (this.stopped || this.layer1.peers.neighbourCount > 0) return
      this.entryPoints.fetch((found) => {
        if (this.stopped) return
        if (!this.entryPoints.isLocalNodeStored && found.length < this.overlay.entryPoints.maxStored) this.entryPoints.storeAndKeep()
        this.layer1.join(found, true, true, () => {
          if (!this.stopped && this.layer1.peers.neighbourCount === 0) {
            this.reconnectTimer = this.ports.timers.setTimeout(attempt, this.overlay.entryPoints.reconnectIntervalMs)
          }
        })
      })
    }
    this.reconnectTimer = this.ports.timers.setTimeout(attempt, 0)
  }
}

/** Up to `n` of `items` in random order (lodash sampleSize, which the reference uses). */
export function sample<T>(items: readonly T[], n: number, random: Random): T[] {
  const copy = [...items]
  const out: T[] = []
  while (out.length < n && copy.length > 0) {
    const i = Math.floor(random.next() * copy.length)
    out.push(copy[i])
    copy[i] = copy[copy.length - 1]
    copy.pop()
  }
  return out
}

// A stream part's entry points in layer 0 (PeerDescriptorStoreManager.ts, trackerless-network
// 103.3.1): the descriptors of up to 8 of its members, stored under sha1(streamPartId). A node
// that found fewer than 8 stores itself, and every refresh interval fetches them again and
// stores itself again while fewer than 8 are stored or it is one of them; its entry lives for
// layer 0's TTL, so a node that crashed drops out within a minute. Leaving deletes it.

import type { Clock, Timers } from '../ports.ts'
import { type DhtId, dhtKeyOf } from '../dht/dht-id.ts'
import type { DhtNode } from '../dht/dht-node.ts'
import type { PeerDescriptor } from '../dht/peer-descriptor.ts'

export interface StreamEntryPointOptions {
  readonly maxStored: number
  readonly refreshIntervalMs: number
  /** TTL of our entry: layer 0's storeTtlMs. */
  readonly ttlMs: number
}

export class StreamEntryPoints {
  readonly key: DhtId
  private stored = false
  private timer: number | undefined
  private stopped = false
  /** How many entry points the last fetch found, for metrics. */
  lastFetchedCount = -1

  constructor(
    streamPartId: string,
    private readonly layer0: DhtNode,
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly options: StreamEntryPointOptions
  ) {
    this.key = dhtKeyOf(streamPartId)
  }

  get isLocalNodeStored(): boolean {
    return this.stored
  }

  fetch(done: (entryPoints: PeerDescriptor[]) => void): void {
    this.layer0.fetch(this.key, (entries) => {
      const found = entries.map((e) => e.creator)
      this.lastFetchedCount = found.length
      done(found)
    })
  }

  /** Stores this node and keeps it stored. */
  storeAndKeep(): void {
    if (this.stopped || this.stored) return
    this.stored = true
    this.storeLocal()
    const tick = () => {
      this.timer = this.timers.setTimeout(tick, this.options.refreshIntervalMs)
      this.fetch((found) => {
        if (this.stopped) return
        if (found.length < this.options.maxStored || found.some((d) => d.nodeId === this.layer0.local.nodeId)) this.storeLocal()
      })
    }
    this.timer = this.timers.setTimeout(tick, this.options.refreshIntervalMs)
  }

  stop(): void {
    this.stopped = true
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer)
    if (this.stored) this.layer0.deleteData(this.key)
  }

  private storeLocal(): void {
    this.layer0.store(this.key, { creator: this.layer0.local, storedAtMs: this.clock.now(), ttlMs: this.options.ttlMs })
  }
}

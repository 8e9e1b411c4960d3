// A few real NetworkNodes on the simulated network, for tests that want the protocol and the
// network but not a whole scenario.

import { NetworkNode } from '../../core/network-node.ts'
import { SilentObserver } from '../../core/observer.ts'
import type { StreamMessage } from '../../core/message.ts'
import type { Connection } from '../../core/ports.ts'
import { createRandom } from '../../sim/engine/random.ts'
import { Simulator } from '../../sim/engine/simulator.ts'
import { createLatencyModel } from '../../sim/network/latency-model.ts'
import { SimNetwork, type SimNetworkOptions } from '../../sim/network/sim-network.ts'
import type { LatencyConfig } from '../../sim/scenario/types.ts'

export class RecordingObserver extends SilentObserver {
  delivered_: { message: StreamMessage; from: string; atMs: number }[] = []
  duplicates = 0
  invalids = 0
  malformeds = 0
  neighbours: string[] = []
  constructor(private readonly clock: { now(): number }) {
    super()
  }
  override delivered(message: StreamMessage, from: Connection): void {
    this.delivered_.push({ message, from: from.remoteId, atMs: this.clock.now() })
  }
  override duplicate(): void {
    this.duplicates++
  }
  override invalid(): void {
    this.invalids++
  }
  override malformed(): void {
    this.malformeds++
  }
  override neighbourAdded(_sp: string, peer: string): void {
    this.neighbours.push(peer)
  }
  override neighbourRemoved(_sp: string, peer: string): void {
    this.neighbours = this.neighbours.filter((p) => p !== peer)
  }
}

export interface SmallWorld {
  sim: Simulator
  network: SimNetwork
  nodes: NetworkNode[]
  observers: RecordingObserver[]
}

export function smallWorld(n: number, latency: LatencyConfig = { model: 'fixed', ms: 10 }, options: Partial<SimNetworkOptions> = {}): SmallWorld {
  const sim = new Simulator()
  const ids = Array.from({ length: n }, (_, i) => `n${i}`)
  const network = new SimNetwork(sim, createLatencyModel(latency, ids, 1), ids,
    { lossRate: 0, processingDelayMs: 0, connectionSetup: 'instant', connectTimeoutMs: 5_000, ...options }, 1)
  const observers = ids.map(() => new RecordingObserver(sim))
  const nodes = ids.map((id, i) => new NetworkNode({
    clock: sim, timers: sim, random: createRandom(1, id), transport: network.transport(i), observer: observers[i],
  }))
  return { sim, network, nodes, observers }
}

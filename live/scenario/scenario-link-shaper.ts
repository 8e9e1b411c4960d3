// The delay shim's answer for one live node: each transmission to a peer is held for the
// scenario's latency model between the two (a fresh draw where the model has jitter), plus the
// scenario's processing delay per hop, and content is lost at the scenario's loss rate, drawing
// from the same per-node stream (`node/<id>/net`) the simulator draws from.

import type { NodeId, Random, WireMessage } from '../../core/ports.ts'
import { WIRE_CONTENT } from '../../core/ports.ts'
import type { LinkShaper } from '../delayed-transport.ts'
import { createRandom } from '../../sim/engine/random.ts'
import type { LatencyModel } from '../../sim/network/latency-model.ts'
import type { Scenario } from '../../sim/scenario/types.ts'

/** False when the scenario's links are instantaneous and lossless: loopback as it is, no shim. */
export function scenarioNeedsShim(scenario: Scenario): boolean {
  const { latency, lossRate, processingDelayMs } = scenario.network
  return !(latency.model === 'fixed' && latency.ms === 0) || lossRate > 0 || processingDelayMs > 0
}

export class ScenarioLinkShaper implements LinkShaper {
  private readonly random: Random
  private readonly lossRate: number
  private readonly processingDelayMs: number

  /**
   * `self` is this endpoint's index in the latency model (nodes, then trackers); `indexOf` maps
   * every peer id the model places. Peers outside it (the static builder's signalling relay)
   * are reached without delay, as the simulator has no such hop.
   */
  constructor(
    private readonly latency: LatencyModel,
    private readonly self: number,
    private readonly indexOf: ReadonlyMap<NodeId, number>,
    scenario: Scenario,
    selfId: NodeId
  ) {
    this.random = createRandom(scenario.seed, 'node', selfId, 'net')
    this.lossRate = scenario.network.lossRate
    this.processingDelayMs = scenario.network.processingDelayMs
  }

  delayOf(peer: NodeId, message: WireMessage): number | null {
    const j = this.indexOf.get(peer)
    if (j === undefined) return 0
    if (this.lossRate > 0 && message.kind === WIRE_CONTENT && this.random.next() < this.lossRate) return null
    return this.latency.sampleOneWayMs(this.self, j, this.random) + this.processingDelayMs
  }
}

// Scripted network faults from the scenario: partitions and link cuts that start and heal at
// given simulated times. Which nodes or links are hit is drawn from the scenario seed.

import { createRandom } from '../engine/random.ts'
import type { Simulator } from '../engine/simulator.ts'
import type { NetworkEvent } from '../scenario/types.ts'
import type { SimConnection, SimNetwork } from './sim-network.ts'

export function scheduleNetworkEvents(sim: Simulator, network: SimNetwork, events: readonly NetworkEvent[], seed: number): void {
  events.forEach((event, k) => {
    const random = createRandom(seed, 'network-event', k)
    if (event.type === 'partition') {
      sim.call(event.atS * 1000, () => network.setPartition(partitionSides(network, event, random)))
      if (event.untilS !== undefined) sim.call(event.untilS * 1000, () => network.setPartition(null))
    } else {
      let cut: SimConnection[] = []
      sim.call(event.atS * 1000, () => {
        // One end per link, so each link is drawn once.
        const links = network.openLinks()
        cut = links.filter(() => random.next() < event.fraction)
        for (const c of cut) network.setCut(c, true)
      })
      if (event.untilS !== undefined) sim.call(event.untilS * 1000, () => { for (const c of cut) network.setCut(c, false) })
    }
  })
}

function partitionSides(network: SimNetwork, event: Extract<NetworkEvent, { type: 'partition' }>, random: { next(): number }): Uint8Array {
  const n = network.nodeIds.length
  const side = new Uint8Array(n)
  if (event.regions !== undefined) {
    const names = new Set(event.regions)
    const regions = network.latency.regions
    for (let i = 0; i < n; i++) side[i] = names.has(regions[network.latency.nodeRegion[i]].name) ? 1 : 0
  } else {
    for (let i = 0; i < n; i++) side[i] = random.next() < (event.fraction ?? 0.5) ? 1 : 0
  }
  return side
}

// Region numbers for the locality ring. The reference numbers its regions in steps of 100 down a
// list of airports ordered by place (cdn-location/src/airportCodeToRegion.ts, 103.3.1), so
// neighbouring numbers are nearby places. Here the regions a run places nodes in are numbered
// the same way along a nearest-neighbour tour from the first region; regions without
// coordinates keep their order in the model.

import type { PlacedRegion } from './latency-model.ts'
import { greatCircleKm } from './regions.ts'

/** Step between neighbouring region numbers, as in the reference. */
export const REGION_NUMBER_STEP = 100

export function regionNumbers(regions: readonly PlacedRegion[]): number[] {
  const numbers = new Array<number>(regions.length)
  const placed = regions.every((r) => r.lat !== undefined && r.lon !== undefined)
  if (!placed) {
    regions.forEach((_, i) => { numbers[i] = (i + 1) * REGION_NUMBER_STEP })
    return numbers
  }
  const left = new Set(regions.map((_, i) => i))
  let at = 0
  for (let rank = 1; left.size > 0; rank++) {
    left.delete(at)
    numbers[at] = rank * REGION_NUMBER_STEP
    let next = -1
    let best = Infinity
    for (const j of left) {
      const km = greatCircleKm(regions[at] as { lat: number; lon: number }, regions[j] as { lat: number; lon: number })
      if (km < best) {
        best = km
        next = j
      }
    }
    if (next < 0) break
    at = next
  }
  return numbers
}

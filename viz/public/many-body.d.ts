import type { Force, SimulationNodeDatum } from 'd3'
export interface ManyBodyFlat<N extends SimulationNodeDatum> extends Force<N, undefined> {
  strength(s: number | ((d: N, i: number, nodes: N[]) => number)): this
  theta(t: number): this
  distanceMin(d: number): this
  distanceMax(d: number): this
}
export function forceManyBodyFlat<N extends SimulationNodeDatum>(): ManyBodyFlat<N>

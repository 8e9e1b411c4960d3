// Latency models. Every node sits in a region (a single anonymous one for the non-spatial
// models); a model gives the mean one-way delay between two nodes, for topology files and
// stretch, and draws the delay of one transmission. Per-link FIFO is the network's job.

import { readFileSync } from 'node:fs'
import type { Random } from '../../core/ports.ts'
import { createRandom, randomNormal } from '../engine/random.ts'
import type { LatencyConfig } from '../scenario/types.ts'
import { DEFAULT_GEO_REGIONS, findRegion, greatCircleKm } from './regions.ts'
import { parseRttMatrixCsv } from './rtt-matrix.ts'

/** Least-squares fit of RTT to great-circle distance over pings among the 16 AWS regions. */
export const GEO_RTT_INTERCEPT_MS = 14
export const GEO_KM_PER_MS = 66

export interface PlacedRegion {
  readonly name: string
  readonly lat?: number
  readonly lon?: number
}

export interface LatencyModel {
  readonly regions: readonly PlacedRegion[]
  /** Region index of every node. */
  readonly nodeRegion: Uint16Array
  /** True when sampleOneWayMs always returns the mean and draws nothing. */
  readonly constantPerPair: boolean
  meanOneWayMs(src: number, dst: number): number
  sampleOneWayMs(src: number, dst: number, random: Random): number
}

/** Region-to-region one-way means with optional normal jitter per transmission (geo, matrix). */
class RegionLatency implements LatencyModel {
  readonly constantPerPair: boolean
  constructor(
    readonly regions: readonly PlacedRegion[],
    readonly nodeRegion: Uint16Array,
    private readonly oneWayMs: Float64Array,
    private readonly jitterSdMs: number
  ) {
    this.constantPerPair = jitterSdMs === 0
  }

  meanOneWayMs(src: number, dst: number): number {
    return this.oneWayMs[this.nodeRegion[src] * this.regions.length + this.nodeRegion[dst]]
  }

  sampleOneWayMs(src: number, dst: number, random: Random): number {
    const mean = this.oneWayMs[this.nodeRegion[src] * this.regions.length + this.nodeRegion[dst]]
    if (this.jitterSdMs === 0) return mean
    return Math.max(0, mean + this.jitterSdMs * randomNormal(random))
  }
}

/** One delay distribution for every pair (fixed, uniform, normal). */
class PairlessLatency implements LatencyModel {
  readonly regions: readonly PlacedRegion[] = [{ name: 'all' }]
  constructor(
    readonly nodeRegion: Uint16Array,
    private readonly mean: number,
    private readonly draw: (random: Random) => number,
    readonly constantPerPair = false
  ) {}

  meanOneWayMs(): number {
    return this.mean
  }

  sampleOneWayMs(_src: number, _dst: number, random: Random): number {
    return this.draw(random)
  }
}

/** `onPlaced(done, total)` hears how far placing the nodes has got, now and then: a million take seconds. */
export function createLatencyModel(config: LatencyConfig, nodeIds: readonly string[], seed: number,
  onPlaced?: (done: number, total: number) => void): LatencyModel {
  const n = nodeIds.length
  switch (config.model) {
    case 'fixed':
      return new PairlessLatency(new Uint16Array(n), config.ms, () => config.ms, true)
    case 'uniform': {
      const { minMs, maxMs } = config
      return new PairlessLatency(new Uint16Array(n), (minMs + maxMs) / 2, (r) => minMs + (maxMs - minMs) * r.next())
    }
    case 'normal': {
      const { meanMs, sdMs, minMs } = config
      return new PairlessLatency(new Uint16Array(n), meanMs, (r) => Math.max(minMs, meanMs + sdMs * randomNormal(r)))
    }
    case 'geo': {
      const weights = config.weights ?? Object.fromEntries(DEFAULT_GEO_REGIONS.map((r) => [r, 1]))
      const regions = Object.keys(weights).map((name) => {
        const r = findRegion(name)
        if (r === undefined) throw new Error(`geo latency: unknown region "${name}"`)
        return { name, lat: r.lat, lon: r.lon }
      })
      const R = regions.length
      const oneWay = new Float64Array(R * R)
      for (let i = 0; i < R; i++) {
        for (let j = 0; j < R; j++) {
          const rtt = i === j ? config.intraRegionRttMs : GEO_RTT_INTERCEPT_MS + greatCircleKm(regions[i], regions[j]) / GEO_KM_PER_MS
          oneWay[i * R + j] = rtt / 2
        }
      }
      return new RegionLatency(regions, placeNodes(nodeIds, regions.map((r) => weights[r.name]), seed, onPlaced), oneWay, config.jitterSdMs)
    }
    case 'matrix': {
      const matrix = parseRttMatrixCsv(readFileSync(config.file, 'utf8'), config.file)
      const weights = config.weights ?? Object.fromEntries(matrix.regions.map((r) => [r, 1]))
      const names = Object.keys(weights)
      const R = names.length
      const index = names.map((name) => {
        const k = matrix.regions.indexOf(name)
        if (k < 0) throw new Error(`${config.file}: region "${name}" named in the scenario's weights is not in the matrix (has: ${matrix.regions.join(', ')})`)
        return k
      })
      const M = matrix.regions.length
      const oneWay = new Float64Array(R * R)
      for (let i = 0; i < R; i++) for (let j = 0; j < R; j++) oneWay[i * R + j] = matrix.rttMs[index[i] * M + index[j]] / 2
      const regions = names.map((name) => ({ name, ...coordinatesOf(name) }))
      return new RegionLatency(regions, placeNodes(nodeIds, names.map((r) => weights[r]), seed, onPlaced), oneWay, config.jitterSdMs)
    }
  }
}

function coordinatesOf(name: string): { lat?: number; lon?: number } {
  const r = findRegion(name)
  return r === undefined ? {} : { lat: r.lat, lon: r.lon }
}

/** Each node draws its region from its own stream, so adding nodes never moves existing ones. */
function placeNodes(nodeIds: readonly string[], weights: readonly number[], seed: number,
  onPlaced?: (done: number, total: number) => void): Uint16Array {
  const total = weights.reduce((a, b) => a + b, 0)
  const placement = new Uint16Array(nodeIds.length)
  for (let i = 0; i < nodeIds.length; i++) {
    if (onPlaced !== undefined && (i & 0x3fff) === 0) onPlaced(i, nodeIds.length)
    let x = createRandom(seed, 'place', nodeIds[i]).next() * total
    let r = 0
    while (r < weights.length - 1 && x >= weights[r]) x -= weights[r++]
    placement[i] = r
  }
  return placement
}

// Seeded randomness, the project's one generator, for the simulator and for live nodes alike.
// Every stream is named by a seed plus a path such as ('node', 'n17', 'net'), so adding a node or
// a new consumer never shifts anyone else's draws. Alea from seedrandom: fast, small state, good
// enough statistics for simulation (bench/engine.bench.ts times it on the hot path).

import seedrandom from 'seedrandom'
import type { Random } from '../../core/ports.ts'

export interface NamedRandom extends Random {
  /** The stream's name: createRandom(name) draws the same numbers again. */
  readonly name: string
}

export function createRandom(seed: number | string, ...path: (string | number)[]): NamedRandom {
  const name = path.length === 0 ? String(seed) : `${seed}/${path.join('/')}`
  return { name, next: seedrandom.alea(name) }
}

/** An integer in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random.next() * n)
}

/** Exponential with the given mean. */
export function randomExponential(random: Random, mean: number): number {
  return -mean * Math.log(1 - random.next())
}

/** Standard normal by Box-Muller; one of the pair is discarded to keep the stream stateless. */
export function randomNormal(random: Random): number {
  const u = 1 - random.next()
  const v = random.next()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** Fisher-Yates on a copy; `count` distinct elements of `items`. */
export function sample<T>(random: Random, items: readonly T[], count: number): T[] {
  const copy = items.slice()
  const n = Math.min(count, copy.length)
  for (let i = 0; i < n; i++) {
    const j = i + randomInt(random, copy.length - i)
    const t = copy[i]
    copy[i] = copy[j]
    copy[j] = t
  }
  return copy.slice(0, n)
}

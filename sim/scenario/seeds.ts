// Replications: the seeds a sweep or check runs each point with. `--seeds N` means the same for
// every command (compare too): the scenario's seed and the N - 1 after it.

import type { Scenario } from './types.ts'

/** More seeds than this is a typo, not an experiment (each one is a full run per point); the schema's seeds.maxItems. */
export const MAX_SEEDS = 1000

/** seed, seed + 1, ..., seed + count - 1. */
export function consecutiveSeeds(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => first + k)
}

/** The seeds to replicate each point with: --seeds N when given, else the file's `seeds:`, else none (one run with `seed`). */
export function replicationSeeds(scenario: Pick<Scenario, 'seed' | 'seeds'>, count?: number): number[] | undefined {
  if (count !== undefined) return consecutiveSeeds(scenario.seed, count)
  return scenario.seeds === undefined ? undefined : [...scenario.seeds]
}

/** One run of a replicated point: its seed set, the seed list gone, so its scenario.yaml reruns exactly it. */
export function withSeed(scenario: Scenario, seed: number): Scenario {
  const { seeds: _seeds, ...single } = scenario
  return { ...single, seed }
}

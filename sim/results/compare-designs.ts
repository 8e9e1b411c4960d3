// The overlay designs `sim compare` runs side by side, each a set of field overrides applied to the
// scenario document before it is resolved: era-dependent defaults then resolve per design (a
// tracker design takes Brubeck's buffer, a DHT design Tatum's), and no run mixes two eras.
// Everything else (nodes, latency, churn, workload) is the scenario's, the same for every design.

import { InputError } from '../input-error.ts'
import { parseScenario, ScenarioError, ScenarioErrors } from '../scenario/load.ts'
import { closest } from '../scenario/suggest.ts'
import type { Scenario } from '../scenario/types.ts'

export interface Design {
  /** Dotted field path -> value, applied after the file and the user's --set. */
  overrides: Readonly<Record<string, string | boolean>>
  /** One line for --help, compare.md and the README. */
  description: string
}

const DHT = { protocol: 'tatum', 'topology.builder': 'dht', 'topology.locality': 'none', 'topology.plumtree': false } as const

export const DESIGNS = {
  static: { overrides: { 'topology.builder': 'static' }, description: 'a seeded random regular graph, on the scenario\'s protocol' },
  tracker: { overrides: { protocol: 'brubeck', 'topology.builder': 'tracker' }, description: 'Brubeck trackers build and repair the overlay' },
  dht: { overrides: DHT, description: 'Tatum\'s trackerless overlay on a Kademlia DHT' },
  'dht-ring': { overrides: { ...DHT, 'topology.locality': 'ring' }, description: 'dht with region numbers in ring ids (nearby ring contacts)' },
  'dht-plumtree': { overrides: { ...DHT, 'topology.plumtree': true }, description: 'dht with Plumtree on every stream part' },
} as const satisfies Record<string, Design>

export type DesignName = keyof typeof DESIGNS

export const DESIGN_NAMES = Object.keys(DESIGNS) as DesignName[]

/** Seeds per design unless --seeds says otherwise. */
export const DEFAULT_SEEDS = 5

/** `static,tracker` -> the designs in that order; throws an InputError naming the bad value. */
export function parseDesigns(text: string | undefined, flag = '--designs'): DesignName[] {
  if (text === undefined) return [...DESIGN_NAMES]
  const names = text.split(',').map((s) => s.trim())
  const expected = `a comma-separated list of designs out of ${DESIGN_NAMES.join(', ')}`
  if (names.length === 0 || names.every((n) => n === '')) throw new InputError(`${flag}: got "${text}", expected ${expected}`)
  const seen = new Set<string>()
  for (const name of names) {
    if (!(name in DESIGNS)) {
      const hint = closest(name, DESIGN_NAMES)
      throw new InputError(`${flag}: got "${text}", expected ${expected}; unknown design "${name}"${hint ? `, did you mean "${hint}"?` : ''}`)
    }
    if (seen.has(name)) throw new InputError(`${flag}: got "${text}", expected ${expected}; "${name}" is named twice`)
    seen.add(name)
  }
  return names as DesignName[]
}

/** The --set form of a design's overrides, in the order they are applied. */
export function designSets(design: DesignName): string[] {
  return Object.entries(DESIGNS[design].overrides).map(([path, value]) => `${path}=${String(value)}`)
}

/** `protocol=brubeck, topology.builder=tracker`: what a design changes, for messages and compare.md. */
export function describeOverrides(design: DesignName): string {
  return designSets(design).join(', ')
}

/**
 * The scenario of one design and seed: the file's text, the user's --set, then the design's
 * overrides and the seed. Throws ScenarioErrors in which problems with the design's own fields
 * name the design, not --set.
 */
export function designScenario(text: string, file: string, userSets: readonly string[], design: DesignName, seed: number): Scenario {
  const designPaths = new Set(Object.keys(DESIGNS[design].overrides))
  try {
    return parseScenario(text, file, { set: [...userSets, ...designSets(design), `seed=${seed}`] })
  } catch (error) {
    if (!(error instanceof ScenarioErrors)) throw error
    throw new ScenarioErrors(error.errors.map((e) => e.file === '--set' && designPaths.has(e.path)
      ? new ScenarioError({ file: `design ${design}`, path: e.path, value: e.value, expected: e.expected, point: e.point })
      : e))
  }
}

/**
 * Every design's scenario for every seed, all checked before the first run, as a sweep checks its
 * grid: a design this scenario cannot take (a field its era refuses) is one error naming the
 * design and each problem, and nothing runs. Returns them design by design, seed by seed.
 */
export function resolveDesigns(text: string, file: string, userSets: readonly string[], designs: readonly DesignName[], seeds: readonly number[]):
  Map<DesignName, Scenario[]> {
  const out = new Map<DesignName, Scenario[]>()
  const problems: string[] = []
  for (const design of designs) {
    try {
      out.set(design, seeds.map((seed) => designScenario(text, file, userSets, design, seed)))
    } catch (error) {
      if (!(error instanceof ScenarioErrors)) throw error
      problems.push(`design ${design} (${describeOverrides(design)}) does not fit ${file}:\n${error.errors.map((e) => `    ${e.message}`).join('\n')}`)
    }
  }
  if (problems.length > 0) {
    const fitting = designs.filter((d) => out.has(d))
    const hint = fitting.length > 0 ? `\n  (the designs that fit: --designs ${fitting.join(',')})` : ''
    throw new InputError(`${problems.length === 1 ? 'a design does' : `${problems.length} designs do`} not fit the scenario; nothing was run:\n  ${problems.join('\n  ')}${hint}`)
  }
  return out
}

// Runs one scenario to the end in chunks, so a caller can show progress, pace a live view or
// stay responsive, and returns the summary. The simulation itself never sees wall time.

import { Simulation, expectedEndMsOf } from './simulation.ts'
import { summarize } from './results/summarize.ts'
import type { Summary } from './results/summary-types.ts'
import type { Scenario } from './scenario/types.ts'

/** Events per chunk: large enough that chunk overhead vanishes, small enough for ~10 updates/s. */
export const EVENTS_PER_CHUNK = 200_000

export interface Progress {
  simulatedMs: number
  expectedEndMs: number
  events: number
  /** Set while the run is in a stage that simulated time does not measure: building it, or its first joins. */
  stage?: Stage
}

/** A stage of building or starting a run, counted in its own units (nodes placed, nodes joined). */
export interface Stage {
  name: string
  done: number
  total: number
}

export interface RunHooks {
  /** Called after every chunk. */
  onProgress?(progress: Progress): void
  /** Called between chunks; a returned promise holds the run (pacing for a live view). */
  betweenChunks?(simulation: Simulation): Promise<void> | void
  /** Called with the summary once the run is over. */
  onDone?(summary: Summary): void
  /** Events per chunk; smaller chunks let a live view follow more smoothly. */
  eventsPerChunk?: number
}

export interface RunOutcome {
  simulation: Simulation
  summary: Summary
}

export async function runScenario(scenario: Scenario, hooks: RunHooks = {}): Promise<RunOutcome> {
  const eventsPerChunk = hooks.eventsPerChunk ?? EVENTS_PER_CHUNK
  const startedAt = new Date().toISOString()
  const t0 = performance.now()
  const expectedEndMs = expectedEndMsOf(scenario)
  const simulation = new Simulation(scenario, (stage) => hooks.onProgress?.({ simulatedMs: 0, expectedEndMs, events: 0, stage }))
  let more = true
  while (more) {
    more = simulation.step(eventsPerChunk)
    hooks.onProgress?.({ simulatedMs: simulation.sim.now(), expectedEndMs, events: simulation.sim.events })
    if (more && hooks.betweenChunks !== undefined) await hooks.betweenChunks(simulation)
  }
  const summary = summarize(simulation, { wallSeconds: (performance.now() - t0) / 1000, startedAt })
  hooks.onDone?.(summary)
  return { simulation, summary }
}

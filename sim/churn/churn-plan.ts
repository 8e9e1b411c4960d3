// Turns a scenario's churn section into scripted actions on the simulator: who joins when, whose
// session ends when and how, mass failures, flash crowds and tracker failures. Every choice is
// drawn from streams named by the seed, so a churn pattern is reproducible.

import type { Random } from '../../core/ports.ts'
import { createRandom, sample } from '../engine/random.ts'
import type { Simulator } from '../engine/simulator.ts'
import type { ChurnConfig } from '../scenario/types.ts'
import { poissonArrivalTimes, sampleDuration } from './distributions.ts'

/** What churn does to the network; the simulation implements it. */
export interface ChurnActions {
  join(node: number): void
  leave(node: number, crash: boolean): void
  isOnline(node: number): boolean
  /** False for nodes exempt from churn (publishers). */
  canLeave(node: number): boolean
  trackerDown(tracker: number): void
  trackerUp(tracker: number): void
  /** Something the scenario asked for could not be done as asked: said, never silently clamped. */
  warn(message: string): void
}

export class ChurnPlan {
  /** Nodes not yet joined, in index order: arrivals take the lowest first. */
  private nextOffline: number
  /** Arrivals that found no node left to join. */
  private arrivalsSkipped = 0

  constructor(
    private readonly sim: Simulator,
    private readonly config: ChurnConfig,
    private readonly nodes: number,
    private readonly endMs: number,
    private readonly seed: number,
    private readonly actions: ChurnActions
  ) {
    this.nextOffline = config.initialNodes
  }

  /** Schedules everything; node i < initialNodes joins at time zero. */
  schedule(): void {
    const c = this.config
    this.sim.call(0, () => {
      for (let i = 0; i < c.initialNodes; i++) this.startSession(i)
    })
    const arrivals = poissonArrivalTimes(c.arrivalRatePerS, 0, this.endMs / 1000, createRandom(this.seed, 'churn', 'arrivals'))
    for (const t of arrivals) this.sim.call(t * 1000, () => this.arrive())
    if (arrivals.length > 0) {
      this.sim.call(this.endMs, () => {
        if (this.arrivalsSkipped > 0) {
          this.actions.warn(`churn.arrivalRatePerS: ${this.arrivalsSkipped} of ${arrivals.length} Poisson arrivals found every node already joined and were skipped`)
        }
      })
    }
    c.events.forEach((event, k) => {
      const random = createRandom(this.seed, 'churn', 'event', k)
      const at = event.atS * 1000
      switch (event.type) {
        case 'join':
          this.sim.call(at, () => { for (let j = 0; j < event.count; j++) this.arrive() })
          return
        case 'flashCrowd':
          for (let j = 0; j < event.count; j++) this.sim.call(at + random.next() * event.withinS * 1000, () => this.arrive())
          return
        case 'leave':
          this.sim.call(at, () => {
            const online = this.onlineNodes()
            if (online.length < event.count) {
              this.actions.warn(`churn.events[${k}] (leave at ${event.atS} s): asked for ${event.count} nodes, only ${online.length} were online and allowed to leave (publishers and storage nodes stay); ${online.length} left`)
            }
            for (const i of sample(random, online, event.count)) this.actions.leave(i, random.next() < event.crashFraction)
          })
          return
        case 'massFailure':
          this.sim.call(at, () => {
            const online = this.onlineNodes()
            for (const i of sample(random, online, Math.round(online.length * event.fraction))) this.actions.leave(i, true)
          })
          return
        case 'trackerFailure':
          this.sim.call(at, () => this.actions.trackerDown(event.tracker))
          if (event.recoverAtS !== undefined) this.sim.call(event.recoverAtS * 1000, () => this.actions.trackerUp(event.tracker))
      }
    })
  }

  private arrive(): void {
    if (this.nextOffline >= this.nodes) {
      this.arrivalsSkipped++
      return
    }
    this.startSession(this.nextOffline++)
  }

  private startSession(i: number): void {
    this.actions.join(i)
    const session = this.config.session
    if (session === undefined) return
    // Each node's own stream: how long one node stays never depends on how many others there are.
    const random: Random = createRandom(this.seed, 'churn', 'session', i)
    const endMs = this.sim.now() + sampleDuration(session, random) * 1000
    const crash = random.next() < this.config.crashFraction
    if (endMs < this.endMs) this.sim.call(endMs, () => { if (this.actions.isOnline(i)) this.actions.leave(i, crash) })
  }

  private onlineNodes(): number[] {
    const out: number[] = []
    for (let i = 0; i < this.nodes; i++) if (this.actions.isOnline(i) && this.actions.canLeave(i)) out.push(i)
    return out
  }
}

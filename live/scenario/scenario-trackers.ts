// The trackers of a live scenario run, in the coordinator's process: the scenario's own (tracker
// builder, t0, t1, ... behind the delay shim when links have delays, as the simulator delays
// tracker traffic too) or one signalling relay (static builder; outside the latency model, as
// the simulator has no signalling). A tracker failure stops one and later starts a fresh one on
// the same port, so nodes reconnect to the address they know.

import type { NodeId } from '../../core/ports.ts'
import { DEFAULT_UNREACHABLE_MEMORY_MS } from '../../core/tracker/index.ts'
import type { DelayQueue } from '../delay-line.ts'
import { DelayedTransport } from '../delayed-transport.ts'
import type { TrackerAddress } from '../live-node.ts'
import { LiveTracker } from '../live-tracker.ts'
import type { Scenario } from '../../sim/scenario/types.ts'
import type { LiveRunPlan } from './run-plan.ts'
import { ScenarioLinkShaper } from './scenario-link-shaper.ts'

export const RELAY_ID = 'relay'

interface Slot {
  readonly id: NodeId
  /** Index in the latency model; -1 for the relay. */
  readonly placed: number
  port: number
  tracker: LiveTracker | undefined
  /** Messages received by instances that were stopped, so a restart does not erase them. */
  retiredMessages: number
  retiredSignalsRelayed: number
}

export class ScenarioTrackers {
  private readonly slots: Slot[]
  private readonly placedIndex: ReadonlyMap<NodeId, number>

  private constructor(
    private readonly scenario: Scenario,
    private readonly plan: LiveRunPlan,
    private readonly queue: DelayQueue | null,
    private readonly onError: (error: unknown, where: string) => void
  ) {
    const n = plan.nodeIds.length
    this.slots = plan.trackerIds.length > 0
      ? plan.trackerIds.map((id, t) => ({ id, placed: n + t, port: 0, tracker: undefined, retiredMessages: 0, retiredSignalsRelayed: 0 }))
      : [{ id: RELAY_ID, placed: -1, port: 0, tracker: undefined, retiredMessages: 0, retiredSignalsRelayed: 0 }]
    this.placedIndex = new Map([...plan.nodeIds, ...plan.trackerIds].map((id, i) => [id, i]))
  }

  static async start(scenario: Scenario, plan: LiveRunPlan, queue: DelayQueue | null, onError: (error: unknown, where: string) => void): Promise<ScenarioTrackers> {
    const trackers = new ScenarioTrackers(scenario, plan, queue, onError)
    for (let t = 0; t < trackers.slots.length; t++) await trackers.up(t)
    return trackers
  }

  /** The scenario's trackers (tracker builder); empty for the static builder. */
  get scenarioTrackers(): TrackerAddress[] {
    return this.plan.trackerIds.length === 0 ? [] : this.slots.map((s) => this.address(s))
  }

  /** The signalling relay (static builder). */
  get relay(): TrackerAddress | null {
    return this.plan.trackerIds.length === 0 ? this.address(this.slots[0]) : null
  }

  async up(t: number): Promise<void> {
    const slot = this.slots[t]
    if (slot.tracker !== undefined) return
    const tracker = await LiveTracker.start({
      id: slot.id, seed: `${this.scenario.seed}/${slot.id}`, port: slot.port, onError: this.onError,
      // The simulator's trackers have no liveness rules: live runs of a scenario keep them off too.
      tracker: { maxNeighbours: this.scenario.topology.degree, unreachableMemoryMs: DEFAULT_UNREACHABLE_MEMORY_MS },
      // Every node of a live scenario runs on this machine: one address.
      websocket: { maxSocketsPerAddress: Number.POSITIVE_INFINITY },
    })
    slot.port = Number(new URL(tracker.url).port)
    if (this.queue !== null && slot.placed >= 0) {
      const shim = new DelayedTransport(tracker.transport, new ScenarioLinkShaper(this.plan.latency, slot.placed, this.placedIndex, this.scenario, slot.id), this.queue)
      shim.setHandler(tracker.tracker)
    }
    slot.tracker = tracker
  }

  async down(t: number): Promise<void> {
    const slot = this.slots[t]
    const tracker = slot.tracker
    if (tracker === undefined) return
    slot.retiredMessages += received(tracker)
    slot.retiredSignalsRelayed += tracker.tracker.stats.signalsRelayed
    slot.tracker = undefined
    await tracker.stop()
  }

  /** Statuses and signals received by tracker `t` over the run, restarts included. */
  messagesReceived(t: number): number {
    const slot = this.slots[t]
    return slot.retiredMessages + (slot.tracker === undefined ? 0 : received(slot.tracker))
  }

  signalsRelayed(): number {
    return this.slots.reduce((sum, s) => sum + s.retiredSignalsRelayed + (s.tracker?.tracker.stats.signalsRelayed ?? 0), 0)
  }

  async stop(): Promise<void> {
    for (let t = 0; t < this.slots.length; t++) await this.down(t)
  }

  private address(slot: Slot): TrackerAddress {
    return { id: slot.id, url: `ws://127.0.0.1:${slot.port}` }
  }
}

function received(tracker: LiveTracker): number {
  return tracker.tracker.stats.statusesReceived + tracker.tracker.stats.signalsReceived
}

// The node's side of Brubeck: a LinkProtocol on a NetworkNode that reports each joined stream
// part's neighbours to that part's tracker and applies the tracker's instructions through the
// node's own addNeighbour/removeNeighbour, so the relay never knows a tracker built its overlay.
//
// When a status goes out (as the Brubeck reference's TrackerManager sends them: on events, with
// no periodic heartbeat):
//   - on joining, once the tracker link is up;
//   - on any neighbour change, coalesced over statusDebounceMs;
//   - after applying an instruction, once every newly listed neighbour is linked or has failed
//     (or instructionSettleMs passes). Reporting mid-way would show the tracker a half-built list,
//     and the tracker, taking the status as the truth, would tear down the links still coming up;
//   - when the last instruction is applied again (every instructionRetryIntervalMs, healing links
//     that failed): on the first such retry and every statusEveryNthRetry-th, and on any retry
//     that failed to link a listed neighbour (the reference's InstructionRetryManager);
//   - for every part of a tracker when its link comes back (the tracker may have restarted and
//     rebuilds its overlay from these statuses).
// Leaving gracefully sends COUNTER_LEFT before the node says goodbye to its neighbours. A crash
// says nothing: the tracker learns it from the dropped link.

import type { LinkProtocol } from '../link-protocol.ts'
import type { NetworkNode } from '../network-node.ts'
import type { Connection, NodeId, Random, TimerHandle, Timers } from '../ports.ts'
import { BRUBECK } from '../protocol-era.ts'
import { trackerOf } from './tracker-assignment.ts'
import {
  COUNTER_LEFT, TRACKER_WIRE_KINDS, WIRE_TRACKER_INSTRUCTION, WIRE_TRACKER_SIGNAL,
  type TrackerInstructionMessage, isTrackerInstructionMessage, isTrackerSignalMessage, signalMessage, statusMessage,
} from './tracker-messages.ts'

const BRUBECK_TRACKER = BRUBECK.tracker!

export interface TrackerClientOptions {
  /** Neighbour changes within this window go out as one status; 0 folds only those of one instant. */
  statusDebounceMs: number
  /** The last instruction of each stream part is applied again this often; 0 turns it off. */
  instructionRetryIntervalMs: number
  /** Of the re-applications, the first and every Nth send a status (and any that failed to link). */
  statusEveryNthRetry: number
  /**
   * After applying an instruction, how long to wait for its new neighbours before reporting
   * anyway: by then each connection has completed or timed out. Failed connects and dropped
   * links end the wait early.
   */
  instructionSettleMs: number
  /** While a needed tracker is unreachable, it is tried this often (at the next tick first: a random phase). */
  reconnectIntervalMs: number
  /**
   * Whether a status names the listed neighbours the node could not link since the last one, so
   * that the tracker stops pairing them (live nodes; the reference's statuses do not).
   */
  reportUnreachable: boolean
}

/** The Brubeck reference's values (the only era with trackers); see protocol-era.ts for their sources. */
export const DEFAULT_TRACKER_CLIENT_OPTIONS: Readonly<TrackerClientOptions> = {
  statusDebounceMs: BRUBECK_TRACKER.statusDebounceMs,
  instructionRetryIntervalMs: BRUBECK_TRACKER.instructionRetryIntervalMs,
  statusEveryNthRetry: BRUBECK_TRACKER.statusEveryNthRetry,
  instructionSettleMs: BRUBECK_TRACKER.instructionSettleMs,
  reconnectIntervalMs: BRUBECK_TRACKER.reconnectIntervalMs,
  reportUnreachable: false,
}

/** Fills in defaults and rejects values the client cannot work with. */
export function createTrackerClientOptions(options: Partial<TrackerClientOptions> = {}): TrackerClientOptions {
  const o = { ...DEFAULT_TRACKER_CLIENT_OPTIONS, ...options }
  for (const key of ['statusDebounceMs', 'instructionRetryIntervalMs', 'instructionSettleMs'] as const) {
    if (!(o[key] >= 0)) throw new RangeError(`${key} must be >= 0, got ${o[key]}`)
  }
  if (!Number.isInteger(o.statusEveryNthRetry) || o.statusEveryNthRetry < 1) {
    throw new RangeError(`statusEveryNthRetry must be an integer >= 1, got ${o.statusEveryNthRetry}`)
  }
  if (!(o.reconnectIntervalMs > 0)) throw new RangeError(`reconnectIntervalMs must be > 0, got ${o.reconnectIntervalMs}`)
  return o
}

export interface TrackerClientPorts {
  timers: Timers
  /** The node's own stream, for the phase of its reconnect ticks. */
  random: Random
}

/** Counters for metrics and tests; they only grow. */
export interface TrackerClientStats {
  statusesSent: number
  instructionsReceived: number
  instructionsApplied: number
  /** Numbered below one already applied. */
  staleInstructionsIgnored: number
  /** Well-formed but not for us: from a peer that is not the part's tracker, for a part we left, a signal for someone else. */
  strayMessagesIgnored: number
  signalsSent: number
  signalsReceived: number
  trackerConnects: number
  trackerConnectFailures: number
  trackerDisconnects: number
}

export type SignalHandler = (from: NodeId, payload: string) => void

interface PartState {
  readonly trackerId: NodeId
  /** Counter of the last instruction applied; 0 before any. */
  counter: number
  /** While an instruction is being applied: listed neighbours not yet linked. */
  awaiting: Set<NodeId> | null
  /** Listed neighbours that failed to link since the last status (kept only with reportUnreachable). */
  readonly unreachable: Set<NodeId>
  /** Whether the status goes out when the application settles (false for a quiet retry)... */
  reportWhenSettled: boolean
  /** ...which it does anyway if a listed neighbour could not be linked. */
  failedWhileSettling: boolean
  settleTimer: TimerHandle | undefined
  /** The last instruction, applied again every instructionRetryIntervalMs. */
  lastInstruction: TrackerInstructionMessage | undefined
  /** Re-applications of lastInstruction so far. */
  retries: number
  retryTimer: TimerHandle | undefined
}

interface TrackerLink {
  connection: Connection | undefined
  connecting: boolean
  /** Failed attempts since the last success: the first retry waits for the next tick, later ones a whole interval. */
  failures: number
  retryTimer: TimerHandle | undefined
}

export class TrackerClient implements LinkProtocol {
  readonly kinds = TRACKER_WIRE_KINDS
  private readonly parts = new Map<string, PartState>()
  private readonly trackers = new Map<NodeId, TrackerLink>()
  private readonly dirty = new Set<string>()
  private statusTimer: TimerHandle | undefined
  private signalHandler: SignalHandler | undefined
  private readonly counts: TrackerClientStats = {
    statusesSent: 0, instructionsReceived: 0, instructionsApplied: 0, staleInstructionsIgnored: 0,
    strayMessagesIgnored: 0, signalsSent: 0, signalsReceived: 0, trackerConnects: 0,
    trackerConnectFailures: 0, trackerDisconnects: 0,
  }

  constructor(
    private readonly node: NetworkNode,
    private readonly trackerIds: readonly NodeId[],
    private readonly ports: TrackerClientPorts,
    private readonly options: TrackerClientOptions
  ) {
    if (trackerIds.length === 0) throw new RangeError('a tracker client needs at least one tracker')
  }

  get stats(): Readonly<TrackerClientStats> {
    return this.counts
  }

  /** Counter of the last instruction applied in a joined part. */
  counterOf(streamPartId: string): number | undefined {
    return this.parts.get(streamPartId)?.counter
  }

  isLinkedTo(trackerId: NodeId): boolean {
    return this.trackers.get(trackerId)?.connection !== undefined
  }

  /** Joins the part on the node and reports to its tracker, connecting first if need be. */
  join(streamPartId: string): void {
    if (!this.parts.has(streamPartId)) {
      const trackerId = trackerOf(streamPartId, this.trackerIds)
      this.parts.set(streamPartId, {
        trackerId, counter: 0, awaiting: null, unreachable: new Set(), reportWhenSettled: true, failedWhileSettling: false, settleTimer: undefined,
        lastInstruction: undefined, retries: 0, retryTimer: undefined,
      })
      this.ensureLink(trackerId)
    }
    this.node.joinStreamPart(streamPartId)
    this.markDirty(streamPartId)
  }

  /** Graceful leave: the tracker hears COUNTER_LEFT, the neighbours hear WIRE_LEAVE. */
  leave(streamPartId: string): void {
    this.forget(streamPartId, true)
    this.node.leaveStreamPart(streamPartId)
  }

  /** The node crashed: drop all state and timers silently. A later join starts afresh. */
  reset(): void {
    for (const part of this.parts.values()) {
      this.cancel(part.settleTimer)
      this.cancel(part.retryTimer)
    }
    for (const link of this.trackers.values()) this.cancel(link.retryTimer)
    this.cancel(this.statusTimer)
    this.statusTimer = undefined
    this.parts.clear()
    this.trackers.clear()
    this.dirty.clear()
  }

  /** Where relayed signalling for this node goes (the live WebRTC transport sets it). */
  onSignal(handler: SignalHandler | undefined): void {
    this.signalHandler = handler
  }

  /** Sends `payload` to `to` through the tracker of `streamPartId`; false if that link is down. */
  sendSignal(streamPartId: string, to: NodeId, payload: string): boolean {
    const connection = this.trackers.get(trackerOf(streamPartId, this.trackerIds))?.connection
    if (connection === undefined) return false
    this.node.send(connection, signalMessage(this.node.id, to, payload))
    this.counts.signalsSent++
    return true
  }

  // LinkProtocol

  handleMessage(connection: Connection, message: { kind: number }): boolean {
    if (message.kind === WIRE_TRACKER_INSTRUCTION) {
      if (!isTrackerInstructionMessage(message)) return false
      this.handleInstruction(connection, message)
      return true
    }
    if (message.kind === WIRE_TRACKER_SIGNAL) {
      if (!isTrackerSignalMessage(message)) return false
      if (message.to !== this.node.id || this.trackers.get(connection.remoteId)?.connection !== connection) {
        this.counts.strayMessagesIgnored++
        return true
      }
      this.counts.signalsReceived++
      this.signalHandler?.(message.from, message.payload)
      return true
    }
    // Statuses go to trackers, never to nodes.
    return false
  }

  onConnected(connection: Connection): void {
    const link = this.trackers.get(connection.remoteId)
    if (link === undefined || link.connection === connection) return
    link.connection = connection
    link.connecting = false
    link.failures = 0
    this.counts.trackerConnects++
    // A (re)connected tracker may know nothing of us: tell it every part it serves.
    for (const [sp, part] of this.parts) if (part.trackerId === connection.remoteId) this.markDirty(sp)
  }

  onConnectFailed(peer: NodeId, _reason: string): void {
    const link = this.trackers.get(peer)
    if (link !== undefined && link.connecting) {
      link.connecting = false
      this.counts.trackerConnectFailures++
      this.scheduleReconnect(peer, link)
    }
    this.peerFailed(peer)
  }

  onDisconnected(connection: Connection, _reason: string): void {
    const link = this.trackers.get(connection.remoteId)
    if (link !== undefined && link.connection === connection) {
      link.connection = undefined
      this.counts.trackerDisconnects++
      this.scheduleReconnect(connection.remoteId, link)
    }
    this.peerFailed(connection.remoteId)
  }

  onNeighboursChanged(streamPartId: string): void {
    const part = this.parts.get(streamPartId)
    if (part === undefined) return
    if (this.node.streamPart(streamPartId) === undefined) {
      // Left by node.leaveStreamPart directly: still tell the tracker.
      this.forget(streamPartId, true)
      return
    }
    if (part.awaiting !== null) this.checkSettled(streamPartId, part)
    else this.markDirty(streamPartId)
  }

  private handleInstruction(connection: Connection, instruction: TrackerInstructionMessage): void {
    this.counts.instructionsReceived++
    const sp = instruction.streamPartId
    const part = this.parts.get(sp)
    if (part === undefined || this.node.streamPart(sp) === undefined || part.trackerId !== connection.remoteId) {
      this.counts.strayMessagesIgnored++
      return
    }
    if (instruction.counter < part.counter) {
      this.counts.staleInstructionsIgnored++
      return
    }
    part.counter = instruction.counter
    part.lastInstruction = instruction
    part.retries = 0
    this.armRetry(sp, part)
    this.apply(sp, part, instruction, true)
    this.counts.instructionsApplied++
  }

  /** Links the listed neighbours and drops the rest; reports when that settles (or, quietly, only on a failure). */
  private apply(sp: string, part: PartState, instruction: TrackerInstructionMessage, report: boolean): void {
    const cdn = this.node.streamPart(sp)
    if (cdn === undefined) return
    const wanted = new Set(instruction.neighbours)
    wanted.delete(this.node.id)
    const awaiting = new Set<NodeId>()
    for (const id of wanted) if (!cdn.hasNeighbour(id)) awaiting.add(id)
    // Settle first: removing neighbours below reports changes back to us synchronously.
    this.cancel(part.settleTimer)
    part.awaiting = awaiting
    part.reportWhenSettled = report || part.reportWhenSettled && part.settleTimer !== undefined
    part.failedWhileSettling = false
    part.settleTimer = awaiting.size === 0 ? undefined
      : this.ports.timers.setTimeout(() => this.endSettle(sp), this.options.instructionSettleMs)
    for (const n of [...cdn.neighbours]) if (!wanted.has(n.remoteId)) this.node.removeNeighbour(sp, n.remoteId)
    for (const id of awaiting) this.node.addNeighbour(sp, id)
    this.checkSettled(sp, part)
  }

  private armRetry(sp: string, part: PartState): void {
    this.cancel(part.retryTimer)
    part.retryTimer = undefined
    if (this.options.instructionRetryIntervalMs <= 0) return
    part.retryTimer = this.ports.timers.setTimeout(() => {
      part.retryTimer = undefined
      if (this.parts.get(sp) !== part || part.lastInstruction === undefined) return
      const report = part.retries % this.options.statusEveryNthRetry === 0
      part.retries++
      this.armRetry(sp, part)
      this.apply(sp, part, part.lastInstruction, report)
    }, this.options.instructionRetryIntervalMs)
  }

  /** A listed peer that cannot be reached no longer holds up the status, and makes it due. */
  private peerFailed(peer: NodeId): void {
    for (const [sp, part] of this.parts) {
      if (part.awaiting?.delete(peer) === true) {
        part.failedWhileSettling = true
        if (this.options.reportUnreachable) part.unreachable.add(peer)
        this.checkSettled(sp, part)
      }
    }
  }

  private checkSettled(sp: string, part: PartState): void {
    const awaiting = part.awaiting
    if (awaiting === null) return
    const cdn = this.node.streamPart(sp)
    if (cdn !== undefined) for (const id of awaiting) if (cdn.hasNeighbour(id)) awaiting.delete(id)
    if (awaiting.size === 0) this.endSettle(sp)
  }

  private endSettle(sp: string): void {
    const part = this.parts.get(sp)
    if (part === undefined || part.awaiting === null) return
    this.cancel(part.settleTimer)
    part.settleTimer = undefined
    // Listed neighbours still missing at the deadline failed too.
    const failed = part.failedWhileSettling || part.awaiting.size > 0
    if (this.options.reportUnreachable) for (const peer of part.awaiting) part.unreachable.add(peer)
    part.awaiting = null
    if (part.reportWhenSettled || failed) this.markDirty(sp)
    part.reportWhenSettled = true
  }

  private forget(sp: string, tellTracker: boolean): void {
    const part = this.parts.get(sp)
    if (part === undefined) return
    this.parts.delete(sp)
    this.dirty.delete(sp)
    this.cancel(part.settleTimer)
    this.cancel(part.retryTimer)
    const connection = this.trackers.get(part.trackerId)?.connection
    if (tellTracker && connection !== undefined) {
      this.node.send(connection, statusMessage(sp, [], COUNTER_LEFT))
      this.counts.statusesSent++
    }
    // The tracker link stays open: it is one link, and the node may join another part soon.
  }

  private cancel(timer: TimerHandle | undefined): void {
    if (timer !== undefined) this.ports.timers.clearTimeout(timer)
  }

  private markDirty(sp: string): void {
    this.dirty.add(sp)
    if (this.statusTimer === undefined) {
      this.statusTimer = this.ports.timers.setTimeout(() => this.flushStatuses(), this.options.statusDebounceMs)
    }
  }

  private flushStatuses(): void {
    this.statusTimer = undefined
    for (const sp of this.dirty) this.sendStatus(sp)
    this.dirty.clear()
  }

  /** Skipped while settling (the settle's end sends it) or while the link is down (reconnecting sends it). */
  private sendStatus(sp: string): void {
    const part = this.parts.get(sp)
    const cdn = this.node.streamPart(sp)
    if (part === undefined || cdn === undefined || part.awaiting !== null) return
    const connection = this.trackers.get(part.trackerId)?.connection
    if (connection === undefined) return
    const neighbours = cdn.neighbours.map((n) => n.remoteId)
    this.node.send(connection, statusMessage(sp, neighbours, part.counter, [...part.unreachable].filter((id) => !cdn.hasNeighbour(id))))
    part.unreachable.clear()
    this.counts.statusesSent++
  }

  private ensureLink(trackerId: NodeId): void {
    let link = this.trackers.get(trackerId)
    if (link === undefined) {
      link = { connection: undefined, connecting: false, failures: 0, retryTimer: undefined }
      this.trackers.set(trackerId, link)
    }
    if (link.connection !== undefined || link.connecting || link.retryTimer !== undefined) return
    const existing = this.node.connection(trackerId)
    if (existing !== undefined) {
      this.onConnected(existing)
      return
    }
    link.connecting = true
    this.node.connect(trackerId)
  }

  /**
   * The reference's TrackerConnector checks its trackers on a fixed tick, without backoff: the
   * first attempt after a loss comes at the next tick (a uniform phase, so a restarted tracker is
   * not hit by every node at once), later ones a whole interval apart.
   */
  private scheduleReconnect(trackerId: NodeId, link: TrackerLink): void {
    if (link.retryTimer !== undefined) return
    let served = false
    for (const part of this.parts.values()) if (part.trackerId === trackerId) served = true
    if (!served) {
      this.trackers.delete(trackerId)
      return
    }
    const interval = this.options.reconnectIntervalMs
    const delayMs = link.failures === 0 ? this.ports.random.next() * interval : interval
    link.failures++
    link.retryTimer = this.ports.timers.setTimeout(() => {
      link.retryTimer = undefined
      if (this.trackers.get(trackerId) !== link) return
      this.ensureLink(trackerId)
    }, delayMs)
  }
}

export function createTrackerClient(
  node: NetworkNode, trackerIds: readonly NodeId[], ports: TrackerClientPorts, options: Partial<TrackerClientOptions> = {}
): TrackerClient {
  return new TrackerClient(node, trackerIds, ports, createTrackerClientOptions(options))
}

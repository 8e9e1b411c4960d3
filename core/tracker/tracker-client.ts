// The node's side of Brubeck: a LinkProtocol on a NetworkNode that reports each joined stream
// part's neighbours to that part's tracker and applies the tracker's instructions through the
// node's own addNeighbour/removeNeighbour, so the relay never knows a tracker built its overlay.
//
// When a status goes out:
//   - on joining, once the tracker link is up;
//   - on any neighbour change, coalesced over statusDebounceMs;
//   - after applying an instruction, once every newly listed neighbour is linked or has failed
//     (or instructionSettleMs passes). Reporting mid-way would show the tracker a half-built list,
//     and the tracker, taking the status as the truth, would tear down the links still coming up;
//   - every statusIntervalMs, to heal any drift between the node and the tracker's picture;
//   - for every part of a tracker when its link comes back (the tracker may have restarted and
//     rebuilds its overlay from these statuses).
// Leaving gracefully sends COUNTER_LEFT before the node says goodbye to its neighbours. A crash
// says nothing: the tracker learns it from the dropped link.

import type { LinkProtocol } from '../link-protocol.ts'
import type { NetworkNode } from '../network-node.ts'
import type { Connection, NodeId, Random, TimerHandle, Timers } from '../ports.ts'
import { trackerOf } from './tracker-assignment.ts'
import {
  COUNTER_LEFT, TRACKER_WIRE_KINDS, WIRE_TRACKER_INSTRUCTION, WIRE_TRACKER_SIGNAL,
  type TrackerInstructionMessage, isTrackerInstructionMessage, isTrackerSignalMessage, signalMessage, statusMessage,
} from './tracker-messages.ts'

export interface TrackerClientOptions {
  /** Neighbour changes within this window go out as one status (a crash drops several links at once). */
  statusDebounceMs: number
  /**
   * Every joined part's status is re-sent this often; 0 turns it off. Statuses are event-driven,
   * so this only heals drift (an asymmetric link, a status the tracker could not use). 30 s keeps
   * a tracker's load at one status per node and part per 30 s, like a keep-alive.
   */
  statusIntervalMs: number
  /**
   * After applying an instruction, how long to wait for its new neighbours before reporting
   * anyway. Matches the node's handshake timeout: by then each handshake has completed or been
   * given up. Failed connects and dropped links end the wait early.
   */
  instructionSettleMs: number
  /** First delay before reconnecting to a tracker; doubled per failed attempt, with jitter. */
  reconnectMinMs: number
  /** Cap on the reconnect delay. */
  reconnectMaxMs: number
}

export const DEFAULT_STATUS_DEBOUNCE_MS = 10
export const DEFAULT_STATUS_INTERVAL_MS = 30_000
export const DEFAULT_INSTRUCTION_SETTLE_MS = 5_000
export const DEFAULT_RECONNECT_MIN_MS = 1_000
export const DEFAULT_RECONNECT_MAX_MS = 30_000

export const DEFAULT_TRACKER_CLIENT_OPTIONS: Readonly<TrackerClientOptions> = {
  statusDebounceMs: DEFAULT_STATUS_DEBOUNCE_MS,
  statusIntervalMs: DEFAULT_STATUS_INTERVAL_MS,
  instructionSettleMs: DEFAULT_INSTRUCTION_SETTLE_MS,
  reconnectMinMs: DEFAULT_RECONNECT_MIN_MS,
  reconnectMaxMs: DEFAULT_RECONNECT_MAX_MS,
}

/** Fills in defaults and rejects values the client cannot work with. */
export function createTrackerClientOptions(options: Partial<TrackerClientOptions> = {}): TrackerClientOptions {
  const o = { ...DEFAULT_TRACKER_CLIENT_OPTIONS, ...options }
  for (const key of ['statusDebounceMs', 'statusIntervalMs', 'instructionSettleMs'] as const) {
    if (!(o[key] >= 0)) throw new RangeError(`${key} must be >= 0, got ${o[key]}`)
  }
  if (!(o.reconnectMinMs > 0)) throw new RangeError(`reconnectMinMs must be > 0, got ${o.reconnectMinMs}`)
  if (!(o.reconnectMaxMs >= o.reconnectMinMs)) throw new RangeError(`reconnectMaxMs must be >= reconnectMinMs, got ${o.reconnectMaxMs}`)
  return o
}

export interface TrackerClientPorts {
  timers: Timers
  /** The node's own stream, for reconnect jitter. */
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
  settleTimer: TimerHandle | undefined
}

interface TrackerLink {
  connection: Connection | undefined
  connecting: boolean
  /** Failed attempts since the last success, for the backoff. */
  failures: number
  retryTimer: TimerHandle | undefined
}

export class TrackerClient implements LinkProtocol {
  readonly kinds = TRACKER_WIRE_KINDS
  private readonly parts = new Map<string, PartState>()
  private readonly trackers = new Map<NodeId, TrackerLink>()
  private readonly dirty = new Set<string>()
  private statusTimer: TimerHandle | undefined
  private periodicTimer: TimerHandle | undefined
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
      this.parts.set(streamPartId, { trackerId, counter: 0, awaiting: null, settleTimer: undefined })
      this.ensureLink(trackerId)
      this.armPeriodic()
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
    for (const part of this.parts.values()) this.cancel(part.settleTimer)
    for (const link of this.trackers.values()) this.cancel(link.retryTimer)
    this.cancel(this.statusTimer)
    this.cancel(this.periodicTimer)
    this.statusTimer = undefined
    this.periodicTimer = undefined
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
    const cdn = this.node.streamPart(sp)
    if (part === undefined || cdn === undefined || part.trackerId !== connection.remoteId) {
      this.counts.strayMessagesIgnored++
      return
    }
    if (instruction.counter < part.counter) {
      this.counts.staleInstructionsIgnored++
      return
    }
    part.counter = instruction.counter
    const wanted = new Set(instruction.neighbours)
    wanted.delete(this.node.id)
    const awaiting = new Set<NodeId>()
    for (const id of wanted) if (!cdn.hasNeighbour(id)) awaiting.add(id)
    // Settle first: removing neighbours below reports changes back to us synchronously.
    this.cancel(part.settleTimer)
    part.awaiting = awaiting
    part.settleTimer = awaiting.size === 0 ? undefined
      : this.ports.timers.setTimeout(() => this.endSettle(sp), this.options.instructionSettleMs)
    for (const n of [...cdn.neighbours]) if (!wanted.has(n.remoteId)) this.node.removeNeighbour(sp, n.remoteId)
    for (const id of awaiting) this.node.addNeighbour(sp, id)
    this.counts.instructionsApplied++
    this.checkSettled(sp, part)
  }

  /** A listed peer that cannot be reached no longer holds up the status. */
  private peerFailed(peer: NodeId): void {
    for (const [sp, part] of this.parts) {
      if (part.awaiting?.delete(peer) === true) this.checkSettled(sp, part)
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
    part.awaiting = null
    this.markDirty(sp)
  }

  private forget(sp: string, tellTracker: boolean): void {
    const part = this.parts.get(sp)
    if (part === undefined) return
    this.parts.delete(sp)
    this.dirty.delete(sp)
    this.cancel(part.settleTimer)
    const connection = this.trackers.get(part.trackerId)?.connection
    if (tellTracker && connection !== undefined) {
      this.node.send(connection, statusMessage(sp, [], COUNTER_LEFT))
      this.counts.statusesSent++
    }
    // The tracker link stays open: it is one link, and the node may join another part soon.
    if (this.parts.size === 0) {
      this.cancel(this.periodicTimer)
      this.periodicTimer = undefined
    }
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
    this.node.send(connection, statusMessage(sp, neighbours, part.counter))
    this.counts.statusesSent++
  }

  private armPeriodic(): void {
    if (this.options.statusIntervalMs <= 0 || this.periodicTimer !== undefined) return
    this.periodicTimer = this.ports.timers.setTimeout(() => {
      this.periodicTimer = undefined
      if (this.parts.size === 0) return
      for (const sp of this.parts.keys()) this.sendStatus(sp)
      this.armPeriodic()
    }, this.options.statusIntervalMs)
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

  /** Exponential backoff with "equal jitter" (half fixed, half random), so a restarted tracker is not hit by every node at once. */
  private scheduleReconnect(trackerId: NodeId, link: TrackerLink): void {
    if (link.retryTimer !== undefined) return
    let served = false
    for (const part of this.parts.values()) if (part.trackerId === trackerId) served = true
    if (!served) {
      this.trackers.delete(trackerId)
      return
    }
    const base = Math.min(this.options.reconnectMaxMs, this.options.reconnectMinMs * 2 ** link.failures)
    const delayMs = base / 2 + this.ports.random.next() * (base / 2)
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

// A Brubeck tracker: a node of its own on the network that builds each stream part's overlay.
// Nodes report their neighbours (status); the tracker folds each report into its graph, runs
// formInstructions for the reporter and sends every node whose list changed its full new list
// (instruction), numbered per node and stream part. A status numbered below the node's latest
// instruction predates it and is ignored; otherwise a node still applying an instruction would
// undo it. Instructions are debounced per stream part so a burst of joins costs one instruction
// per node. A node's link to the tracker is its session: when it drops, the node is gone from
// every stream part. The tracker also relays signalling between nodes it holds links to.

import type { Clock, Connection, NodeId, Random, Timers, Transport, TransportHandler, WireMessage } from '../ports.ts'
import { BRUBECK } from '../protocol-era.ts'
import { formInstructions } from './form-instructions.ts'
import { PartLiveness } from './liveness.ts'
import { KeyedDebouncer } from './keyed-debouncer.ts'
import { OverlayGraph } from './overlay-graph.ts'
import {
  COUNTER_LEFT, type TrackerSignalMessage, type TrackerStatusMessage,
  instructionMessage, isTrackerSignalMessage, isTrackerStatusMessage,
} from './tracker-messages.ts'

export interface TrackerOptions {
  /** Neighbour target per node and stream part (PROTOCOL.md: 4). */
  maxNeighbours: number
  /** Instructions of a stream part wait this long for more changes before going out (reference: 100 ms). */
  instructionDebounceMs: number
  /** ...but never longer than this after the first pending change (reference: 2 s). */
  instructionMaxWaitMs: number
  /**
   * Liveness rules (liveness.ts): how long a reported unreachable peer stays apart from its
   * reporter (ms). 0: no rules, every member is believed, as by the reference's tracker.
   */
  unreachableMemoryMs: number
  /** Distinct proven reporters that take an unproven member out of every pairing (with the rules on). */
  unreachableReporters: number
}

// The Brubeck reference's values (the only era with trackers); see protocol-era.ts for their sources.
export const DEFAULT_MAX_NEIGHBOURS = BRUBECK.tracker!.maxNeighbours
export const DEFAULT_INSTRUCTION_DEBOUNCE_MS = BRUBECK.tracker!.instructionDebounceMs
export const DEFAULT_INSTRUCTION_MAX_WAIT_MS = BRUBECK.tracker!.instructionMaxWaitMs
/** The reference's tracker has no liveness rules (and the simulator's trackers keep its behaviour). */
export const DEFAULT_UNREACHABLE_MEMORY_MS = 0
/**
 * Ours: two, so that one proven node's failed connect (its own network trouble) takes a newcomer
 * out of that node's pairings only, and a second independent failure out of everyone's.
 */
export const DEFAULT_UNREACHABLE_REPORTERS = 2

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = {
  maxNeighbours: DEFAULT_MAX_NEIGHBOURS,
  instructionDebounceMs: DEFAULT_INSTRUCTION_DEBOUNCE_MS,
  instructionMaxWaitMs: DEFAULT_INSTRUCTION_MAX_WAIT_MS,
  unreachableMemoryMs: DEFAULT_UNREACHABLE_MEMORY_MS,
  unreachableReporters: DEFAULT_UNREACHABLE_REPORTERS,
}

/** Fills in defaults and rejects values the tracker cannot work with. */
export function createTrackerOptions(options: Partial<TrackerOptions> = {}): TrackerOptions {
  const o = { ...DEFAULT_TRACKER_OPTIONS, ...options }
  if (!Number.isInteger(o.maxNeighbours) || o.maxNeighbours < 1) throw new RangeError(`maxNeighbours must be a positive integer, got ${o.maxNeighbours}`)
  if (!(o.instructionDebounceMs >= 0)) throw new RangeError(`instructionDebounceMs must be >= 0, got ${o.instructionDebounceMs}`)
  if (!(o.instructionMaxWaitMs >= o.instructionDebounceMs)) {
    throw new RangeError(`instructionMaxWaitMs must be >= instructionDebounceMs, got ${o.instructionMaxWaitMs}`)
  }
  if (!(o.unreachableMemoryMs >= 0)) throw new RangeError(`unreachableMemoryMs must be >= 0, got ${o.unreachableMemoryMs}`)
  if (!Number.isInteger(o.unreachableReporters) || o.unreachableReporters < 1) {
    throw new RangeError(`unreachableReporters must be a positive integer, got ${o.unreachableReporters}`)
  }
  return o
}

export interface TrackerPorts {
  clock: Clock
  timers: Timers
  random: Random
  transport: Transport
}

/** Counters for metrics; they only grow. */
export interface TrackerStats {
  statusesReceived: number
  /** Statuses numbered below the node's latest instruction. */
  staleStatusesIgnored: number
  /** Statuses with COUNTER_LEFT. */
  leavesReceived: number
  instructionsSent: number
  signalsReceived: number
  signalsRelayed: number
  /** Addressee not linked to this tracker, or a sender naming someone else as `from`. */
  signalsDropped: number
  /** Anything that was not a status or a signal (nodes never send instructions). */
  malformedReceived: number
  /** Node links that dropped, each taking the node out of its stream parts. */
  nodesDisconnected: number
  bytesReceived: number
  bytesSent: number
}

interface StreamPartState {
  readonly graph: OverlayGraph
  /** Latest instruction counter per member (or the higher one it reported, after a restart). */
  readonly counters: Map<NodeId, number>
  /** Members owed an instruction at the next flush. */
  readonly pending: Set<NodeId>
  /** With unreachableMemoryMs > 0. */
  readonly liveness: PartLiveness | undefined
}

export class Tracker implements TransportHandler {
  readonly id: NodeId
  private readonly options: TrackerOptions
  private readonly links = new Map<NodeId, Connection>()
  private readonly parts = new Map<string, StreamPartState>()
  private readonly partsOfNode = new Map<NodeId, Set<string>>()
  private readonly debouncer: KeyedDebouncer<string>
  private readonly counts: TrackerStats = {
    statusesReceived: 0, staleStatusesIgnored: 0, leavesReceived: 0, instructionsSent: 0,
    signalsReceived: 0, signalsRelayed: 0, signalsDropped: 0, malformedReceived: 0,
    nodesDisconnected: 0, bytesReceived: 0, bytesSent: 0,
  }
  private stopped = false

  constructor(private readonly ports: TrackerPorts, options: Partial<TrackerOptions> = {}) {
    this.options = createTrackerOptions(options)
    this.id = ports.transport.localId
    this.debouncer = new KeyedDebouncer(ports.clock, ports.timers, this.options.instructionDebounceMs,
      this.options.instructionMaxWaitMs, (sp) => this.flush(sp))
    ports.transport.setHandler(this)
  }

  get stats(): Readonly<TrackerStats> {
    return this.counts
  }

  /** Stream parts with at least one member. */
  streamPartIds(): string[] {
    return [...this.parts.keys()]
  }

  /** Each member of the stream part with the neighbours the tracker has for it. */
  overlay(streamPartId: string): Map<NodeId, NodeId[]> {
    return this.parts.get(streamPartId)?.graph.snapshot() ?? new Map()
  }

  /** The latest instruction counter of a member, for tests. */
  counterOf(node: NodeId, streamPartId: string): number | undefined {
    return this.parts.get(streamPartId)?.counters.get(node)
  }

  /** Nodes with an open link to this tracker. */
  linkedNodes(): NodeId[] {
    return [...this.links.keys()]
  }

  /** Goes silent: pending instructions are dropped and nothing is handled any more (a crash). */
  stop(): void {
    this.stopped = true
    this.debouncer.cancelAll()
  }

  // TransportHandler

  onConnected(connection: Connection): void {
    if (this.stopped) return
    const previous = this.links.get(connection.remoteId)
    // A new link while the old one still looks open: the node restarted, so its old state is void.
    if (previous !== undefined && previous !== connection) this.removeNode(connection.remoteId)
    this.links.set(connection.remoteId, connection)
  }

  onConnectFailed(_peer: NodeId, _reason: string): void {
    // A tracker only accepts links.
  }

  onMessage(connection: Connection, message: unknown): void {
    if (this.stopped) return
    if (isTrackerStatusMessage(message)) {
      this.counts.bytesReceived += message.sizeBytes
      this.handleStatus(connection.remoteId, message)
    } else if (isTrackerSignalMessage(message)) {
      this.counts.bytesReceived += message.sizeBytes
      this.relaySignal(connection, message)
    } else {
      this.counts.malformedReceived++
    }
  }

  onDisconnected(connection: Connection, _reason: string): void {
    if (this.stopped || this.links.get(connection.remoteId) !== connection) return
    this.links.delete(connection.remoteId)
    this.counts.nodesDisconnected++
    this.removeNode(connection.remoteId)
  }

  private handleStatus(node: NodeId, status: TrackerStatusMessage): void {
    this.counts.statusesReceived++
    const sp = status.streamPartId
    if (status.counter === COUNTER_LEFT) {
      this.counts.leavesReceived++
      this.leave(node, sp)
      return
    }
    let part = this.parts.get(sp)
    const current = part?.counters.get(node)
    if (current !== undefined && status.counter < current) {
      this.counts.staleStatusesIgnored++
      return
    }
    if (part === undefined) {
      const liveness = this.options.unreachableMemoryMs > 0
        ? new PartLiveness({ memoryMs: this.options.unreachableMemoryMs, reporters: this.options.unreachableReporters }, () => this.ports.clock.now())
        : undefined
      part = { graph: new OverlayGraph(this.options.maxNeighbours), counters: new Map(), pending: new Set(), liveness }
      this.parts.set(sp, part)
    }
    // A higher counter than ours means we restarted and lost count: continue from the node's.
    part.counters.set(node, Math.max(current ?? 0, status.counter))
    let mine = this.partsOfNode.get(node)
    if (mine === undefined) {
      mine = new Set()
      this.partsOfNode.set(node, mine)
    }
    mine.add(sp)
    part.graph.report(node, status.neighbours)
    part.liveness?.status(node, status.neighbours, status.unreachable ?? [])
    this.instruct(sp, part, formInstructions(part.graph, node, this.ports.random, part.liveness))
  }

  /** Takes `node` out of the stream part and re-forms its former neighbours, who are all told. */
  private leave(node: NodeId, sp: string): void {
    const mine = this.partsOfNode.get(node)
    if (mine !== undefined) {
      mine.delete(sp)
      if (mine.size === 0) this.partsOfNode.delete(node)
    }
    const part = this.parts.get(sp)
    if (part === undefined || !part.graph.isMember(node)) return
    const former = part.graph.remove(node)
    part.liveness?.remove(node)
    part.counters.delete(node)
    part.pending.delete(node)
    if (part.graph.members.length === 0) {
      this.parts.delete(sp)
      this.debouncer.cancel(sp)
      return
    }
    for (const n of former) {
      if (!part.graph.isMember(n)) continue
      this.instruct(sp, part, [n, ...formInstructions(part.graph, n, this.ports.random, part.liveness)])
    }
  }

  private removeNode(node: NodeId): void {
    const mine = this.partsOfNode.get(node)
    if (mine === undefined) return
    this.partsOfNode.delete(node)
    for (const sp of mine) this.leave(node, sp)
  }

  /** Numbers an instruction for each member now, so statuses sent before it arrives count as stale. */
  private instruct(sp: string, part: StreamPartState, nodes: readonly NodeId[]): void {
    if (nodes.length === 0) return
    for (const n of nodes) {
      if (!part.graph.isMember(n) || part.pending.has(n)) continue
      part.counters.set(n, (part.counters.get(n) ?? 0) + 1)
      part.pending.add(n)
    }
    this.debouncer.touch(sp)
  }

  /** Sends each pending member its neighbour list as it stands now, the freshest there is. */
  private flush(sp: string): void {
    const part = this.parts.get(sp)
    if (part === undefined) return
    for (const n of part.pending) {
      const link = this.links.get(n)
      const counter = part.counters.get(n)
      if (link === undefined || counter === undefined) continue
      this.send(link, instructionMessage(sp, [...part.graph.neighbours(n)], counter))
      this.counts.instructionsSent++
    }
    part.pending.clear()
  }

  private relaySignal(from: Connection, signal: TrackerSignalMessage): void {
    this.counts.signalsReceived++
    const to = this.links.get(signal.to)
    if (signal.from !== from.remoteId || to === undefined) {
      this.counts.signalsDropped++
      return
    }
    this.send(to, signal)
    this.counts.signalsRelayed++
  }

  private send(connection: Connection, message: WireMessage): void {
    connection.send(message)
    this.counts.bytesSent += message.sizeBytes
  }
}

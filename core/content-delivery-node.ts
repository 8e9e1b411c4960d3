// One stream part's view from one node: its neighbours, the duplicate detectors of the chains
// it has seen and its propagation buffer. Relay is plain flooding: every first receipt goes to
// every neighbour except the one it came from; duplicates and invalid numbering stop here.
//
// Propagation buffer (PROTOCOL.md): a message that fewer than minPropagationTargets neighbours
// have had (a publisher alone in its part, a node whose only neighbour is the sender) is kept
// for a while and sent to each neighbour that arrives, until enough have had it. A node with that
// many neighbours has, by flooding, given it to all of them, so the common path stores nothing
// and allocates nothing: the buffer exists only while some message needs it.

import { DETECTED_DUPLICATE, DETECTED_INVALID, DuplicateDetector } from './duplicate-detector.ts'
import type { NodeObserver } from './observer.ts'
import type { Clock, Connection, ContentWireMessage, NodeId } from './ports.ts'

export interface PropagationBufferOptions {
  /** Messages kept at most per stream part; the oldest goes first (reference: 150). */
  maxMessages: number
  /** A message kept this long or longer is no longer sent to new neighbours (reference: 10 s). */
  ttlMs: number
  /** Neighbours that must have had a message before it is no longer kept (reference: 2). */
  minPropagationTargets: number
}

export const DEFAULT_PROPAGATION_MAX_MESSAGES = 150
export const DEFAULT_PROPAGATION_TTL_MS = 10_000
export const DEFAULT_PROPAGATION_MIN_TARGETS = 2

export const DEFAULT_PROPAGATION_BUFFER_OPTIONS: Readonly<PropagationBufferOptions> = {
  maxMessages: DEFAULT_PROPAGATION_MAX_MESSAGES,
  ttlMs: DEFAULT_PROPAGATION_TTL_MS,
  minPropagationTargets: DEFAULT_PROPAGATION_MIN_TARGETS,
}

/** Fills in defaults and rejects values the buffer cannot work with. */
export function createPropagationBufferOptions(options: Partial<PropagationBufferOptions> = {}): PropagationBufferOptions {
  const o = { ...DEFAULT_PROPAGATION_BUFFER_OPTIONS, ...options }
  if (!Number.isInteger(o.maxMessages) || o.maxMessages < 0) throw new RangeError(`maxMessages must be an integer >= 0, got ${o.maxMessages}`)
  if (!(o.ttlMs >= 0)) throw new RangeError(`ttlMs must be >= 0, got ${o.ttlMs}`)
  if (!Number.isInteger(o.minPropagationTargets) || o.minPropagationTargets < 0) {
    throw new RangeError(`minPropagationTargets must be an integer >= 0, got ${o.minPropagationTargets}`)
  }
  return o
}

interface BufferedMessage {
  readonly wire: ContentWireMessage
  readonly atMs: number
  /** Neighbours known to have it: the one it came from and each one we sent it to. */
  readonly had: NodeId[]
}

/** The kept messages of one stream part, oldest first (the clock never goes back, so also by age). */
class PropagationBuffer {
  private entries: BufferedMessage[] = []

  constructor(private readonly options: PropagationBufferOptions) {}

  get size(): number {
    return this.entries.length
  }

  add(wire: ContentWireMessage, nowMs: number, had: NodeId[]): void {
    this.expire(nowMs)
    if (this.options.maxMessages === 0) return
    if (this.entries.length >= this.options.maxMessages) this.entries.shift()
    this.entries.push({ wire, atMs: nowMs, had })
  }

  /** Sends `to` every live message it has not had; forgets those that reach the target. */
  offer(to: Connection, nowMs: number, send: (wire: ContentWireMessage, to: Connection) => void): void {
    this.expire(nowMs)
    const target = this.options.minPropagationTargets
    const kept: BufferedMessage[] = []
    for (const entry of this.entries) {
      if (!entry.had.includes(to.remoteId)) {
        send(entry.wire, to)
        entry.had.push(to.remoteId)
      }
      if (entry.had.length < target) kept.push(entry)
    }
    this.entries = kept
  }

  private expire(nowMs: number): void {
    let drop = 0
    while (drop < this.entries.length && nowMs - this.entries[drop].atMs >= this.options.ttlMs) drop++
    if (drop > 0) this.entries.splice(0, drop)
  }
}

export class ContentDeliveryNode {
  /** A handful of links; an array beats a Set for iteration at this size. */
  readonly neighbours: Connection[] = []
  private readonly detectors = new Map<string, DuplicateDetector>()
  /** One-entry cache: most receipts in a row belong to the same publisher chain. */
  private lastChainKey = ''
  private lastDetector: DuplicateDetector | undefined
  /** Copied out of the options so the hot path reads only this object. */
  private readonly minPropagationTargets: number
  /** Allocated on the first message that needs it, dropped again when empty. */
  private buffer: PropagationBuffer | undefined

  constructor(
    readonly streamPartId: string,
    private readonly observer: NodeObserver,
    private readonly maxGaps: number | undefined,
    private readonly clock: Clock,
    private readonly propagation: PropagationBufferOptions = DEFAULT_PROPAGATION_BUFFER_OPTIONS
  ) {
    this.minPropagationTargets = propagation.minPropagationTargets
  }

  /** Messages kept for neighbours yet to come; for tests and metrics. */
  get bufferedCount(): number {
    return this.buffer?.size ?? 0
  }

  hasNeighbour(peer: string): boolean {
    return this.indexOfNeighbour(peer) >= 0
  }

  addNeighbour(connection: Connection): boolean {
    if (this.indexOfNeighbour(connection.remoteId) >= 0) return false
    this.neighbours.push(connection)
    this.observer.neighbourAdded(this.streamPartId, connection.remoteId)
    if (this.buffer !== undefined) this.offerBuffered(connection)
    return true
  }

  removeNeighbour(peer: string, reason: string): boolean {
    const i = this.indexOfNeighbour(peer)
    if (i < 0) return false
    this.neighbours.splice(i, 1)
    this.observer.neighbourRemoved(this.streamPartId, peer, reason)
    return true
  }

  /** Our own message: mark it seen so echoes count as duplicates, then send it everywhere. */
  publish(wire: ContentWireMessage): void {
    this.isNew(wire, null)
    this.relay(wire, null)
    if (this.neighbours.length < this.minPropagationTargets) this.keepIfUnderPropagated(wire, null)
  }

  handleContent(wire: ContentWireMessage, from: Connection): void {
    if (!this.isNew(wire, from)) return
    this.observer.delivered(wire.message, from)
    this.relay(wire, from)
    // One comparison on the hot path; at least minPropagationTargets neighbours have it otherwise.
    if (this.neighbours.length < this.minPropagationTargets) this.keepIfUnderPropagated(wire, from)
  }

  /** Cold path: fewer neighbours than the target; the sender may still make up the count. */
  private keepIfUnderPropagated(wire: ContentWireMessage, from: Connection | null): void {
    const had = this.neighbours.map((n) => n.remoteId)
    if (from !== null && !had.includes(from.remoteId)) had.push(from.remoteId)
    if (had.length >= this.minPropagationTargets) return
    this.buffer ??= new PropagationBuffer(this.propagation)
    this.buffer.add(wire, this.clock.now(), had)
    if (this.buffer.size === 0) this.buffer = undefined
  }

  private offerBuffered(to: Connection): void {
    const buffer = this.buffer!
    buffer.offer(to, this.clock.now(), (wire, n) => {
      n.send(wire)
      this.observer.sent(wire, n)
    })
    if (buffer.size === 0) this.buffer = undefined
  }

  private isNew(wire: ContentWireMessage, from: Connection | null): boolean {
    const message = wire.message
    let detector = this.lastDetector
    if (detector === undefined || this.lastChainKey !== message.chainKey) {
      detector = this.detectors.get(message.chainKey)
      if (detector === undefined) {
        detector = new DuplicateDetector(this.maxGaps)
        this.detectors.set(message.chainKey, detector)
      }
      this.lastChainKey = message.chainKey
      this.lastDetector = detector
    }
    const id = message.messageId
    const prev = message.prevMsgRef
    const result = prev === null
      ? detector.markAndCheck(false, 0, 0, id.timestamp, id.sequenceNumber)
      : detector.markAndCheck(true, prev.timestamp, prev.sequenceNumber, id.timestamp, id.sequenceNumber)
    if (result === DETECTED_DUPLICATE) {
      if (from !== null) this.observer.duplicate(message, from)
      return false
    }
    if (result === DETECTED_INVALID) {
      if (from !== null) this.observer.invalid(message, from)
      return false
    }
    return true
  }

  private relay(wire: ContentWireMessage, from: Connection | null): void {
    const neighbours = this.neighbours
    for (let i = 0; i < neighbours.length; i++) {
      const n = neighbours[i]
      if (n === from) continue
      n.send(wire)
      this.observer.sent(wire, n)
    }
  }

  private indexOfNeighbour(peer: string): number {
    const neighbours = this.neighbours
    for (let i = 0; i < neighbours.length; i++) if (neighbours[i].remoteId === peer) return i
    return -1
  }
}

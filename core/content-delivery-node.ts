// One stream part's view from one node: its neighbours, the duplicate detectors of the chains
// it has seen and its propagation buffer. Relay is plain flooding: every first receipt goes to
// every neighbour except the one it came from; duplicates and invalid numbering stop here.
//
// With a MessageValidator (validation at every relay), a receipt is judged before the duplicate
// check: a forged copy that arrived first must not mark the genuine message as already seen.
// The validator remembers its verdicts, so a duplicate costs no second verification. So only a
// message its publisher signed advances a chain, whatever its timestamp: a forgery dated ten
// years ahead would otherwise make every later genuine message of the chain look old, at every
// node it reached. Every node, validating or not, also drops a receipt dated more than
// maxFutureTimestampMs ahead of its clock: at a node that does not validate (the reference's
// subscriber placement) that bounds how far ahead a forgery can push a chain.
//
// The propagation buffer (propagation-buffer.ts) is consulted only when a message was sent to
// fewer than minPropagationTargets neighbours: a node with more neighbours than that has, by
// flooding, sent it to all but the sender, so the common path stores nothing and allocates nothing.
//
// A RelayStrategy (plumtree, content-delivery/plumtree.ts) may take over the relay of first
// receipts and hear of duplicates and departed neighbours. Without one, the hot path pays one
// null check and nothing else. Own publishes always flood, as the reference's do.

import { DETECTED_DUPLICATE, DETECTED_INVALID, DuplicateDetector } from './duplicate-detector.ts'
import type { DeliveryListener } from './delivery-listener.ts'
import { type MessageValidator, REJECTED_FUTURE_TIMESTAMP, type Verdict, VERDICT_VALID } from './message-validator.ts'
import type { NodeObserver } from './observer.ts'
import type { Clock, Connection, ContentWireMessage, NodeId } from './ports.ts'
import { DEFAULT_PROPAGATION_BUFFER_OPTIONS, PropagationBuffer, type PropagationBufferOptions } from './propagation-buffer.ts'

/** Relays first receipts in place of flooding; set on one stream part of one node. */
export interface RelayStrategy {
  /** Sends `wire`, received first from `from`, on to `neighbours` (from among them) as it sees fit. */
  relay(wire: ContentWireMessage, from: Connection, neighbours: readonly Connection[]): void
  /** `from`, a link of this stream part, sent a message already seen. */
  duplicate(wire: ContentWireMessage, from: Connection): void
  /** `peer` is no longer a neighbour here; called after it left the list. */
  neighbourRemoved(peer: NodeId): void
}

export class ContentDeliveryNode {
  /** A handful of links; an array beats a Set for iteration at this size. */
  readonly neighbours: Connection[] = []
  /**
   * Detectors of the chains seen besides the last one; created when a second chain appears, so
   * a node of a one-publisher stream keeps its one detector in the fields below and no map.
   */
  private detectors: Map<string, DuplicateDetector> | undefined
  /** One-entry cache: most receipts in a row belong to the same publisher chain. */
  private lastChainKey = ''
  private lastDetector: DuplicateDetector | undefined
  /** Copied out of the options so the hot path reads only this object. */
  private readonly minPropagationTargets: number
  /** Allocated on the first message that needs it, dropped again when empty. */
  private buffer: PropagationBuffer | undefined
  /** Null while plain flooding relays. */
  private relayStrategy: RelayStrategy | null = null

  constructor(
    readonly streamPartId: string,
    private readonly observer: NodeObserver,
    private readonly maxGaps: number | undefined,
    private readonly clock: Clock,
    /** The node's roles that hear of first receipts; the node's own array, so later ones count too. */
    private readonly listeners: readonly DeliveryListener[],
    private readonly validator: MessageValidator | undefined,
    private readonly propagation: PropagationBufferOptions = DEFAULT_PROPAGATION_BUFFER_OPTIONS,
    private readonly maxFutureTimestampMs = Infinity
  ) {
    this.minPropagationTargets = propagation.minPropagationTargets
  }

  /** Messages kept for neighbours yet to come; for tests and metrics. */
  get bufferedCount(): number {
    return this.buffer?.size ?? 0
  }

  /** Hands the relay of first receipts to `strategy`; null floods again. */
  setRelayStrategy(strategy: RelayStrategy | null): void {
    this.relayStrategy = strategy
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
    if (this.relayStrategy !== null) this.relayStrategy.neighbourRemoved(peer)
    return true
  }

  /** Our own message: mark it seen so echoes count as duplicates, then send it everywhere. */
  publish(wire: ContentWireMessage): void {
    this.isNew(wire, null)
    this.relay(wire, null)
    if (this.neighbours.length < this.minPropagationTargets) this.keepIfUnderPropagated(wire, null)
  }

  handleContent(wire: ContentWireMessage, from: Connection): void {
    if (wire.message.messageId.timestamp > this.clock.now() + this.maxFutureTimestampMs) {
      this.observer.rejected(wire.message, from, REJECTED_FUTURE_TIMESTAMP)
      return
    }
    if (this.validator !== undefined) {
      this.validator.validate(wire.message, (verdict) => this.admit(wire, from, verdict))
      return
    }
    this.accept(wire, from)
  }

  private admit(wire: ContentWireMessage, from: Connection, verdict: Verdict): void {
    if (verdict === VERDICT_VALID) this.accept(wire, from)
    else this.observer.rejected(wire.message, from, verdict)
  }

  private accept(wire: ContentWireMessage, from: Connection): void {
    if (!this.isNew(wire, from)) return
    this.observer.delivered(wire.message, from)
    const listeners = this.listeners
    for (let i = 0; i < listeners.length; i++) listeners[i].delivered?.(wire.message, from)
    if (this.relayStrategy === null) this.relay(wire, from)
    else this.relayStrategy.relay(wire, from, this.neighbours)
    // One comparison on the hot path; otherwise it went to at least minPropagationTargets neighbours besides the sender.
    if (this.neighbours.length <= this.minPropagationTargets) this.keepIfUnderPropagated(wire, from)
  }

  /** Cold path: few neighbours; keep the message unless enough of them, the sender aside, were sent it. */
  private keepIfUnderPropagated(wire: ContentWireMessage, from: Connection | null): void {
    const sentTo: string[] = []
    for (const n of this.neighbours) if (n !== from) sentTo.push(n.remoteId)
    if (sentTo.length >= this.minPropagationTargets) return
    this.buffer ??= new PropagationBuffer(this.propagation)
    this.buffer.add(wire, this.clock.now(), from === null ? null : from.remoteId, sentTo)
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
      if (detector !== undefined) (this.detectors ??= new Map()).set(this.lastChainKey, detector)
      detector = this.detectors?.get(message.chainKey)
      if (detector === undefined) detector = new DuplicateDetector(this.maxGaps)
      this.lastChainKey = message.chainKey
      this.lastDetector = detector
    }
    const id = message.messageId
    const prev = message.prevMsgRef
    const result = prev === null
      ? detector.markAndCheck(false, 0, 0, id.timestamp, id.sequenceNumber)
      : detector.markAndCheck(true, prev.timestamp, prev.sequenceNumber, id.timestamp, id.sequenceNumber)
    if (result === DETECTED_DUPLICATE) {
      if (from !== null) {
        this.observer.duplicate(message, from)
        if (this.relayStrategy !== null) this.relayStrategy.duplicate(wire, from)
      }
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

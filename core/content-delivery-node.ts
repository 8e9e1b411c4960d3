// One stream part's view from one node: its neighbours and the duplicate detectors of the
// chains it has seen. Relay is plain flooding: every first receipt goes to every neighbour
// except the one it came from; duplicates and invalid numbering stop here.

import { DETECTED_DUPLICATE, DETECTED_INVALID, DuplicateDetector } from './duplicate-detector.ts'
import type { NodeObserver } from './observer.ts'
import type { Connection, ContentWireMessage } from './ports.ts'

export class ContentDeliveryNode {
  /** A handful of links; an array beats a Set for iteration at this size. */
  readonly neighbours: Connection[] = []
  private readonly detectors = new Map<string, DuplicateDetector>()
  /** One-entry cache: most receipts in a row belong to the same publisher chain. */
  private lastChainKey = ''
  private lastDetector: DuplicateDetector | undefined

  constructor(
    readonly streamPartId: string,
    private readonly observer: NodeObserver,
    private readonly maxGaps?: number
  ) {}

  hasNeighbour(peer: string): boolean {
    return this.indexOfNeighbour(peer) >= 0
  }

  addNeighbour(connection: Connection): boolean {
    if (this.indexOfNeighbour(connection.remoteId) >= 0) return false
    this.neighbours.push(connection)
    this.observer.neighbourAdded(this.streamPartId, connection.remoteId)
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
  }

  handleContent(wire: ContentWireMessage, from: Connection): void {
    if (!this.isNew(wire, from)) return
    this.observer.delivered(wire.message, from)
    this.relay(wire, from)
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

// The propagation buffer of PROTOCOL.md: a message this node has sent to fewer than
// minPropagationTargets neighbours (a publisher alone in its part, a node whose only neighbour is
// the sender) is kept for a while and sent to each neighbour that arrives, until enough sends
// were made. Only sends count: the neighbour a message came from had it, but counting it would
// drop the message before any joiner got it (reference: Propagation.ts, trackerless-network).

import type { Connection, ContentWireMessage, NodeId } from './ports.ts'
import { TATUM } from './protocol-era.ts'

export interface PropagationBufferOptions {
  /** Messages kept at most per stream part; the oldest goes first. */
  maxMessages: number
  /** A message kept this long or longer is no longer sent to new neighbours. */
  ttlMs: number
  /** Neighbours this node must have sent a message to before it is no longer kept. */
  minPropagationTargets: number
}

/** Tatum's values (Propagation.ts, trackerless-network 103.3.1); Brubeck's are in protocol-era.ts. */
export const DEFAULT_PROPAGATION_BUFFER_OPTIONS: Readonly<PropagationBufferOptions> = TATUM.propagation
export const DEFAULT_PROPAGATION_TTL_MS = TATUM.propagation.ttlMs

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
  /** The neighbour it came from (null for our own): it has the message, so it is never sent back. */
  readonly source: NodeId | null
  /** Neighbours this node sent it to: only these count towards the target. */
  readonly sentTo: NodeId[]
}

/** The kept messages of one stream part, oldest first (the clock never goes back, so also by age). */
export class PropagationBuffer {
  private entries: BufferedMessage[] = []

  constructor(private readonly options: PropagationBufferOptions) {}

  get size(): number {
    return this.entries.length
  }

  add(wire: ContentWireMessage, nowMs: number, source: NodeId | null, sentTo: NodeId[]): void {
    this.expire(nowMs)
    if (this.options.maxMessages === 0) return
    if (this.entries.length >= this.options.maxMessages) this.entries.shift()
    this.entries.push({ wire, atMs: nowMs, source, sentTo })
  }

  /** Sends `to` every live message not yet sent to it; forgets those that reach the target. */
  offer(to: Connection, nowMs: number, send: (wire: ContentWireMessage, to: Connection) => void): void {
    this.expire(nowMs)
    const target = this.options.minPropagationTargets
    const kept: BufferedMessage[] = []
    for (const entry of this.entries) {
      if (entry.source !== to.remoteId && !entry.sentTo.includes(to.remoteId)) {
        send(entry.wire, to)
        entry.sentTo.push(to.remoteId)
      }
      if (entry.sentTo.length < target) kept.push(entry)
    }
    this.entries = kept
  }

  private expire(nowMs: number): void {
    let drop = 0
    while (drop < this.entries.length && nowMs - this.entries[drop].atMs >= this.options.ttlMs) drop++
    if (drop > 0) this.entries.splice(0, drop)
  }
}

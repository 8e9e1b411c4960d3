// A subscriber's ordering and completeness layer: first receipts of any stream part and
// publisher chain go in, in whatever order the network produced them; each chain comes out to
// the app strictly in order, its gaps filled through the resend source or, failing that, handled
// by the gap mode. Resent messages go in through the same `add`, so duplicates of any origin
// meet one check.

import type { MessageRef, StreamMessage } from '../message.ts'
import { GapFiller, type GapFillerPorts } from './gap-filler.ts'
import { type AddResult, OrderedChain } from './ordered-chain.ts'
import { DEFAULT_ORDERING_OPTIONS, type OrderingOptions, createOrderingOptions } from './ordering-options.ts'
import { type OrderingStats, createOrderingStats } from './ordering-stats.ts'
import type { ResendSource } from './resend-source.ts'

export type OrderingPorts = GapFillerPorts

interface ChainEntry {
  readonly chain: OrderedChain
  readonly filler: GapFiller
}

interface PartState {
  /** See subscribeFrom; applies to chains first seen after it is set. */
  floor: MessageRef | null
  readonly chains: Map<string, ChainEntry>
}

export class OrderingBuffer {
  private readonly parts = new Map<string, PartState>()
  private readonly counts = createOrderingStats()

  constructor(
    private readonly ports: OrderingPorts,
    private readonly source: ResendSource,
    /** The app: gets each message once, in chain order. */
    private readonly deliver: (message: StreamMessage) => void,
    private readonly options: OrderingOptions = DEFAULT_ORDERING_OPTIONS
  ) {}

  get stats(): Readonly<OrderingStats> {
    return this.counts
  }

  /** Messages held across all chains, waiting on gaps. */
  get heldCount(): number {
    let n = 0
    for (const part of this.parts.values()) for (const e of part.chains.values()) n += e.chain.heldCount
    return n
  }

  /**
   * Wants every message of the part from `fromTimestampMs` on. A chain first seen afterwards
   * then starts there instead of at its first receipt, so what was lost before that receipt
   * (say, the chain's first message) is fetched as a gap. Without it a chain starts at its first
   * receipt, as the duplicate detector does.
   */
  subscribeFrom(streamPartId: string, fromTimestampMs: number): void {
    this.partOf(streamPartId).floor = { timestamp: fromTimestampMs, sequenceNumber: 0 }
  }

  /** A first receipt from the network or a resent message. */
  add(message: StreamMessage): AddResult {
    const part = this.partOf(message.streamPartId)
    let entry = part.chains.get(message.chainKey)
    if (entry === undefined) {
      const filler = new GapFiller(this.ports, this.options, this.source, this.counts)
      const chain = new OrderedChain(part.floor, this.options, this.counts, filler, this.deliver)
      filler.bind(chain)
      entry = { chain, filler }
      part.chains.set(message.chainKey, entry)
    }
    return entry.chain.add(message, this.ports.clock.now())
  }

  /** The last message of a chain handed to the app, e.g. to resume from after a reconnect. */
  lastDelivered(streamPartId: string, chainKey: string): MessageRef | null {
    return this.parts.get(streamPartId)?.chains.get(chainKey)?.chain.lastDelivered ?? null
  }

  /** Drops a part's chains and their timers (the subscriber left it). */
  leave(streamPartId: string): void {
    const part = this.parts.get(streamPartId)
    if (part === undefined) return
    for (const e of part.chains.values()) e.filler.dispose()
    this.parts.delete(streamPartId)
  }

  /** Drops everything and cancels every timer. */
  clear(): void {
    for (const id of [...this.parts.keys()]) this.leave(id)
  }

  private partOf(streamPartId: string): PartState {
    let part = this.parts.get(streamPartId)
    if (part === undefined) {
      part = { floor: null, chains: new Map() }
      this.parts.set(streamPartId, part)
    }
    return part
  }
}

/** Fills in default options and checks them. */
export function createOrderingBuffer(
  ports: OrderingPorts,
  source: ResendSource,
  deliver: (message: StreamMessage) => void,
  options: Partial<OrderingOptions> = {}
): OrderingBuffer {
  return new OrderingBuffer(ports, source, deliver, createOrderingOptions(options))
}

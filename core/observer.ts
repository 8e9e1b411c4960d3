// Typed events a node emits. Metrics subscribe here; core itself computes no statistics.
// Each node gets its own observer so an implementation can keep per-node context without lookups.

import type { StreamMessage } from './message.ts'
import type { Connection, NodeId, WireMessage } from './ports.ts'

export interface NodeObserver {
  /** This node published `message`. */
  published(message: StreamMessage): void
  /** First receipt of `message`: handed to the app and relayed. */
  delivered(message: StreamMessage, from: Connection): void
  duplicate(message: StreamMessage, from: Connection): void
  /** Numbering not after its previous reference: dropped, not relayed. */
  invalid(message: StreamMessage, from: Connection): void
  /** Refused by message validation (bad signature, no permission): dropped, not relayed. `reason` names the rule. */
  rejected(message: StreamMessage, from: Connection | null, reason: string): void
  /** Something that is not a wire message arrived: dropped. */
  malformed(from: Connection): void
  sent(message: WireMessage, to: Connection): void
  neighbourAdded(streamPartId: string, peer: NodeId): void
  neighbourRemoved(streamPartId: string, peer: NodeId, reason: string): void
}

/** For nodes nobody watches, and a base to override a few methods of. */
export class SilentObserver implements NodeObserver {
  published(_message: StreamMessage): void {}
  delivered(_message: StreamMessage, _from: Connection): void {}
  duplicate(_message: StreamMessage, _from: Connection): void {}
  invalid(_message: StreamMessage, _from: Connection): void {}
  rejected(_message: StreamMessage, _from: Connection | null, _reason: string): void {}
  malformed(_from: Connection): void {}
  sent(_message: WireMessage, _to: Connection): void {}
  neighbourAdded(_streamPartId: string, _peer: NodeId): void {}
  neighbourRemoved(_streamPartId: string, _peer: NodeId, _reason: string): void {}
}

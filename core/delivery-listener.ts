// How a role on a node (a subscriber's ordering layer, a storage node) sees the messages the node
// accepts. Metrics watch through the NodeObserver instead: it may be silent, and nothing a role
// needs may depend on whether anyone is measuring.

import type { StreamMessage } from './message.ts'
import type { Connection } from './ports.ts'

export interface DeliveryListener {
  /** A first receipt that passed the node's duplicate detector (and relay validation, if on). */
  delivered?(message: StreamMessage, from: Connection): void
  /** This node published it. */
  published?(message: StreamMessage): void
}

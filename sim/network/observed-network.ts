// What the metrics read of the network a run happened on. The simulator's network is one; a live
// run's replay (live/scenario/replay.ts) is another: both feed the same collector, so a live
// summary follows the simulator's definitions to the letter. The events themselves (published,
// delivered, duplicate, sent, neighbour added and removed) arrive through each node's
// NodeObserver; this is the rest.

import type { Connection, NodeId } from '../../core/ports.ts'
import type { LatencyModel } from './latency-model.ts'

/** Content transmissions that never arrived, by cause. */
export interface LossCounters {
  loss: number
  partition: number
  linkCut: number
  /** The link closed or the receiver went down while the message was in flight. */
  closed: number
  /** Never left a misbehaving sender (an adversarial dropper). */
  dropped: number
}

export interface ObservedNetwork {
  /** Node ids by index; trackers follow the nodes. */
  readonly nodeIds: readonly NodeId[]
  readonly latency: LatencyModel
  readonly lost: LossCounters
  /** The index of the node at the far end of `connection`, or -1 for one not of this run. */
  remoteIndexOf(connection: Connection): number
}

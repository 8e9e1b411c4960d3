// Which storage nodes store a stream part. Subscribers and storage nodes must agree without
// talking, so it is a hash of the id: the same md5 rule as the tracker assignment picks the
// first node, and the part goes to `replicas` nodes from there, in list order. With replicas
// equal to the number of storage nodes every node stores every part.

import type { NodeId } from '../ports.ts'
import { trackerIndexOf } from '../tracker/tracker-assignment.ts'

/** One copy per part; more copies survive a storage node's loss or crash. */
export const DEFAULT_STORAGE_REPLICAS = 1

export function storageNodesOf(streamPartId: string, storageNodeIds: readonly NodeId[], replicas = DEFAULT_STORAGE_REPLICAS): NodeId[] {
  if (storageNodeIds.length === 0) return []
  if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`replicas must be an integer >= 1, got ${replicas}`)
  const first = trackerIndexOf(streamPartId, storageNodeIds.length)
  const count = Math.min(replicas, storageNodeIds.length)
  const out: NodeId[] = []
  for (let i = 0; i < count; i++) out.push(storageNodeIds[(first + i) % storageNodeIds.length])
  return out
}

/** The parts among `streamPartIds` that `nodeId` stores. */
export function storedPartsOf(nodeId: NodeId, streamPartIds: readonly string[], storageNodeIds: readonly NodeId[], replicas = DEFAULT_STORAGE_REPLICAS): string[] {
  return streamPartIds.filter((sp) => storageNodesOf(sp, storageNodeIds, replicas).includes(nodeId))
}

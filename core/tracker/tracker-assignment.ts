// Which tracker serves a stream part: every node and tracker must agree without talking, so it is
// a hash of the id (PROTOCOL.md): abs(int32LE(md5(streamPartId)[0..4])) % trackerCount.
// md5 comes from @noble/hashes because core must also run in a browser (no node:crypto).

import { md5 } from '@noble/hashes/legacy.js'
import type { NodeId } from '../ports.ts'

const utf8 = new TextEncoder()

export function trackerIndexOf(streamPartId: string, trackerCount: number): number {
  if (!Number.isInteger(trackerCount) || trackerCount < 1) {
    throw new RangeError(`trackerCount must be a positive integer, got ${trackerCount}`)
  }
  const digest = md5(utf8.encode(streamPartId))
  const int32 = new DataView(digest.buffer, digest.byteOffset, 4).getInt32(0, true)
  return Math.abs(int32) % trackerCount
}

export function trackerOf(streamPartId: string, trackerIds: readonly NodeId[]): NodeId {
  return trackerIds[trackerIndexOf(streamPartId, trackerIds.length)]
}

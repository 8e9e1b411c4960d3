// Ids in the DHT: 20 bytes, compared by XOR distance (PROTOCOL.md, "Identity": node ids in the
// DHT are 20 bytes). A live node's id is its Ethereum address, whose 20 bytes are its DHT id; a
// simulated node named like n17 gets sha1 of its name, which spreads names evenly over the space.

import { sha1 } from '@noble/hashes/legacy.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import type { NodeId } from '../node-id.ts'

export const DHT_ID_BYTES = 20

export type DhtId = Uint8Array

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const encoder = new TextEncoder()

export function dhtIdOf(nodeId: NodeId): DhtId {
  return ADDRESS.test(nodeId) ? hexToBytes(nodeId.slice(2)) : sha1(encoder.encode(nodeId))
}

/** sha1 of a key's text: where a stream part's entry points are stored (`sha1(streamPartId)`). */
export function dhtKeyOf(text: string): DhtId {
  return sha1(encoder.encode(text))
}

/** < 0 when `a` is closer to `target` than `b`, 0 at the same distance (only when a equals b). */
export function compareDistance(a: DhtId, b: DhtId, target: DhtId): number {
  for (let i = 0; i < DHT_ID_BYTES; i++) {
    const da = a[i] ^ target[i]
    const db = b[i] ^ target[i]
    if (da !== db) return da - db
  }
  return 0
}

/** Index of the k-bucket `id` falls in from `local`: the number of leading bits they share (160 for itself). */
export function bucketIndexOf(local: DhtId, id: DhtId): number {
  for (let i = 0; i < DHT_ID_BYTES; i++) {
    const x = local[i] ^ id[i]
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return DHT_ID_BYTES * 8
}

/** Every bit flipped: the far side of the id space, which a join also looks up. */
export function complementOf(id: DhtId): DhtId {
  const out = new Uint8Array(DHT_ID_BYTES)
  for (let i = 0; i < DHT_ID_BYTES; i++) out[i] = ~id[i] & 0xff
  return out
}

export function sameId(a: DhtId, b: DhtId): boolean {
  for (let i = 0; i < DHT_ID_BYTES; i++) if (a[i] !== b[i]) return false
  return true
}

// The JSON form of the DHT's RPC messages (kinds 20-22) on live links. JSON carries neither a
// Uint8Array nor the link between a node id and its DHT id, so:
//   - a peer descriptor travels as {"$d": [nodeId, region, websocket 0|1, url|null]}; its DHT id
//     is never taken from the peer but derived from the node id (dhtIdOf), so a peer cannot
//     place a node where its id does not put it; a node with a WebSocket server carries the
//     ws:// URL it can be dialled at, and only such a node may;
//   - any other byte string (a lookup key, a stored value's key) as {"$b": "<hex>"}, at most
//     MAX_WIRE_BYTES_HEX hex digits.
// Anything else shaped like these (extra fields, wrong types, a URL that is not ws://, a node id
// too long) fails the whole frame: the transport drops it and counts it as garbage. The bodies
// are then checked by core as everything from a peer is.

import { MAX_NODE_ID_CHARS, type PeerDescriptor } from '../../core/dht/peer-descriptor.ts'
import { dhtIdOf } from '../../core/dht/dht-id.ts'

/** A live descriptor: core's, plus where a node with a WebSocket server can be dialled. */
export interface LivePeerDescriptor extends PeerDescriptor {
  readonly url?: string
}

/** Longest ws:// URL a descriptor may carry. */
export const MAX_DESCRIPTOR_URL_CHARS = 256
/** Longest byte string in an RPC body: 20-byte DHT keys, with room to spare. */
export const MAX_WIRE_BYTES_HEX = 128
/** Region numbers are u32 (ring.ts). */
const MAX_REGION = 2 ** 32 - 1

const HEX = /^(?:[0-9a-f]{2})*$/

export class DescriptorWireError extends Error {}

/** A descriptor's URL, if it has one that is a ws:// or wss:// URL. */
export function descriptorUrl(d: PeerDescriptor): string | undefined {
  const url = (d as LivePeerDescriptor).url
  return typeof url === 'string' ? url : undefined
}

export function isWebSocketUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_DESCRIPTOR_URL_CHARS) return false
  try {
    const parsed = new URL(url)
    return (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') && parsed.username === '' && parsed.password === ''
  } catch {
    return false
  }
}

function isDescriptorLike(v: unknown): v is PeerDescriptor {
  return typeof v === 'object' && v !== null && typeof (v as PeerDescriptor).nodeId === 'string'
    && (v as PeerDescriptor).dhtId instanceof Uint8Array && typeof (v as PeerDescriptor).websocket === 'boolean'
}

/** JSON.stringify replacer: descriptors and byte strings to their wire forms. */
export function rpcReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $b: bytesToHex(value) }
  if (isDescriptorLike(value)) {
    const url = descriptorUrl(value)
    return { $d: [value.nodeId, value.region, value.websocket ? 1 : 0, value.websocket && url !== undefined ? url : null] }
  }
  return value
}

/** JSON.parse reviver: the wire forms back; throws DescriptorWireError on a malformed one. */
export function rpcReviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const o = value as Record<string, unknown>
  if ('$d' in o) return descriptorFromWire(o)
  if ('$b' in o) {
    const hex = o.$b
    if (Object.keys(o).length !== 1 || typeof hex !== 'string' || hex.length > MAX_WIRE_BYTES_HEX || !HEX.test(hex)) {
      throw new DescriptorWireError('bad byte string')
    }
    return hexToBytes(hex)
  }
  return value
}

function descriptorFromWire(o: Record<string, unknown>): LivePeerDescriptor {
  const d = o.$d
  if (Object.keys(o).length !== 1 || !Array.isArray(d) || d.length !== 4) throw new DescriptorWireError('bad descriptor')
  const [nodeId, region, websocket, url] = d as unknown[]
  if (typeof nodeId !== 'string' || nodeId.length === 0 || nodeId.length > MAX_NODE_ID_CHARS) throw new DescriptorWireError('bad descriptor node id')
  if (!Number.isInteger(region) || (region as number) < 0 || (region as number) > MAX_REGION) throw new DescriptorWireError('bad descriptor region')
  if (websocket !== 0 && websocket !== 1) throw new DescriptorWireError('bad descriptor flags')
  if (websocket === 1 ? !isWebSocketUrl(url) : url !== null) throw new DescriptorWireError('bad descriptor url')
  const base = { nodeId, dhtId: dhtIdOf(nodeId), region: region as number, websocket: websocket === 1 }
  return websocket === 1 ? { ...base, url: url as string } : base
}

function bytesToHex(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += x.toString(16).padStart(2, '0')
  return s
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

// What one node knows of another in the DHT: how to reach it (its node id, which the transport
// connects to), where it sits in the id space and on the locality ring, and whether it runs a
// WebSocket server (then others dial it directly; PROTOCOL.md, "Tatum": connections). In the
// simulator every node's descriptor is one object shared by everyone who learns of it.

import type { NodeId } from '../node-id.ts'
import { type DhtId, dhtIdOf } from './dht-id.ts'

export interface PeerDescriptor {
  readonly nodeId: NodeId
  readonly dhtId: DhtId
  /**
   * Region number for the ring id (ringIdentifiers.ts, `region` in the ring id's top bytes,
   * @streamr/dht 103.3.1); 0 when locality is off, as for a node whose region is unknown.
   */
  readonly region: number
  /** Runs a WebSocket server that others can dial. */
  readonly websocket: boolean
}

/** Node id 20 + DHT id 20 + region 4 + flags 1 bytes, as a descriptor costs inside a message. */
export const PEER_DESCRIPTOR_BYTES = 45

/** Longest node id a descriptor may carry: a peer's garbage must not grow our tables. */
export const MAX_NODE_ID_CHARS = 100

export function peerDescriptorOf(nodeId: NodeId, region = 0, websocket = false): PeerDescriptor {
  return { nodeId, dhtId: dhtIdOf(nodeId), region, websocket }
}

export function isPeerDescriptor(x: unknown): x is PeerDescriptor {
  if (typeof x !== 'object' || x === null) return false
  const d = x as Partial<PeerDescriptor>
  return typeof d.nodeId === 'string' && d.nodeId.length > 0 && d.nodeId.length <= MAX_NODE_ID_CHARS
    && d.dhtId instanceof Uint8Array && d.dhtId.length === 20 && Number.isInteger(d.region) && d.region! >= 0
    && d.region! < 2 ** 32 && typeof d.websocket === 'boolean'
}

/** A list of descriptors from a peer, at most `max` long; false on anything else. */
export function isPeerDescriptorList(x: unknown, max: number): x is readonly PeerDescriptor[] {
  if (!Array.isArray(x) || x.length > max) return false
  for (const d of x) if (!isPeerDescriptor(d)) return false
  return true
}

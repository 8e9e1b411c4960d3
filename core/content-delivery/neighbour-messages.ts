// Layer 2's RPC methods and their bodies (NetworkRpc.proto HandshakeRpc and NeighborUpdateRpc,
// trackerless-network 103.3.1). They travel as RPCs of the service `layer2::<streamPartId>`, so
// the stream part id the reference repeats inside each body is carried by the service name.
// Every body from a peer, request or reply, is checked here before use; lists are bounded so
// that garbage cannot make a node allocate much.

import { MAX_NODE_ID_CHARS, PEER_DESCRIPTOR_BYTES, type PeerDescriptor, isPeerDescriptor, isPeerDescriptorList } from '../dht/peer-descriptor.ts'
import type { NodeId } from '../ports.ts'

export const LAYER2_SERVICE_PREFIX = 'layer2::'

export const L2_HANDSHAKE = 1
export const L2_INTERLEAVE = 2
export const L2_NEIGHBOUR_UPDATE = 3

/**
 * Most peers a body may list. The reference's own lists stop at its node view size (20); a peer
 * configured otherwise may send more, and anything past this bound is garbage.
 */
export const MAX_LISTED_NEIGHBOURS = 64

/** A node id as the reference sends it (DhtAddressRaw). */
const NODE_ID_BYTES = 20
/** The handshake's request id: a uuid v4 string. */
const REQUEST_ID_BYTES = 36

export interface HandshakeBody {
  /** The requester's neighbours: an interleaving receiver hands over one the requester does not have. */
  readonly neighbourIds: readonly NodeId[]
  /** The other target of a parallel handshake (the reference sends it; no receiver reads it). */
  readonly concurrentId?: NodeId
  /** Set when this handshake follows an interleave: the node that handed us over. */
  readonly interleaveId?: NodeId
}

export interface HandshakeReply {
  readonly accepted: boolean
  /** The receiver accepted by interleaving: connect to this one of its neighbours too. */
  readonly interleaveTarget?: PeerDescriptor
}

export interface InterleaveBody {
  /** Whom the receiver should connect to in place of the sender. */
  readonly target: PeerDescriptor
}

export interface InterleaveReply {
  readonly accepted: boolean
}

/** Request and reply alike (the reference's NeighborUpdate message). */
export interface NeighbourUpdateBody {
  readonly neighbours: readonly PeerDescriptor[]
  readonly removeMe: boolean
}

export function handshakeBytes(streamPartId: string, body: HandshakeBody): number {
  return streamPartId.length + REQUEST_ID_BYTES + NODE_ID_BYTES * body.neighbourIds.length
    + (body.concurrentId === undefined ? 0 : NODE_ID_BYTES) + (body.interleaveId === undefined ? 0 : NODE_ID_BYTES)
}

export function handshakeReplyBytes(reply: HandshakeReply): number {
  return 1 + REQUEST_ID_BYTES + (reply.interleaveTarget === undefined ? 0 : PEER_DESCRIPTOR_BYTES)
}

export const INTERLEAVE_BYTES = PEER_DESCRIPTOR_BYTES
export const INTERLEAVE_REPLY_BYTES = 1

export function neighbourUpdateBytes(streamPartId: string, body: NeighbourUpdateBody): number {
  return streamPartId.length + 1 + PEER_DESCRIPTOR_BYTES * body.neighbours.length
}

export function isHandshakeBody(x: unknown): x is HandshakeBody {
  if (typeof x !== 'object' || x === null) return false
  const b = x as HandshakeBody
  if (!Array.isArray(b.neighbourIds) || b.neighbourIds.length > MAX_LISTED_NEIGHBOURS || !b.neighbourIds.every(isNodeId)) return false
  return (b.concurrentId === undefined || isNodeId(b.concurrentId)) && (b.interleaveId === undefined || isNodeId(b.interleaveId))
}

export function isHandshakeReply(x: unknown): x is HandshakeReply {
  if (typeof x !== 'object' || x === null) return false
  const r = x as HandshakeReply
  return typeof r.accepted === 'boolean' && (r.interleaveTarget === undefined || isPeerDescriptor(r.interleaveTarget))
}

export function isInterleaveBody(x: unknown): x is InterleaveBody {
  return typeof x === 'object' && x !== null && isPeerDescriptor((x as InterleaveBody).target)
}

export function isInterleaveReply(x: unknown): x is InterleaveReply {
  return typeof x === 'object' && x !== null && typeof (x as InterleaveReply).accepted === 'boolean'
}

export function isNeighbourUpdateBody(x: unknown): x is NeighbourUpdateBody {
  if (typeof x !== 'object' || x === null) return false
  const b = x as NeighbourUpdateBody
  return typeof b.removeMe === 'boolean' && isPeerDescriptorList(b.neighbours, MAX_LISTED_NEIGHBOURS)
}

function isNodeId(x: unknown): x is NodeId {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_NODE_ID_CHARS
}

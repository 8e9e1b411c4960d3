// The DHT's RPC methods and their bodies (DhtRpc.proto's DhtNodeRpc, StoreRpc and RouterRpc,
// @streamr/dht 103.3.1, cut to what the simulator models). Every body from a peer is checked
// here before use; lists are bounded so that garbage cannot make a node allocate much.

import { DHT_ID_BYTES, type DhtId } from './dht-id.ts'
import { PEER_DESCRIPTOR_BYTES, type PeerDescriptor, isPeerDescriptor, isPeerDescriptorList } from './peer-descriptor.ts'

export const DHT_PING = 1
export const DHT_CLOSEST_PEERS = 2
export const DHT_CLOSEST_RING_PEERS = 3
export const DHT_STORE = 4
export const DHT_FETCH = 5
/** Notices (no reply): */
export const DHT_DELETE = 6
export const DHT_LEAVE = 7
/** A request: each hop acknowledges (RouterRpc.routeMessage). */
export const DHT_ROUTE = 8
export const DHT_REPLICATE = 9
/** Requests to an entry point to fetch or store for a node still joining (ExternalApiRpc). */
export const DHT_EXTERNAL_FETCH = 10
export const DHT_EXTERNAL_STORE = 11

/** Most contacts a reply may list: a batch is 5, ring replies two batches. */
export const MAX_LISTED_CONTACTS = 64
/** Most values a fetch reply may carry: a key holds a stream part's entry points (8) and stragglers. */
export const MAX_FETCHED_ENTRIES = 64
/** Bound on a routed payload: WebRTC signalling (an offer is a few kB). */
export const MAX_ROUTED_PAYLOAD_CHARS = 65_536
/** A routed message goes no further than this many hops (loops and dead ends end here). */
export const MAX_ROUTE_HOPS = 32

/** A value in the DHT: the descriptor of the node that stored it, e.g. a stream part's entry point. */
export interface DataEntry {
  readonly creator: PeerDescriptor
  /** When the creator stored it (its clock); newer replaces older. */
  readonly storedAtMs: number
  readonly ttlMs: number
}
export const DATA_ENTRY_BYTES = PEER_DESCRIPTOR_BYTES + 16

export interface KeyBody { readonly key: DhtId }
/** Closest peers to `key`: `count` of them (a join asks for the batch size, a find for k). */
export interface ClosestBody { readonly key: DhtId; readonly count: number }
export interface StoreBody { readonly key: DhtId; readonly entry: DataEntry }
export interface ReplicateBody { readonly key: DhtId; readonly entries: readonly DataEntry[] }
export interface DeleteBody { readonly key: DhtId; readonly creator: string }
export interface RingBody { readonly position: number }
export interface PeersReply { readonly peers: readonly PeerDescriptor[] }
export interface RingReply { readonly left: readonly PeerDescriptor[]; readonly right: readonly PeerDescriptor[] }
export interface FetchReply { readonly entries: readonly DataEntry[] }
export interface RouteBody {
  /** Names the message (source node and counter): a node handles each once, whichever route brought it. */
  readonly id: string
  /** The first hops of the source's parallel routes: each route keeps off the others'. */
  readonly parallelRoots: readonly string[]
  /** Whom it is for. */
  readonly target: PeerDescriptor
  /** Routed to this node first, which passes it on to the target (a forwarding entry), if set. */
  readonly via: PeerDescriptor | null
  readonly source: PeerDescriptor
  /** Linked nodes through which the source can be reached while it is still joining. */
  readonly reachableThrough: readonly PeerDescriptor[]
  /** Nodes it passed, the source first: never sent back to one of them. */
  readonly path: readonly string[]
  readonly payload: string
}

/** Most nodes a routed message may name as reaching its source: a node's entry points. */
export const MAX_REACHABLE_THROUGH = 8

export const KEY_BODY_BYTES = DHT_ID_BYTES
export const peersBytes = (n: number): number => 4 + n * PEER_DESCRIPTOR_BYTES

export function isKeyBody(x: unknown): x is KeyBody {
  return typeof x === 'object' && x !== null && isDhtId((x as KeyBody).key)
}

export function isClosestBody(x: unknown): x is ClosestBody {
  const c = (x as ClosestBody | null)?.count
  return isKeyBody(x) && Number.isInteger(c) && c! >= 1 && c! <= MAX_LISTED_CONTACTS
}

export function isStoreBody(x: unknown): x is StoreBody {
  return isKeyBody(x) && isDataEntry((x as StoreBody).entry)
}

export function isReplicateBody(x: unknown): x is ReplicateBody {
  const e = (x as ReplicateBody | null)?.entries
  return isKeyBody(x) && Array.isArray(e) && e.length <= MAX_FETCHED_ENTRIES && e.every(isDataEntry)
}

export function isDeleteBody(x: unknown): x is DeleteBody {
  return isKeyBody(x) && typeof (x as DeleteBody).creator === 'string'
}

export function isRingBody(x: unknown): x is RingBody {
  return typeof x === 'object' && x !== null && Number.isFinite((x as RingBody).position)
}

export function isPeersReply(x: unknown): x is PeersReply {
  return typeof x === 'object' && x !== null && isPeerDescriptorList((x as PeersReply).peers, MAX_LISTED_CONTACTS)
}

export function isRingReply(x: unknown): x is RingReply {
  if (typeof x !== 'object' || x === null) return false
  const r = x as RingReply
  return isPeerDescriptorList(r.left, MAX_LISTED_CONTACTS) && isPeerDescriptorList(r.right, MAX_LISTED_CONTACTS)
}

export function isFetchReply(x: unknown): x is FetchReply {
  if (typeof x !== 'object' || x === null) return false
  const e = (x as FetchReply).entries
  return Array.isArray(e) && e.length <= MAX_FETCHED_ENTRIES && e.every(isDataEntry)
}

export function isRouteBody(x: unknown): x is RouteBody {
  if (typeof x !== 'object' || x === null) return false
  const r = x as RouteBody
  return typeof r.id === 'string' && r.id.length <= 200 && Array.isArray(r.parallelRoots) && r.parallelRoots.length <= 4
    && r.parallelRoots.every((p) => typeof p === 'string')
    && isPeerDescriptor(r.target) && isPeerDescriptor(r.source) && typeof r.payload === 'string'
    && (r.via === null || isPeerDescriptor(r.via)) && isPeerDescriptorList(r.reachableThrough, MAX_REACHABLE_THROUGH)
    && r.payload.length <= MAX_ROUTED_PAYLOAD_CHARS && Array.isArray(r.path) && r.path.length <= MAX_ROUTE_HOPS
    && r.path.every((p) => typeof p === 'string')
}

function isDataEntry(x: unknown): x is DataEntry {
  if (typeof x !== 'object' || x === null) return false
  const e = x as DataEntry
  return isPeerDescriptor(e.creator) && Number.isFinite(e.storedAtMs) && Number.isFinite(e.ttlMs) && e.ttlMs >= 0
}

function isDhtId(x: unknown): x is DhtId {
  return x instanceof Uint8Array && x.length === DHT_ID_BYTES
}

// Plumtree's notices and their bodies (NetworkRpc.proto PlumtreeRpc: sendMetadata, pauseNeighbor,
// resumeNeighbor, trackerless-network 103.3.1). They travel as RPC notices of the service
// `plumtree::<streamPartId>`, so plumtree needs no DHT: any node with an RpcEndpoint can run it.
// Every body from a peer is checked here before use.

export const PLUMTREE_SERVICE_PREFIX = 'plumtree::'

/** A message's id in place of the message, on a paused link. */
export const PLUMTREE_METADATA = 1
/** "Send me only ids on this chain." */
export const PLUMTREE_PAUSE = 2
/** "Send me real data on this chain again, and what you kept after this timestamp." */
export const PLUMTREE_RESUME = 3

/** Longest chain id accepted: a real one is 20 characters. */
export const MAX_CHAIN_ID_CHARS = 100

/** The parts of a message id plumtree reads; a sender passes the whole MessageId. */
export interface MetadataBody {
  readonly msgChainId: string
  readonly timestamp: number
}

export interface PauseBody {
  readonly msgChainId: string
}

export interface ResumeBody {
  readonly msgChainId: string
  readonly fromTimestamp: number
}

/** MessageID's fields: stream id, partition 4, timestamp 8, sequence number 4, publisher 20, chain id. */
export function metadataBytes(streamId: string, msgChainId: string): number {
  return streamId.length + 4 + 8 + 4 + 20 + msgChainId.length
}

export function pauseBytes(msgChainId: string): number {
  return msgChainId.length
}

export function resumeBytes(msgChainId: string): number {
  return msgChainId.length + 8
}

export function isMetadataBody(x: unknown): x is MetadataBody {
  if (typeof x !== 'object' || x === null) return false
  const b = x as MetadataBody
  return isChainId(b.msgChainId) && Number.isFinite(b.timestamp)
}

export function isPauseBody(x: unknown): x is PauseBody {
  return typeof x === 'object' && x !== null && isChainId((x as PauseBody).msgChainId)
}

export function isResumeBody(x: unknown): x is ResumeBody {
  if (typeof x !== 'object' || x === null) return false
  const b = x as ResumeBody
  return isChainId(b.msgChainId) && Number.isFinite(b.fromTimestamp)
}

function isChainId(x: unknown): x is string {
  return typeof x === 'string' && x.length <= MAX_CHAIN_ID_CHARS
}

// What nodes and trackers say to each other (PROTOCOL.md, "Brubeck"). Three kinds: a node's
// status for one stream part, the tracker's instruction (the full neighbour list it wants), and a
// signalling message the tracker relays between two nodes. Shape checks return false on anything
// else; a peer can send anything, so they never throw.

import type { NodeId } from '../ports.ts'
import { FIRST_PROTOCOL_WIRE_KIND } from '../ports.ts'

export const WIRE_TRACKER_STATUS = FIRST_PROTOCOL_WIRE_KIND
export const WIRE_TRACKER_INSTRUCTION = FIRST_PROTOCOL_WIRE_KIND + 1
export const WIRE_TRACKER_SIGNAL = FIRST_PROTOCOL_WIRE_KIND + 2
export const TRACKER_WIRE_KINDS: readonly number[] = [WIRE_TRACKER_STATUS, WIRE_TRACKER_INSTRUCTION, WIRE_TRACKER_SIGNAL]

/** A status with this counter says "I have left this stream part". */
export const COUNTER_LEFT = -1

/** Framing, kind, counter and stream part id overhead, as for the other control messages. */
export const TRACKER_MESSAGE_HEADER_BYTES = 64
/** A node id is a 20-byte Ethereum address on the wire (PROTOCOL.md, "Identity"). */
export const NODE_ID_BYTES = 20
/**
 * A status or instruction never lists more nodes than this. It bounds what one garbage message
 * can make the tracker allocate; a real list has at most a few times the neighbour target.
 */
export const MAX_LISTED_NODES = 256
/** Bound on a relayed signalling payload (an SDP offer is a few kB). */
export const MAX_SIGNAL_PAYLOAD_CHARS = 65_536

/** Node -> tracker: my neighbours in `streamPartId` and the last instruction counter I applied. */
export interface TrackerStatusMessage {
  readonly kind: typeof WIRE_TRACKER_STATUS
  readonly sizeBytes: number
  readonly streamPartId: string
  readonly neighbours: readonly NodeId[]
  /** The counter of the last instruction applied (0 before any), or COUNTER_LEFT. */
  readonly counter: number
  /**
   * Listed neighbours the node could not link since its last status (a node whose tracker client
   * reports them; absent otherwise, as in the reference). The tracker stops pairing them.
   */
  readonly unreachable?: readonly NodeId[]
}

/** Tracker -> node: the whole neighbour list to have in `streamPartId`, numbered by `counter`. */
export interface TrackerInstructionMessage {
  readonly kind: typeof WIRE_TRACKER_INSTRUCTION
  readonly sizeBytes: number
  readonly streamPartId: string
  readonly neighbours: readonly NodeId[]
  readonly counter: number
}

/** Node -> tracker -> node: an opaque signalling payload (WebRTC offer, answer, ICE candidate). */
export interface TrackerSignalMessage {
  readonly kind: typeof WIRE_TRACKER_SIGNAL
  readonly sizeBytes: number
  readonly from: NodeId
  readonly to: NodeId
  readonly payload: string
}

export type TrackerMessage = TrackerStatusMessage | TrackerInstructionMessage | TrackerSignalMessage

function listSizeBytes(streamPartId: string, neighbours: readonly NodeId[]): number {
  return TRACKER_MESSAGE_HEADER_BYTES + streamPartId.length + NODE_ID_BYTES * neighbours.length
}

export function statusMessage(
  streamPartId: string, neighbours: readonly NodeId[], counter: number, unreachable: readonly NodeId[] = []
): TrackerStatusMessage {
  const status = { kind: WIRE_TRACKER_STATUS, sizeBytes: listSizeBytes(streamPartId, neighbours), streamPartId, neighbours, counter } as const
  return unreachable.length === 0 ? status : { ...status, sizeBytes: status.sizeBytes + NODE_ID_BYTES * unreachable.length, unreachable }
}

export function instructionMessage(streamPartId: string, neighbours: readonly NodeId[], counter: number): TrackerInstructionMessage {
  return { kind: WIRE_TRACKER_INSTRUCTION, sizeBytes: listSizeBytes(streamPartId, neighbours), streamPartId, neighbours, counter }
}

export function signalMessage(from: NodeId, to: NodeId, payload: string): TrackerSignalMessage {
  return { kind: WIRE_TRACKER_SIGNAL, sizeBytes: TRACKER_MESSAGE_HEADER_BYTES + 2 * NODE_ID_BYTES + payload.length, from, to, payload }
}

export function isTrackerStatusMessage(x: unknown): x is TrackerStatusMessage {
  if (!hasKind(x, WIRE_TRACKER_STATUS)) return false
  const m = x as Partial<TrackerStatusMessage>
  return typeof m.streamPartId === 'string' && isNodeIdList(m.neighbours)
    && Number.isSafeInteger(m.counter) && (m.counter as number) >= COUNTER_LEFT
    && (m.unreachable === undefined || isNodeIdList(m.unreachable))
}

export function isTrackerInstructionMessage(x: unknown): x is TrackerInstructionMessage {
  if (!hasKind(x, WIRE_TRACKER_INSTRUCTION)) return false
  const m = x as Partial<TrackerInstructionMessage>
  return typeof m.streamPartId === 'string' && isNodeIdList(m.neighbours)
    && Number.isSafeInteger(m.counter) && (m.counter as number) >= 0
}

export function isTrackerSignalMessage(x: unknown): x is TrackerSignalMessage {
  if (!hasKind(x, WIRE_TRACKER_SIGNAL)) return false
  const m = x as Partial<TrackerSignalMessage>
  return typeof m.from === 'string' && typeof m.to === 'string'
    && typeof m.payload === 'string' && m.payload.length <= MAX_SIGNAL_PAYLOAD_CHARS
}

function hasKind(x: unknown, kind: number): boolean {
  if (typeof x !== 'object' || x === null) return false
  const w = x as { kind?: unknown; sizeBytes?: unknown }
  return w.kind === kind && typeof w.sizeBytes === 'number' && Number.isFinite(w.sizeBytes) && w.sizeBytes >= 0
}

function isNodeIdList(x: unknown): x is NodeId[] {
  if (!Array.isArray(x) || x.length > MAX_LISTED_NODES) return false
  for (let i = 0; i < x.length; i++) if (typeof x[i] !== 'string') return false
  return true
}

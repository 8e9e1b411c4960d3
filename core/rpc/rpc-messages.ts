// The messages of request/response protocols that share a node's links: the DHT of layer 0, the
// per-stream-part DHTs of layer 1 and the neighbour management of layer 2 (PROTOCOL.md, "Tatum";
// the reference runs them all as protobuf RPCs over one connection manager, each with a
// service id). A message names its service and method; the body is the service's to validate.
// Shape checks here return false on anything else; a peer can send anything.

import { type PeerDescriptor, isPeerDescriptor } from '../dht/peer-descriptor.ts'

// Kinds 20-29 (ports.ts); literals, so that a message's type follows from its kind.
export const WIRE_RPC_REQUEST = 20
export const WIRE_RPC_RESPONSE = 21
/** One-way: no answer expected (leave notices, routed messages). */
export const WIRE_RPC_NOTICE = 22
export const RPC_WIRE_KINDS: readonly number[] = [WIRE_RPC_REQUEST, WIRE_RPC_RESPONSE, WIRE_RPC_NOTICE]

/** Framing, kind, request id, method and service, as the reference's RpcMessage envelope costs. */
export const RPC_HEADER_BYTES = 48
/** Longest service name accepted ('layer1::' + a stream part id). */
export const MAX_SERVICE_CHARS = 300

export interface RpcRequest {
  readonly kind: typeof WIRE_RPC_REQUEST
  readonly sizeBytes: number
  readonly service: string
  readonly method: number
  readonly requestId: number
  /** Who asks: checked against the link it came on before anyone trusts it. */
  readonly sender: PeerDescriptor
  readonly body: unknown
}

export interface RpcResponse {
  readonly kind: typeof WIRE_RPC_RESPONSE
  readonly sizeBytes: number
  readonly service: string
  readonly requestId: number
  readonly body: unknown
}

export interface RpcNotice {
  readonly kind: typeof WIRE_RPC_NOTICE
  readonly sizeBytes: number
  readonly service: string
  readonly method: number
  readonly sender: PeerDescriptor
  readonly body: unknown
}

export type RpcMessage = RpcRequest | RpcResponse | RpcNotice

function hasEnvelope(x: unknown): x is { kind: number; sizeBytes: number; service: string } {
  if (typeof x !== 'object' || x === null) return false
  const m = x as { sizeBytes?: unknown; service?: unknown }
  return typeof m.sizeBytes === 'number' && typeof m.service === 'string' && m.service.length <= MAX_SERVICE_CHARS
}

export function isRpcMessage(x: unknown): x is RpcMessage {
  if (!hasEnvelope(x)) return false
  const m = x as { kind?: unknown; method?: unknown; requestId?: unknown; sender?: unknown }
  switch (m.kind) {
    case WIRE_RPC_REQUEST:
      return Number.isInteger(m.method) && Number.isSafeInteger(m.requestId) && isPeerDescriptor(m.sender)
    case WIRE_RPC_RESPONSE:
      return Number.isSafeInteger(m.requestId)
    case WIRE_RPC_NOTICE:
      return Number.isInteger(m.method) && isPeerDescriptor(m.sender)
    default:
      return false
  }
}

// The only ways core/ touches the outside world. The simulator implements them on virtual time
// and a modelled network; live/ implements them on real time and real sockets. Core code must
// not reach for anything else (no Date.now, setTimeout, Math.random, sockets).

/** Milliseconds since an origin the driver chooses; never goes backwards. */
export interface Clock {
  now(): number
}

export type TimerHandle = number

export interface Timers {
  /** Calls `callback` once after `delayMs`; the handle cancels it. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle
  /** Cancelling a fired or unknown handle does nothing. */
  clearTimeout(handle: TimerHandle): void
}

/** A seeded stream of uniform numbers in [0, 1). Each node owns one. */
export interface Random {
  next(): number
}

export type { NodeId } from './node-id.ts'
import type { NodeId } from './node-id.ts'

/**
 * One open, ordered, unreliable-in-time link to a peer. `send` never blocks and never throws:
 * a message sent on a link that has since dropped is lost, as on a real network.
 */
export interface Connection {
  readonly remoteId: NodeId
  send(message: WireMessage): void
  close(): void
}

/** What core hands a transport to be told about connections. */
export interface TransportHandler {
  /** A link is open, whether we asked for it or the peer did. */
  onConnected(connection: Connection): void
  /** A `connect` we asked for failed or timed out. */
  onConnectFailed(peer: NodeId, reason: string): void
  /** `message` is whatever arrived: a peer can send anything, so core validates it. */
  onMessage(connection: Connection, message: unknown): void
  /** The link dropped (peer left, crashed, timed out, or we closed it). */
  onDisconnected(connection: Connection, reason: string): void
}

export interface Transport {
  readonly localId: NodeId
  setHandler(handler: TransportHandler): void
  /** Asynchronous: the answer arrives as onConnected or onConnectFailed. */
  connect(peer: NodeId): void
}

/** Everything that crosses a link. `sizeBytes` is what the link is charged for it. */
export type WireMessage = ContentWireMessage | ControlWireMessage | ProtocolWireMessage

import type { StreamMessage } from './message.ts'

export const WIRE_CONTENT = 1
export const WIRE_HANDSHAKE = 2
export const WIRE_HANDSHAKE_REPLY = 3
export const WIRE_LEAVE = 4
/** Kinds from here up belong to LinkProtocols (tracker 10-19, DHT 20-29, storage and resends 30-39). */
export const FIRST_PROTOCOL_WIRE_KIND = 10

export interface ContentWireMessage {
  readonly kind: typeof WIRE_CONTENT
  readonly sizeBytes: number
  readonly message: StreamMessage
}

export interface ControlWireMessage {
  readonly kind: typeof WIRE_HANDSHAKE | typeof WIRE_HANDSHAKE_REPLY | typeof WIRE_LEAVE
  readonly sizeBytes: number
  readonly streamPartId: string
  /** For handshake replies. */
  readonly accepted?: boolean
}

/** A message of a LinkProtocol (tracker, DHT): its kind says which. */
export interface ProtocolWireMessage {
  readonly kind: number
  readonly sizeBytes: number
}

// The subscriber's side of storage: sends resend requests to the stream part's storage nodes
// (linking to them first if need be), takes the streamed answer and hands each message to a sink,
// normally OrderingBuffer.add, which drops what it already has. It is also ordering's
// ResendSource, so a gap becomes a range request for one chain.
//
// A request ends with the storage node's end marker, or fails: the link cannot be opened, drops,
// or no end marker comes within timeoutMs. Ordering does not need to hear of failures (it just
// asks again); `resend` callers can, through onEnd.

import type { LinkProtocol } from '../link-protocol.ts'
import type { StreamMessage } from '../message.ts'
import type { NetworkNode } from '../network-node.ts'
import type { ChainRange, ResendSource } from '../ordering/resend-source.ts'
import type { Connection, NodeId, TimerHandle, Timers } from '../ports.ts'
import {
  RESEND_CLIENT_WIRE_KINDS, type ResendFilter, type ResendQuery, type ResendStatus, WIRE_RESEND_END,
  isResendEndMessage, isResendMessageMessage, resendRequestMessage,
} from './storage-messages.ts'

export interface ResendClientOptions {
  /**
   * How long a request may take, from asking to the end marker, linking included. Matches the
   * gap retry wait: by the time ordering asks again the earlier request has given up.
   */
  timeoutMs: number
}

export const DEFAULT_RESEND_TIMEOUT_MS = 5_000
export const DEFAULT_RESEND_CLIENT_OPTIONS: Readonly<ResendClientOptions> = { timeoutMs: DEFAULT_RESEND_TIMEOUT_MS }

export function createResendClientOptions(options: Partial<ResendClientOptions> = {}): ResendClientOptions {
  const o = { ...DEFAULT_RESEND_CLIENT_OPTIONS, ...options }
  if (!(o.timeoutMs > 0) || !Number.isFinite(o.timeoutMs)) throw new RangeError(`timeoutMs must be a finite number > 0, got ${o.timeoutMs}`)
  return o
}

/** How a request ended: the storage node's status, or why no answer came. */
export type ResendOutcome = ResendStatus | 'timeout' | 'unreachable' | 'disconnected' | 'no-storage-node'

export interface ResendResult {
  readonly requestId: number
  readonly storageNodeId: NodeId | undefined
  readonly outcome: ResendOutcome
  /** Messages received for it and handed to the sink. */
  readonly received: number
  /** For 'unreachable' and 'disconnected': why the link failed or dropped, as the transport said. */
  readonly reason?: string
}

/** Counters for metrics and tests; they only grow. */
export interface ResendClientStats {
  requestsSent: number
  /** Ended by an end marker, whatever its status. */
  completed: number
  timeouts: number
  failures: number
  messagesReceived: number
  /** Well-formed but not ours: an unknown or finished request, another peer, another part. */
  strayMessages: number
  /** Failed the shape check: dropped, and counted by the node as malformed too. */
  malformed: number
}

interface PendingRequest {
  readonly requestId: number
  readonly storageNodeId: NodeId
  readonly streamPartId: string
  readonly filter: ResendFilter
  readonly message: ReturnType<typeof resendRequestMessage>
  readonly onEnd: ((result: ResendResult) => void) | undefined
  timer: TimerHandle | undefined
  sent: boolean
  received: number
}

export interface ResendClientPorts {
  timers: Timers
}

export class ResendClient implements LinkProtocol, ResendSource {
  readonly kinds = RESEND_CLIENT_WIRE_KINDS
  private readonly pending = new Map<number, PendingRequest>()
  /** Ids come from a counter, not at random, so runs repeat. */
  private nextRequestId = 1
  private readonly counts: ResendClientStats = {
    requestsSent: 0, completed: 0, timeouts: 0, failures: 0, messagesReceived: 0, strayMessages: 0, malformed: 0,
  }

  constructor(
    private readonly node: NetworkNode,
    private readonly ports: ResendClientPorts,
    /** The storage nodes of a part, e.g. from storageNodesOf; requests rotate among them. */
    private readonly storageNodesOf: (streamPartId: string) => readonly NodeId[],
    /** Where received messages go: normally OrderingBuffer.add. */
    private readonly sink: (message: StreamMessage) => void,
    private readonly options: ResendClientOptions = DEFAULT_RESEND_CLIENT_OPTIONS
  ) {}

  get stats(): Readonly<ResendClientStats> {
    return this.counts
  }

  get pendingCount(): number {
    return this.pending.size
  }

  /**
   * Asks a storage node of `streamPartId` for `query`. Returns the request id; `onEnd` hears how
   * it ended (at once, with 'no-storage-node', if the part has none).
   */
  resend(streamPartId: string, query: ResendQuery, filter: ResendFilter = {}, onEnd?: (result: ResendResult) => void): number {
    const requestId = this.nextRequestId++
    const candidates = this.storageNodesOf(streamPartId).filter((id) => id !== this.node.id)
    if (candidates.length === 0) {
      this.counts.failures++
      onEnd?.({ requestId, storageNodeId: undefined, outcome: 'no-storage-node', received: 0 })
      return requestId
    }
    // Rotating spreads load, and a retry of the same gap goes to the next node.
    const storageNodeId = candidates[requestId % candidates.length]
    const request: PendingRequest = {
      requestId, storageNodeId, streamPartId, filter, onEnd, timer: undefined, sent: false, received: 0,
      message: resendRequestMessage(requestId, streamPartId, query, filter),
    }
    request.timer = this.ports.timers.setTimeout(() => this.finish(request, 'timeout'), this.options.timeoutMs)
    const connection = this.node.connection(storageNodeId)
    if (connection !== undefined) {
      this.pending.set(requestId, request)
      this.sendRequest(connection, request)
    } else {
      // One link attempt per peer: an earlier request still waiting for it will be answered too.
      const linking = [...this.pending.values()].some((r) => !r.sent && r.storageNodeId === storageNodeId)
      this.pending.set(requestId, request)
      if (!linking) this.node.connect(storageNodeId)
    }
    return requestId
  }

  /** ResendSource: a joiner's catch-up. */
  requestFrom(streamPartId: string, fromTimestampMs: number): void {
    this.resend(streamPartId, { type: 'from', fromTimestamp: fromTimestampMs })
  }

  /** ResendSource: the missing range of one chain. */
  requestRange(range: ChainRange, done?: () => void): void {
    this.resend(range.streamPartId, { type: 'range', from: range.from, to: range.to },
      { publisherId: range.publisherId, msgChainId: range.msgChainId }, done === undefined ? undefined : () => done())
  }

  /** Fails every request at once and cancels their timers (the node is going away). */
  reset(): void {
    for (const r of [...this.pending.values()]) this.finish(r, 'disconnected')
  }

  // LinkProtocol

  handleMessage(connection: Connection, message: { kind: number }): boolean {
    if (message.kind === WIRE_RESEND_END) {
      if (!isResendEndMessage(message)) return this.malformed()
      const request = this.ours(connection, message.requestId)
      if (request !== undefined) this.finish(request, message.status)
      return true
    }
    if (!isResendMessageMessage(message)) return this.malformed()
    const request = this.ours(connection, message.requestId)
    const m = message.message
    const f = request?.filter
    // A storage node answers only what was asked: anything else is not fed to ordering.
    if (request === undefined || m.streamPartId !== request.streamPartId
      || (f!.publisherId !== undefined && m.messageId.publisherId !== f!.publisherId)
      || (f!.msgChainId !== undefined && m.messageId.msgChainId !== f!.msgChainId)) {
      if (request !== undefined) this.counts.strayMessages++
      return true
    }
    request.received++
    this.counts.messagesReceived++
    this.sink(m)
    return true
  }

  onConnected(connection: Connection): void {
    for (const r of this.pending.values()) {
      if (!r.sent && r.storageNodeId === connection.remoteId) this.sendRequest(connection, r)
    }
  }

  onConnectFailed(peer: NodeId, reason: string): void {
    for (const r of [...this.pending.values()]) if (!r.sent && r.storageNodeId === peer) this.finish(r, 'unreachable', reason)
  }

  onDisconnected(connection: Connection, reason: string): void {
    for (const r of [...this.pending.values()]) {
      if (r.storageNodeId === connection.remoteId) this.finish(r, 'disconnected', reason)
    }
  }

  private sendRequest(connection: Connection, request: PendingRequest): void {
    request.sent = true
    this.counts.requestsSent++
    this.node.send(connection, request.message)
  }

  /** The pending request `requestId`, if `connection` is the node it went to. */
  private ours(connection: Connection, requestId: number): PendingRequest | undefined {
    const request = this.pending.get(requestId)
    if (request === undefined || request.storageNodeId !== connection.remoteId) {
      this.counts.strayMessages++
      return undefined
    }
    return request
  }

  private finish(request: PendingRequest, outcome: ResendOutcome, reason?: string): void {
    if (!this.pending.delete(request.requestId)) return
    this.ports.timers.clearTimeout(request.timer!)
    if (outcome === 'timeout') this.counts.timeouts++
    else if (outcome === 'unreachable' || outcome === 'disconnected') this.counts.failures++
    else this.counts.completed++
    request.onEnd?.({ requestId: request.requestId, storageNodeId: request.storageNodeId, outcome, received: request.received, ...(reason !== undefined ? { reason } : {}) })
  }

  private malformed(): boolean {
    this.counts.malformed++
    return false
  }
}

/** A resend client on `node`, attached to its links. */
export function createResendClient(
  node: NetworkNode,
  ports: ResendClientPorts,
  storageNodesOf: (streamPartId: string) => readonly NodeId[],
  sink: (message: StreamMessage) => void,
  options: Partial<ResendClientOptions> = {}
): ResendClient {
  const client = new ResendClient(node, ports, storageNodesOf, sink, createResendClientOptions(options))
  node.attach(client)
  return client
}

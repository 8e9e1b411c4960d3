// What a worker's nodes observe during a live run, kept as typed columns (tens of bytes per
// event) and handed to the coordinator once at the end, which replays every worker's columns
// in time order into the simulator's own metrics (replay.ts). Times are machine-clock
// milliseconds since the run's time zero. Sends are only counted: they are the bulk of events
// and the metrics need their totals, not their times.

import type { MessageId, StreamMessage } from '../../core/message.ts'
import { formatMessageId } from '../../core/message.ts'
import { SilentObserver } from '../../core/observer.ts'
import type { Connection, NodeId, WireMessage } from '../../core/ports.ts'
import { WIRE_CONTENT } from '../../core/ports.ts'
import { machineNowMs } from './machine-clock.ts'

export const REC_JOIN = 0
export const REC_LEAVE = 1
export const REC_CRASH = 2
export const REC_PUBLISH = 3
export const REC_DELIVER = 4
export const REC_DUPLICATE = 5
export const REC_NEIGHBOUR_ADDED = 6
export const REC_NEIGHBOUR_REMOVED = 7
/** The message layer (scenarios that run it): the publish call, before signing and encryption. */
export const REC_APP_PUBLISH = 8
/** A subscriber's app got the message's plaintext, in chain order. */
export const REC_APP_DELIVER = 9
/** A publisher replaced its group keys (a `rekey` event). */
export const REC_REKEY = 10

/** Kinds whose `a` is a message. */
export function isMessageRecord(kind: number): boolean {
  return kind === REC_PUBLISH || kind === REC_DELIVER || kind === REC_DUPLICATE || kind === REC_APP_PUBLISH || kind === REC_APP_DELIVER
}

/**
 * One row per event. `a` and `b` by kind: publish, deliver, duplicate: a = message (index into
 * messageIds), b = the node it came from (-1 for a publish); app publish, app deliver: a = message;
 * neighbour added/removed: a = the peer, b = the stream part (index into the run's stream parts);
 * rekey: a = the index of its event in security.events; join, leave, crash: unused.
 */
export interface RecordColumns {
  length: number
  kind: Uint8Array
  atMs: Float64Array
  node: Int32Array
  a: Int32Array
  b: Int32Array
  messageIds: MessageId[]
}

export interface SendCounters {
  payloadTransmissions: number
  payloadBytes: number
  controlMessages: number
  controlBytes: number
  invalid: number
  malformed: number
  rejected: Record<string, number>
}

export class EventRecorder {
  private length = 0
  private kind = new Uint8Array(4096)
  private atMs = new Float64Array(4096)
  private node = new Int32Array(4096)
  private a = new Int32Array(4096)
  private b = new Int32Array(4096)
  private readonly messageIds: MessageId[] = []
  private readonly messageIndex = new Map<string, number>()
  /** One-entry cache: receipts of one message come in bursts. */
  private lastMessage: StreamMessage | null = null
  private lastIndex = -1
  readonly counters: SendCounters = {
    payloadTransmissions: 0, payloadBytes: 0, controlMessages: 0, controlBytes: 0, invalid: 0, malformed: 0, rejected: {},
  }
  published = 0
  firstReceipts = 0
  duplicates = 0
  appDeliveries = 0
  /** False before time zero is known and after the final snapshot: nothing is kept then. */
  private recording = false
  private t0 = 0

  constructor(private readonly indexOfNode: ReadonlyMap<NodeId, number>, private readonly indexOfPart: ReadonlyMap<string, number>) {}

  start(t0: number): void {
    this.t0 = t0
    this.recording = true
  }

  stop(): void {
    this.recording = false
  }

  observerFor(node: number): SilentObserver {
    return new RecordingObserver(this, node)
  }

  membership(kind: typeof REC_JOIN | typeof REC_LEAVE | typeof REC_CRASH, node: number): void {
    this.add(kind, node, -1, -1)
  }

  message(kind: typeof REC_PUBLISH | typeof REC_DELIVER | typeof REC_DUPLICATE, node: number, message: StreamMessage, from: Connection | null): void {
    if (!this.recording) return
    if (kind === REC_PUBLISH) this.published++
    else if (kind === REC_DELIVER) this.firstReceipts++
    else this.duplicates++
    this.add(kind, node, this.indexOfMessage(message), from === null ? -1 : (this.indexOfNode.get(from.remoteId) ?? -1))
  }

  /** The message layer: `node`'s app published `message` (the call began at `calledAtMs`, machine clock) or got its plaintext. */
  app(kind: typeof REC_APP_PUBLISH | typeof REC_APP_DELIVER, node: number, message: StreamMessage, calledAtMs = machineNowMs()): void {
    if (!this.recording) return
    if (kind === REC_APP_DELIVER) this.appDeliveries++
    this.add(kind, node, this.indexOfMessage(message), -1, calledAtMs)
  }

  rekeyed(node: number, event: number): void {
    this.add(REC_REKEY, node, event, -1)
  }

  neighbour(kind: typeof REC_NEIGHBOUR_ADDED | typeof REC_NEIGHBOUR_REMOVED, node: number, streamPartId: string, peer: NodeId): void {
    this.add(kind, node, this.indexOfNode.get(peer) ?? -1, this.indexOfPart.get(streamPartId) ?? -1)
  }

  sent(message: WireMessage): void {
    if (!this.recording) return
    if (message.kind === WIRE_CONTENT) {
      this.counters.payloadTransmissions++
      this.counters.payloadBytes += message.sizeBytes
    } else {
      this.counters.controlMessages++
      this.counters.controlBytes += message.sizeBytes
    }
  }

  dropped(what: 'invalid' | 'malformed'): void {
    if (this.recording) this.counters[what]++
  }

  rejected(reason: string): void {
    if (this.recording) this.counters.rejected[reason] = (this.counters.rejected[reason] ?? 0) + 1
  }

  /** The columns, trimmed to what was recorded. */
  columns(): RecordColumns {
    const n = this.length
    return {
      length: n,
      kind: this.kind.slice(0, n),
      atMs: this.atMs.slice(0, n),
      node: this.node.slice(0, n),
      a: this.a.slice(0, n),
      b: this.b.slice(0, n),
      messageIds: this.messageIds,
    }
  }

  private indexOfMessage(message: StreamMessage): number {
    if (message === this.lastMessage) return this.lastIndex
    const key = formatMessageId(message.messageId)
    let index = this.messageIndex.get(key)
    if (index === undefined) {
      index = this.messageIds.length
      this.messageIds.push(message.messageId)
      this.messageIndex.set(key, index)
    }
    this.lastMessage = message
    this.lastIndex = index
    return index
  }

  private add(kind: number, node: number, a: number, b: number, atMachineMs = machineNowMs()): void {
    if (!this.recording) return
    if (this.length === this.kind.length) this.grow()
    const i = this.length++
    this.kind[i] = kind
    this.atMs[i] = atMachineMs - this.t0
    this.node[i] = node
    this.a[i] = a
    this.b[i] = b
  }

  private grow(): void {
    const n = this.kind.length * 2
    const g = <T extends Uint8Array | Float64Array | Int32Array>(from: T, to: T): T => (to.set(from), to)
    this.kind = g(this.kind, new Uint8Array(n))
    this.atMs = g(this.atMs, new Float64Array(n))
    this.node = g(this.node, new Int32Array(n))
    this.a = g(this.a, new Int32Array(n))
    this.b = g(this.b, new Int32Array(n))
  }
}

/** A node's observer. It extends SilentObserver so that an event core adds later is ignored until recorded here. */
class RecordingObserver extends SilentObserver {
  constructor(private readonly recorder: EventRecorder, private readonly index: number) {
    super()
  }

  override published(message: StreamMessage): void {
    this.recorder.message(REC_PUBLISH, this.index, message, null)
  }

  override delivered(message: StreamMessage, from: Connection): void {
    this.recorder.message(REC_DELIVER, this.index, message, from)
  }

  override duplicate(message: StreamMessage, from: Connection): void {
    this.recorder.message(REC_DUPLICATE, this.index, message, from)
  }

  override invalid(): void {
    this.recorder.dropped('invalid')
  }

  override malformed(): void {
    this.recorder.dropped('malformed')
  }

  override rejected(_message: StreamMessage, _from: Connection | null, reason: string): void {
    this.recorder.rejected(reason)
  }

  override sent(message: WireMessage): void {
    this.recorder.sent(message)
  }

  override neighbourAdded(streamPartId: string, peer: NodeId): void {
    this.recorder.neighbour(REC_NEIGHBOUR_ADDED, this.index, streamPartId, peer)
  }

  override neighbourRemoved(streamPartId: string, peer: NodeId): void {
    this.recorder.neighbour(REC_NEIGHBOUR_REMOVED, this.index, streamPartId, peer)
  }
}

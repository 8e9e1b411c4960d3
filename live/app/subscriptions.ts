// The app-facing side of a node's deliveries: every content message the node's subscriber hands
// on (decrypted, in chain order) and every own publication, with its plaintext, numbered per
// stream part by a cursor (1, 2, 3...) and kept in a bounded
// buffer, so a long poller that comes back with its last cursor gets what it missed while it was
// away, as long as the buffer still holds it, and learns how many it lost when not. Listeners
// (SSE streams, WebSocket sessions, the MQTT bridge) hear each message as it arrives.
//
// It hears the node's message layer (LiveMessageRoles.onContent), so it runs inside the node's
// receive path: a listener that throws is counted and reported, never passed back into core.

import { MESSAGE_TYPE_CONTENT, type StreamMessage } from '../../core/message.ts'
import { type ContentEncoding, renderAppMessage } from './app-message.ts'

export interface BufferLimits {
  /** Messages kept per stream part. */
  maxMessages: number
  /** Bytes kept per stream part: content plus the JSON renderings made of it. */
  maxBytes: number
}

/** Fixed per-message cost on top of its content: the id strings, the entry, the array slot. */
const ENTRY_OVERHEAD_BYTES = 200

/** One buffered message; its JSON is rendered once per encoding, on first demand. */
export class BufferedMessage {
  private auto: string | undefined
  private base64: string | undefined
  /** What it costs its buffer: content, overhead and renderings. */
  bytes: number
  evicted = false

  /** `content`: the plaintext (the message's own content unless it travelled encrypted). */
  constructor(readonly cursor: number, readonly message: StreamMessage, readonly content: Uint8Array, private readonly part: PartBuffer) {
    this.bytes = content.byteLength + ENTRY_OVERHEAD_BYTES
  }

  render(encoding: ContentEncoding): string {
    let s = encoding === 'auto' ? this.auto : this.base64
    if (s === undefined) {
      s = renderAppMessage(this.message, this.content, this.cursor, encoding)
      if (encoding === 'auto') this.auto = s
      else this.base64 = s
      this.bytes += s.length
      if (!this.evicted) this.part.bytes += s.length
    }
    return s
  }
}

export type MessageListener = (message: BufferedMessage) => void

export interface ReadResult {
  messages: BufferedMessage[]
  /** Messages after the requested cursor that the buffer no longer holds. */
  missed: number
  /** Cursor of the newest message of the part; 0 before the first. */
  latest: number
}

class PartBuffer {
  entries: BufferedMessage[] = []
  /** Index of the oldest live entry; evicted entries before it are dropped in batches. */
  start = 0
  bytes = 0
  latest = 0
  readonly listeners = new Set<MessageListener>()

  oldestCursor(): number {
    return this.start < this.entries.length ? this.entries[this.start].cursor : this.latest + 1
  }

  evictOldest(): void {
    const e = this.entries[this.start]
    e.evicted = true
    this.bytes -= e.bytes
    this.entries[this.start++] = undefined as unknown as BufferedMessage
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start)
      this.start = 0
    }
  }

  size(): number {
    return this.entries.length - this.start
  }
}

export class Subscriptions {
  private readonly parts = new Map<string, PartBuffer>()
  private readonly everyPart = new Set<MessageListener>()

  constructor(private readonly limits: BufferLimits, private readonly onError: (error: unknown) => void) {}

  /** Calls `listener` with each new message of `streamPartId`; returns the way to stop. */
  listen(streamPartId: string, listener: MessageListener): () => void {
    const part = this.part(streamPartId)
    part.listeners.add(listener)
    return () => part.listeners.delete(listener)
  }

  /** Calls `listener` with each new message of every stream part. */
  listenAll(listener: MessageListener): () => void {
    this.everyPart.add(listener)
    return () => this.everyPart.delete(listener)
  }

  /** Whether anyone listens to `streamPartId` (a subscriber, a long poll). */
  isListened(streamPartId: string): boolean {
    return (this.parts.get(streamPartId)?.listeners.size ?? 0) > 0
  }

  /** Drops the buffer of a stream part the node left (its cursors restart, as with the node). */
  forget(streamPartId: string): void {
    this.parts.delete(streamPartId)
  }

  latest(streamPartId: string): number {
    return this.parts.get(streamPartId)?.latest ?? 0
  }

  /** Up to `max` buffered messages after cursor `after`, oldest first. */
  read(streamPartId: string, after: number, max: number): ReadResult {
    const part = this.parts.get(streamPartId)
    if (part === undefined) return { messages: [], missed: 0, latest: 0 }
    const oldest = part.oldestCursor()
    const missed = Math.max(0, oldest - after - 1)
    const from = part.start + Math.max(0, after + 1 - oldest)
    return { messages: part.entries.slice(from, Math.min(part.entries.length, from + max)), missed, latest: part.latest }
  }

  bufferedMessages(): number {
    let n = 0
    for (const p of this.parts.values()) n += p.size()
    return n
  }

  private part(streamPartId: string): PartBuffer {
    let part = this.parts.get(streamPartId)
    if (part === undefined) {
      part = new PartBuffer()
      this.parts.set(streamPartId, part)
    }
    return part
  }

  /** A message the node published or received, with its plaintext `content`. */
  add(message: StreamMessage, content: Uint8Array): void {
    // Group key requests and responses are the message layer's business, not the apps'.
    if (message.messageType !== MESSAGE_TYPE_CONTENT) return
    const part = this.part(message.streamPartId)
    const entry = new BufferedMessage(++part.latest, message, content, part)
    part.entries.push(entry)
    part.bytes += entry.bytes
    // The newest message always stays, even alone over the byte bound: a poller must see it.
    while (part.size() > 1 && (part.size() > this.limits.maxMessages || part.bytes > this.limits.maxBytes)) part.evictOldest()
    for (const l of part.listeners) this.call(l, entry)
    for (const l of this.everyPart) this.call(l, entry)
  }

  private call(listener: MessageListener, entry: BufferedMessage): void {
    try {
      listener(entry)
    } catch (error) {
      this.onError(error)
    }
  }
}

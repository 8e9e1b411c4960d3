// One app's WebSocket (GET /ws): publish and subscribe on the same socket, JSON text frames.
//
// Client to node, each may carry an `id` that the answer echoes:
//   {"type":"subscribe","streamId":"demo","partition":0,"cursor":12,"encoding":"base64"}
//       cursor (optional): first replay what the buffer holds after it; encoding as in app-message.ts
//   {"type":"unsubscribe","streamId":"demo","partition":0}
//   {"type":"publish","streamId":"demo","partition":0,"content":{"any":"JSON"}}
//   {"type":"publish","streamId":"demo","partition":0,"contentBase64":"AAEC"}
// Node to client:
//   {"type":"subscribed","id":..,"streamId":..,"partition":..,"cursor":<latest>}
//   {"type":"unsubscribed",...}, {"type":"published","id":..,<receipt>}
//   {"type":"missed","streamId":..,"partition":..,"missed":3}     when a replay lost messages
//   {"type":"message",<the app message JSON>}
//   {"type":"error","id":..,"status":400,"error":"bad-partition","message":"..."}
// A bad frame is answered with an error frame and the socket stays open. A client that leaves
// more than `maxQueuedBytes` unread is closed (1013), and frames over the size limit close the
// socket (1009, by the ws library).

import type { WebSocket } from 'ws'
import { AppError, badRequest } from './app-error.ts'
import { type ContentEncoding, MAX_JSON_DEPTH, jsonTooDeep, parseEncoding } from './app-message.ts'
import type { NodeGateway } from './node-gateway.ts'
import { streamPart } from './stream-part.ts'
import type { BufferedMessage } from './subscriptions.ts'

export interface WebSocketSessionOptions {
  maxQueuedBytes: number
  onError: (error: unknown) => void
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const CLOSE_TOO_SLOW = 1013

type Command = Record<string, unknown>

export class WebSocketSession {
  /** streamPartId -> how to stop listening. */
  private readonly subscribed = new Map<string, () => void>()

  constructor(private readonly gateway: NodeGateway, private readonly socket: WebSocket, private readonly options: WebSocketSessionOptions) {
    socket.on('message', (data, isBinary) => this.onFrame(data, isBinary))
    socket.on('close', () => this.closed())
    socket.on('error', (error: Error & { code?: string }) => {
      gateway.stats.reject('ws', error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'too-large' : 'bad-request')
    })
  }

  private onFrame(data: unknown, isBinary: boolean): void {
    let id: unknown
    try {
      if (isBinary) throw badRequest('bad-request', 'send commands as JSON text frames')
      let command: Command
      const text = String(data)
      if (jsonTooDeep(text)) throw badRequest('bad-body', `frame nests deeper than ${MAX_JSON_DEPTH}`)
      try {
        command = JSON.parse(text) as Command
      } catch {
        throw badRequest('bad-body', 'frame is not JSON')
      }
      if (typeof command !== 'object' || command === null || Array.isArray(command)) throw badRequest('bad-body', 'frame is not a JSON object')
      id = command.id
      this.handle(command, id)
    } catch (error) {
      if (!(error instanceof AppError)) {
        this.gateway.stats.errors++
        this.options.onError(error)
        this.sendText(JSON.stringify({ type: 'error', id, status: 500, error: 'internal', message: 'the node failed to handle this command' }))
        return
      }
      this.gateway.stats.reject('ws', error.code)
      this.sendText(JSON.stringify({ type: 'error', id, ...error.toJSON() }))
    }
  }

  private handle(c: Command, id: unknown): void {
    switch (c.type) {
      case 'subscribe':
        return this.subscribe(c, id)
      case 'unsubscribe': {
        const part = streamPart(c.streamId, c.partition)
        this.subscribed.get(part.streamPartId)?.()
        this.subscribed.delete(part.streamPartId)
        this.sendText(JSON.stringify({ type: 'unsubscribed', id, streamId: part.streamId, partition: part.partition }))
        return
      }
      case 'publish': {
        const receipt = this.gateway.publish('ws', c.streamId, c.partition, contentOf(c))
        this.sendText(JSON.stringify({ type: 'published', id, ...receipt }))
        return
      }
      default:
        throw badRequest('bad-request', `type must be "subscribe", "unsubscribe" or "publish", got ${JSON.stringify(c.type)}`)
    }
  }

  private subscribe(c: Command, id: unknown): void {
    const encoding: ContentEncoding | undefined = parseEncoding(c.encoding)
    if (encoding === undefined) throw badRequest('bad-request', `encoding must be "auto" or "base64", got ${JSON.stringify(c.encoding)}`)
    if (c.cursor !== undefined && !(Number.isSafeInteger(c.cursor) && (c.cursor as number) >= 0)) {
      throw badRequest('bad-cursor', `cursor must be an integer >= 0, got ${JSON.stringify(c.cursor)}`)
    }
    const part = streamPart(c.streamId, c.partition)
    const subs = this.gateway.subscriptions
    const latest = subs.latest(part.streamPartId)
    if (c.cursor !== undefined && (c.cursor as number) > latest) {
      throw badRequest('bad-cursor', `cursor ${c.cursor} is ahead of this node's latest ${latest} in ${part.streamPartId} (cursors restart with the node)`)
    }
    this.gateway.join(part)
    this.subscribed.get(part.streamPartId)?.()
    const send = (m: BufferedMessage) => this.sendText(`{"type":"message",${m.render(encoding).slice(1)}`)
    this.sendText(JSON.stringify({ type: 'subscribed', id, streamId: part.streamId, partition: part.partition, cursor: latest }))
    if (c.cursor !== undefined) {
      const backlog = subs.read(part.streamPartId, c.cursor as number, Number.MAX_SAFE_INTEGER)
      if (backlog.missed > 0) this.sendText(JSON.stringify({ type: 'missed', streamId: part.streamId, partition: part.partition, missed: backlog.missed }))
      for (const m of backlog.messages) send(m)
    }
    this.subscribed.set(part.streamPartId, subs.listen(part.streamPartId, send))
  }

  private sendText(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return
    if (this.socket.bufferedAmount > this.options.maxQueuedBytes) {
      this.gateway.stats.slowConsumersClosed++
      this.socket.close(CLOSE_TOO_SLOW, 'too slow: unread messages over the limit')
      this.closed()
      return
    }
    this.socket.send(text)
  }

  private closed(): void {
    for (const stop of this.subscribed.values()) stop()
    this.subscribed.clear()
  }
}

function contentOf(c: Command): Uint8Array {
  const hasJson = c.content !== undefined
  const hasBase64 = c.contentBase64 !== undefined
  if (hasJson === hasBase64) throw badRequest('bad-body', 'a publish needs exactly one of "content" (any JSON) and "contentBase64"')
  if (hasJson) return new TextEncoder().encode(JSON.stringify(c.content))
  if (typeof c.contentBase64 !== 'string' || !BASE64.test(c.contentBase64)) throw badRequest('bad-body', 'contentBase64 is not base64')
  return Buffer.from(c.contentBase64, 'base64')
}

// The HTTP routes of the app interface (authentication and error bodies are http-interface.ts's):
//
//   POST /streams/:streamId/publish?partition=N     body = the content: raw bytes, or JSON when
//                                                   Content-Type is application/json (checked)
//   GET  /streams/:streamId/subscribe?partition=N   server-sent events; resumes after
//        [&cursor=C] [&encoding=base64]             Last-Event-ID or cursor (a cursor from before
//                                                   a node restart: event "reset", then live)
//   GET  /streams/:streamId/poll?partition=N        long poll: what came after cursor C, or the
//        [&cursor=C] [&waitMs=W] [&max=M]           next message within W ms; no cursor = from now
//        [&encoding=base64]
//   GET  /info                                      node id, stream parts, interfaces, counters
//
// A stream id with "/" in it is sent URL-encoded (%2F).

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { badRequest } from './app-error.ts'
import { type ContentEncoding, MAX_JSON_DEPTH, jsonText, parseEncoding } from './app-message.ts'
import type { NodeGateway } from './node-gateway.ts'
import { SseStream } from './sse-stream.ts'
import { type StreamPart, streamPart } from './stream-part.ts'
import type { BufferedMessage } from './subscriptions.ts'

export interface HttpRouteOptions {
  /** Bytes an SSE subscriber may leave unread before it is closed. */
  maxQueuedBytes: number
  keepAliveMs: number
  /** What GET /info reports besides the node. */
  info: () => object
  /** Aborted when the interface closes: ends SSE streams and pending polls. */
  closing: AbortSignal
}

export const DEFAULT_POLL_WAIT_MS = 20_000
export const MAX_POLL_WAIT_MS = 60_000
export const DEFAULT_POLL_MAX = 100
export const MAX_POLL_MAX = 1_000

type StreamRequest = FastifyRequest<{ Params: { streamId: string }; Querystring: Record<string, string | undefined> }>

function integerParam(query: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const v = query[name]
  if (v === undefined) return fallback
  const n = /^\d{1,16}$/.test(v) ? Number(v) : NaN
  if (!(n >= min && n <= max)) throw badRequest(name === 'cursor' ? 'bad-cursor' : 'bad-request', `${name} must be an integer ${min}..${max}, got ${JSON.stringify(v)}`)
  return n
}

function encodingParam(query: Record<string, string | undefined>): ContentEncoding {
  const e = parseEncoding(query.encoding)
  if (e === undefined) throw badRequest('bad-request', `encoding must be "auto" or "base64", got ${JSON.stringify(query.encoding)}`)
  return e
}

function cursorParam(value: string | undefined): number | undefined {
  return value === undefined ? undefined : integerParam({ cursor: value }, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER)
}

/** Why a cursor cannot be resumed from: it is ahead of the part's latest, so from before a restart. */
function cursorAhead(part: StreamPart, cursor: number, latest: number): string | undefined {
  return cursor > latest ? `cursor ${cursor} is ahead of this node's latest ${latest} in ${part.streamPartId} (cursors restart with the node)` : undefined
}

export function registerHttpRoutes(app: FastifyInstance, gateway: NodeGateway, options: HttpRouteOptions): void {
  const { subscriptions } = gateway

  app.post('/streams/:streamId/publish', async (request: StreamRequest, reply) => {
    const body = request.body instanceof Uint8Array ? request.body : new Uint8Array(0)
    const contentType = request.headers['content-type'] ?? ''
    if (/^application\/([\w.+-]+\+)?json\b/i.test(contentType) && jsonText(body) === undefined) {
      throw badRequest('bad-body', `Content-Type says JSON but the body is not UTF-8 JSON nested at most ${MAX_JSON_DEPTH} deep`)
    }
    return reply.send(gateway.publish('http', request.params.streamId, request.query.partition, body))
  })

  app.get('/streams/:streamId/poll', async (request: StreamRequest, reply) => {
    const part = streamPart(request.params.streamId, request.query.partition)
    const encoding = encodingParam(request.query)
    const waitMs = integerParam(request.query, 'waitMs', DEFAULT_POLL_WAIT_MS, 0, MAX_POLL_WAIT_MS)
    const max = integerParam(request.query, 'max', DEFAULT_POLL_MAX, 1, MAX_POLL_MAX)
    const latest = subscriptions.latest(part.streamPartId)
    const after = cursorParam(request.query.cursor) ?? latest
    const ahead = cursorAhead(part, after, latest)
    if (ahead !== undefined) throw badRequest('bad-cursor', ahead)
    gateway.join(part)
    let result = subscriptions.read(part.streamPartId, after, max)
    if (result.messages.length === 0 && result.missed === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          stop()
          options.closing.removeEventListener('abort', done)
          reply.raw.off('close', done)
          resolve()
        }
        const timer = setTimeout(done, waitMs)
        const stop = subscriptions.listen(part.streamPartId, done)
        options.closing.addEventListener('abort', done)
        reply.raw.on('close', done)
      })
      result = subscriptions.read(part.streamPartId, after, max)
    }
    const cursor = result.messages.length > 0 ? result.messages[result.messages.length - 1].cursor : after
    const head = JSON.stringify({ streamId: part.streamId, partition: part.partition, cursor, missed: result.missed })
    return reply.type('application/json; charset=utf-8')
      .send(`${head.slice(0, -1)},"messages":[${result.messages.map((m) => m.render(encoding)).join(',')}]}`)
  })

  app.get('/streams/:streamId/subscribe', async (request: StreamRequest, reply) => {
    const part = streamPart(request.params.streamId, request.query.partition)
    const encoding = encodingParam(request.query)
    const lastEventId = request.headers['last-event-id']
    const resumeFrom = cursorParam(typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : request.query.cursor)
    gateway.join(part)
    reply.hijack()
    const sse = new SseStream(reply.raw, options, () => gateway.stats.slowConsumersClosed++)
    const send = (m: BufferedMessage) => sse.send(m.render(encoding), m.cursor)
    const latest = subscriptions.latest(part.streamPartId)
    sse.send(JSON.stringify({ streamId: part.streamId, partition: part.partition, cursor: latest }), undefined, 'subscribed')
    // An EventSource reconnects by itself after the node restarted and cannot handle a 400:
    // it is told its cursor is void and carries on from now.
    const ahead = resumeFrom === undefined ? undefined : cursorAhead(part, resumeFrom, latest)
    if (ahead !== undefined) sse.send(JSON.stringify({ cursor: latest, message: ahead }), undefined, 'reset')
    else if (resumeFrom !== undefined) {
      const backlog = subscriptions.read(part.streamPartId, resumeFrom, Number.MAX_SAFE_INTEGER)
      if (backlog.missed > 0) sse.send(JSON.stringify({ missed: backlog.missed }), undefined, 'missed')
      for (const m of backlog.messages) send(m)
    }
    const stop = subscriptions.listen(part.streamPartId, send)
    const end = () => sse.close()
    options.closing.addEventListener('abort', end)
    sse.onClose(() => {
      stop()
      options.closing.removeEventListener('abort', end)
    })
  })

  app.get('/info', async () => {
    const node = gateway.node
    return {
      nodeId: node.id,
      streamParts: node.node.streamPartIds().sort().map((sp) => ({ streamPartId: sp, neighbours: node.neighbours(sp).sort(), latestCursor: subscriptions.latest(sp) })),
      ...options.info(),
      limits: gateway.limits,
      stats: gateway.stats,
    }
  })
}

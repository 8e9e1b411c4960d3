// The HTTP server of the app interfaces (fastify): the routes of http-routes.ts and the
// WebSocket endpoint GET /ws on one port. Every request, the WebSocket upgrade included, needs
// the API key. Every refusal is a JSON body {status, error, message} and is counted; nothing a
// client sends reaches the node unchecked or can stop it.

import websocket from '@fastify/websocket'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify'
import type { Socket } from 'node:net'
import { ApiKey } from './api-key.ts'
import { AppError, badRequest } from './app-error.ts'
import type { AppInterfaceName } from './app-stats.ts'
import { registerHttpRoutes } from './http-routes.ts'
import type { NodeGateway } from './node-gateway.ts'
import { MAX_STREAM_ID_BYTES } from './stream-part.ts'
import { WebSocketSession } from './websocket-session.ts'

export interface HttpInterfaceOptions {
  host: string
  /** 0: any free port. */
  port: number
  apiKey: string
  /** Unread bytes an SSE or WebSocket subscriber may leave before it is closed. */
  maxQueuedBytes: number
  keepAliveMs: number
  info: () => object
  onError: (error: unknown, where: string) => void
  /** Routes a role of the node adds (a storage node's resends), with their summary for the 404 message. */
  extraRoutes?: ExtraRoutes
}

export interface ExtraRoutes {
  register(app: FastifyInstance): void
  summary: string
}

export interface HttpInterface {
  /** http://host:port */
  readonly url: string
  /** ws://host:port/ws */
  readonly webSocketUrl: string
  close(): Promise<void>
}

/** How long clients get to see their connections close before the rest are cut. */
const CLOSE_GRACE_MS = 1_000
const ROUTES = 'POST /streams/:streamId/publish, GET /streams/:streamId/subscribe (SSE), GET /streams/:streamId/poll, GET /ws (WebSocket), GET /info'
/** JSON and base64 framing around the largest content a WebSocket publish may carry. */
const WS_FRAME_OVERHEAD_BYTES = 64 * 1024

export async function startHttpInterface(gateway: NodeGateway, options: HttpInterfaceOptions): Promise<HttpInterface> {
  const apiKey = new ApiKey(options.apiKey)
  const closing = new AbortController()
  const app: FastifyInstance = Fastify({
    logger: false, bodyLimit: gateway.limits.maxMessageBytes, forceCloseConnections: true,
    // Room for the longest stream id, percent-encoded; longer ones are refused below like bad URLs.
    routerOptions: { maxParamLength: MAX_STREAM_ID_BYTES * 3 + 16 },
    // URLs the router cannot take apart: answered before routing (and before the key is checked).
    frameworkErrors: (error, request, reply) => {
      const e = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? badRequest('bad-stream-id', `stream id is longer than ${MAX_STREAM_ID_BYTES} UTF-8 bytes`)
        : badRequest('bad-request', `the URL cannot be decoded: ${error.message}`)
      gateway.stats.reject('http', e.code)
      void (reply as FastifyReply).code(e.status).send(e.toJSON())
    },
  })
  const where = (url: string): AppInterfaceName => url === '/ws' || url.startsWith('/ws?') ? 'ws' : 'http'

  // Bodies are content: kept as bytes whatever their type; the publish route checks JSON itself.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  app.addHook('onRequest', async (request, reply) => {
    if (!apiKey.matches(ApiKey.fromHttp(request.headers, request.query))) {
      reply.header('www-authenticate', 'Bearer')
      throw new AppError(401, 'unauthorized', 'missing or wrong API key: send "Authorization: Bearer KEY" or ?apiKey=KEY')
    }
  })

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const appError = error instanceof AppError ? error : fromFastify(error, gateway.limits.maxMessageBytes)
    if (appError === undefined) {
      gateway.stats.errors++
      options.onError(error, `http ${request.method} ${request.url.split('?')[0]}`)
      return reply.code(500).send({ status: 500, error: 'internal', message: 'the node failed to handle this request' })
    }
    gateway.stats.reject(where(request.url), appError.code)
    return reply.code(appError.status).send(appError.toJSON())
  })

  // A WebSocket upgrade refused with an HTTP answer (401, 404) leaves a socket the HTTP server
  // no longer tracks and nobody would ever close: close it once the answer is out.
  app.addHook('onResponse', async (request, reply) => {
    if (request.headers.upgrade !== undefined && reply.statusCode >= 400) request.raw.socket.destroy()
  })

  app.setNotFoundHandler((request, reply) => {
    const routes = options.extraRoutes === undefined ? ROUTES : `${ROUTES}, ${options.extraRoutes.summary}`
    const e = new AppError(404, 'not-found', `no route ${request.method} ${request.url.split('?')[0]}; routes: ${routes}`)
    gateway.stats.reject('http', e.code)
    return reply.code(404).send(e.toJSON())
  })

  await app.register(websocket, { options: { maxPayload: Math.ceil(gateway.limits.maxMessageBytes * 4 / 3) + WS_FRAME_OVERHEAD_BYTES } })
  app.get('/ws', { websocket: true }, (socket) => {
    new WebSocketSession(gateway, socket, { maxQueuedBytes: options.maxQueuedBytes, onError: (e) => options.onError(e, 'ws') })
  })
  registerHttpRoutes(app, gateway, { maxQueuedBytes: options.maxQueuedBytes, keepAliveMs: options.keepAliveMs, info: options.info, closing: closing.signal })
  options.extraRoutes?.register(app)

  const url = await app.listen({ host: options.host, port: options.port })
  // Upgraded sockets are not the HTTP server's any more; a client that never answers the
  // WebSocket close would hold the node's stop for the ws library's 30 s close timeout.
  const sockets = new Set<Socket>()
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  return {
    url,
    webSocketUrl: `${url.replace(/^http/, 'ws')}/ws`,
    async close() {
      closing.abort()
      const cut = setTimeout(() => {
        for (const s of sockets) s.destroy()
      }, CLOSE_GRACE_MS)
      await app.close()
      clearTimeout(cut)
    },
  }
}

/** A client error fastify found itself (body too large, bad URL, ...), or undefined for a fault of ours. */
function fromFastify(error: FastifyError, maxBodyBytes: number): AppError | undefined {
  const status = error.statusCode ?? 500
  if (status >= 500) return undefined
  if (status === 413) return new AppError(413, 'too-large', `body is larger than ${maxBodyBytes} bytes (app.maxMessageBytes)`)
  return new AppError(status, 'bad-request', error.message)
}

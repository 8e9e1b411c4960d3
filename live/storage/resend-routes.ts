// The storage node's HTTP resends, on the node's app HTTP interface (live/app/http-interface.ts:
// the same port, API key and error bodies):
//
//   GET /streams/:streamId/resend/last?partition=N&count=C
//   GET /streams/:streamId/resend/from?partition=N&fromTimestamp=T
//   GET /streams/:streamId/resend/range?partition=N&fromTimestamp=T1[&fromSequenceNumber=S1]&toTimestamp=T2[&toSequenceNumber=S2]
//       each with [&publisherId=0x...] [&msgChainId=M] [&encoding=base64]
//   GET /storage                                   what the node stores, its counters and retention
//
// The answer is what a resend over the network gets, from the same store by the same rules (the
// oldest first; at most maxMessagesPerResponse, status "truncated" past it):
//   {"streamId":"demo","partition":0,"status":"ok","count":2,"messages":[<app message>, ...]}
// with each message in the app interfaces' JSON form (live/app/app-message.ts, without a cursor).
// A storage node holds no group keys: an encrypted message comes as stored, ciphertext in base64
// ("encrypted": true); a subscriber decrypts what it resends over the network.
// A bad parameter is a 400 naming it; a stream part this node does not store is a 404.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ENCRYPTION_NONE } from '../../core/message.ts'
import { isAddress } from '../../core/message-layer/identity.ts'
import { RESEND_NOT_STORED, RESEND_TRUNCATED, type ResendFilter, type ResendQuery } from '../../core/storage/storage-messages.ts'
import { AppError, badRequest } from '../app/app-error.ts'
import { parseEncoding, renderAppMessage } from '../app/app-message.ts'
import { streamPart } from '../app/stream-part.ts'
import type { LiveStorageNode } from './live-storage-node.ts'

export const RESEND_ROUTES = 'GET /streams/:streamId/resend/last|from|range, GET /storage'
/** The message layer's bound on a chain id (core/message-layer/codec.ts). */
const MAX_CHAIN_ID_CHARS = 64

type Query = Record<string, string | undefined>
type ResendRequest = FastifyRequest<{ Params: { streamId: string }; Querystring: Query }>

/** A non-negative safe integer parameter; `fallback` when absent (undefined: required). */
function integer(query: Query, name: string, fallback?: number): number {
  const v = query[name]
  if (v === undefined) {
    if (fallback === undefined) throw badRequest('bad-request', `${name} is required`)
    return fallback
  }
  const n = /^\d{1,16}$/.test(v) ? Number(v) : NaN
  if (!Number.isSafeInteger(n)) throw badRequest('bad-request', `${name} must be an integer 0..${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(v)}`)
  return n
}

function filterOf(query: Query): ResendFilter {
  const { publisherId, msgChainId } = query
  if (publisherId !== undefined && !isAddress(publisherId)) throw badRequest('bad-request', `publisherId must be a lowercase 0x address, got ${JSON.stringify(publisherId)}`)
  if (msgChainId !== undefined && (msgChainId.length === 0 || msgChainId.length > MAX_CHAIN_ID_CHARS)) {
    throw badRequest('bad-request', `msgChainId must be 1..${MAX_CHAIN_ID_CHARS} characters`)
  }
  return { ...(publisherId !== undefined ? { publisherId } : {}), ...(msgChainId !== undefined ? { msgChainId } : {}) }
}

function queryOf(kind: string, query: Query): ResendQuery {
  if (kind === 'last') return { type: 'last', count: integer(query, 'count') }
  if (kind === 'from') return { type: 'from', fromTimestamp: integer(query, 'fromTimestamp') }
  const from = { timestamp: integer(query, 'fromTimestamp'), sequenceNumber: integer(query, 'fromSequenceNumber', 0) }
  const to = { timestamp: integer(query, 'toTimestamp'), sequenceNumber: integer(query, 'toSequenceNumber', Number.MAX_SAFE_INTEGER) }
  if (to.timestamp < from.timestamp || (to.timestamp === from.timestamp && to.sequenceNumber < from.sequenceNumber)) {
    throw badRequest('bad-request', 'toTimestamp (and toSequenceNumber) must not be before fromTimestamp (and fromSequenceNumber)')
  }
  return { type: 'range', from, to }
}

export function registerResendRoutes(app: FastifyInstance, storage: LiveStorageNode): void {
  for (const kind of ['last', 'from', 'range']) {
    app.get(`/streams/:streamId/resend/${kind}`, async (request: ResendRequest, reply) => {
      const part = streamPart(request.params.streamId, request.query.partition)
      const encoding = parseEncoding(request.query.encoding)
      if (encoding === undefined) throw badRequest('bad-request', `encoding must be "auto" or "base64", got ${JSON.stringify(request.query.encoding)}`)
      const query = queryOf(kind, request.query)
      const filter = filterOf(request.query)
      if (!storage.storage.isAssigned(part.streamPartId)) {
        throw new AppError(404, RESEND_NOT_STORED, `this node does not store ${part.streamPartId}; it stores ${storage.storage.assignedParts().sort().join(', ')}`)
      }
      const { messages, truncated } = storage.store.query(part.streamPartId, query, filter)
      const head = JSON.stringify({ streamId: part.streamId, partition: part.partition, status: truncated ? RESEND_TRUNCATED : 'ok', count: messages.length })
      return reply.type('application/json; charset=utf-8')
        .send(`${head.slice(0, -1)},"messages":[${messages.map((m) => renderAppMessage(m, m.content, undefined, m.encryptionType === ENCRYPTION_NONE ? encoding : 'base64')).join(',')}]}`)
    })
  }
  app.get('/storage', async () => storage.info())
}

// Stream ids and partitions as apps name them, checked against the bounds the message layer
// enforces on the wire, so a request the network could never carry is refused here with a 400
// instead of being dropped by the codec later.

import { MAX_PARTITION } from '../../core/message-layer/stream-message.ts'
import { badRequest } from './app-error.ts'

export const MAX_STREAM_ID_BYTES = 255

export interface StreamPart {
  readonly streamId: string
  readonly partition: number
  readonly streamPartId: string
}

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export function checkStreamId(streamId: unknown): string {
  if (typeof streamId !== 'string' || streamId.length === 0) throw badRequest('bad-stream-id', 'stream id is missing')
  const bytes = Buffer.byteLength(streamId, 'utf8')
  if (bytes > MAX_STREAM_ID_BYTES) throw badRequest('bad-stream-id', `stream id is ${bytes} UTF-8 bytes, at most ${MAX_STREAM_ID_BYTES} allowed`)
  if (CONTROL_CHARS.test(streamId)) throw badRequest('bad-stream-id', 'stream id contains control characters')
  if (LONE_SURROGATE.test(streamId)) throw badRequest('bad-stream-id', 'stream id is not valid Unicode (a lone surrogate)')
  return streamId
}

/** A partition from a query string ("3") or JSON (3); absent means 0. */
export function parsePartition(value: unknown): number {
  if (value === undefined) return 0
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : NaN
  if (!Number.isInteger(n) || n < 0 || n > MAX_PARTITION) {
    throw badRequest('bad-partition', `partition must be an integer 0..${MAX_PARTITION}, got ${JSON.stringify(value)}`)
  }
  return n
}

export function streamPart(streamId: unknown, partition: unknown): StreamPart {
  const id = checkStreamId(streamId)
  const p = parsePartition(partition)
  return { streamId: id, partition: p, streamPartId: `${id}#${p}` }
}

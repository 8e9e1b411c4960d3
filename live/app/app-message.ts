// The JSON form in which apps receive a message, on every interface:
//
//   {"streamId":"demo","partition":0,"cursor":7,"publisherId":"0x1055...","msgChainId":"...",
//    "timestamp":1732500000000,"sequenceNumber":0,"contentType":"binary","encrypted":false,
//    "encoding":"json","content":{"temperature":21}}
//
// `content` is the message's bytes as they are when they are UTF-8 JSON (encoding "json": the
// publisher's text is spliced in unchanged, not re-serialised), and a base64 string otherwise
// (encoding "base64"). A subscriber that wants the exact bytes whatever they hold asks for
// base64. The content-type flag of the message is reported but not relied on: LiveNode.publish
// marks every message binary, so the bytes themselves decide. `encrypted` says whether the
// message travelled encrypted; apps always get the plaintext (the node's subscriber decrypted it,
// and a message it could not decrypt never reaches them).

import type { StreamMessage } from '../../core/message.ts'
import { CONTENT_TYPE_JSON, ENCRYPTION_NONE } from '../../core/message.ts'

/** What a subscriber asks for: JSON where the bytes are JSON (auto), or always base64. */
export type ContentEncoding = 'auto' | 'base64'

export function parseEncoding(value: unknown): ContentEncoding | undefined {
  return value === undefined || value === 'auto' ? 'auto' : value === 'base64' ? 'base64' : undefined
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Ours: JSON an app sends may nest arrays and objects this deep. JSON.parse takes any depth, but
 * JSON.stringify and most consumers recurse, and 10^5 levels overflow their stack (a 500 with a
 * stack trace, before this bound).
 */
export const MAX_JSON_DEPTH = 64

/** Whether `text` nests arrays and objects deeper than MAX_JSON_DEPTH (counted without parsing or recursing). */
export function jsonTooDeep(text: string): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

/** The content's text when it is UTF-8 JSON no deeper than MAX_JSON_DEPTH, else undefined. */
export function jsonText(content: Uint8Array): string | undefined {
  if (content.byteLength === 0) return undefined
  let text: string
  try {
    text = utf8.decode(content)
    if (jsonTooDeep(text)) return undefined
    JSON.parse(text)
  } catch {
    return undefined
  }
  return text
}

/** `content`: the message's plaintext; `cursor` undefined: a message not delivered through a subscription (a resend from storage). */
export function renderAppMessage(message: StreamMessage, content: Uint8Array, cursor: number | undefined, encoding: ContentEncoding): string {
  const id = message.messageId
  const encrypted = message.encryptionType !== ENCRYPTION_NONE
  const text = encoding === 'auto' ? jsonText(content) : undefined
  const head = JSON.stringify({
    streamId: id.streamId, partition: id.streamPartition, cursor, publisherId: id.publisherId, msgChainId: id.msgChainId,
    timestamp: id.timestamp, sequenceNumber: id.sequenceNumber, contentType: message.contentType === CONTENT_TYPE_JSON ? 'json' : 'binary',
    encrypted, encoding: text === undefined ? 'base64' : 'json',
  })
  const rendered = text ?? JSON.stringify(Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('base64'))
  return `${head.slice(0, -1)},"content":${rendered}}`
}

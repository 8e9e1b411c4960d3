// The one shared secret that guards every app interface. Compared in constant time over
// digests, so neither the key's content nor its length leaks through response timing.

import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

const digest = (value: string | Uint8Array) => createHash('sha256').update(value).digest()

export class ApiKey {
  private readonly expected: Buffer

  constructor(key: string) {
    this.expected = digest(key)
  }

  matches(candidate: string | Uint8Array | undefined | null): boolean {
    if (candidate === undefined || candidate === null) return false
    return timingSafeEqual(digest(candidate), this.expected)
  }

  /** `Authorization: Bearer KEY`, else `?apiKey=KEY` (EventSource and WebSocket in browsers cannot set headers). */
  static fromHttp(headers: IncomingHttpHeaders, query: unknown): string | undefined {
    const auth = headers.authorization
    if (typeof auth === 'string') {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
      return m === null ? undefined : m[1]
    }
    const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>
    return typeof q.apiKey === 'string' ? q.apiKey : undefined
  }
}

// A JSON-RPC client over HTTP (fetch), for nodes and the CLI: each call bounded by a timeout,
// a JSON-RPC error returned as an RpcCallError with its code and message.

/** How long a call may take before it counts as failed. */
export const DEFAULT_RPC_TIMEOUT_MS = 5_000
/** The largest answer read: a receipt with a few logs is a few KiB. */
const MAX_RESPONSE_BYTES = 1024 * 1024

export class RpcCallError extends Error {
  constructor(readonly code: number | undefined, message: string, readonly data?: string) {
    super(message)
    this.name = 'RpcCallError'
  }
}

export class JsonRpcClient {
  private nextId = 1

  constructor(readonly url: string, private readonly timeoutMs = DEFAULT_RPC_TIMEOUT_MS) {}

  async request(method: string, params: unknown[]): Promise<unknown> {
    let response: Response
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (error) {
      const e = error as Error
      throw new RpcCallError(undefined, e.name === 'TimeoutError' ? `${this.url}: no answer within ${this.timeoutMs} ms` : `${this.url}: ${e.message}${causeOf(e)}`)
    }
    const text = await response.text()
    if (text.length > MAX_RESPONSE_BYTES) throw new RpcCallError(undefined, `${this.url}: answer over ${MAX_RESPONSE_BYTES} bytes`)
    let body: { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } }
    try {
      body = JSON.parse(text) as typeof body
    } catch {
      throw new RpcCallError(undefined, `${this.url}: HTTP ${response.status}, not a JSON-RPC answer`)
    }
    if (typeof body !== 'object' || body === null) throw new RpcCallError(undefined, `${this.url}: not a JSON-RPC answer`)
    if (body.error !== undefined) {
      const e = body.error
      throw new RpcCallError(typeof e.code === 'number' ? e.code : undefined, String(e.message), typeof e.data === 'string' ? e.data : undefined)
    }
    if (!('result' in body)) throw new RpcCallError(undefined, `${this.url}: an answer with neither result nor error`)
    return body.result
  }
}

function causeOf(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return cause === undefined ? '' : ` (${cause.code ?? cause.message ?? ''})`
}

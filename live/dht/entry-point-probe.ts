// An entry point given only as a ws:// URL: core needs its node id (its descriptor), so ask the
// node there. The probe opens a WebSocket, says hello under a throwaway id and reads the node
// id from the welcome, then closes. The id is a claim: the link the node then makes to it is
// proved (link-proof.ts) like any other, so a wrong answer only costs a failed join.
// Platform-neutral: the caller opens the socket (Node's `ws`, or the browser's WebSocket; both
// have this event API).

import { LINK_HELLO, LINK_WELCOME, decodeLinkFrame, encodeLinkFrame } from '../link-frames.ts'
import { randomHex } from '../random-hex.ts'

/** How long the probe waits for the welcome: the reference's WebSocket client connect timeout (RpcRemote.ts WEBSOCKET_CLIENT_TIMEOUT 5 s, dht 103.3.1). */
export const PROBE_TIMEOUT_MS = 5_000

/** What the probe uses of a WebSocket, in the DOM's shape (which `ws` offers too). */
export interface ProbeSocket {
  binaryType: string
  send(data: Uint8Array): void
  close(): void
  addEventListener(type: 'open' | 'message' | 'error' | 'close', listener: (event: { data?: unknown }) => void): void
}

/** The node id of whoever listens at `url`; rejects on timeout, refusal or a bad answer. */
export function probeEntryPoint(url: string, open: (url: string) => ProbeSocket, timeoutMs = PROBE_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    let ws: ProbeSocket | undefined
    let done = false
    const finish = (result: Error | string) => {
      if (done) return
      done = true
      clearTimeout(timer)
      try {
        ws?.close()
      } catch {
        // Closing a socket that never opened may throw; it is gone either way.
      }
      if (typeof result === 'string') resolve(result)
      else reject(result)
    }
    const timer = setTimeout(() => finish(new Error(`no answer from ${url} within ${timeoutMs} ms`)), timeoutMs)
    try {
      ws = open(url)
    } catch (error) {
      finish(new Error(`cannot reach ${url}: ${(error as Error).message}`))
      return
    }
    ws.binaryType = 'arraybuffer'
    ws.addEventListener('open', () => ws!.send(encodeLinkFrame({ type: LINK_HELLO, nodeId: `probe-${randomHex(8)}`, incarnation: randomHex(8) })))
    ws.addEventListener('message', (event) => {
      const bytes = event.data instanceof ArrayBuffer ? new Uint8Array(event.data) : undefined
      const frame = bytes === undefined ? undefined : decodeLinkFrame(bytes)
      if (frame?.ok === true && frame.value.type === LINK_WELCOME) finish(frame.value.nodeId)
      else finish(new Error(`${url} did not answer as a node`))
    })
    ws.addEventListener('error', () => finish(new Error(`cannot reach ${url}`)))
    ws.addEventListener('close', () => finish(new Error(`${url} closed the connection`)))
  })
}

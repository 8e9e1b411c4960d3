// An entry point given only as a ws:// URL: core needs its node id (its descriptor), so ask the
// node there. The probe opens a WebSocket, says hello under a throwaway id and reads the node
// id from the welcome, then closes. The id is a claim: the link the node then makes to it is
// authenticated (link-auth.ts) like any other, so a wrong answer only costs a failed join.

import WebSocket from 'ws'
import { LINK_HELLO, LINK_WELCOME, decodeLinkFrame, encodeLinkFrame } from '../link-frames.ts'
import { randomHex } from '../random-hex.ts'

/** How long the probe waits for the welcome: the reference's WebSocket client connect timeout (RpcRemote.ts WEBSOCKET_CLIENT_TIMEOUT 5 s, dht 103.3.1). */
export const PROBE_TIMEOUT_MS = 5_000

/** The node id of whoever listens at `url`; rejects on timeout, refusal or a bad answer. */
export function probeEntryPoint(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 4096, handshakeTimeout: timeoutMs })
    const timer = setTimeout(() => finish(new Error(`no answer from ${url} within ${timeoutMs} ms`)), timeoutMs)
    let done = false
    const finish = (result: Error | string) => {
      if (done) return
      done = true
      clearTimeout(timer)
      ws.terminate()
      if (typeof result === 'string') resolve(result)
      else reject(result)
    }
    ws.on('open', () => ws.send(encodeLinkFrame({ type: LINK_HELLO, nodeId: `probe-${randomHex(8)}`, incarnation: randomHex(8) })))
    ws.on('message', (data, isBinary) => {
      const bytes = isBinary && Buffer.isBuffer(data) ? new Uint8Array(data) : undefined
      const frame = bytes === undefined ? undefined : decodeLinkFrame(bytes)
      if (frame?.ok === true && frame.value.type === LINK_WELCOME) finish(frame.value.nodeId)
      else finish(new Error(`${url} did not answer as a node`))
    })
    ws.on('error', (error) => finish(new Error(`cannot reach ${url}: ${error.message}`)))
    ws.on('close', () => finish(new Error(`${url} closed the connection`)))
  })
}

// core's Transport over the browser's WebSocket, for a browser node's links to its trackers. A
// page cannot listen, so this only dials; the link protocol, hello with our id and incarnation
// and the acceptor's welcome naming the node we meant to reach, is websocket-transport-base.ts's,
// shared with the Node transport, so the tracker cannot tell a page from a Node node. This file is
// the page's side of it: opening, hearing from, writing to and cutting the page's WebSocket.
//
// The browser's WebSocket gives no hook to refuse a large frame before it is buffered: one over
// maxFrameBytes is refused by the codec, as garbage, after the fact. Text frames are garbage too.

import type { NodeId } from '../../core/ports.ts'
import { DEFAULT_WEBSOCKET_LINK_OPTIONS, type SocketEvents, WebSocketTransportBase, type WebSocketLinkOptions } from '../websocket-transport-base.ts'
import { onArrayBuffer } from './frame-bytes.ts'

export type BrowserWebSocketTransportOptions = WebSocketLinkOptions

export const DEFAULT_BROWSER_WEBSOCKET_OPTIONS: Readonly<BrowserWebSocketTransportOptions> = DEFAULT_WEBSOCKET_LINK_OPTIONS

export class BrowserWebSocketTransport extends WebSocketTransportBase<WebSocket> {
  constructor(localId: NodeId, options: Partial<BrowserWebSocketTransportOptions> = {}) {
    super(localId, { ...DEFAULT_BROWSER_WEBSOCKET_OPTIONS, ...options })
  }

  /** A page cannot listen. */
  protected canBeDialed(): boolean {
    return false
  }

  protected openSocket(url: string): WebSocket {
    const ws = new WebSocket(url)
    ws.binaryType = 'arraybuffer'
    return ws
  }

  protected forwardEvents(ws: WebSocket, events: SocketEvents): void {
    ws.onopen = () => events.opened()
    ws.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer) events.binaryFrame(new Uint8Array(event.data))
      else events.textFrame()
    }
    // The browser says nothing about why; the close event that follows carries the code.
    ws.onerror = () => events.error('socket error')
    ws.onclose = (event) => events.closed(event.code, event.reason)
  }

  protected write(ws: WebSocket, frame: Uint8Array): void {
    ws.send(onArrayBuffer(frame))
  }

  /** A page has no way to drop a socket at once: closing with no code (all a connecting one allows) is the nearest. */
  protected cut(ws: WebSocket): void {
    ws.close()
  }
}

// The browser bundle's entry (viz/browser-bundle.ts builds it): what a page needs to run a node.

export { BrowserNode, type BrowserNodeOptions } from './browser-node.ts'
export { BrowserDhtNode, type BrowserDhtNodeOptions } from './browser-dht-node.ts'
export { SilentObserver, type NodeObserver } from '../../core/observer.ts'
export { realClock } from '../real-time.ts'
export { formatMessageId } from '../../core/message.ts'
export { BrowserWebRtcTransport, type BrowserWebRtcTransportOptions } from './browser-webrtc-transport.ts'
export { BrowserWebSocketTransport, type BrowserWebSocketTransportOptions } from './browser-websocket-transport.ts'

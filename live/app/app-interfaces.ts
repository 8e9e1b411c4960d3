// Starts a live node's app interfaces as its config's `app:` section asks: the subscriptions
// hub that listens to the node's deliveries and publications, the gateway they all go through, and the HTTP/WebSocket
// server and the MQTT broker. The node process and the tests attach them the same way.
// Apps get what the node's message layer (live-message-roles.ts) hands on: validated (the
// publisher's signature and permission: by the node at every relay, its default, or by its
// subscriber, as the reference validates, when it does not), decrypted and in chain order. A
// forged message, and one the node could not get the key for, is counted and kept back.

import type { AppConfig } from './app-config.ts'
import { AppStats } from './app-stats.ts'
import { type ExtraRoutes, type HttpInterface, startHttpInterface } from './http-interface.ts'
import { type MqttBridge, startMqttBridge } from './mqtt-bridge.ts'
import { type AppNode, NodeGateway } from './node-gateway.ts'
import { Subscriptions } from './subscriptions.ts'

/** Unread bytes an SSE or WebSocket subscriber may leave before it is closed. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024
const SSE_KEEP_ALIVE_MS = 15_000

export interface AppInterfaces {
  readonly gateway: NodeGateway
  readonly stats: AppStats
  /** http://host:port, when httpPort is set. */
  readonly httpUrl: string | undefined
  /** ws://host:port/ws, when httpPort is set. */
  readonly webSocketUrl: string | undefined
  /** mqtt://host:port, when mqttPort is set. */
  readonly mqttUrl: string | undefined
  stop(): Promise<void>
}

/** What a role of the node (a storage node) adds to the app interfaces: HTTP routes, and fields of GET /info. */
export interface AppExtensions {
  routes?: ExtraRoutes
  info?: () => object
}

export async function startAppInterfaces(
  node: AppNode, config: AppConfig, onError: (error: unknown, where: string) => void, extensions: AppExtensions = {},
): Promise<AppInterfaces> {
  const messages = node.messages
  const subscriber = messages.subscriber
  if (subscriber === undefined) throw new Error('the app interfaces need the node\'s subscriber (messageLayer.subscribe)')
  const stats = new AppStats(() => messages.validator.stats.rejected, () => subscriber.stats.undecryptable + subscriber.stats.decryptFailures)
  const subscriptions = new Subscriptions({ maxMessages: config.bufferMessages, maxBytes: config.bufferBytes }, (error) => {
    stats.errors++
    onError(error, 'app subscriber')
  })
  const stopListening = messages.onContent((message, content) => subscriptions.add(message, content))
  const gateway = new NodeGateway(node, subscriptions, stats, {
    maxMessageBytes: config.maxMessageBytes, maxStreamParts: config.maxStreamParts, streamPartIdleMs: config.streamPartIdleMs,
  })

  let http: HttpInterface | undefined
  let mqtt: MqttBridge | undefined
  const info = () => ({ interfaces: { http: http?.url ?? null, webSocket: http?.webSocketUrl ?? null, mqtt: mqtt?.url ?? null }, ...extensions.info?.() })
  try {
    if (config.httpPort !== undefined) {
      http = await startHttpInterface(gateway, {
        host: config.host, port: config.httpPort, apiKey: config.apiKey, maxQueuedBytes: MAX_QUEUED_BYTES, keepAliveMs: SSE_KEEP_ALIVE_MS, info, onError,
        ...(extensions.routes !== undefined ? { extraRoutes: extensions.routes } : {}),
      })
    }
    if (config.mqttPort !== undefined) mqtt = await startMqttBridge(gateway, { host: config.host, port: config.mqttPort, apiKey: config.apiKey, onError })
  } catch (error) {
    stopListening()
    await http?.close()
    throw error
  }
  return {
    gateway, stats, httpUrl: http?.url, webSocketUrl: http?.webSocketUrl, mqttUrl: mqtt?.url,
    async stop() {
      stopListening()
      await Promise.all([http?.close(), mqtt?.close()])
    },
  }
}

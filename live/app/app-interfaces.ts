// Starts a live node's app interfaces as its config's `app:` section asks: the subscriptions
// hub that listens to the node's deliveries and publications, the gateway they all go through, and the HTTP/WebSocket
// server and the MQTT broker. The node process and the tests attach them the same way.
// What the network delivers is validated (the publisher's signature) before any app sees it: by
// the node at every relay (its default), or here, as the reference validates at the subscriber,
// when the node does not; either way a forged message is counted and kept back.

import { VERDICT_VALID } from '../../core/message-validator.ts'
import { StreamMessageValidator } from '../../core/security/stream-message-validator.ts'
import type { AppConfig } from './app-config.ts'
import { AppStats } from './app-stats.ts'
import { type HttpInterface, startHttpInterface } from './http-interface.ts'
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

export async function startAppInterfaces(
  node: AppNode, config: AppConfig, onError: (error: unknown, where: string) => void,
): Promise<AppInterfaces> {
  const relayValidator = node.validator
  const stats = new AppStats(relayValidator === undefined ? undefined : () => relayValidator.stats.rejected)
  const subscriptions = new Subscriptions({ maxMessages: config.bufferMessages, maxBytes: config.bufferBytes }, (error) => {
    stats.errors++
    onError(error, 'app subscriber')
  })
  const validator = relayValidator === undefined ? new StreamMessageValidator(node.security) : undefined
  node.node.listen({
    published: (message) => subscriptions.published(message),
    // What a validating node delivers has passed its relay validation.
    delivered: validator === undefined ? (message) => subscriptions.delivered(message) : (message) => validator.validate(message, (verdict) => {
      if (verdict === VERDICT_VALID) subscriptions.delivered(message)
      else stats.invalidMessage(verdict)
    }),
  })
  const gateway = new NodeGateway(node, subscriptions, stats, {
    maxMessageBytes: config.maxMessageBytes, maxStreamParts: config.maxStreamParts, streamPartIdleMs: config.streamPartIdleMs,
  })

  let http: HttpInterface | undefined
  let mqtt: MqttBridge | undefined
  const info = () => ({ interfaces: { http: http?.url ?? null, webSocket: http?.webSocketUrl ?? null, mqtt: mqtt?.url ?? null } })
  try {
    if (config.httpPort !== undefined) {
      http = await startHttpInterface(gateway, {
        host: config.host, port: config.httpPort, apiKey: config.apiKey, maxQueuedBytes: MAX_QUEUED_BYTES, keepAliveMs: SSE_KEEP_ALIVE_MS, info, onError,
      })
    }
    if (config.mqttPort !== undefined) mqtt = await startMqttBridge(gateway, { host: config.host, port: config.mqttPort, apiKey: config.apiKey, onError })
  } catch (error) {
    await http?.close()
    throw error
  }
  return {
    gateway, stats, httpUrl: http?.url, webSocketUrl: http?.webSocketUrl, mqttUrl: mqtt?.url,
    async stop() {
      await Promise.all([http?.close(), mqtt?.close()])
    },
  }
}

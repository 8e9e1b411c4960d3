// An embedded MQTT broker (aedes, MQTT 3.1/3.1.1 over TCP) in front of the node.
//
// Topic = stream id, partition 0: a client that publishes to topic "demo" makes the node publish
// the payload to demo#0, and a client subscribed to "demo" gets, as the JSON of app-message.ts,
// every message of demo#0 the node receives or publishes. Other partitions are reachable over
// HTTP and WebSocket only (MQTT reserves "#" and "/" is part of stream ids, so a topic cannot
// name one unambiguously). Wildcard and "$" subscriptions are refused (SUBACK 128): the node
// cannot join "every stream". Delivery to subscribers is QoS 0.
//
// The password is the API key (any user name); a wrong one gets CONNACK 4. A publish the node
// refuses (too large, bad topic, too many stream parts) disconnects the client, since MQTT 3.1.1
// has no way to refuse one publish. A part a client subscribed to is never left while some client
// is subscribed to it (NodeGateway.hold); after the last unsubscribes or disconnects it may be. The broker never routes a client's packet itself: only what
// the node delivers reaches subscribers, so a message is seen once, in the node's JSON form.

import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes'
import type { EventEmitter } from 'node:events'
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net'
import { ApiKey } from './api-key.ts'
import { AppError } from './app-error.ts'
import { guardedStream } from './mqtt-size-guard.ts'
import type { NodeGateway } from './node-gateway.ts'

export interface MqttBridgeOptions {
  host: string
  /** 0: any free port. */
  port: number
  apiKey: string
  onError: (error: unknown, where: string) => void
}

export interface MqttBridge {
  /** mqtt://host:port */
  readonly url: string
  close(): Promise<void>
}

const MQTT_PARTITION = 0
/** Room around the content for the topic, ids and header, and for a CONNECT with credentials and a will. */
const PACKET_OVERHEAD_BYTES = 64 * 1024
/** CONNACK return code of MQTT 3.1.1: bad user name or password. */
const BAD_USERNAME_OR_PASSWORD = 4

/** A topic the node may treat as a stream id, or an AppError. */
function topicError(topic: string): AppError | undefined {
  if (topic.startsWith('$')) return new AppError(400, 'bad-stream-id', `topic ${JSON.stringify(topic)} starts with "$", reserved by MQTT`)
  if (/[+#]/.test(topic)) return new AppError(400, 'bad-stream-id', `topic ${JSON.stringify(topic)} has a wildcard; subscribe to one stream id`)
  return undefined
}

export async function startMqttBridge(gateway: NodeGateway, options: MqttBridgeOptions): Promise<MqttBridge> {
  const apiKey = new ApiKey(options.apiKey)
  const stats = gateway.stats
  /** Payloads this bridge handed to the broker: the only packets it forwards to subscribers. */
  const ours = new WeakSet<Buffer>()
  /** Per client, the topics it subscribed to and the release of the node's hold on each part. */
  const holds = new Map<Client, Map<string, () => void>>()

  const broker = await Aedes.createBroker({
    authenticate(_client: Client, _username: string | undefined, password: Buffer | undefined, done) {
      if (apiKey.matches(password)) return done(null, true)
      stats.reject('mqtt', 'unauthorized')
      const error = new Error('wrong or missing API key (send it as the MQTT password)') as AuthenticateError
      error.returnCode = BAD_USERNAME_OR_PASSWORD as AuthenticateError['returnCode']
      done(error, false)
    },
    authorizePublish(client: Client | null, packet: PublishPacket, done) {
      try {
        const error = topicError(packet.topic)
        if (error !== undefined) throw error
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
        gateway.publish('mqtt', packet.topic, MQTT_PARTITION, payload)
        // Not kept by the broker either: the node's own buffer is what late subscribers read.
        packet.retain = false
        done(null)
      } catch (error) {
        if (!(error instanceof AppError)) {
          stats.errors++
          options.onError(error, `mqtt publish from ${client?.id ?? 'broker'}`)
        } else stats.reject('mqtt', error.code)
        done(error as Error)
      }
    },
    authorizeSubscribe(client: Client, subscription: Subscription, done) {
      try {
        const error = topicError(subscription.topic)
        if (error !== undefined) throw error
        const part = gateway.open(subscription.topic, MQTT_PARTITION)
        let topics = holds.get(client)
        if (topics === undefined) holds.set(client, (topics = new Map()))
        if (!topics.has(subscription.topic)) topics.set(subscription.topic, gateway.hold(part))
        done(null, { ...subscription, qos: 0 })
      } catch (error) {
        if (error instanceof AppError) stats.reject('mqtt', error.code)
        else {
          stats.errors++
          options.onError(error, 'mqtt subscribe')
        }
        done(null, null)
      }
    },
    authorizeForward(_client: Client, packet: AedesPublishPacket) {
      return ours.has(packet.payload as Buffer) ? packet : null
    },
  })

  // An 'error' event nobody listens to would throw and take the node down with the broker.
  const brokerEvents: EventEmitter = broker
  brokerEvents.on('error', (error: unknown) => options.onError(error, 'mqtt broker'))
  // A part stays held while some client is subscribed to it; QoS 0 keeps nothing for an absent
  // client, so one that disconnects holds nothing, whatever its session.
  brokerEvents.on('unsubscribe', (topics: string[], client: Client | null) => {
    const mine = client === null ? undefined : holds.get(client)
    for (const topic of topics) {
      mine?.get(topic)?.()
      mine?.delete(topic)
    }
  })
  brokerEvents.on('clientDisconnect', (client: Client) => {
    for (const release of holds.get(client)?.values() ?? []) release()
    holds.delete(client)
  })

  const stopListening = gateway.subscriptions.listenAll((m) => {
    const id = m.message.messageId
    if (id.streamPartition !== MQTT_PARTITION || broker.connectedClients === 0 || topicError(id.streamId) !== undefined) return
    const payload = Buffer.from(m.render('auto'))
    ours.add(payload)
    broker.publish({ cmd: 'publish', topic: id.streamId, payload, qos: 0, retain: false, dup: false }, (error) => {
      if (error !== undefined && error !== null) options.onError(error, 'mqtt forward')
    })
  })

  const maxPacketBytes = gateway.limits.maxMessageBytes + PACKET_OVERHEAD_BYTES
  // Connections that never sent CONNECT are not the broker's clients, so broker.close() leaves
  // them open (until aedes' 30 s connect timeout) and the server would wait for them.
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    broker.handle(guardedStream(socket, maxPacketBytes, () => stats.reject('mqtt', 'too-large')))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `mqtt://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    async close() {
      stopListening()
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
}

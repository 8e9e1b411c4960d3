// A live Block RTC node as a process:
//   npm run node -- --config FILE [--id ID] [--seed S] [--duration-s N]
// It reaches the trackers in FILE over WebSockets, joins the stream parts listed, links to the
// neighbours the trackers give it over WebRTC, and publishes if publishIntervalMs is set. With an
// `app:` section it also serves apps over HTTP, WebSocket and MQTT (live/app/). node-config.ts
// describes FILE. Ctrl-C leaves gracefully. Exit codes: 0 fine, 2 bad config or
// flags, 3 the node failed to run.

import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { StreamMessage } from '../core/message.ts'
import { SilentObserver } from '../core/observer.ts'
import type { Connection } from '../core/ports.ts'
import { type AppInterfaces, startAppInterfaces } from '../live/app/app-interfaces.ts'
import { LiveNode } from '../live/live-node.ts'
import { type NodeProcessConfig, parseNodeConfig } from '../live/node-config.ts'
import { realClock } from '../live/real-time.ts'
import { shutdownWebRtc } from '../live/webrtc-transport.ts'
import { InputError, RunFailure, UsageError, runCommand } from './options.ts'

const USAGE = 'usage: npm run node -- --config FILE [--id ID] [--seed S] [--duration-s N]'

/** Counts for the stats line; latency is receipt time minus the publisher's timestamp (same host or NTP). */
class ProcessObserver extends SilentObserver {
  published_ = 0
  delivered_ = 0
  duplicates = 0
  malformeds = 0
  latenciesMs: number[] = []
  constructor(private readonly verbose: () => boolean, private readonly id: () => string) {
    super()
  }
  override published(): void {
    this.published_++
  }
  override delivered(message: StreamMessage, from: Connection): void {
    this.delivered_++
    const latencyMs = realClock.now() - message.messageId.timestamp
    this.latenciesMs.push(latencyMs)
    if (this.verbose()) {
      const id = message.messageId
      console.log(`${this.id()} got ${message.streamPartId} ${id.publisherId}/${id.timestamp}/${id.sequenceNumber} from ${from.remoteId} `
        + `(${message.content.byteLength} B, ${latencyMs.toFixed(1)} ms)`)
    }
  }
  override duplicate(): void {
    this.duplicates++
  }
  override malformed(): void {
    this.malformeds++
  }
  override neighbourAdded(streamPartId: string, peer: string): void {
    if (this.verbose()) console.log(`${this.id()} + neighbour ${peer} in ${streamPartId}`)
  }
  override neighbourRemoved(streamPartId: string, peer: string, reason: string): void {
    if (this.verbose()) console.log(`${this.id()} - neighbour ${peer} in ${streamPartId} (${reason})`)
  }
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

/** The config file with the flags applied; undefined when --help was asked. */
function loadConfig(): NodeProcessConfig | undefined {
  const args = parseArgs({
    options: {
      config: { type: 'string' }, id: { type: 'string' }, seed: { type: 'string' }, 'duration-s': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values
  if (args.help === true) {
    console.log(USAGE)
    return undefined
  }
  if (args.config === undefined) throw new UsageError('--config FILE is required')
  let text: string
  try {
    text = readFileSync(args.config, 'utf8')
  } catch (error) {
    throw new InputError(`cannot read ${args.config}: ${(error as Error).message}`)
  }
  const result = parseNodeConfig(text, args.config)
  if (!result.ok) throw new InputError(`invalid config (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}):\n  ${result.problems.join('\n  ')}`)
  const config = result.config
  if (args.id !== undefined) config.id = args.id
  if (args.seed !== undefined) config.seed = args.seed
  if (args['duration-s'] !== undefined) {
    const d = Number(args['duration-s'])
    if (!(d >= 0)) throw new UsageError(`--duration-s: expected a number >= 0, got "${args['duration-s']}"`)
    config.durationS = d
  }
  return config
}

async function main(): Promise<number> {
  const config = loadConfig()
  if (config === undefined) return 0
  const observer = new ProcessObserver(() => config.verbose, () => config.id)
  let node: LiveNode
  try {
    node = new LiveNode({
      id: config.id, seed: config.seed, trackers: config.trackers, webrtc: config.webrtc, observer,
      onError: (error, where) => console.error(`[${config.id}] ${where}:`, error),
    })
  } catch (error) {
    throw new RunFailure(`cannot start: ${(error as Error).message}`)
  }
  console.log(`node ${config.id} (seed ${node.random.seed}) joining ${config.streams.map((s) => s.streamPartId).join(', ') || 'what apps use'} `
    + `via ${config.trackers.map((t) => `${t.id}=${t.url}`).join(', ')}`)
  for (const s of config.streams) node.join(s.streamPartId)
  let app: AppInterfaces | undefined
  if (config.app !== undefined) {
    try {
      app = await startAppInterfaces(node, config.app, (error, where) => console.error(`[${config.id}] ${where}:`, error))
    } catch (error) {
      await node.stop({ graceful: false })
      shutdownWebRtc()
      throw new RunFailure(`cannot start the app interfaces on ${config.app.host}: ${(error as Error).message}`)
    }
    const urls = [['http', app.httpUrl], ['websocket', app.webSocketUrl], ['mqtt', app.mqttUrl]].filter(([, url]) => url !== undefined)
    console.log(`node ${config.id} app interfaces: ${urls.map(([name, url]) => `${name} ${url}`).join(', ')}`)
  }

  const timers: ReturnType<typeof setInterval>[] = []
  let sequence = 0
  if (config.publishIntervalMs > 0) {
    timers.push(setInterval(() => {
      for (const s of config.streams) {
        const content = new Uint8Array(config.payloadBytes)
        const label = new TextEncoder().encode(`${config.id} #${sequence}`)
        content.set(label.subarray(0, content.length))
        node.publish(s.streamId, s.partition, content)
      }
      sequence++
    }, config.publishIntervalMs))
  }
  if (config.statsIntervalMs > 0) {
    timers.push(setInterval(() => {
      const lat = observer.latenciesMs.splice(0).sort((a, b) => a - b)
      const latency = lat.length === 0 ? 'no receipts' : `latency p50 ${percentile(lat, 0.5).toFixed(1)} ms, p99 ${percentile(lat, 0.99).toFixed(1)} ms (${lat.length})`
      const neighbours = config.streams.map((s) => `${s.streamPartId}: [${node.neighbours(s.streamPartId).sort().join(' ')}]`).join('; ')
      const rtc = node.webrtc.stats
      console.log(`${config.id}: ${neighbours}; published ${observer.published_}, received ${observer.delivered_} `
        + `(+${observer.duplicates} duplicates), ${latency}; links ${node.webrtc.connectedPeers().length} webrtc, `
        + `${node.websocket.connectedPeers().length} tracker; garbage ${rtc.garbageFrames + node.websocket.stats.garbageFrames}, malformed ${observer.malformeds}`
        + (app !== undefined ? `; ${app.stats.summary()}` : ''))
    }, config.statsIntervalMs))
  }

  let stopping = false
  const stop = async (why: string) => {
    if (stopping) return
    stopping = true
    for (const t of timers) clearInterval(t)
    console.log(`node ${config.id} stopping (${why}): published ${observer.published_}, received ${observer.delivered_} (+${observer.duplicates} duplicates)`)
    await app?.stop()
    await node.stop({ graceful: true, lingerMs: 100 })
    shutdownWebRtc()
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
  if (config.durationS !== undefined) {
    const t = setTimeout(() => void stop(`after ${config.durationS} s`), config.durationS * 1000)
    timers.push(t as unknown as ReturnType<typeof setInterval>)
  }
  return 0
}

runCommand(main, USAGE)

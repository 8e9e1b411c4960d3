// A live Block RTC node as a process:
//   npm run node -- --config FILE [--id ID] [--seed S] [--duration-s N]
//   npm run node -- --entry-point ws://HOST:PORT [--ws-port P] [--stream SP] ...   (a DHT node, no tracker)
// It reaches the trackers in FILE over WebSockets, joins the stream parts listed, links to the
// neighbours the trackers give it over WebRTC, and publishes if publishIntervalMs is set. With an
// `app:` section it also serves apps over HTTP, WebSocket and MQTT (live/app/); with a `storage:`
// section it is a storage node for its streams (live/storage/, cli/node-storage.ts). node-config.ts
// describes FILE. Ctrl-C leaves gracefully. Exit codes: 0 fine, 2 bad config or
// flags, 3 the node failed to run.

import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { type AppInterfaces, startAppInterfaces } from '../live/app/app-interfaces.ts'
import { LiveNode } from '../live/live-node.ts'
import { type NodeProcessConfig, checkNodeConfig, isDhtConfig, messageLayerOptions, parseNodeConfig } from '../live/node-config.ts'
import { registryPermissions } from '../live/registry/registry-client.ts'
import { followPermissionsFile } from './node-permissions.ts'
import { shutdownWebRtc } from '../live/webrtc-transport.ts'
import { DEFAULT_KEY_DIR, PRIVATE_KEY_ENV, processKey } from '../live/key-file.ts'
import { runDhtNode } from './dht-node.ts'
import { openNodeStore, startStorageRole, storageAppExtensions } from './node-storage.ts'
import { ProcessObserver, percentile } from './node-observer.ts'
import { startPublishing } from './node-publisher.ts'
import { InputError, RunFailure, UsageError, runCommand } from './options.ts'

const USAGE = [
  'usage: npm run node -- --config FILE [--id ID] [--seed S] [--duration-s N] [--key-file F] [--insecure-test-keys]',
  '       npm run node -- [--config FILE] (--entry-point [ID@]ws://HOST:PORT ... | --ws-port P) [--ws-host H] [--ws-advertised-host A]',
  '                       [--stream SP ...] [--publish-interval-ms MS] [--payload-bytes B] [--stats-interval-ms MS]',
  '                       [--verbose] [--id LABEL] [--seed S] [--duration-s N] [--key-file F] [--insecure-test-keys]',
  `The key: the config's privateKey, else ${PRIVATE_KEY_ENV}, else the key file (default ${DEFAULT_KEY_DIR}/<id>.key, created on first start).`,
].join('\n')

/** Config fields whose flags are text, not numbers. */
const TEXT_FIELDS = ['wsHost', 'wsAdvertisedHost']
/** The DHT flags as config fields (they override the file's). */
const DHT_FLAGS: Record<string, string> = {
  'ws-port': 'wsPort', 'ws-host': 'wsHost', 'ws-advertised-host': 'wsAdvertisedHost', 'publish-interval-ms': 'publishIntervalMs', 'payload-bytes': 'payloadBytes',
  'stats-interval-ms': 'statsIntervalMs',
}

/** The config file with the flags applied; undefined when --help was asked. */
function loadConfig(): NodeProcessConfig | undefined {
  const args = parseArgs({
    options: {
      config: { type: 'string' }, id: { type: 'string' }, seed: { type: 'string' }, 'duration-s': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      'entry-point': { type: 'string', multiple: true }, stream: { type: 'string', multiple: true }, verbose: { type: 'boolean' },
      'ws-port': { type: 'string' }, 'ws-host': { type: 'string' }, 'ws-advertised-host': { type: 'string' }, 'publish-interval-ms': { type: 'string' },
      'payload-bytes': { type: 'string' }, 'stats-interval-ms': { type: 'string' },
      'key-file': { type: 'string' }, 'insecure-test-keys': { type: 'boolean' },
    },
    strict: true,
  }).values
  if (args.help === true) {
    console.log(USAGE)
    return undefined
  }
  const dhtFlags = args['entry-point'] !== undefined || args['ws-port'] !== undefined
  const other = Object.keys(DHT_FLAGS).concat('stream', 'verbose').filter((f) => (args as Record<string, unknown>)[f] !== undefined)
  if (args.config === undefined && !dhtFlags) {
    throw new UsageError(other.length > 0 ? `--${other[0]} needs --entry-point or --ws-port (a DHT node), or --config FILE` : '--config FILE is required')
  }
  let raw: Record<string, unknown> = {}
  const source = args.config ?? 'flags'
  if (args.config !== undefined) {
    let text: string
    try {
      text = readFileSync(args.config, 'utf8')
    } catch (error) {
      throw new InputError(`cannot read ${args.config}: ${(error as Error).message}`)
    }
    raw = readRaw(text, args.config)
  }
  // Flags override the file: numbers as numbers, so that the file's checks apply to them.
  if (args.id !== undefined) raw.id = args.id
  if (args.seed !== undefined) raw.seed = args.seed
  if (args['entry-point'] !== undefined) raw.entryPoints = args['entry-point']
  if (args.stream !== undefined) raw.streams = args.stream
  if (args.verbose === true) raw.verbose = true
  if (args['key-file'] !== undefined) raw.keyFile = args['key-file']
  if (args['insecure-test-keys'] === true) raw.insecureTestKeys = true
  for (const [flag, field] of Object.entries(DHT_FLAGS)) {
    const v = (args as Record<string, unknown>)[flag]
    // A number as a number; anything else as written, so that the check quotes it.
    if (typeof v === 'string') raw[field] = !TEXT_FIELDS.includes(field) && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v
  }
  const result = checkNodeConfig(raw, source)
  if (!result.ok) throw new InputError(invalid(result.problems))
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

function invalid(problems: string[]): string {
  return `invalid config (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`
}

/** The file's fields as written; a file that is no YAML mapping is refused as parseNodeConfig words it. */
function readRaw(text: string, source: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch {
    parsed = undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const result = parseNodeConfig(text, source)
    throw new InputError(invalid(result.ok ? [`${source}: expected a mapping of fields`] : result.problems))
  }
  return { ...(parsed as Record<string, unknown>) }
}

async function main(): Promise<number> {
  const config = loadConfig()
  if (config === undefined) return 0
  const key = processKey({ configKey: config.privateKey, keyFile: config.keyFile, insecureTestKeys: config.insecureTestKeys })
  if (isDhtConfig(config)) return runDhtNode(config, key)
  const observer = new ProcessObserver(() => config.verbose, () => config.id)
  const registry = registryPermissions(config.registry)
  const store = openNodeStore(config)
  let node: LiveNode
  try {
    node = new LiveNode({
      id: config.id, seed: config.seed, insecureTestKeys: config.insecureTestKeys, trackers: config.trackers, messageLayer: messageLayerOptions(config),
      ...(key.privateKey !== undefined ? { privateKey: key.privateKey } : {}), webrtc: config.webrtc, observer,
      ...(registry !== undefined ? { permissions: registry.permissions } : {}),
      onError: (error, where) => console.error(`[${config.id}] ${where}:`, error),
    })
  } catch (error) {
    store?.close()
    throw new RunFailure(`cannot start: ${(error as Error).message}`)
  }
  console.log(`node ${config.id} address ${node.identity.address} (key: ${key.source}; seed ${node.random.seed}) joining ${config.streams.map((s) => s.streamPartId).join(', ') || 'what apps use'} `
    + `via ${config.trackers.map((t) => `${t.id}=${t.url}`).join(', ')}`
    + (registry !== undefined ? `; permissions from the registry at ${config.registry!.url}, cached ${config.registry!.cacheTtlMs} ms` : ''))
  let unfollow: (() => void) | undefined
  try {
    if (config.permissionsFile !== undefined) unfollow = followPermissionsFile(config.permissionsFile, node.messages, (line) => console.log(`node ${config.id} ${line}`))
  } catch (error) {
    await node.stop({ graceful: false })
    store?.close()
    shutdownWebRtc()
    throw error
  }
  const storage = startStorageRole(config, node.node, store, config.id)
  for (const s of config.streams) node.join(s.streamPartId)
  let app: AppInterfaces | undefined
  if (config.app !== undefined) {
    try {
      app = await startAppInterfaces(node, config.app, (error, where) => console.error(`[${config.id}] ${where}:`, error), storageAppExtensions(storage))
    } catch (error) {
      await node.stop({ graceful: false })
      storage?.close()
      shutdownWebRtc()
      throw new RunFailure(`cannot start the app interfaces on ${config.app.host}: ${(error as Error).message}`)
    }
    const urls = [['http', app.httpUrl], ['websocket', app.webSocketUrl], ['mqtt', app.mqttUrl]].filter(([, url]) => url !== undefined)
    console.log(`node ${config.id} app interfaces: ${urls.map(([name, url]) => `${name} ${url}`).join(', ')}`)
  }

  const timers: ReturnType<typeof setInterval>[] = []
  const publishing = startPublishing(config, config.id, (streamId, partition, content) => node.publish(streamId, partition, content))
  if (publishing !== undefined) timers.push(publishing)
  if (config.statsIntervalMs > 0) {
    timers.push(setInterval(() => {
      const lat = observer.latenciesMs.splice(0).sort((a, b) => a - b)
      const latency = lat.length === 0 ? 'no receipts' : `latency p50 ${percentile(lat, 0.5).toFixed(1)} ms, p99 ${percentile(lat, 0.99).toFixed(1)} ms (${lat.length})`
      const neighbours = config.streams.map((s) => `${s.streamPartId}: [${node.neighbours(s.streamPartId).sort().join(' ')}]`).join('; ')
      const rtc = node.webrtc.stats
      console.log(`${config.id}: ${neighbours}; published ${observer.published_}, received ${observer.delivered_} `
        + `(+${observer.duplicates} duplicates), ${latency}; links ${node.webrtc.connectedPeers().length} webrtc, `
        + `${node.websocket.connectedPeers().length} tracker; garbage ${rtc.garbageFrames + node.websocket.stats.garbageFrames}, malformed ${observer.malformeds}, rejected ${observer.rejectionSummary()}`
        + `; ${node.messages.summary()}` + (app !== undefined ? `; ${app.stats.summary()}` : '') + (registry !== undefined ? `; ${registry.source.summary()}` : '')
        + (storage !== undefined ? `; ${storage.summary()}` : ''))
    }, config.statsIntervalMs))
  }

  let stopping = false
  const stop = async (why: string) => {
    if (stopping) return
    stopping = true
    for (const t of timers) clearInterval(t)
    unfollow?.()
    console.log(`node ${config.id} stopping (${why}): published ${observer.published_}, received ${observer.delivered_} (+${observer.duplicates} duplicates); `
      + `rejected ${observer.rejectionSummary()}; ${node.messages.summary()}${registry !== undefined ? `; ${registry.source.summary()}` : ''}`
      + (storage !== undefined ? `; ${storage.summary()}` : ''))
    await app?.stop()
    await node.stop({ graceful: true, lingerMs: 100 })
    storage?.close()
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

// A live DHT (Tatum) node as a process: cli/node.ts runs it when the config or the flags name
// entry points or a WebSocket port instead of trackers. It finds the node ids of entry points
// given only by URL (entry-point-probe.ts), starts a LiveDhtNode, joins the configured stream
// parts through the DHT, publishes if asked, prints a stats line, and leaves gracefully on
// Ctrl-C or after --duration-s. The node id is the address of its key (key-file.ts); `id` is a
// label for its output.

import { type AppInterfaces, startAppInterfaces } from '../live/app/app-interfaces.ts'
import { type EntryPointAddress, LiveDhtNode } from '../live/live-dht-node.ts'
import { type NodeProcessConfig, messageLayerOptions } from '../live/node-config.ts'
import { registryPermissions } from '../live/registry/registry-client.ts'
import { followPermissionsFile } from './node-permissions.ts'
import type { ProcessKey } from '../live/key-file.ts'
import { shutdownWebRtc } from '../live/webrtc-transport.ts'
import { ProcessObserver, percentile } from './node-observer.ts'
import { startPublishing } from './node-publisher.ts'
import { openNodeStore, startStorageRole, storageAppExtensions } from './node-storage.ts'
import { RunFailure } from './options.ts'

/** Links closed because their peer proved no key, or the wrong one (link-proof.ts). */
function proofsRefused(node: LiveDhtNode): number {
  const ws = node.websocket.stats
  const rtc = node.webrtc.stats
  return ws.proofsRefused + ws.proofTimeouts + rtc.proofsRefused + rtc.proofTimeouts
}

async function resolveEntryPoints(config: NodeProcessConfig): Promise<EntryPointAddress[]> {
  const out: EntryPointAddress[] = []
  const failures: string[] = []
  await Promise.all(config.entryPoints.map(async (e) => {
    if (e.nodeId !== undefined) {
      out.push({ nodeId: e.nodeId, url: e.url })
      return
    }
    try {
      out.push({ nodeId: await LiveDhtNode.probe(e.url), url: e.url })
    } catch (error) {
      failures.push((error as Error).message)
    }
  }))
  for (const f of failures) console.error(`[${config.id}] entry point: ${f}`)
  if (out.length === 0 && config.entryPoints.length > 0) throw new RunFailure(`no entry point answered: ${failures.join('; ')}`)
  return out
}

export async function runDhtNode(config: NodeProcessConfig, key: ProcessKey): Promise<number> {
  const label = config.id
  const observer = new ProcessObserver(() => config.verbose, () => label)
  const entryPoints = await resolveEntryPoints(config)
  const registry = registryPermissions(config.registry)
  const store = openNodeStore(config)
  let node: LiveDhtNode
  try {
    node = new LiveDhtNode({
      seed: config.seed, insecureTestKeys: config.insecureTestKeys, ...(key.privateKey !== undefined ? { privateKey: key.privateKey } : {}),
      entryPoints, webrtc: config.webrtc, observer, messageLayer: messageLayerOptions(config),
      ...(registry !== undefined ? { permissions: registry.permissions } : {}),
      server: config.wsPort === undefined ? undefined : { host: config.wsHost, port: config.wsPort },
      ...(config.wsAdvertisedHost !== undefined ? { advertisedHost: config.wsAdvertisedHost } : {}),
      onError: (error, where) => console.error(`[${label}] ${where}:`, error),
    })
    await node.start()
  } catch (error) {
    store?.close()
    shutdownWebRtc()
    throw new RunFailure(`cannot start: ${(error as Error).message}`)
  }
  const via = entryPoints.length === 0 ? 'as the first node' : `via ${entryPoints.map((e) => e.url).join(', ')}`
  console.log(`node ${label} ${node.id} (key: ${key.source}; seed ${node.random.seed}) joining the DHT ${via}`
    + (node.url !== undefined ? `; entry point at ${node.url}` : '; no server'))
  let unfollow: (() => void) | undefined
  try {
    if (config.permissionsFile !== undefined) unfollow = followPermissionsFile(config.permissionsFile, node.messages, (line) => console.log(`node ${label} ${line}`))
  } catch (error) {
    await node.stop({ graceful: false })
    store?.close()
    shutdownWebRtc()
    throw error
  }
  const storage = startStorageRole(config, node.node, store, label)
  for (const s of config.streams) node.join(s.streamPartId)
  if (config.streams.length > 0) console.log(`node ${label} joining ${config.streams.map((s) => s.streamPartId).join(', ')}`)
  let app: AppInterfaces | undefined
  if (config.app !== undefined) {
    try {
      app = await startAppInterfaces(node, config.app, (error, where) => console.error(`[${label}] ${where}:`, error), storageAppExtensions(storage))
    } catch (error) {
      await node.stop({ graceful: false })
      storage?.close()
      shutdownWebRtc()
      throw new RunFailure(`cannot start the app interfaces on ${config.app.host}: ${(error as Error).message}`)
    }
    const urls = [['http', app.httpUrl], ['websocket', app.webSocketUrl], ['mqtt', app.mqttUrl]].filter(([, u]) => u !== undefined)
    console.log(`node ${label} app interfaces: ${urls.map(([name, u]) => `${name} ${u}`).join(', ')}`)
  }

  const timers: ReturnType<typeof setInterval>[] = []
  const publishing = startPublishing(config, label, (streamId, partition, content) => node.publish(streamId, partition, content))
  if (publishing !== undefined) timers.push(publishing)
  if (config.statsIntervalMs > 0) {
    timers.push(setInterval(() => {
      const lat = observer.latenciesMs.splice(0).sort((a, b) => a - b)
      const latency = lat.length === 0 ? 'no receipts' : `latency p50 ${percentile(lat, 0.5).toFixed(1)} ms, p99 ${percentile(lat, 0.99).toFixed(1)} ms (${lat.length})`
      const neighbours = config.streams.map((s) => `${s.streamPartId}: ${node.neighbours(s.streamPartId).length} neighbours`).join('; ')
      const garbage = node.webrtc.stats.garbageFrames + node.websocket.stats.garbageFrames
      console.log(`${label}: ${neighbours || 'no stream parts'}; published ${observer.published_}, received ${observer.delivered_} `
        + `(+${observer.duplicates} duplicates), ${latency}; links ${node.websocket.connectedPeers().length} websocket, `
        + `${node.webrtc.connectedPeers().length} webrtc; dht contacts ${node.directory.size}; garbage ${garbage}, `
        + `malformed ${observer.malformeds}, links refused ${proofsRefused(node)}, rejected ${observer.rejectionSummary()}`
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
    const garbage = node.webrtc.stats.garbageFrames + node.websocket.stats.garbageFrames
    console.log(`node ${label} stopping (${why}): published ${observer.published_}, received ${observer.delivered_} `
      + `(+${observer.duplicates} duplicates); dropped: garbage ${garbage}, malformed ${observer.malformeds}, `
      + `links refused ${proofsRefused(node)}, before proof ${node.websocket.stats.framesBeforeProof + node.webrtc.stats.framesBeforeProof}, `
      + `offers refused ${node.links.counts.offersRefused}; rejected ${observer.rejectionSummary()}; ${node.messages.summary()}${registry !== undefined ? `; ${registry.source.summary()}` : ''}`
      + (storage !== undefined ? `; ${storage.summary()}` : ''))
    await app?.stop()
    await node.stop({ graceful: true, lingerMs: 100 })
    storage?.close()
    shutdownWebRtc()
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
  if (config.durationS !== undefined) {
    timers.push(setTimeout(() => void stop(`after ${config.durationS} s`), config.durationS * 1000) as unknown as ReturnType<typeof setInterval>)
  }
  return 0
}

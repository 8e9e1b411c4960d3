// The config file of a live node process (cli/node.ts), YAML or JSON:
//
//   id: n1                        # node id; default node-<seed>, or random
//   seed: 1                       # seeds chain ids and jitter; default random (never the key, unless insecureTestKeys)
//   keyFile: keys/n1.key          # the node's key; created with a random key on first start (default keys/<id>.key)
//   privateKey: 0x...             # or the key itself (or in the BRTC_PRIVATE_KEY environment variable)
//   insecureTestKeys: false       # tests only: derive the key from the seed (anyone knowing the seed can sign as the node)
//   trackers:                     # every tracker of the network, in the same order on every node
//     - { id: t0, url: ws://127.0.0.1:7700 }
//   entryPoints: [ws://127.0.0.1:7700]   # instead of trackers: join a DHT (Tatum) overlay through these
//                                 # nodes ("ID@ws://..." skips asking the node its id)
//   wsPort: 7700                  # DHT mode: run a WebSocket server (0: any free port), so that
//                                 # others can dial this node and use it as an entry point
//   wsHost: 127.0.0.1             # address the server binds to (and advertises, unless wsAdvertisedHost)
//   wsAdvertisedHost: 203.0.113.7 # the host others dial, when it is not wsHost (wsHost 0.0.0.0 behind a public address)
//   streams: [demo#0]             # stream parts to join ("demo" alone is demo#0)
//   publishIntervalMs: 1000       # publish to every joined part this often; 0 (default) = subscribe only
//   payloadBytes: 64              # content size of what it publishes
//   statsIntervalMs: 5000         # a stats line this often; 0 = none
//   durationS: 60                 # stop by itself after this long; default: run until Ctrl-C
//   verbose: false                # a line per message received
//   webrtc:                       # ICE options: bindAddress, iceServers, portRangeBegin, portRangeEnd, enableIceUdpMux
//     bindAddress: 127.0.0.1
//   app:                          # HTTP, WebSocket and MQTT for apps; live/app/app-config.ts lists the fields
//     { httpPort: 7800, mqttPort: 1883, apiKey: "change-me-please" }
//   encryption: false             # encrypt what this node publishes with group keys (live-message-roles.ts)
//   rotateKeyIntervalS: 0         # with encryption: rotate each stream's key this often (next key inside a message); 0 never
//   rekeyIntervalS: 0             # with encryption: a new key only still-permitted subscribers get, by asking; 0 never
//   keyRequestTimeoutS: 30        # a key request unanswered this long: its messages are dropped as undecryptable
//   permissionsFile: perms.yaml   # this node's stream permissions (live/local-permissions.ts), re-read when it changes
//   publisherNodes: { "0x...": a } # where to ask a publisher for keys: its address -> node id (default: the address)
//   storageNodes: [st1]           # storage nodes to fill gaps from; none: a gap is skipped after the era's initial wait
//   registry:                     # permissions from a StreamRegistry chain (npm run registry), instead of permissionsFile;
//                                 # absent: the node's own (permissionsFile), and every undeclared stream is open
//     url: http://127.0.0.1:8545  # its JSON-RPC endpoint
//     address: 0x5743...0001      # the contract; default where `npm run registry` puts it
//     cacheTtlMs: 60000           # how long an answer is trusted (a grant or revoke reaches the node within it);
//                                 # an encrypting publisher also rechecks its readers this often (at least 1 s) and
//                                 # rekeys a stream on which one lost subscribe permission
//     timeoutMs: 3000             # an eth_call with no answer by then counts as failed (the message is refused)
//   storage:                      # a storage node for every part in `streams`; live/storage/storage-config.ts lists the fields
//     { path: data/storage.db }   # (HTTP resends on the app interface when `app` has httpPort)
//
// `streams` may be empty or absent when `app` is set: apps make the node join what they use.
// Every problem in a file is reported at once, each naming the field.

import { type Problem, isUrlWith, openSection } from './config-section.ts'
import { randomBytes } from 'node:crypto'
import { parse } from 'yaml'
import { type AppConfig, checkAppConfig } from './app/app-config.ts'
import { type StorageConfig, checkStorageConfig } from './storage/storage-config.ts'
import { MAX_PARTITION } from '../core/message-layer/stream-message.ts'
import type { TrackerAddress } from './live-node.ts'
import { DEFAULT_KEY_DIR, isPrivateKeyHex } from './key-file.ts'
import { PERMISSION_CACHE_TTL_MS } from './live-message-layer.ts'
import { DEFAULT_REGISTRY_TIMEOUT_MS } from './registry/registry-client.ts'
import { isAddress } from '../core/message-layer/identity.ts'
import type { LiveMessageOptions } from './live-message-roles.ts'

export interface NodeProcessConfig {
  id: string
  seed: string | number | undefined
  /** The key, when the file gives it; else from BRTC_PRIVATE_KEY or keyFile (key-file.ts). */
  privateKey: string | undefined
  keyFile: string
  insecureTestKeys: boolean
  trackers: TrackerAddress[]
  /** DHT mode (no trackers): the entry points to join through; empty with wsPort: the first node. */
  entryPoints: EntryPointSpec[]
  /** DHT mode: the WebSocket server's port; absent: no server. */
  wsPort: number | undefined
  wsHost: string
  /** DHT mode: the host in the URL others dial; absent: wsHost. */
  wsAdvertisedHost: string | undefined
  streams: { streamId: string; partition: number; streamPartId: string }[]
  publishIntervalMs: number
  payloadBytes: number
  statsIntervalMs: number
  durationS: number | undefined
  verbose: boolean
  webrtc: {
    bindAddress?: string
    iceServers?: string[]
    portRangeBegin?: number
    portRangeEnd?: number
    enableIceUdpMux?: boolean
  }
  /** The app interfaces; absent: none. */
  app: AppConfig | undefined
  encryption: boolean
  rotateKeyIntervalS: number
  rekeyIntervalS: number
  /** Absent: the era's. */
  keyRequestTimeoutS: number | undefined
  permissionsFile: string | undefined
  publisherNodes: Record<string, string>
  storageNodes: string[]
  /** The permission registry's chain; absent: the node's own registry (permissionsFile). */
  registry: RegistryConfig | undefined
  /** The storage role (every part in `streams`); absent: not a storage node. */
  storage: StorageConfig | undefined
}

export interface RegistryConfig {
  url: string
  address: string | undefined
  cacheTtlMs: number
  timeoutMs: number
}

/** An entry point as configured: its URL, and its node id when given as ID@URL. */
export interface EntryPointSpec {
  nodeId: string | undefined
  url: string
}

/** True for the DHT (trackerless) mode: entry points or a server instead of trackers. */
export function isDhtConfig(c: Pick<NodeProcessConfig, 'entryPoints' | 'wsPort'>): boolean {
  return c.entryPoints.length > 0 || c.wsPort !== undefined
}

/** "ws://host:port" or "ID@ws://host:port"; undefined when it is neither. */
export function parseEntryPoint(text: string): EntryPointSpec | undefined {
  const at = text.indexOf('@ws')
  const nodeId = at > 0 ? text.slice(0, at) : undefined
  const url = at > 0 ? text.slice(at + 1) : text
  if (nodeId !== undefined && (nodeId.length > 100 || /\s/.test(nodeId))) return undefined
  return isUrlWith(url, ['ws:', 'wss:']) ? { nodeId, url } : undefined
}

const KNOWN = ['id', 'seed', 'privateKey', 'keyFile', 'insecureTestKeys', 'trackers', 'entryPoints', 'wsPort', 'wsHost', 'wsAdvertisedHost', 'streams', 'publishIntervalMs', 'payloadBytes', 'statsIntervalMs', 'durationS', 'verbose', 'webrtc', 'app',
  'encryption', 'rotateKeyIntervalS', 'rekeyIntervalS', 'keyRequestTimeoutS', 'permissionsFile', 'publisherNodes', 'storageNodes', 'registry', 'storage']
const KNOWN_WEBRTC = ['bindAddress', 'iceServers', 'portRangeBegin', 'portRangeEnd', 'enableIceUdpMux']
const KNOWN_REGISTRY = ['url', 'address', 'cacheTtlMs', 'timeoutMs']

export type ConfigResult = { ok: true; config: NodeProcessConfig } | { ok: false; problems: string[] }

/** Parses and checks a config file's text; `source` names it in messages. */
export function parseNodeConfig(text: string, source: string): ConfigResult {
  let raw: unknown
  try {
    raw = parse(text)
  } catch (error) {
    return { ok: false, problems: [`${source}: not YAML or JSON: ${(error as Error).message.split('\n')[0]}`] }
  }
  return checkNodeConfig(raw, source)
}

export function checkNodeConfig(raw: unknown, source: string): ConfigResult {
  const problems: string[] = []
  const problem = (field: string, got: unknown, expected: string) => problems.push(`${source}: ${field}: got ${JSON.stringify(got)}, expected ${expected}`)
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problems: [`${source}: expected a mapping of fields`] }
  const c = raw as Record<string, unknown>
  for (const key of Object.keys(c)) if (!KNOWN.includes(key)) problem(key, c[key], `a known field (${KNOWN.join(', ')})`)

  const seed = c.seed
  if (seed !== undefined && typeof seed !== 'string' && !(typeof seed === 'number' && Number.isFinite(seed))) problem('seed', seed, 'a number or string')
  let id = c.id
  if (id === undefined) id = seed !== undefined ? `node-${String(seed)}` : `node-${randomBytes(4).toString('hex')}`
  else if (typeof id !== 'string' || id.length === 0 || id.length > 100) problem('id', id, 'a non-empty string of at most 100 chars')

  if (c.privateKey !== undefined && !isPrivateKeyHex(c.privateKey)) problems.push(`${source}: privateKey: expected 64 hex digits (a secp256k1 private key)`)
  let keyFile = `${DEFAULT_KEY_DIR}/${typeof id === 'string' ? id.replace(/[^A-Za-z0-9._-]/g, '_') : 'node'}.key`
  if (c.keyFile !== undefined) {
    if (typeof c.keyFile === 'string' && c.keyFile.length > 0) keyFile = c.keyFile
    else problem('keyFile', c.keyFile, 'a file path')
  }
  if (c.insecureTestKeys !== undefined && typeof c.insecureTestKeys !== 'boolean') problem('insecureTestKeys', c.insecureTestKeys, 'true or false')
  if (c.insecureTestKeys === true && c.privateKey !== undefined) problem('insecureTestKeys', true, 'not with privateKey (one source for the key)')

  const entryPoints: EntryPointSpec[] = []
  if (c.entryPoints !== undefined) {
    if (!Array.isArray(c.entryPoints)) problem('entryPoints', c.entryPoints, 'a list of ws:// URLs (or ID@ws:// URLs)')
    else {
      c.entryPoints.forEach((e, i) => {
        const spec = typeof e === 'string' ? parseEntryPoint(e) : undefined
        if (spec === undefined) problem(`entryPoints[${i}]`, e, 'a ws:// or wss:// URL, or ID@URL')
        else entryPoints.push(spec)
      })
    }
  }
  let wsPort: number | undefined
  if (c.wsPort !== undefined) {
    if (typeof c.wsPort === 'number' && Number.isInteger(c.wsPort) && c.wsPort >= 0 && c.wsPort <= 65535) wsPort = c.wsPort
    else problem('wsPort', c.wsPort, 'a port 0..65535 (0: any free port)')
  }
  let wsHost = '127.0.0.1'
  if (c.wsHost !== undefined) {
    if (typeof c.wsHost === 'string' && c.wsHost.length > 0 && c.wsHost.length <= 255 && !/[\s/@]/.test(c.wsHost)) wsHost = c.wsHost
    else problem('wsHost', c.wsHost, 'a host name or IP address')
  }
  let wsAdvertisedHost: string | undefined
  if (c.wsAdvertisedHost !== undefined) {
    if (typeof c.wsAdvertisedHost === 'string' && c.wsAdvertisedHost.length > 0 && c.wsAdvertisedHost.length <= 255 && !/[\s/@:]/.test(c.wsAdvertisedHost)) wsAdvertisedHost = c.wsAdvertisedHost
    else problem('wsAdvertisedHost', c.wsAdvertisedHost, 'a host name or IPv4 address')
  }
  const dht = c.entryPoints !== undefined || c.wsPort !== undefined

  const trackers: TrackerAddress[] = []
  if (dht) {
    if (c.trackers !== undefined) problem('trackers', c.trackers, 'no trackers with entryPoints or wsPort (a DHT node has none)')
    if (entryPoints.length === 0 && wsPort === undefined) problem('entryPoints', c.entryPoints, 'at least one entry point, or wsPort for the first node')
  } else if (!Array.isArray(c.trackers) || c.trackers.length === 0) problem('trackers', c.trackers, 'a non-empty list of { id, url }, or entryPoints for a DHT node')
  else {
    c.trackers.forEach((t, i) => {
      const o = (typeof t === 'object' && t !== null ? t : {}) as Record<string, unknown>
      if (typeof o.id !== 'string' || o.id.length === 0) problem(`trackers[${i}].id`, o.id, 'a tracker id')
      const urlOk = isUrlWith(o.url, ['ws:', 'wss:'])
      if (!urlOk) problem(`trackers[${i}].url`, o.url, 'a ws:// or wss:// URL')
      if (typeof o.id === 'string' && urlOk) trackers.push({ id: o.id, url: o.url as string })
    })
    const ids = trackers.map((t) => t.id)
    if (new Set(ids).size !== ids.length) problem('trackers', ids, 'distinct tracker ids')
  }

  const streams: NodeProcessConfig['streams'] = []
  const withApp = c.app !== undefined
  // With app interfaces the list may be empty or absent: apps make the node join what they use.
  // A DHT node may join none: it is then only a DHT node, an entry point for others.
  const streamList = c.streams ?? (withApp || dht ? [] : undefined)
  if (!Array.isArray(streamList) || (streamList.length === 0 && !withApp && !dht)) {
    problem('streams', c.streams, `a ${withApp || dht ? '' : 'non-empty '}list of stream parts like "demo#0"`)
  } else {
    streamList.forEach((s, i) => {
      if (typeof s !== 'string' || s.length === 0) {
        problem(`streams[${i}]`, s, 'a stream part like "demo#0"')
        return
      }
      const hash = s.lastIndexOf('#')
      const streamId = hash < 0 ? s : s.slice(0, hash)
      const partition = hash < 0 ? 0 : Number(s.slice(hash + 1))
      if (streamId.length === 0 || !Number.isInteger(partition) || partition < 0 || partition > MAX_PARTITION) {
        problem(`streams[${i}]`, s, `streamId#partition with partition 0..${MAX_PARTITION}`)
        return
      }
      streams.push({ streamId, partition, streamPartId: `${streamId}#${partition}` })
    })
  }

  const num = (field: string, fallback: number, min: number, integer: boolean): number => {
    const v = c[field]
    if (v === undefined) return fallback
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      problem(field, v, `${integer ? 'an integer' : 'a number'} >= ${min}`)
      return fallback
    }
    return v
  }
  const publishIntervalMs = num('publishIntervalMs', 0, 0, false)
  const payloadBytes = num('payloadBytes', 64, 0, true)
  if (payloadBytes > 512 * 1024) problem('payloadBytes', payloadBytes, 'at most 524288 (frames are at most 1 MiB)')
  const statsIntervalMs = num('statsIntervalMs', 5_000, 0, false)
  const durationS = c.durationS === undefined ? undefined : num('durationS', 0, 0, false)
  if (c.verbose !== undefined && typeof c.verbose !== 'boolean') problem('verbose', c.verbose, 'true or false')

  const webrtc: NodeProcessConfig['webrtc'] = {}
  if (c.webrtc !== undefined) {
    const section = openSection(c.webrtc, 'webrtc', KNOWN_WEBRTC, 'a mapping', problem)
    if (section !== undefined) {
      const w = section.fields
      if (w.bindAddress !== undefined) {
        if (typeof w.bindAddress === 'string') webrtc.bindAddress = w.bindAddress
        else problem('webrtc.bindAddress', w.bindAddress, 'an IP address')
      }
      if (w.iceServers !== undefined) {
        if (Array.isArray(w.iceServers) && w.iceServers.every((s) => typeof s === 'string')) webrtc.iceServers = w.iceServers as string[]
        else problem('webrtc.iceServers', w.iceServers, 'a list of "stun:host:port" URLs')
      }
      for (const key of ['portRangeBegin', 'portRangeEnd'] as const) {
        const v = w[key]
        if (v === undefined) continue
        if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535) webrtc[key] = v
        else problem(`webrtc.${key}`, v, 'a port 1..65535')
      }
      if (w.enableIceUdpMux !== undefined) {
        if (typeof w.enableIceUdpMux === 'boolean') webrtc.enableIceUdpMux = w.enableIceUdpMux
        else problem('webrtc.enableIceUdpMux', w.enableIceUdpMux, 'true or false')
      }
    }
  }

  const app = withApp ? checkAppConfig(c.app, problem) : undefined
  const storage = c.storage === undefined ? undefined : checkStorageConfig(c.storage, problem)
  if (c.storage !== undefined && streams.length === 0 && Array.isArray(streamList)) problem('streams', c.streams, 'the stream parts to store (a storage node stores the parts in streams)')

  if (c.encryption !== undefined && typeof c.encryption !== 'boolean') problem('encryption', c.encryption, 'true or false')
  const rotateKeyIntervalS = num('rotateKeyIntervalS', 0, 0, false)
  const rekeyIntervalS = num('rekeyIntervalS', 0, 0, false)
  const keyRequestTimeoutS = c.keyRequestTimeoutS === undefined ? undefined : num('keyRequestTimeoutS', 0, 0, false)
  let permissionsFile: string | undefined
  if (c.permissionsFile !== undefined) {
    if (typeof c.permissionsFile === 'string' && c.permissionsFile.length > 0) permissionsFile = c.permissionsFile
    else problem('permissionsFile', c.permissionsFile, 'a file path')
  }
  const publisherNodes: Record<string, string> = {}
  if (c.publisherNodes !== undefined) {
    if (typeof c.publisherNodes !== 'object' || c.publisherNodes === null || Array.isArray(c.publisherNodes)) problem('publisherNodes', c.publisherNodes, 'a mapping of publisher address -> node id')
    else {
      for (const [address, nodeId] of Object.entries(c.publisherNodes as Record<string, unknown>)) {
        if (!isAddress(address.toLowerCase())) problem(`publisherNodes.${address}`, address, 'an address (0x and 40 hex digits) as the key')
        else if (typeof nodeId !== 'string' || nodeId.length === 0 || nodeId.length > 100) problem(`publisherNodes.${address}`, nodeId, 'a node id')
        else publisherNodes[address.toLowerCase()] = nodeId
      }
    }
  }
  const storageNodes: string[] = []
  if (c.storageNodes !== undefined) {
    if (!Array.isArray(c.storageNodes) || !c.storageNodes.every((n) => typeof n === 'string' && n.length > 0 && n.length <= 100)) problem('storageNodes', c.storageNodes, 'a list of node ids')
    else storageNodes.push(...(c.storageNodes as string[]))
  }
  const registry = c.registry === undefined ? undefined : checkRegistryConfig(c.registry, problem)
  // One source of permissions: the chain's, or the node's own declarations.
  if (c.registry !== undefined && c.permissionsFile !== undefined) problem('permissionsFile', c.permissionsFile, 'no permissionsFile with registry (permissions come from the chain)')

  if (problems.length > 0) return { ok: false, problems }
  return {
    ok: true,
    config: {
      id: id as string, seed: seed as string | number | undefined, privateKey: c.privateKey as string | undefined, keyFile,
      insecureTestKeys: c.insecureTestKeys === true, trackers, entryPoints, wsPort, wsHost, wsAdvertisedHost, streams, publishIntervalMs, payloadBytes, statsIntervalMs,
      durationS, verbose: c.verbose === true, webrtc, app, encryption: c.encryption === true, rotateKeyIntervalS, rekeyIntervalS, keyRequestTimeoutS,
      permissionsFile, publisherNodes, storageNodes, registry, storage,
    },
  }
}

/** The message layer options the config's fields make. */
export function messageLayerOptions(c: NodeProcessConfig): Partial<LiveMessageOptions> {
  return {
    encryption: c.encryption, rotateKeyIntervalMs: c.rotateKeyIntervalS * 1000, rekeyIntervalMs: c.rekeyIntervalS * 1000,
    ...(c.keyRequestTimeoutS !== undefined ? { keyRequestTimeoutMs: c.keyRequestTimeoutS * 1000 } : {}),
    publisherNodes: c.publisherNodes, storageNodes: c.storageNodes,
    // A revocation on the chain reaches this node only when it asks: its readers are asked about every TTL.
    recheckReadersIntervalMs: c.registry === undefined ? 0 : Math.max(c.registry.cacheTtlMs, MIN_READER_RECHECK_MS),
  }
}

/** Readers are rechecked at most this often, whatever the cache TTL (0 asks the chain on every check). */
export const MIN_READER_RECHECK_MS = 1_000

function checkRegistryConfig(raw: unknown, problem: Problem): RegistryConfig | undefined {
  const section = openSection(raw, 'registry', KNOWN_REGISTRY, 'a mapping { url, address?, cacheTtlMs?, timeoutMs? }', problem)
  if (section === undefined) return undefined
  const r = section.fields
  const urlOk = isUrlWith(r.url, ['http:', 'https:'])
  if (!urlOk) problem('registry.url', r.url, "an http:// or https:// URL of the chain's JSON-RPC endpoint")
  if (r.address !== undefined && (typeof r.address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(r.address))) problem('registry.address', r.address, "the contract's address (0x and 40 hex digits)")
  const ms = (field: 'cacheTtlMs' | 'timeoutMs', fallback: number, min: number): number => {
    const v = r[field]
    if (v === undefined) return fallback
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= 86_400_000) return v
    problem(`registry.${field}`, v, `an integer ${min}..86400000 (ms)`)
    return fallback
  }
  const cacheTtlMs = ms('cacheTtlMs', PERMISSION_CACHE_TTL_MS, 0)
  const timeoutMs = ms('timeoutMs', DEFAULT_REGISTRY_TIMEOUT_MS, 1)
  return urlOk ? { url: r.url as string, address: r.address as string | undefined, cacheTtlMs, timeoutMs } : undefined
}

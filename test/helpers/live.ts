// Shared by the live transport tests: waiting on real time, and a transport handler that records.

import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { PRIVATE_KEY_ENV } from '../../live/key-file.ts'
import { createStreamMessage, type StreamMessage } from '../../core/message.ts'
import { SilentObserver } from '../../core/observer.ts'
import { keyPairFromSeed } from '../../core/message-layer/identity.ts'
import { signStreamMessage } from '../../core/message-layer/signing.ts'
import type { NetworkNode } from '../../core/network-node.ts'
import type { Connection, ContentWireMessage, NodeId, Timers, TransportHandler, WireMessage } from '../../core/ports.ts'
import type { Publisher } from '../../core/security/publisher.ts'
import { contentWireMessage } from '../../core/wire.ts'
import { livePublisher, liveSecurityPorts } from '../../live/live-message-layer.ts'
import { createRealRandom, realClock } from '../../live/real-time.ts'

/** Polls `cond` every `pollMs` until it holds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, cond: () => boolean, timeoutMs = 10_000, pollMs = 5): Promise<void> {
  const start = performance.now()
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(pollMs)
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Records what a transport reports, in order. */
export class Recorder implements TransportHandler {
  events: string[] = []
  connections: Connection[] = []
  messages: unknown[] = []
  onConnected(c: Connection): void {
    this.events.push(`connected ${c.remoteId}`)
    this.connections.push(c)
  }
  onConnectFailed(peer: NodeId, reason: string): void {
    this.events.push(`failed ${peer}: ${reason}`)
  }
  onMessage(_c: Connection, m: unknown): void {
    this.messages.push(m)
  }
  onDisconnected(c: Connection, reason: string): void {
    this.events.push(`disconnected ${c.remoteId}: ${reason}`)
  }
}

/**
 * Sorted round-trip times of `count` messages sent one at a time on `out`, each echoed back by
 * the far end (whose handler `far` is rewired to echo on `back`) and noticed by `near`.
 */
export async function echoRoundTrips(
  out: Connection, near: Recorder, back: Connection, far: Recorder, count: number, message: (i: number) => WireMessage
): Promise<number[]> {
  far.onMessage = (_c, m) => back.send(m as WireMessage)
  let resolveEcho: () => void = () => {}
  near.onMessage = () => resolveEcho()
  const rtts: number[] = []
  for (let i = 0; i < count; i++) {
    const echoed = new Promise<void>((resolve) => { resolveEcho = resolve })
    const start = performance.now()
    out.send(message(i))
    await echoed
    rtts.push(performance.now() - start)
  }
  return rtts.sort((x, y) => x - y)
}

/** Live links carry signed messages only: a signed content message of `bytes` with timestamp `n`. */
export function signedContent(n: number, bytes: number, publisher = TEST_PUBLISHER): ContentWireMessage {
  const id = { streamId: 's', streamPartition: 0, timestamp: n, sequenceNumber: 0, publisherId: publisher.address, msgChainId: 'c' }
  return contentWireMessage(signStreamMessage(createStreamMessage(id, null, new Uint8Array(bytes)), publisher))
}

const TEST_PUBLISHER = keyPairFromSeed('test/live/publisher')

/** A signing publisher on a NetworkNode that runs on live transports. */
export function livePublisherOf(node: NetworkNode, timers: Timers, seed: string): Publisher {
  return livePublisher(node, keyPairFromSeed(seed), liveSecurityPorts(realClock, timers), createRealRandom(seed))
}

export interface LiveProcess {
  child: ChildProcess
  /** stdout and stderr so far, interleaved as they came. */
  output: () => string
  exited: Promise<number | null>
}

/**
 * Starts `cli/<script>` in its own Node process, as `npm run node` / `npm run tracker` would. Unless
 * `keyFromEnv` is false, the process gets a fresh random key in BRTC_PRIVATE_KEY, so that no key
 * file is written into the tree (a test of key files gives its node a keyFile in a temp dir).
 */
export function runLiveProcess(script: string, args: string[], options: { keyFromEnv?: boolean } = {}): LiveProcess {
  const root = join(import.meta.dirname, '..', '..')
  const env = { ...process.env }
  delete env[PRIVATE_KEY_ENV]
  if (options.keyFromEnv !== false) env[PRIVATE_KEY_ENV] = randomBytes(32).toString('hex')
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli', script), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d })
  child.stderr!.on('data', (d: Buffer) => { out += d })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, output: () => out, exited }
}

export interface WebRtcModules {
  rtc: typeof import('../../live/webrtc-transport.ts')
  liveNode: typeof import('../../live/live-node.ts')
  liveTracker: typeof import('../../live/live-tracker.ts')
}

/**
 * The live modules that need node-datachannel's native binary, loaded on demand so a test file
 * still imports where it is missing; or why they cannot load, for the file's SKIP lines.
 */
export async function loadWebRtcModules(): Promise<{ modules: WebRtcModules | undefined; skipReason: string | undefined }> {
  try {
    const rtc = await import('../../live/webrtc-transport.ts')
    const liveNode = await import('../../live/live-node.ts')
    const liveTracker = await import('../../live/live-tracker.ts')
    return { modules: { rtc, liveNode, liveTracker }, skipReason: undefined }
  } catch (error) {
    return { modules: undefined, skipReason: `node-datachannel did not load: ${(error as Error).message.split('\n')[0]}` }
  }
}

/** A node observer that keeps what the live tests check: first receipts, duplicates, garbage, removals. */
export class Counting extends SilentObserver {
  got: StreamMessage[] = []
  duplicates = 0
  malformeds = 0
  removed: string[] = []
  override delivered(m: StreamMessage): void { this.got.push(m) }
  override duplicate(): void { this.duplicates++ }
  override malformed(): void { this.malformeds++ }
  override neighbourRemoved(_sp: string, peer: string, reason: string): void { this.removed.push(`${peer}: ${reason}`) }
}

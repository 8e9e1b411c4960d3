// What a live Block RTC node is, whatever it runs on: the real core classes (NetworkNode,
// TrackerOverlay and its TrackerClient) on real time, over a composite transport of a tracker
// transport (WebSockets, with an address book of trackers) and a peer transport (WebRTC, signalled
// through the TrackerClient's sendSignal/onSignal, so the tracker that told two nodes to link
// relays their offer, answer and candidates). live-node.ts supplies Node's transports (ws,
// node-datachannel); browser/browser-node.ts the browser's. Nothing here touches a platform API.
//
// Which tracker relays a signal: TrackerClient.sendSignal names a stream part and uses that
// part's tracker. The node learns, from the messages it receives from trackers (a tap on the
// transport, outside core), which part's tracker introduced each peer: the part of the
// instruction that listed it, or the tracker a signal from it came through. A peer it knows
// nothing of is signalled through the trackers of every joined part (one each; a tracker drops a
// signal for a node not linked to it).

import type { StreamMessage } from '../core/message.ts'
import { NetworkNode, type NetworkNodeOptions } from '../core/network-node.ts'
import { type NodeObserver, SilentObserver } from '../core/observer.ts'
import type { NodeId } from '../core/ports.ts'
import {
  type TrackerClient, type TrackerClientOptions, TrackerOverlay, isTrackerInstructionMessage, isTrackerSignalMessage, trackerOf,
} from '../core/tracker/index.ts'
import type { KeyPair } from '../core/message-layer/identity.ts'
import type { Publisher } from '../core/security/publisher.ts'
import type { SecurityPorts } from '../core/security/security-ports.ts'
import { CompositeTransport } from './composite-transport.ts'
import { type LivePermissions, liveIdentity, liveSecurityPorts, liveStreamRegistry, validateAtRelays } from './live-message-layer.ts'
import { LiveMessageRoles, type LiveMessageOptions } from './live-message-roles.ts'
import type { StreamRegistry } from '../core/security/stream-registry.ts'
import type { StreamMessageValidator } from '../core/security/stream-message-validator.ts'
import type { LiveTransportBase } from './live-link.ts'
import { type RealRandom, RealTimers, createRealRandom, realClock } from './real-time.ts'
import type { SignalSender } from './webrtc-signalling.ts'
import { BRUBECK } from '../core/protocol-era.ts'

export interface TrackerAddress {
  id: NodeId
  /** ws://host:port */
  url: string
}

export interface LiveNodeBaseOptions {
  id: NodeId
  /** Seeds the node's random streams (chain ids, reconnect jitter); absent: random. */
  seed?: string | number
  /** The publisher key (hex); absent: fresh, or derived from the seed with insecureTestKeys. */
  privateKey?: string
  /** Derive the key from the seed (tests and scenario runs only; see live-message-layer.ts). */
  insecureTestKeys?: boolean
  /** Check signatures at every relay, before duplicate detection (default true; scenario runs mirror their scenario). */
  relayValidation?: boolean
  /** Permissions from a chain's registry (a node config's `registry`); absent: the node's own registry (declarations; undeclared streams open). */
  permissions?: LivePermissions
  /** Encryption, key schedule, subscriber, ordering and storage nodes (live-message-roles.ts); unset fields take its defaults. */
  messageLayer?: Partial<LiveMessageOptions>
  trackers: readonly TrackerAddress[]
  network?: Partial<NetworkNodeOptions>
  trackerClient?: Partial<TrackerClientOptions>
  observer?: NodeObserver
  /** Exceptions from timers and transports; absent: timers throw, transports log to the console. */
  onError?: (error: unknown, where: string) => void
}

export interface StopOptions {
  /** Leave every part first (the tracker hears -1, neighbours hear a leave); false: vanish as a crash would. */
  graceful: boolean
  /** How long a graceful stop lets its goodbyes go out before closing the links. */
  lingerMs: number
}

/** Reaches trackers by the addresses it was given. */
export interface TrackerTransport extends LiveTransportBase {
  knows(peer: NodeId): boolean
}

/** Reaches other nodes through signalling that the node routes via its trackers. */
export interface SignalledTransport extends LiveTransportBase {
  setSignalSender(sender: SignalSender | undefined): void
  handleSignal(from: NodeId, payload: string): void
}

export class LiveNodeBase<W extends TrackerTransport, R extends SignalledTransport> {
  readonly id: NodeId
  readonly node: NetworkNode
  readonly overlay: TrackerOverlay
  readonly transport: CompositeTransport
  readonly timers: RealTimers
  readonly random: RealRandom
  /** The key this node signs what it publishes with (live links carry signed messages only). */
  readonly identity: KeyPair
  /** The message layer's roles: publisher (encrypting if configured), subscriber with keys, ordering and gap fill. */
  readonly messages: LiveMessageRoles
  /** What the node's permission declarations fill (security.permissions asks it). */
  readonly registry: StreamRegistry
  /** The message layer's ports (real crypto, the permission registry), for roles that validate what the node receives. */
  readonly security: SecurityPorts
  /** Judges every receipt before it is remembered or relayed; undefined with relayValidation false. */
  readonly validator: StreamMessageValidator | undefined
  /** Peer -> a joined stream part whose tracker can relay signals to it. */
  private readonly signalPart = new Map<NodeId, string>()
  private stopped = false

  /** The transports must be new, for `options.id`, with the trackers' addresses in `websocket`. */
  /** The node's key (live-message-layer.ts liveIdentity), made once for both transports, which prove it on every link. */
  static identityOf(options: LiveNodeBaseOptions): KeyPair {
    return liveIdentity(options, options.id)
  }

  constructor(readonly options: LiveNodeBaseOptions, readonly websocket: W, readonly webrtc: R) {
    if (options.trackers.length === 0) throw new RangeError('a live node needs at least one tracker')
    this.id = options.id
    const onError = options.onError
    this.timers = new RealTimers(onError === undefined ? {} : { onError: (e) => onError(e, 'timer') })
    this.random = createRealRandom(options.seed, this.id)
    this.transport = new CompositeTransport(this.id, [websocket, webrtc],
      (peer) => websocket.knows(peer) ? websocket : webrtc,
      (connection, message, from) => {
        if (from === websocket) this.learnRoute(connection.remoteId, message)
      })
    this.node = new NetworkNode({
      clock: realClock, timers: this.timers, random: createRealRandom(this.random.seed, 'node'), transport: this.transport,
      observer: options.observer ?? new SilentObserver(),
    }, {
      // Live nodes are Brubeck-era nodes (trackers): that era's defaults, as the simulator's.
      handshakeTimeoutMs: BRUBECK.handshakeTimeoutMs,
      propagation: BRUBECK.propagation,
      ...options.network,
    })
    this.overlay = new TrackerOverlay(options.trackers.map((t) => t.id), {
      timers: this.timers, randomFor: () => createRealRandom(this.random.seed, 'tracker'),
    }, { reportUnreachable: true, ...options.trackerClient })
    webrtc.setSignalSender((to, payload) => this.sendSignal(to, payload))
    // The key the transports prove on every link is the one the node signs with.
    if (websocket.identity !== webrtc.identity) throw new RangeError(`the transports of ${this.id} prove different keys`)
    this.identity = websocket.identity
    this.registry = liveStreamRegistry(realClock)
    this.security = liveSecurityPorts(realClock, this.timers, this.registry, options.permissions)
    this.validator = options.relayValidation === false ? undefined : validateAtRelays(this.node, this.security)
    this.messages = new LiveMessageRoles({
      node: this.node, identity: this.identity, security: this.security, registry: this.registry, relayValidator: this.validator,
      timers: this.timers, seed: this.random.seed, era: BRUBECK,
    }, options.messageLayer)
  }

  /** Tracker addresses as the tracker transport's address book wants them. */
  static trackerDirectory(trackers: readonly TrackerAddress[]): Record<NodeId, string> {
    return Object.fromEntries(trackers.map((t) => [t.id, t.url]))
  }

  get client(): TrackerClient | undefined {
    return this.overlay.client(this.node)
  }

  get trackerIds(): NodeId[] {
    return this.overlay.trackerIds.slice()
  }

  get isStopped(): boolean {
    return this.stopped
  }

  join(streamPartId: string): void {
    if (this.stopped) return
    const first = this.client === undefined
    const joined = this.node.streamPart(streamPartId) !== undefined
    this.overlay.join(this.node, streamPartId)
    if (first) this.client!.onSignal((from, payload) => this.webrtc.handleSignal(from, payload))
    if (!joined) this.messages.joined(streamPartId)
  }

  leave(streamPartId: string): void {
    this.overlay.leave(this.node, streamPartId)
  }

  /** The message layer's publisher on this node. */
  get publisher(): Publisher {
    return this.messages.publisher
  }

  /** Signs (and, with encryption, encrypts) `content` as this node's identity and floods it. */
  publish(streamId: string, partition: number, content: Uint8Array): StreamMessage {
    return this.messages.publish(streamId, partition, content)
  }

  neighbours(streamPartId: string): NodeId[] {
    return this.node.streamPart(streamPartId)?.neighbours.map((c) => c.remoteId) ?? []
  }

  async stop(options: Partial<StopOptions> = {}): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    const o: StopOptions = { graceful: true, lingerMs: 50, ...options }
    if (o.graceful) {
      for (const sp of this.node.streamPartIds()) this.overlay.leave(this.node, sp)
      await new Promise((resolve) => setTimeout(resolve, o.lingerMs))
    }
    this.overlay.crashed(this.node)
    this.timers.dispose()
    await Promise.all([this.websocket.close(), this.webrtc.close()])
  }

  private learnRoute(trackerId: NodeId, message: unknown): void {
    if (isTrackerInstructionMessage(message)) {
      for (const peer of message.neighbours) this.signalPart.set(peer, message.streamPartId)
    } else if (isTrackerSignalMessage(message) && message.to === this.id) {
      const sp = this.node.streamPartIds().find((p) => trackerOf(p, this.overlay.trackerIds) === trackerId)
      if (sp !== undefined) this.signalPart.set(message.from, sp)
    }
  }

  private sendSignal(to: NodeId, payload: string): boolean {
    const client = this.client
    if (client === undefined) return false
    const known = this.signalPart.get(to)
    if (known !== undefined && this.node.streamPart(known) !== undefined && client.sendSignal(known, to, payload)) return true
    let sent = false
    const tried = new Set<NodeId>()
    for (const sp of this.node.streamPartIds()) {
      const tracker = trackerOf(sp, this.overlay.trackerIds)
      if (tried.has(tracker)) continue
      tried.add(tracker)
      if (client.sendSignal(sp, to, payload)) sent = true
    }
    return sent
  }
}

// One live node as a scenario run drives it: joined at its planned time, publishing, leaving
// gracefully or crashing, and asked at the end for its neighbours and its transports' counters.
//
// - Tracker builder: a LiveNode, as `npm run node` runs it. When the scenario has link delays,
//   the delay shim is slid between the node's composite transport and its NetworkNode (the shim
//   takes over the composite's handler and hands the node delayed connections).
// - Static builder: the same NetworkNode over the same WebSocket + WebRTC composite, with the
//   scenario's seeded graph deciding the neighbours (static-live-overlay.ts) and a
//   SignalRelayClient carrying the WebRTC signalling through a relay tracker.
// Live links carry signed messages only, so a publishing node publishes through the message
// layer's Publisher (live-message-roles.ts; a LiveNode has its own), signing with a key derived
// from the scenario seed and its node id; the signature is real work on the real CPU, done before
// the message is sent (and before its publish time is taken). A scenario that runs the message
// layer (message-layer-plan.ts) gives the static builder's nodes a ScenarioMessageSetup: the
// scenario's encryption, validation placement, ordering, key exchange limits and permissions, so
// its subscribers decrypt and order what they receive as the simulator's do.

import { NetworkNode } from '../../core/network-node.ts'
import { BRUBECK, type EraDefaults } from '../../core/protocol-era.ts'
import type { NodeObserver } from '../../core/observer.ts'
import type { NodeId, Transport } from '../../core/ports.ts'
import { CompositeTransport } from '../composite-transport.ts'
import type { DelayQueue } from '../delay-line.ts'
import { DelayedTransport, type DelayedTransportStats, type LinkShaper } from '../delayed-transport.ts'
import type { LiveTransportStats } from '../live-link.ts'
import { LiveNode, type TrackerAddress } from '../live-node.ts'
import { liveSecurityPorts, liveStreamRegistry, validateAtRelays } from '../live-message-layer.ts'
import { LiveMessageRoles, type LiveMessageOptions } from '../live-message-roles.ts'
import type { StreamMessage } from '../../core/message.ts'
import { StreamRegistry } from '../../core/security/stream-registry.ts'
import { scenarioIdentity } from './message-layer-plan.ts'
import type { Scenario } from '../../sim/scenario/types.ts'
import { RealTimers, createRealRandom, realClock } from '../real-time.ts'
import { WebRtcTransport } from '../webrtc-transport.ts'
import type { WebRtcStats } from '../webrtc-signalling.ts'
import { WebSocketTransport } from '../websocket-transport.ts'
import { SignalRelayClient } from './signal-relay-client.ts'

/** ICE on loopback only: a scenario run never leaves this machine. */
export const LOOPBACK_WEBRTC = { bindAddress: '127.0.0.1', iceServers: [] as string[] }

/** A graceful leaver lingers this long so its goodbyes go out, as Simulation's LEAVE_LINGER_MS. */
export const LEAVE_LINGER_MS = 500

export type StopKind = 'leave' | 'crash' | 'end'

export interface NodeCounters {
  webrtc: LiveTransportStats
  rtc: WebRtcStats
  websocket: LiveTransportStats
  shim: DelayedTransportStats | null
}

export interface ScenarioNode {
  readonly id: NodeId
  readonly node: NetworkNode
  /** Its publisher (signing, and encrypting with a ScenarioMessageSetup that says so) and, with one, its subscriber. */
  readonly messages: LiveMessageRoles
  /** What its permission cache asks. */
  readonly registry: StreamRegistry
  /** Links whatever the node needs before time zero (the static builder's signalling relay). */
  prepare(): Promise<void>
  join(streamPartIds: readonly string[]): void
  publish(streamId: string, content: Uint8Array): StreamMessage
  neighbours(streamPartId: string): NodeId[]
  stop(kind: StopKind): Promise<void>
  counters(): NodeCounters
}

export interface ScenarioNodeOptions {
  id: NodeId
  seed: number
  observer: NodeObserver
  onError: (error: unknown, where: string) => void
  /** With both, every transmission goes through the delay shim. */
  shaper?: LinkShaper
  queue?: DelayQueue
  scenario: Scenario
  /** The static builder's message layer for a scenario that runs one; absent: the node only signs what it publishes. */
  messageLayer?: ScenarioMessageSetup
}

/** A scenario node's message layer, as its scenario configures it (worker.ts makes it). */
export interface ScenarioMessageSetup {
  options: Partial<LiveMessageOptions>
  /** The scenario's era with its ordering and key exchange settings in place of the era's defaults. */
  era: EraDefaults
  /** security.validation relay: every receipt is checked before it is relayed. */
  relayValidation: boolean
  permissionCacheTtlMs: number
  confirmationDelayMs: number
  /** Fills the node's registry with the run's streams and grants. */
  declare: (registry: StreamRegistry) => void
}

export class TrackerBuiltNode implements ScenarioNode {
  readonly live: LiveNode
  private readonly shim: DelayedTransport | null

  constructor(options: ScenarioNodeOptions, trackers: readonly TrackerAddress[]) {
    // Every node of a run is ours and no node validates (live-compatibility.ts): keys from the seed, no relay validation.
    this.live = new LiveNode({
      id: options.id, seed: options.seed, insecureTestKeys: true, relayValidation: false, messageLayer: { subscribe: false }, trackers, webrtc: LOOPBACK_WEBRTC,
      observer: options.observer, onError: options.onError,
    })
    this.shim = options.shaper !== undefined && options.queue !== undefined
      ? new DelayedTransport(this.live.transport, options.shaper, options.queue)
      : null
    this.shim?.setHandler(this.live.node)
  }

  get id(): NodeId {
    return this.live.id
  }

  get node(): NetworkNode {
    return this.live.node
  }

  get messages(): LiveMessageRoles {
    return this.live.messages
  }

  get registry(): StreamRegistry {
    return this.live.registry
  }

  async prepare(): Promise<void> {}

  join(streamPartIds: readonly string[]): void {
    for (const sp of streamPartIds) this.live.join(sp)
  }

  publish(streamId: string, content: Uint8Array): StreamMessage {
    return this.live.publish(streamId, 0, content)
  }

  neighbours(streamPartId: string): NodeId[] {
    return this.live.neighbours(streamPartId)
  }

  async stop(kind: StopKind): Promise<void> {
    await this.live.stop({ graceful: kind === 'leave', lingerMs: LEAVE_LINGER_MS })
  }

  counters(): NodeCounters {
    return { webrtc: { ...this.live.webrtc.stats }, rtc: { ...this.live.webrtc.rtcStats }, websocket: { ...this.live.websocket.stats }, shim: this.shim === null ? null : { ...this.shim.stats } }
  }
}

export class StaticBuiltNode implements ScenarioNode {
  readonly id: NodeId
  readonly node: NetworkNode
  private readonly websocket: WebSocketTransport
  private readonly webrtc: WebRtcTransport
  private readonly timers: RealTimers
  private readonly relay: SignalRelayClient
  private readonly shim: DelayedTransport | null
  readonly messages: LiveMessageRoles
  readonly registry: StreamRegistry
  private stopped = false

  constructor(options: ScenarioNodeOptions, relay: TrackerAddress) {
    this.id = options.id
    const onError = options.onError
    this.timers = new RealTimers({ onError: (e) => onError(e, 'timer') })
    this.websocket = new WebSocketTransport(this.id, { peers: { [relay.id]: relay.url }, onError })
    this.webrtc = new WebRtcTransport(this.id, { ...LOOPBACK_WEBRTC, onError })
    const composite = new CompositeTransport(this.id, [this.websocket, this.webrtc], (peer) => this.websocket.knows(peer) ? this.websocket : this.webrtc)
    this.shim = options.shaper !== undefined && options.queue !== undefined ? new DelayedTransport(composite, options.shaper, options.queue) : null
    const transport: Transport = this.shim ?? composite
    this.node = new NetworkNode({
      clock: realClock, timers: this.timers, random: createRealRandom(options.seed, this.id, 'node'), transport, observer: options.observer,
    }, { handshakeTimeoutMs: BRUBECK.handshakeTimeoutMs, propagation: BRUBECK.propagation })
    this.relay = new SignalRelayClient(this.node, relay.id)
    this.relay.onSignal = (from, payload) => this.webrtc.handleSignal(from, payload)
    this.webrtc.setSignalSender((to, payload) => this.relay.send(to, payload))
    const setup = options.messageLayer
    this.registry = setup === undefined ? liveStreamRegistry(realClock) : new StreamRegistry(realClock, { confirmationDelayMs: setup.confirmationDelayMs })
    setup?.declare(this.registry)
    const security = setup === undefined ? liveSecurityPorts(realClock, this.timers, this.registry) : liveSecurityPorts(realClock, this.timers, this.registry, { source: this.registry, cacheTtlMs: setup.permissionCacheTtlMs })
    this.messages = new LiveMessageRoles({
      node: this.node, identity: scenarioIdentity(options.scenario, this.id), security, registry: this.registry,
      relayValidator: setup?.relayValidation === true ? validateAtRelays(this.node, security) : undefined,
      timers: this.timers, seed: createRealRandom(options.seed, this.id, 'messages').seed, era: setup?.era ?? BRUBECK,
    }, setup?.options ?? { subscribe: false })
  }

  async prepare(): Promise<void> {
    if (!(await this.relay.connect())) throw new Error(`${this.id} could not link to the signalling relay ${this.relay.relayId}`)
  }

  join(streamPartIds: readonly string[]): void {
    if (this.stopped) return
    for (const sp of streamPartIds) this.node.joinStreamPart(sp)
  }

  publish(streamId: string, content: Uint8Array): StreamMessage {
    return this.messages.publish(streamId, 0, content)
  }

  neighbours(streamPartId: string): NodeId[] {
    return this.node.streamPart(streamPartId)?.neighbours.map((c) => c.remoteId) ?? []
  }

  get isStopped(): boolean {
    return this.stopped
  }

  async stop(kind: StopKind): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (kind === 'leave') {
      for (const sp of this.node.streamPartIds()) this.node.leaveStreamPart(sp)
      await new Promise((resolve) => setTimeout(resolve, LEAVE_LINGER_MS))
    }
    this.timers.dispose()
    await Promise.all([this.websocket.close(), this.webrtc.close()])
  }

  counters(): NodeCounters {
    return { webrtc: { ...this.webrtc.stats }, rtc: { ...this.webrtc.rtcStats }, websocket: { ...this.websocket.stats }, shim: this.shim === null ? null : { ...this.shim.stats } }
  }
}

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
// layer's Publisher (live-message-layer.ts; a LiveNode has its own), signing with a key derived
// from the scenario seed and its node id; the signature is real work on the real CPU, done before
// the message is sent (and before its publish time is taken).

import { NetworkNode } from '../../core/network-node.ts'
import { BRUBECK } from '../../core/protocol-era.ts'
import type { NodeObserver } from '../../core/observer.ts'
import type { NodeId, Timers, Transport } from '../../core/ports.ts'
import { CompositeTransport } from '../composite-transport.ts'
import type { DelayQueue } from '../delay-line.ts'
import { DelayedTransport, type DelayedTransportStats, type LinkShaper } from '../delayed-transport.ts'
import type { LiveTransportStats } from '../live-link.ts'
import { LiveNode, type TrackerAddress } from '../live-node.ts'
import { liveIdentity, livePublisher, liveSecurityPorts } from '../live-message-layer.ts'
import type { Publisher } from '../../core/security/publisher.ts'
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
  /** Links whatever the node needs before time zero (the static builder's signalling relay). */
  prepare(): Promise<void>
  join(streamPartIds: readonly string[]): void
  publish(streamId: string, content: Uint8Array): void
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
  /** This node publishes: it gets a signing key. */
  publishes: boolean
}

/** A publisher that signs as the key derived from the scenario seed and the node id. */
function signingPublisher(node: NetworkNode, timers: Timers, options: ScenarioNodeOptions): Publisher | null {
  if (!options.publishes) return null
  return livePublisher(node, liveIdentity({ seed: options.seed, insecureTestKeys: true }, options.id), liveSecurityPorts(realClock, timers), createRealRandom(options.seed, options.id, 'publisher'))
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

  async prepare(): Promise<void> {}

  join(streamPartIds: readonly string[]): void {
    for (const sp of streamPartIds) this.live.join(sp)
  }

  publish(streamId: string, content: Uint8Array): void {
    this.live.publish(streamId, 0, content)
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
  private readonly publisher: Publisher | null
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
    this.publisher = signingPublisher(this.node, this.timers, options)
  }

  async prepare(): Promise<void> {
    if (!(await this.relay.connect())) throw new Error(`${this.id} could not link to the signalling relay ${this.relay.relayId}`)
  }

  join(streamPartIds: readonly string[]): void {
    if (this.stopped) return
    for (const sp of streamPartIds) this.node.joinStreamPart(sp)
  }

  publish(streamId: string, content: Uint8Array): void {
    this.publisher?.publish(streamId, 0, content)
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

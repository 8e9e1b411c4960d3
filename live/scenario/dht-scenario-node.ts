// One live node of a scenario with `topology.builder: dht`: a LiveDhtNode (live-dht-node.ts),
// the same Tatum node as `npm run node -- --entry-point ...`, named as the simulator names it
// (n0, n1, ...; its DHT id is sha1 of the name, as in the simulator) and without link
// authentication: every node of a scenario run is ours, on this machine. A node the run layout
// gives a WebSocket server (the entry points, and `topology.wsServerShare` of the rest) listens
// before time zero; at its join it starts layer 0 through the scenario's entry points, whose URLs
// the coordinator hands every worker at time zero. With link delays the delay shim sits below the
// node's core, as for the other builders.

import type { NetworkNode } from '../../core/network-node.ts'
import type { StreamMessage } from '../../core/message.ts'
import type { StreamRegistry } from '../../core/security/stream-registry.ts'
import type { LiveMessageRoles } from '../live-message-roles.ts'
import type { DhtObserver } from '../../core/dht/dht-node.ts'
import type { TatumNode } from '../../core/dht-overlay/tatum-node.ts'
import type { NodeId } from '../../core/ports.ts'
import type { DelayQueue } from '../delay-line.ts'
import { DelayedTransport } from '../delayed-transport.ts'
import { type EntryPointAddress, LiveDhtNode } from '../live-dht-node.ts'
import { LEAVE_LINGER_MS, LOOPBACK_WEBRTC, type NodeCounters, type ScenarioNode, type ScenarioNodeOptions, type StopKind } from './scenario-node.ts'

export interface DhtScenarioSettings {
  /** Runs a WebSocket server (others dial it; it asks others to connect back). */
  server: boolean
  /** Region number on the locality ring; 0 with locality off. */
  region: number
  neighbourTargetCount: number
  plumtree: boolean
  /** Hears the DHTs' lookups, for the run's DHT figures. */
  observer?: DhtObserver
}

export class DhtBuiltNode implements ScenarioNode {
  readonly live: LiveDhtNode
  private shim: DelayedTransport | null = null
  private entryPoints: readonly EntryPointAddress[] | undefined
  private begun = false

  constructor(options: ScenarioNodeOptions, settings: DhtScenarioSettings) {
    const delayed = options.shaper !== undefined && options.queue !== undefined ? { shaper: options.shaper, queue: options.queue as DelayQueue } : undefined
    this.live = new LiveDhtNode({
      // Every node of a run is ours and no node validates (live-compatibility.ts).
      id: options.id, seed: options.seed, insecureTestKeys: true, relayValidation: false, messageLayer: { subscribe: false }, authenticate: false, entryPoints: [], webrtc: LOOPBACK_WEBRTC,
      server: settings.server ? { host: '127.0.0.1', port: 0 } : undefined,
      region: settings.region, neighbourTargetCount: settings.neighbourTargetCount, plumtree: settings.plumtree,
      ...(settings.observer !== undefined ? { dhtObserver: settings.observer } : {}),
      observer: options.observer, onError: options.onError,
      wrapTransport: delayed === undefined ? undefined : (t) => {
        this.shim = new DelayedTransport(t, delayed.shaper, delayed.queue)
        return this.shim
      },
    })
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

  /** Its Tatum node, once it joined. */
  get tatum(): TatumNode | undefined {
    return this.begun ? this.live.tatum : undefined
  }

  /** The URL of its server, once prepared; undefined without one. */
  get url(): string | undefined {
    return this.live.url
  }

  async prepare(): Promise<void> {
    await this.live.listen()
  }

  /** The scenario's entry points, before the node's join. */
  setEntryPoints(entryPoints: readonly EntryPointAddress[]): void {
    this.entryPoints = entryPoints
  }

  join(streamPartIds: readonly string[]): void {
    if (this.live.isStopped) return
    if (!this.begun) {
      if (this.entryPoints === undefined) throw new Error(`${this.id} joins before it knows the entry points`)
      this.begun = true
      this.live.begin(this.entryPoints)
    }
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
    return {
      webrtc: { ...this.live.webrtc.stats }, rtc: { ...this.live.webrtc.rtcStats }, websocket: { ...this.live.websocket.stats },
      shim: this.shim === null ? null : { ...this.shim.stats },
    }
  }
}

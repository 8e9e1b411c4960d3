// A live Tatum (trackerless) node, whatever it runs on: the same core classes the simulator's DHT overlay
// runs (TatumNode: RPC endpoint, layer-0 DHT, router, connection cap, a membership per stream
// part with its layer-1 DHT and layer-2 content delivery), on real time and real sockets, with
// no tracker. It joins through entry points, which are ordinary nodes with a WebSocket server;
// with none it is the first node, and the entry point of those that follow.
//
// The transport stack, from core down:
//   CompositeTransport (a tap that feeds the peer directory from RPC messages)
//   DhtLinkTransport (dht/dht-link-transport.ts: WebSocket, connect-back or WebRTC per peer,
//                     signalling and connect-back requests routed over layer 0)
//   a WebSocket transport (dials, and in Node listens when the node has a server) + a WebRTC one,
//   each of which lets no link through before its peer proved its key (link-proof.ts).
// With authentication (the default) the node id is the address of the node's key, and a peer's
// id must be the address of the key it proves.
// live-dht-node.ts supplies Node's transports (ws, node-datachannel), browser/browser-dht-node.ts
// the browser's; nothing here touches a platform API.

import { ContentDeliveryLayer } from '../core/content-delivery/content-delivery-layer.ts'
import { TatumNode } from '../core/dht-overlay/tatum-node.ts'
import { type PeerDescriptor, peerDescriptorOf } from '../core/dht/peer-descriptor.ts'
import type { DhtObserver } from '../core/dht/dht-node.ts'
import type { StreamMessage } from '../core/message.ts'
import type { KeyPair } from '../core/message-layer/identity.ts'
import { NetworkNode, type NetworkNodeOptions } from '../core/network-node.ts'
import { type NodeObserver, SilentObserver } from '../core/observer.ts'
import type { NodeId, Transport } from '../core/ports.ts'
import { TATUM } from '../core/protocol-era.ts'
import { RPC_WIRE_KINDS } from '../core/rpc/rpc-messages.ts'
import type { Publisher } from '../core/security/publisher.ts'
import type { SecurityPorts } from '../core/security/security-ports.ts'
import { CompositeTransport } from './composite-transport.ts'
import type { LivePeerDescriptor } from './dht/descriptor-wire.ts'
import { DhtLinkTransport } from './dht/dht-link-transport.ts'
import { PeerDirectory } from './dht/peer-directory.ts'
import { type LivePermissions, liveIdentity, liveSecurityPorts, liveStreamRegistry, validateAtRelays } from './live-message-layer.ts'
import { LiveMessageRoles, type LiveMessageOptions } from './live-message-roles.ts'
import type { StreamRegistry } from '../core/security/stream-registry.ts'
import type { StreamMessageValidator } from '../core/security/stream-message-validator.ts'
import { type RealRandom, RealTimers, createRealRandom, realClock } from './real-time.ts'
import type { LiveTransportBase } from './live-link.ts'
import type { WebRtcStats } from './webrtc-signalling.ts'
import type { DialingTransport, SignalledPeerTransport } from './dht/dht-link-transport.ts'

/** An entry point: its ws:// URL and node id (entry-point-probe.ts finds the id from the URL). */
export interface EntryPointAddress {
  readonly nodeId: NodeId
  readonly url: string
  /** Its region number on the locality ring, when known (scenario runs); else 0. */
  readonly region?: number
}

export interface LiveDhtNodeOptions {
  /** Seeds the node's random streams (and, with insecureTestKeys, its key); absent: random. */
  seed?: string | number
  privateKey?: string
  /** Derive the key from the seed (tests and scenario runs only; see live-message-layer.ts). */
  insecureTestKeys?: boolean
  /** Check signatures at every relay, before duplicate detection (default true; scenario runs mirror their scenario). */
  relayValidation?: boolean
  /** Permissions from a chain's registry (a node config's `registry`); absent: the node's own registry (declarations; undeclared streams open). */
  permissions?: LivePermissions
  /** Encryption, key schedule, subscriber, ordering and storage nodes (live-message-roles.ts); unset fields take its defaults. */
  messageLayer?: Partial<LiveMessageOptions>
  /** Node id when `authenticate` is false (scenario runs name nodes n0, n1, ...); else the key's address. */
  id?: NodeId
  /** Nodes to join through; empty: this node is the first (it needs a server then). */
  entryPoints: readonly EntryPointAddress[]
  /** Run a WebSocket server on host:port (port 0: any free port); absent: no server. */
  server?: { host: string; port: number }
  /** Host in the URL others dial (default: the host the server binds to). */
  advertisedHost?: string
  /**
   * The node id is its key's address, and so must every peer's be (default true). Off, ids are
   * names (scenario runs' n0, n1, ...), each bound to the first key that proves it (link-proof.ts).
   */
  authenticate?: boolean
  /** Region number on the locality ring (0: locality off). */
  region?: number
  /** Plumtree on layer 2 (default off, as in the reference). */
  plumtree?: boolean
  /** Layer-2 neighbours per stream part (default: the era's 4). */
  neighbourTargetCount?: number
  network?: Partial<NetworkNodeOptions>
  observer?: NodeObserver
  onError?: (error: unknown, where: string) => void
  /** Hears of the DHTs' lookups (scenario runs' metrics). */
  dhtObserver?: DhtObserver
  /** Wraps the node's transport below core (the scenario runs' delay shim). */
  wrapTransport?: (transport: Transport) => Transport
}

export interface DhtStopOptions {
  graceful: boolean
  lingerMs: number
}

/** The WebSocket side a DHT node needs: dials by URL (listening is the platform's business). */
export type DhtWebSocketTransport = LiveTransportBase & DialingTransport
/** The WebRTC side: signalled through the DHT. */
export type DhtWebRtcTransport = LiveTransportBase & SignalledPeerTransport & { readonly rtcStats: Readonly<WebRtcStats> }

export class LiveDhtNodeBase<W extends DhtWebSocketTransport, R extends DhtWebRtcTransport> {
  readonly id: NodeId
  readonly identity: KeyPair
  readonly timers: RealTimers
  readonly random: RealRandom
  readonly websocket: W
  readonly webrtc: R
  readonly directory: PeerDirectory
  readonly links: DhtLinkTransport
  readonly node: NetworkNode
  /** The message layer's roles: publisher (encrypting if configured), subscriber with keys, ordering and gap fill. */
  readonly messages: LiveMessageRoles
  /** What the node's permission declarations fill (security.permissions asks it). */
  readonly registry: StreamRegistry
  /** The message layer's ports (real crypto, the permission registry), for roles that validate what the node receives (the app interfaces). */
  readonly security: SecurityPorts
  /** Judges every receipt before it is remembered or relayed; undefined with relayValidation false. */
  readonly validator: StreamMessageValidator | undefined
  /** Set by begin() (start() calls it). */
  tatum!: TatumNode
  /** This node's descriptor, set by listen(): with its server's URL when it has one. */
  local!: LivePeerDescriptor
  private stopped = false

  /** The node's id and key as `options` make them, before any transport exists (the transports need the id). */
  static identityOf(options: LiveDhtNodeOptions): { id: NodeId; identity: KeyPair; idIsAddress: boolean } {
    const authenticate = options.authenticate ?? true
    // Unauthenticated scenario nodes sign as the key of their name, as the other scenario nodes do.
    const identity = liveIdentity(options, !authenticate && options.id !== undefined ? options.id : 'dht-node')
    if (authenticate && options.id !== undefined && options.id !== identity.address) {
      throw new RangeError(`with authentication the node id is the key's address ${identity.address}, not ${options.id}`)
    }
    return { id: options.id ?? identity.address, identity, idIsAddress: authenticate }
  }

  /**
   * The transports must be new, for the id of `made` (identityOf(options), made once: without a
   * seed or key every call draws a fresh key).
   */
  constructor(readonly options: LiveDhtNodeOptions, websocket: W, webrtc: R, made: { id: NodeId; identity: KeyPair; idIsAddress: boolean }) {
    const { id, identity } = made
    if (websocket.localId !== id || webrtc.localId !== id) throw new RangeError(`the transports are not for ${id}`)
    if (websocket.identity !== identity || webrtc.identity !== identity) throw new RangeError(`the transports do not prove ${id}'s key`)
    this.identity = identity
    this.id = id
    const onError = options.onError
    this.timers = new RealTimers(onError === undefined ? {} : { onError: (e) => onError(e, 'timer') })
    this.random = createRealRandom(options.seed, id)
    this.websocket = websocket
    this.webrtc = webrtc
    this.directory = new PeerDirectory(id)
    this.links = new DhtLinkTransport(id, this.websocket, this.webrtc, this.directory, options.server !== undefined)
    const below: Transport = this.links
    const wrapped = options.wrapTransport?.(below) ?? below
    const transport = new CompositeTransport(id, [wrapped], () => wrapped, (connection, message) => {
      const kind = (message as { kind?: unknown }).kind
      if (typeof kind === 'number' && RPC_WIRE_KINDS.includes(kind)) this.directory.learnFrom(message, connection.remoteId)
    })
    this.node = new NetworkNode({
      clock: realClock, timers: this.timers, random: createRealRandom(this.random.seed, 'node'), transport,
      observer: options.observer ?? new SilentObserver(),
    }, {
      // Tatum-era defaults, as the simulator's DHT runs take them.
      handshakeTimeoutMs: TATUM.handshakeTimeoutMs,
      propagation: TATUM.propagation,
      ...options.network,
    })
    this.registry = liveStreamRegistry(realClock)
    this.security = liveSecurityPorts(realClock, this.timers, this.registry, options.permissions)
    this.validator = options.relayValidation === false ? undefined : validateAtRelays(this.node, this.security)
    this.messages = new LiveMessageRoles({
      node: this.node, identity: this.identity, security: this.security, registry: this.registry, relayValidator: this.validator,
      timers: this.timers, seed: this.random.seed, era: TATUM,
    }, options.messageLayer)
  }

  /** Listens (with a server), then starts layer 0 through the entry points. */
  async start(): Promise<void> {
    await this.listen()
    this.begin(this.options.entryPoints)
  }

  /** Starts the WebSocket server, if the node has one; the node's descriptor is known from then on. */
  async listen(): Promise<void> {
    const o = this.options
    let url: string | undefined
    if (o.server !== undefined) {
      const bound = await this.serve(o.server.host, o.server.port)
      url = o.advertisedHost === undefined ? bound : bound.replace(`//${o.server.host}:`, `//${o.advertisedHost}:`)
    }
    const base = peerDescriptorOf(this.id, o.region ?? 0, url !== undefined)
    this.local = url === undefined ? base : { ...base, url }
  }

  /** Starts layer 0 through `entryPoints` (after listen()); with none, this node is the first. */
  begin(entryPointAddresses: readonly EntryPointAddress[]): void {
    const o = this.options
    if (this.local === undefined) throw new Error('listen() first')
    if (entryPointAddresses.length === 0 && this.local.url === undefined) throw new RangeError('the first node of a network (no entry points) needs a WebSocket server')
    const entryPoints: PeerDescriptor[] = entryPointAddresses.map((e) => e.nodeId === this.id
      ? this.local
      : { ...peerDescriptorOf(e.nodeId, e.region ?? 0, true), url: e.url })
    for (const e of entryPoints) this.directory.learn(e, true)
    const overlay = TATUM.overlay!
    const seed = this.random.seed
    this.tatum = new TatumNode(this.node, this.local, entryPoints.length > 0 ? entryPoints : [this.local], {
      clock: realClock,
      timers: this.timers,
      random: createRealRandom(seed, 'dht'),
      ...(o.dhtObserver !== undefined ? { observer: o.dhtObserver } : {}),
      routed: (source, payload) => this.links.handleRouted(source, payload),
      neighbourManager: (node, membership, rpc) => new ContentDeliveryLayer(node, rpc, membership.streamPartId, membership, {
        timers: this.timers, random: createRealRandom(seed, 'layer2', membership.streamPartId),
      }, {
        neighbourTargetCount: o.neighbourTargetCount ?? overlay.contentDelivery.neighbourTargetCount,
        handshakeTimeoutMs: TATUM.handshakeTimeoutMs,
        plumtree: o.plumtree ?? false,
      }),
    }, overlay)
    this.links.setRoute((target, payload) => this.tatum.router.route(target, payload))
    this.tatum.start()
  }

  /** Listens on host:port and resolves to the ws:// URL; a platform that cannot listen refuses. */
  protected serve(_host: string, _port: number): Promise<string> {
    return Promise.reject(new Error('this platform cannot run a WebSocket server'))
  }

  get url(): string | undefined {
    return this.local?.url
  }

  get isStopped(): boolean {
    return this.stopped
  }

  join(streamPartId: string): void {
    if (this.stopped || this.tatum === undefined) return
    const joined = this.tatum.memberships.has(streamPartId)
    this.tatum.joinStreamPart(streamPartId)
    if (!joined) this.messages.joined(streamPartId)
  }

  leave(streamPartId: string): void {
    if (!this.stopped) this.tatum?.leaveStreamPart(streamPartId)
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

  async stop(options: Partial<DhtStopOptions> = {}): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    const o: DhtStopOptions = { graceful: true, lingerMs: 50, ...options }
    if (this.tatum !== undefined) {
      if (o.graceful) {
        for (const sp of [...this.tatum.memberships.keys()]) this.tatum.leaveStreamPart(sp)
        await new Promise((resolve) => setTimeout(resolve, o.lingerMs))
      }
      this.tatum.halt()
    }
    this.timers.dispose()
    this.links.dispose()
    await Promise.all([this.websocket.close(), this.webrtc.close()])
  }
}

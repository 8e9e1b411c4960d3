// The simulated network under every node: the open links, and what happens to a transmission on
// one: delay from the latency model, per-link FIFO, loss, bandwidth (bandwidth.ts), a processing
// delay per hop, link cuts and partitions; nodes going up and down. How links open is
// connection-setup.ts's job; the objects nodes hold are in sim-connection.ts.
// transmit() is the hot path: ints and one shared message reference per event, no closures.

import type { Connection, NodeId, Random, Transport, WireMessage } from '../../core/ports.ts'
import { WIRE_CONTENT } from '../../core/ports.ts'
import { createRandom } from '../engine/random.ts'
import type { EventHandler, Simulator } from '../engine/simulator.ts'
import { Bandwidth } from './bandwidth.ts'
import { ConnectionSetup, type ConnectionSetupMode, type SetupNetwork } from './connection-setup.ts'
import { type LinkCarrier, SimConnection, SimTransport } from './sim-connection.ts'
import type { LatencyModel } from './latency-model.ts'
import type { LossCounters, ObservedNetwork } from './observed-network.ts'

export type { LossCounters }
export { SimConnection }

export const EVENT_ARRIVE = 2
export const EVENT_DELIVER = 3

/**
 * How long a crashed peer's neighbours take to notice: no goodbye arrives, so a live link
 * learns of it from a keep-alive timeout (WebRTC's consent checks fail after a few seconds).
 */
export const DEFAULT_CRASH_DETECTION_MS = 5_000

export interface SimNetworkOptions {
  lossRate: number
  uploadMbps?: number
  downloadMbps?: number
  processingDelayMs: number
  /** How links open (connection-setup.ts). */
  connectionSetup: ConnectionSetupMode
  /** An attempt not open by then fails: the era's connection timeout. */
  connectTimeoutMs: number
  /** Peers that run a WebSocket server (links to them are WebSockets); default none. */
  hasServer?: (index: number) => boolean
  crashDetectionMs?: number
}


/** What a node does with the content it sends: DROP_CONTENT, or a delay in ms (0: normal). */
export const DROP_CONTENT = -1

export class SimNetwork implements EventHandler, SetupNetwork, ObservedNetwork, LinkCarrier {
  /**
   * Every link end by id (events name the receiving end by id). A closed end's slot is emptied
   * once no message is in flight to it, so a run's memory follows its open links, not every link
   * it ever opened (a DHT node opens and closes hundreds).
   */
  readonly connections: (SimConnection | undefined)[] = []
  readonly lost: LossCounters = { loss: 0, partition: 0, linkCut: 0, closed: 0, dropped: 0 }
  private readonly transports: SimTransport[]
  private readonly indexOf = new Map<NodeId, number>()
  private readonly up: Uint8Array
  private readonly bandwidth: Bandwidth
  private readonly randoms: (Random | undefined)[]
  private readonly links = new Map<number, SimConnection>()
  private readonly linksOf: SimConnection[][]
  /** Side of each node while a partition holds; null when none does. */
  private partitionSide: Uint8Array | null = null
  private readonly drawsRandom: boolean
  /** Per node: DROP_CONTENT or extra delay of its content sends; null while every node behaves. */
  private contentEgress: Float64Array | null = null
  /** How links open, and what opening them cost. */
  readonly setup: ConnectionSetup
  /** Per pair, the end whose peer closed the link and which has not heard yet. */
  private readonly closing = new Map<number, SimConnection>()

  constructor(
    readonly sim: Simulator,
    readonly latency: LatencyModel,
    readonly nodeIds: readonly NodeId[],
    private readonly options: SimNetworkOptions,
    private readonly seed: number
  ) {
    const n = nodeIds.length
    this.transports = nodeIds.map((id, i) => new SimTransport(id, i, this))
    nodeIds.forEach((id, i) => this.indexOf.set(id, i))
    this.up = new Uint8Array(n).fill(1)
    this.bandwidth = new Bandwidth(n, options.uploadMbps, options.downloadMbps)
    this.randoms = new Array(n).fill(undefined)
    this.linksOf = nodeIds.map(() => [])
    this.drawsRandom = options.lossRate > 0 || !latency.constantPerPair
    sim.register(EVENT_ARRIVE, this)
    sim.register(EVENT_DELIVER, this)
    this.setup = new ConnectionSetup(this, options.connectionSetup, options.connectTimeoutMs, seed, options.hasServer ?? (() => false))
  }

  get lossRate(): number {
    return this.options.lossRate
  }

  transport(index: number): Transport {
    return this.transports[index]
  }

  /** ObservedNetwork: our connections know their far end. */
  remoteIndexOf(connection: Connection): number {
    return (connection as SimConnection).remote
  }

  /** Index of a node id, or undefined for an id not on this network. */
  indexOfNode(id: NodeId): number | undefined {
    return this.indexOf.get(id)
  }

  isUp(index: number): boolean {
    return this.up[index] === 1
  }

  upCount(): number {
    let c = 0
    for (let i = 0; i < this.up.length; i++) c += this.up[i]
    return c
  }

  /** Open links of a node (one end each, the node's own). */
  linksOfNode(index: number): readonly SimConnection[] {
    return this.linksOf[index]
  }

  /** One connection attempt; connection-setup.ts says how long it takes and whether it succeeds. */
  connect(src: number, peer: NodeId): void {
    const dst = this.indexOf.get(peer)
    if (dst === undefined) return this.failConnect(src, -1, this.sim.now() + this.options.connectTimeoutMs, 'unknown peer', peer)
    const existing = this.links.get(this.linkKey(src, dst))
    if (existing !== undefined) {
      const mine = existing.local === src ? existing : existing.peer
      this.sim.call(this.sim.now(), () => this.transports[src].handler?.onConnected(mine))
      return
    }
    this.setup.connect(src, dst)
  }

  /** SetupNetwork: the link exists from now; each end hears of it at its open time. */
  openLink(src: number, dst: number, srcOpenAtMs: number, dstOpenAtMs: number): void {
    const a = new SimConnection(this.connections.length, src, dst, this.nodeIds[dst], this)
    this.connections.push(a)
    const b = new SimConnection(this.connections.length, dst, src, this.nodeIds[src], this)
    this.connections.push(b)
    a.handler = this.transports[src].handler
    b.handler = this.transports[dst].handler
    a.peer = b
    b.peer = a
    a.peerId = b.id
    b.peerId = a.id
    this.links.set(this.linkKey(src, dst), a)
    this.linksOf[src].push(a)
    this.linksOf[dst].push(b)
    // FIFO: nothing sent on the link may arrive before the far end is open.
    a.lastArrivalMs = Math.max(srcOpenAtMs, dstOpenAtMs)
    b.lastArrivalMs = srcOpenAtMs
    this.sim.call(dstOpenAtMs, () => {
      if (b.open && this.up[dst] === 1) this.transports[dst].handler?.onConnected(b)
    })
    this.sim.call(srcOpenAtMs, () => {
      if (this.up[src] === 0) return
      // The peer went away while the link was opening: for the side that asked, that is a failed connect.
      if (a.open) this.transports[src].handler?.onConnected(a)
      else this.transports[src].handler?.onConnectFailed(this.nodeIds[dst], 'closed while opening')
    })
  }

  /** SetupNetwork: node `src` hears at `atMs` that its connect to `dst` failed. */
  failConnect(src: number, dst: number, atMs: number, reason: string, peer = this.nodeIds[dst]): void {
    this.sim.call(atMs, () => {
      if (this.up[src] === 1) this.transports[src].handler?.onConnectFailed(peer, reason)
    })
  }

  /** SetupNetwork: on different sides of a partition. */
  separated(a: number, b: number): boolean {
    const side = this.partitionSide
    return side !== null && side[a] !== side[b]
  }

  transmit(connection: SimConnection, message: WireMessage): void {
    const content = message.kind === WIRE_CONTENT
    if (!connection.open) {
      // The peer crashed and this end has not noticed yet: the message goes nowhere.
      if (content) this.lost.closed++
      return
    }
    const src = connection.local
    const dst = connection.remote
    let t = this.sim.now()
    if (content && this.contentEgress !== null) {
      const egress = this.contentEgress[src]
      if (egress === DROP_CONTENT) {
        this.lost.dropped++
        return
      }
      t += egress
    }
    if (this.bandwidth.limitsUpload) t = this.bandwidth.uploaded(src, t, message.sizeBytes)
    if (connection.cut) {
      if (content) this.lost.linkCut++
      return
    }
    const side = this.partitionSide
    if (side !== null && side[src] !== side[dst]) {
      if (content) this.lost.partition++
      return
    }
    // Drawing costs a cache miss per node, so nodes whose links draw nothing never get a stream.
    const random = this.drawsRandom ? this.randomOf(src) : NO_RANDOM
    // Loss models an unreliable data channel: control messages travel reliably (retransmitted
    // below the protocol), so only content is lost at random.
    if (content && this.options.lossRate > 0 && random.next() < this.options.lossRate) {
      this.lost.loss++
      return
    }
    let arrival = t + this.latency.sampleOneWayMs(src, dst, random)
    if (arrival < connection.lastArrivalMs) arrival = connection.lastArrivalMs
    connection.lastArrivalMs = arrival
    connection.peer.inFlight++
    if (this.bandwidth.limitsDownload) {
      this.sim.schedule(arrival, EVENT_ARRIVE, connection.peerId, 0, message)
    } else {
      this.sim.schedule(arrival + this.options.processingDelayMs, EVENT_DELIVER, connection.peerId, 0, message)
    }
  }

  handleEvent(kind: number, a: number, _b: number, ref: unknown): void {
    const connection = this.connections[a]!
    const message = ref as WireMessage
    if (kind === EVENT_ARRIVE) {
      // Arrivals queue for the receiver's download link in arrival order.
      const end = this.bandwidth.downloaded(connection.local, this.sim.now(), message.sizeBytes)
      this.sim.schedule(end + this.options.processingDelayMs, EVENT_DELIVER, a, 0, message)
      return
    }
    connection.inFlight--
    if (!connection.open || this.up[connection.local] === 0) {
      if (message.kind === WIRE_CONTENT) this.lost.closed++
      if (!connection.open && connection.inFlight === 0) this.connections[a] = undefined
      return
    }
    connection.handler!.onMessage(connection, message)
  }

  closeLink(connection: SimConnection, reason: string): void {
    if (!connection.open) return
    this.unlink(connection)
    this.transports[connection.local].handler?.onDisconnected(connection, reason)
    this.noticeLater(connection.peer, this.latency.meanOneWayMs(connection.local, connection.remote), reason)
  }

  /** Makes node `index` drop (DROP_CONTENT) or delay (ms) every content message it sends: adversary models. */
  setContentEgress(index: number, egress: number): void {
    this.contentEgress ??= new Float64Array(this.nodeIds.length)
    this.contentEgress[index] = egress
  }

  /** A node comes online (or back); it starts with no links. */
  bringUp(index: number): void {
    this.up[index] = 1
  }

  /**
   * A node goes away. Graceful: its peers hear the goodbye after one link delay. Crash: it
   * says nothing, and each peer notices only after the crash detection timeout.
   */
  takeDown(index: number, crash: boolean): void {
    if (this.up[index] === 0) return
    for (const connection of [...this.linksOf[index]]) {
      this.unlink(connection)
      if (!crash) this.transports[index].handler?.onDisconnected(connection, 'left')
      const delay = crash ? (this.options.crashDetectionMs ?? DEFAULT_CRASH_DETECTION_MS) : this.latency.meanOneWayMs(index, connection.remote)
      this.noticeLater(connection.peer, delay, crash ? 'peer crashed' : 'peer left')
    }
    this.up[index] = 0
  }

  private unlink(connection: SimConnection): void {
    const other = connection.peer
    connection.open = false
    other.open = false
    if (connection.inFlight === 0) this.connections[connection.id] = undefined
    if (other.inFlight === 0) this.connections[other.id] = undefined
    this.links.delete(this.linkKey(connection.local, connection.remote))
    removeFrom(this.linksOf[connection.local], connection)
    removeFrom(this.linksOf[other.local], other)
  }

  private noticeLater(end: SimConnection, delayMs: number, reason: string): void {
    const key = this.linkKey(end.local, end.remote)
    this.closing.set(key, end)
    this.sim.call(this.sim.now() + delayMs, () => this.notice(end, key, reason))
  }

  private notice(end: SimConnection, key: number, reason: string): void {
    if (this.closing.get(key) !== end) return
    this.closing.delete(key)
    if (this.up[end.local] === 1) this.transports[end.local].handler?.onDisconnected(end, reason)
  }

  /**
   * SetupNetwork: a connection attempt from `remote` reached `local`. If `local` still holds a
   * link to it whose far end has closed, the attempt is news that the old link is gone: as a
   * transport that gets a new connection from a peer drops the old one, `local` hears it now
   * rather than after the closing notice, and does not answer over the dead link.
   */
  staleLinkReplaced(local: number, remote: number): void {
    const key = this.linkKey(local, remote)
    const end = this.closing.get(key)
    if (end !== undefined && end.local === local) this.notice(end, key, 'replaced by a new connection')
  }

  /** Starts a partition: nodes with side 1 and side 0 cannot reach each other. */
  setPartition(side: Uint8Array | null): void {
    this.partitionSide = side
  }

  setCut(connection: SimConnection, cut: boolean): void {
    connection.cut = cut
    connection.peer.cut = cut
  }

  private randomOf(index: number): Random {
    let r = this.randoms[index]
    if (r === undefined) {
      r = createRandom(this.seed, 'node', this.nodeIds[index], 'net')
      this.randoms[index] = r
    }
    return r
  }

  private linkKey(a: number, b: number): number {
    return a < b ? a * this.nodeIds.length + b : b * this.nodeIds.length + a
  }
}

const NO_RANDOM: Random = {
  next(): number {
    throw new Error('this network draws no random numbers')
  },
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item)
  if (i >= 0) list.splice(i, 1)
}

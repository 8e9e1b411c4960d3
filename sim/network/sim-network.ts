// The simulated network under every node: the open links, and what happens to a transmission on
// one: delay from the latency model, per-link FIFO, loss, bandwidth (bandwidth.ts), a processing
// delay per hop, link cuts and partitions; nodes going up and down. How links open is
// connection-setup.ts's job; the objects nodes hold are in sim-connection.ts.
// transmit() is the hot path: ints and one shared message reference per event, no closures.
// Link state lives in typed arrays by end id (the ends of one link are 2k and 2k + 1), so a
// delivery reads a few dense arrays instead of three link objects scattered over the heap, and a
// million-node run keeps about 60 bytes per link end instead of a few hundred.

import type { Connection, NodeId, Random, Transport, TransportHandler, WireMessage } from '../../core/ports.ts'
import { WIRE_CONTENT } from '../../core/ports.ts'
import { createRandom } from '../engine/random.ts'
import type { EventHandler, Simulator } from '../engine/simulator.ts'
import { Bandwidth } from './bandwidth.ts'
import { ConnectionSetup, type ConnectionSetupMode, type SetupNetwork } from './connection-setup.ts'
import { NodeIndex } from './node-index.ts'
import { PairTable } from './pair-table.ts'
import { type LinkCarrier, SimConnection, SimTransport } from './sim-connection.ts'
import type { LatencyModel } from './latency-model.ts'
import type { LossCounters, ObservedNetwork } from './observed-network.ts'
import { grown } from '../engine/typed-arrays.ts'

export type { LossCounters }
export { SimConnection }

export const EVENT_ARRIVE = 2
export const EVENT_DELIVER = 3
/** An end of a new link opens (a = end id); FIRST_HANDLER_KIND + 3, after the workload's. */
export const EVENT_END_OPEN = 5

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
  readonly lost: LossCounters = { loss: 0, partition: 0, linkCut: 0, closed: 0, dropped: 0 }
  private readonly indexOf: NodeIndex
  private readonly up: Uint8Array
  private readonly bandwidth: Bandwidth
  private readonly randoms: (Random | undefined)[]
  /** Each node's transport handler (its NetworkNode or tracker). */
  private readonly handlers: (TransportHandler | undefined)[]
  // Per end id. An end's id is freed, with its link's other end, once both are closed and no
  // event is pending for either (a delivery or an open notice), so ids follow the open links.
  private ends: (SimConnection | undefined)[] = []
  private flags = new Uint8Array(0)
  /** The node an end belongs to; its far node is the other end's. */
  private localOf = new Int32Array(0)
  private pending = new Int32Array(0)
  private lastArrivalMs = new Float64Array(0)
  /** A node's open ends as a list in opening order: next and previous end, -1 at either end. */
  private nextOfNode = new Int32Array(0)
  private prevOfNode = new Int32Array(0)
  /** Per link (end id >> 1): when it opened, in links ever opened, for the order of openLinks(). */
  private serial = new Float64Array(0)
  private openedLinks = 0
  private freeLinks: number[] = []
  private linkCount = 0
  private readonly firstOfNode: Int32Array
  private readonly lastOfNode: Int32Array
  /** Open links by their two nodes: the link number (end id >> 1). */
  private readonly links = new PairTable()
  /** The end a delivery is being handed to, and its far node: metrics ask for it on every receipt. */
  private delivering: SimConnection | undefined
  private deliveringRemote = -1
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
    this.indexOf = new NodeIndex(nodeIds)
    this.up = new Uint8Array(n).fill(1)
    this.bandwidth = new Bandwidth(n, options.uploadMbps, options.downloadMbps)
    this.randoms = new Array(n).fill(undefined)
    this.handlers = new Array(n).fill(undefined)
    this.firstOfNode = new Int32Array(n).fill(-1)
    this.lastOfNode = new Int32Array(n).fill(-1)
    this.drawsRandom = options.lossRate > 0 || !latency.constantPerPair
    sim.register(EVENT_ARRIVE, this)
    sim.register(EVENT_DELIVER, this)
    sim.register(EVENT_END_OPEN, this)
    this.setup = new ConnectionSetup(this, options.connectionSetup, options.connectTimeoutMs, seed, options.hasServer ?? (() => false))
  }

  get lossRate(): number {
    return this.options.lossRate
  }

  /** The transport of node `index`; its handler is the network's to call. */
  transport(index: number): Transport {
    return new SimTransport(this.nodeIds[index], index, this)
  }

  setHandler(index: number, handler: TransportHandler): void {
    this.handlers[index] = handler
  }

  /** ObservedNetwork: our connections know their far end. */
  remoteIndexOf(connection: Connection): number {
    return connection === this.delivering ? this.deliveringRemote : (connection as SimConnection).remote
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

  isOpen(connection: SimConnection): boolean {
    return connection.id >= 0 && (this.flags[connection.id] & OPEN) !== 0
  }

  /** Open links of a node (one end each, the node's own), in the order they opened. */
  linksOfNode(index: number): SimConnection[] {
    const out: SimConnection[] = []
    for (let e = this.firstOfNode[index]; e >= 0; e = this.nextOfNode[e]) out.push(this.ends[e]!)
    return out
  }

  /** One end of every open link (the one whose node has the lower index), in the order the links opened. */
  openLinks(): SimConnection[] {
    const out: number[] = []
    for (let link = 0; link < this.linkCount; link++) {
      const e = 2 * link
      if (this.ends[e] !== undefined && (this.flags[e] & OPEN) !== 0) out.push(e)
    }
    out.sort((x, y) => this.serial[x >> 1] - this.serial[y >> 1])
    return out.map((e) => {
      const end = this.ends[e]!
      return end.local < end.remote ? end : this.ends[e + 1]!
    })
  }

  /** One connection attempt; connection-setup.ts says how long it takes and whether it succeeds. */
  connect(src: number, peer: NodeId): void {
    const dst = this.indexOf.get(peer)
    if (dst === undefined) return this.failConnect(src, -1, this.sim.now() + this.options.connectTimeoutMs, 'unknown peer', peer)
    const link = this.links.get(src, dst)
    if (link >= 0) {
      const end = this.ends[2 * link]!
      const mine = end.local === src ? end : this.ends[2 * link + 1]!
      this.sim.call(this.sim.now(), () => this.handlers[src]?.onConnected(mine))
      return
    }
    this.setup.connect(src, dst)
  }

  /** SetupNetwork: the link exists from now; each end hears of it at its open time. */
  openLink(src: number, dst: number, srcOpenAtMs: number, dstOpenAtMs: number): void {
    const link = this.newLink()
    const a = 2 * link
    const b = a + 1
    this.ends[a] = new SimConnection(a, src, dst, this.nodeIds[dst], this)
    this.ends[b] = new SimConnection(b, dst, src, this.nodeIds[src], this)
    this.flags[a] = OPEN
    this.flags[b] = OPEN
    this.localOf[a] = src
    this.localOf[b] = dst
    this.serial[link] = this.openedLinks++
    this.links.set(src, dst, link)
    this.append(src, a)
    this.append(dst, b)
    // FIFO: nothing sent on the link may arrive before the far end is open.
    this.lastArrivalMs[a] = Math.max(srcOpenAtMs, dstOpenAtMs)
    this.lastArrivalMs[b] = srcOpenAtMs
    this.pending[b]++
    this.sim.schedule(dstOpenAtMs, EVENT_END_OPEN, b, 0, undefined)
    this.pending[a]++
    this.sim.schedule(srcOpenAtMs, EVENT_END_OPEN, a, 0, undefined)
  }

  /** SetupNetwork: node `src` hears at `atMs` that its connect to `dst` failed. */
  failConnect(src: number, dst: number, atMs: number, reason: string, peer = this.nodeIds[dst]): void {
    this.sim.call(atMs, () => {
      if (this.up[src] === 1) this.handlers[src]?.onConnectFailed(peer, reason)
    })
  }

  /** SetupNetwork: on different sides of a partition. */
  separated(a: number, b: number): boolean {
    const side = this.partitionSide
    return side !== null && side[a] !== side[b]
  }

  transmit(connection: SimConnection, message: WireMessage): void {
    const content = message.kind === WIRE_CONTENT
    const id = connection.id
    if (id < 0 || (this.flags[id] & OPEN) === 0) {
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
    if ((this.flags[id] & CUT) !== 0) {
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
    if (arrival < this.lastArrivalMs[id]) arrival = this.lastArrivalMs[id]
    this.lastArrivalMs[id] = arrival
    const peer = id ^ 1
    this.pending[peer]++
    if (this.bandwidth.limitsDownload) {
      this.sim.schedule(arrival, EVENT_ARRIVE, peer, 0, message)
    } else {
      this.sim.schedule(arrival + this.options.processingDelayMs, EVENT_DELIVER, peer, 0, message)
    }
  }

  handleEvent(kind: number, a: number, _b: number, ref: unknown): void {
    if (kind === EVENT_ARRIVE) {
      // Arrivals queue for the receiver's download link in arrival order.
      const message = ref as WireMessage
      const end = this.bandwidth.downloaded(this.localOf[a], this.sim.now(), message.sizeBytes)
      this.sim.schedule(end + this.options.processingDelayMs, EVENT_DELIVER, a, 0, message)
      return
    }
    this.pending[a]--
    const connection = this.ends[a]!
    // Typed arrays only: the receiving end's object is handed on, not read.
    const local = this.localOf[a]
    if (kind === EVENT_END_OPEN) {
      this.endOpened(connection)
      if (this.pending[a] === 0 && (this.flags[a] & OPEN) === 0) this.release(a)
      return
    }
    const message = ref as WireMessage
    if ((this.flags[a] & OPEN) === 0 || this.up[local] === 0) {
      if (message.kind === WIRE_CONTENT) this.lost.closed++
      if (this.pending[a] === 0 && (this.flags[a] & OPEN) === 0) this.release(a)
      return
    }
    this.delivering = connection
    this.deliveringRemote = this.localOf[a ^ 1]
    this.handlers[local]!.onMessage(connection, message)
    this.delivering = undefined
  }

  /** An end's open time came: its node hears of the link, or (the side that asked) that it closed while opening. */
  private endOpened(end: SimConnection): void {
    const open = (this.flags[end.id] & OPEN) !== 0
    if (this.up[end.local] === 0) return
    if (open) this.handlers[end.local]?.onConnected(end)
    else if ((end.id & 1) === 0) this.handlers[end.local]?.onConnectFailed(end.remoteId, 'closed while opening')
  }

  closeLink(connection: SimConnection, reason: string): void {
    if (!this.isOpen(connection)) return
    const peer = this.ends[connection.id ^ 1]!
    this.unlink(connection)
    this.handlers[connection.local]?.onDisconnected(connection, reason)
    this.noticeLater(peer, this.latency.meanOneWayMs(connection.local, connection.remote), reason)
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
    // Both ends of every link now: a handler told of one closing may close another, which frees its ids.
    const mine = this.linksOfNode(index)
    const peers = mine.map((c) => this.ends[c.id ^ 1]!)
    for (const [k, connection] of mine.entries()) {
      const peer = peers[k]
      this.unlink(connection)
      if (!crash) this.handlers[index]?.onDisconnected(connection, 'left')
      const delay = crash ? (this.options.crashDetectionMs ?? DEFAULT_CRASH_DETECTION_MS) : this.latency.meanOneWayMs(index, connection.remote)
      this.noticeLater(peer, delay, crash ? 'peer crashed' : 'peer left')
    }
    this.up[index] = 0
  }

  /** Closes both ends; nothing for an end already closed (or freed and reused). */
  private unlink(connection: SimConnection): void {
    if (!this.isOpen(connection)) return
    const a = connection.id
    const b = a ^ 1
    this.flags[a] &= ~OPEN
    this.flags[b] &= ~OPEN
    this.links.delete(connection.local, connection.remote)
    this.remove(connection.local, a)
    this.remove(connection.remote, b)
    if (this.pending[a] === 0 && this.pending[b] === 0) this.release(a)
  }

  /** Frees a closed link's two end ids once neither has an event pending. */
  private release(end: number): void {
    const other = end ^ 1
    if (this.pending[other] !== 0 || (this.flags[other] & OPEN) !== 0 || this.ends[end] === undefined) return
    this.ends[end]!.id = -1
    this.ends[other]!.id = -1
    this.ends[end] = undefined
    this.ends[other] = undefined
    this.freeLinks.push(end >> 1)
  }

  private newLink(): number {
    const reused = this.freeLinks.pop()
    if (reused !== undefined) {
      this.flags[2 * reused] = 0
      this.flags[2 * reused + 1] = 0
      return reused
    }
    const link = this.linkCount++
    if (2 * this.linkCount > this.flags.length) this.growEnds()
    return link
  }

  private growEnds(): void {
    const capacity = Math.max(1024, this.flags.length * 2)
    this.flags = grown(this.flags, new Uint8Array(capacity))
    this.localOf = grown(this.localOf, new Int32Array(capacity))
    this.pending = grown(this.pending, new Int32Array(capacity))
    this.lastArrivalMs = grown(this.lastArrivalMs, new Float64Array(capacity))
    this.nextOfNode = grown(this.nextOfNode, new Int32Array(capacity))
    this.prevOfNode = grown(this.prevOfNode, new Int32Array(capacity))
    this.serial = grown(this.serial, new Float64Array(capacity / 2))
  }

  private append(node: number, end: number): void {
    const last = this.lastOfNode[node]
    this.prevOfNode[end] = last
    this.nextOfNode[end] = -1
    if (last < 0) this.firstOfNode[node] = end
    else this.nextOfNode[last] = end
    this.lastOfNode[node] = end
  }

  private remove(node: number, end: number): void {
    const prev = this.prevOfNode[end]
    const next = this.nextOfNode[end]
    if (prev < 0) this.firstOfNode[node] = next
    else this.nextOfNode[prev] = next
    if (next < 0) this.lastOfNode[node] = prev
    else this.prevOfNode[next] = prev
  }

  private noticeLater(end: SimConnection, delayMs: number, reason: string): void {
    const key = this.linkKey(end.local, end.remote)
    this.closing.set(key, end)
    this.sim.call(this.sim.now() + delayMs, () => this.notice(end, key, reason))
  }

  private notice(end: SimConnection, key: number, reason: string): void {
    if (this.closing.get(key) !== end) return
    this.closing.delete(key)
    if (this.up[end.local] === 1) this.handlers[end.local]?.onDisconnected(end, reason)
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

  /** Cuts (or heals) an open link: both directions lose what is sent on it. */
  setCut(connection: SimConnection, cut: boolean): void {
    if (connection.id < 0) return
    for (const e of [connection.id, connection.id ^ 1]) this.flags[e] = cut ? this.flags[e] | CUT : this.flags[e] & ~CUT
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

const OPEN = 1
const CUT = 2

const NO_RANDOM: Random = {
  next(): number {
    throw new Error('this network draws no random numbers')
  },
}


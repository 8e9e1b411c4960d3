// Plumtree on one stream part of one node (PlumtreeManager.ts, PlumtreeRpcLocal.ts,
// ContentDeliveryRpcLocal.ts, trackerless-network 103.3.1): flooding that prunes itself into a
// tree per publisher chain. It takes over the relay of the node's stream part (a RelayStrategy),
// so it works on any overlay, static or built by layer 2, given an RpcEndpoint on the node.
//
// - A neighbour that sends a message we already have is asked to pause the chain: from then on
//   it sends us only the message ids. At most maxPausedNeighbours are paused per chain, so with
//   more neighbours than that at least one keeps sending real data.
// - On a chain a neighbour paused, we send it the id in place of each message we relay.
// - Ids on a paused link that are ahead of the newest message we have, at two or more distinct
//   timestamps, mean the tree broke upstream: we resume that neighbour, and it sends again what
//   it kept after our newest message (the last resendBufferSize messages per chain).
// - When a neighbour goes and every remaining one is paused on a chain, the first is resumed.
// Own publishes flood to every neighbour, paused or not, as the reference's broadcast does.

import { type PeerDescriptor, peerDescriptorOf } from '../dht/peer-descriptor.ts'
import type { RpcEndpoint, RpcReply, RpcService } from '../rpc/rpc-endpoint.ts'
import type { ContentDeliveryNode, RelayStrategy } from '../content-delivery-node.ts'
import type { NetworkNode } from '../network-node.ts'
import type { Connection, ContentWireMessage, NodeId } from '../ports.ts'
import { type PlumtreeCounts, zeroPlumtreeCounts } from './content-delivery-counts.ts'
import { type PlumtreeOptions, createPlumtreeOptions } from './content-delivery-options.ts'
import { PausedNeighbours } from './paused-neighbours.ts'
import {
  PLUMTREE_METADATA, PLUMTREE_PAUSE, PLUMTREE_RESUME, PLUMTREE_SERVICE_PREFIX, type PauseBody, type ResumeBody, isMetadataBody,
  isPauseBody, isResumeBody, metadataBytes, pauseBytes, resumeBytes,
} from './plumtree-messages.ts'
import { RecentMessages } from './recent-messages.ts'

/** Distinct timestamps ahead of our newest message a paused link must show before we resume it. */
export const RESUME_AFTER_TIMESTAMPS_AHEAD = 2

export class Plumtree implements RelayStrategy, RpcService {
  readonly service: string
  readonly counts: PlumtreeCounts = zeroPlumtreeCounts()
  readonly options: PlumtreeOptions
  private part: ContentDeliveryNode | undefined
  /** Neighbours that asked us to send them only ids. */
  private readonly pausedByThem: PausedNeighbours
  /** Neighbours we asked to send us only ids. */
  private readonly pausedByUs: PausedNeighbours
  private readonly recent: RecentMessages
  /** Per chain: timestamps seen in ids on paused links that are newer than our newest message. */
  private readonly aheadTimestamps = new Map<string, Set<number>>()
  /** Descriptors made for neighbours the endpoint has none of (links the DHT did not open). */
  private readonly madeDescriptors = new Map<NodeId, PeerDescriptor>()

  constructor(private readonly node: NetworkNode, private readonly rpc: RpcEndpoint, readonly streamPartId: string, options: Partial<PlumtreeOptions> = {}) {
    this.options = createPlumtreeOptions(options)
    this.service = PLUMTREE_SERVICE_PREFIX + streamPartId
    this.pausedByThem = new PausedNeighbours(this.options.maxPausedNeighbours)
    this.pausedByUs = new PausedNeighbours(this.options.maxPausedNeighbours)
    this.recent = new RecentMessages(this.options.resendBufferSize)
  }

  /** Joins the stream part if needed and takes over its relay. Again after the node rejoins it. */
  start(): void {
    if (this.part === undefined) this.rpc.register(this.service, this)
    this.part = this.node.joinStreamPart(this.streamPartId)
    this.part.setRelayStrategy(this)
  }

  stop(): void {
    if (this.part === undefined) return
    this.part.setRelayStrategy(null)
    this.part = undefined
    this.rpc.unregister(this.service)
  }

  /** We asked `peer` to send us only ids on `msgChainId`. */
  isPausedByUs(peer: NodeId, msgChainId: string): boolean {
    return this.pausedByUs.isPaused(peer, msgChainId)
  }

  /** `peer` asked us to send it only ids on `msgChainId`. */
  hasPausedUs(peer: NodeId, msgChainId: string): boolean {
    return this.pausedByThem.isPaused(peer, msgChainId)
  }

  // RelayStrategy

  relay(wire: ContentWireMessage, from: Connection, neighbours: readonly Connection[]): void {
    const id = wire.message.messageId
    const chain = id.msgChainId
    this.recent.add(chain, wire)
    this.aheadTimestamps.get(chain)?.delete(id.timestamp)
    for (let i = 0; i < neighbours.length; i++) {
      const n = neighbours[i]
      if (n === from) continue
      if (this.pausedByThem.isPaused(n.remoteId, chain)) {
        this.counts.metadataSent++
        this.rpc.notify(this.descriptorOf(n.remoteId), this.service, PLUMTREE_METADATA, id, metadataBytes(id.streamId, chain))
      } else {
        this.node.send(n, wire)
      }
    }
  }

  duplicate(wire: ContentWireMessage, from: Connection): void {
    const chain = wire.message.messageId.msgChainId
    const peer = from.remoteId
    if (this.part === undefined || !this.part.hasNeighbour(peer) || this.pausedByUs.isPaused(peer, chain)
      || this.pausedByUs.size(chain) >= this.options.maxPausedNeighbours) return
    this.pausedByUs.add(peer, chain)
    this.counts.pausesSent++
    const body: PauseBody = { msgChainId: chain }
    this.rpc.notify(this.descriptorOf(peer), this.service, PLUMTREE_PAUSE, body, pauseBytes(chain))
  }

  neighbourRemoved(peer: NodeId): void {
    this.pausedByThem.deleteAll(peer)
    this.pausedByUs.deleteAll(peer)
    this.madeDescriptors.delete(peer)
    const neighbours = this.part?.neighbours ?? []
    if (neighbours.length === 0) return
    // Collected first: resuming changes the table being read.
    const cutOff = this.pausedByUs.counts().filter(([, paused]) => paused >= neighbours.length)
    for (const [chain] of cutOff) this.resume(neighbours[0].remoteId, chain, this.recent.latestTimestamp(chain))
  }

  // RpcService: plumtree has notices only.

  handleRequest(_sender: PeerDescriptor, _method: number, _body: unknown, _reply: RpcReply): boolean {
    this.counts.malformed++
    return false
  }

  handleNotice(sender: PeerDescriptor, method: number, body: unknown): boolean {
    if (this.part === undefined) return true
    switch (method) {
      case PLUMTREE_METADATA:
        if (!isMetadataBody(body)) break
        this.onMetadata(sender.nodeId, body.msgChainId, body.timestamp)
        return true
      case PLUMTREE_PAUSE:
        if (!isPauseBody(body)) break
        this.counts.pausesReceived++
        if (this.part.hasNeighbour(sender.nodeId)) this.pausedByThem.add(sender.nodeId, body.msgChainId)
        return true
      case PLUMTREE_RESUME:
        if (!isResumeBody(body)) break
        this.counts.resumesReceived++
        this.pausedByThem.delete(sender.nodeId, body.msgChainId)
        this.sendKept(sender.nodeId, body.msgChainId, body.fromTimestamp)
        return true
    }
    this.counts.malformed++
    return false
  }

  private onMetadata(peer: NodeId, chain: string, timestamp: number): void {
    const newest = this.recent.latestTimestamp(chain)
    if (newest >= timestamp) return
    let ahead = this.aheadTimestamps.get(chain)
    if (ahead === undefined) {
      ahead = new Set()
      this.aheadTimestamps.set(chain, ahead)
    }
    ahead.add(timestamp)
    if (ahead.size < RESUME_AFTER_TIMESTAMPS_AHEAD) return
    this.resume(peer, chain, newest)
    ahead.clear()
  }

  private resume(peer: NodeId, chain: string, fromTimestamp: number): void {
    if (!this.pausedByUs.isPaused(peer, chain)) return
    this.pausedByUs.delete(peer, chain)
    this.counts.resumesSent++
    const body: ResumeBody = { msgChainId: chain, fromTimestamp }
    this.rpc.notify(this.descriptorOf(peer), this.service, PLUMTREE_RESUME, body, resumeBytes(chain))
  }

  private sendKept(peer: NodeId, chain: string, fromTimestamp: number): void {
    const link = this.node.connection(peer)
    if (link === undefined) return
    for (const wire of this.recent.after(chain, fromTimestamp)) {
      this.counts.resent++
      this.node.send(link, wire)
    }
  }

  /** The endpoint's descriptor of `peer`, or one made from its id: a notice needs only the id to find the link. */
  private descriptorOf(peer: NodeId): PeerDescriptor {
    const known = this.rpc.linkedPeer(peer)
    if (known !== undefined) return known
    let made = this.madeDescriptors.get(peer)
    if (made === undefined) {
      made = peerDescriptorOf(peer)
      this.madeDescriptors.set(peer, made)
    }
    return made
  }
}

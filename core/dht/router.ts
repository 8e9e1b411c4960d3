// Routing a message to a node we have no link to, through the links of layer 0 (Router.ts,
// RouterRpcLocal.ts and RoutingSession.ts, @streamr/dht 103.3.1). WebRTC signalling and
// connect-back requests travel this way, which is how two nodes without a server find each
// other without a tracker.
//
// - Each hop passes the message to the linked peer closest to its goal that it has not passed
//   through, and that peer acknowledges at once: it has a next hop, or it is the target. A hop
//   not acknowledged within 2 s, or answered "no next hop", is tried with the next closest peer,
//   up to 2 failures. A link that closed at its far end a moment ago loses messages as a real one
//   does; this is what recovers them.
// - The source sends along 2 routes that keep off each other's first hops; every node handles a
//   message once, whichever route brought it.
// - A node still joining has few links, and greedy routing towards it ends at nodes that do not
//   know it yet. So its messages name the entry points it is linked to, and the target keeps a
//   forwarding entry for 10 s: its replies go to such an entry point first, which passes them on.

import type { Clock } from '../ports.ts'
import type { RpcEndpoint, RpcReply } from '../rpc/rpc-endpoint.ts'
import { compareDistance } from './dht-id.ts'
import { DHT_ROUTE, MAX_REACHABLE_THROUGH, MAX_ROUTE_HOPS, type RouteBody, isRouteBody } from './dht-messages.ts'
import { PEER_DESCRIPTOR_BYTES, type PeerDescriptor } from './peer-descriptor.ts'
import { idPrefix32 } from '../rpc/linked-peers.ts'

/** Forwarding entry lifetime (Router.ts setForwardingEntries, 10 s, dht 103.3.1). */
export const FORWARDING_ENTRY_TTL_MS = 10_000
/** Forwarding entries kept at most; the oldest go first. Bounds what peers can make us remember. */
export const MAX_FORWARDING_ENTRIES = 1_000
/** A hop's acknowledgement timeout (RouterRpcRemote.ts ROUTING_TIMEOUT). */
export const ROUTING_TIMEOUT_MS = 2_000
/** Failed hops after which a node gives up a message (RoutingSession.ts MAX_FAILED_HOPS). */
export const MAX_FAILED_HOPS = 2
/** Routes the source starts (Router.createRoutingSession: parallelism 2 at the source, 1 after). */
export const SOURCE_ROUTES = 2
/** Message ids remembered to drop repeats (Router.ts DuplicateDetector(10000)). */
export const REMEMBERED_MESSAGES = 10_000

const ACK_OK = 0
const ACK_NO_TARGETS = 1
const ACK_DUPLICATE = 2

interface ForwardingEntry {
  readonly via: readonly PeerDescriptor[]
  readonly expiresAtMs: number
}

export class Router {
  /** Routed messages: started here, forwarded, delivered here, given up, and hops that failed. */
  readonly counts = { sent: 0, forwarded: 0, delivered: 0, deadEnds: 0, failedHops: 0 }
  private readonly forwarding = new Map<string, ForwardingEntry>()
  private readonly seen = new Set<string>()
  private readonly seenOrder: (string | undefined)[] = []
  private seenNext = 0
  private nextId = 1

  constructor(
    private readonly rpc: RpcEndpoint,
    private readonly service: string,
    private readonly clock: Clock,
    /** Linked nodes through which we can be reached while joining (empty once joined). */
    private readonly reachableThrough: () => readonly PeerDescriptor[],
    /** Hears a payload routed to this node. */
    private readonly deliverHere: (source: PeerDescriptor, payload: string) => void
  ) {}

  /** Starts `payload` towards `target`; false when there is no link to send it on. */
  route(target: PeerDescriptor, payload: string): boolean {
    const entry = this.forwarding.get(target.nodeId)
    const via = entry !== undefined && entry.expiresAtMs > this.clock.now() ? entry.via[0] : null
    const base: RouteBody = {
      id: `${this.rpc.local.nodeId}:${this.nextId++}`, parallelRoots: [], target, via, source: this.rpc.local,
      reachableThrough: this.reachableThrough().slice(0, MAX_REACHABLE_THROUGH), path: [this.rpc.local.nodeId], payload,
    }
    this.remember(base.id)
    const roots = this.nextHops(base, SOURCE_ROUTES + MAX_FAILED_HOPS)
    if (roots.length === 0) return false
    const body: RouteBody = { ...base, parallelRoots: roots.slice(0, SOURCE_ROUTES).map((p) => p.nodeId) }
    this.counts.sent++
    // Each route tries its own first hop, then falls back on the spares shared by both.
    const spares = roots.slice(SOURCE_ROUTES)
    for (const first of roots.slice(0, SOURCE_ROUTES)) this.session(body, [first, ...spares], 0)
    return true
  }

  /** A ROUTE request arrived; false when malformed. Acknowledged at once. */
  handle(body: unknown, reply: RpcReply): boolean {
    if (!isRouteBody(body)) return false
    if (this.seen.has(body.id)) {
      reply(ACK_DUPLICATE, 1)
      return true
    }
    this.remember(body.id)
    const me = this.rpc.local.nodeId
    if (body.target.nodeId === me) {
      this.keepForwardingEntry(body)
      this.counts.delivered++
      reply(ACK_OK, 1)
      this.deliverHere(body.source, body.payload)
      return true
    }
    // The forwarding node reached: from here it goes to the target, which is linked to us.
    const via = body.via !== null && body.via.nodeId === me ? null : body.via
    const next: RouteBody = { ...body, via, path: [...body.path, me] }
    const hops = body.path.length >= MAX_ROUTE_HOPS ? [] : this.nextHops(next, 1 + MAX_FAILED_HOPS)
    if (hops.length === 0) {
      this.counts.deadEnds++
      reply(ACK_NO_TARGETS, 1)
      return true
    }
    reply(ACK_OK, 1)
    this.counts.forwarded++
    this.session(next, hops, 0)
    return true
  }

  /** Sends `body` to `hops[i]`; on a failed hop, to the next, until MAX_FAILED_HOPS failed. */
  private session(body: RouteBody, hops: readonly PeerDescriptor[], failed: number): void {
    const hop = hops[failed]
    if (hop === undefined || failed >= MAX_FAILED_HOPS) {
      this.counts.deadEnds++
      return
    }
    const bytes = (3 + body.reachableThrough.length) * PEER_DESCRIPTOR_BYTES + body.payload.length + (body.path.length + 2) * 20 + 8
    this.rpc.request(hop, this.service, DHT_ROUTE, body, bytes, ROUTING_TIMEOUT_MS, (ack) => {
      if (ack === ACK_OK || ack === ACK_DUPLICATE) return
      this.counts.failedHops++
      this.session(body, hops, failed + 1)
    })
  }

  /**
   * Up to `n` linked peers to pass `body` on to, best first: its goal itself if linked, then the
   * closest to the goal that the message has not passed and that no other route starts at.
   */
  private nextHops(body: RouteBody, n: number): PeerDescriptor[] {
    const goal = body.via ?? body.target
    const direct = this.rpc.linkedPeer(goal.nodeId)
    const out: PeerDescriptor[] = direct !== undefined ? [direct] : []
    // XOR distances of the ids' first 32 bits: a hub has hundreds of links, and comparing whole
    // ids was a third of a 3,000-node run; the full comparison settles equal prefixes. The scan's
    // order does not matter: distances to one target differ between distinct ids.
    const far: number[] = direct !== undefined ? [0] : []
    const target = goal.dhtId
    const t0 = idPrefix32(target)
    const path = body.path
    const roots = body.parallelRoots
    const first = direct === undefined ? 0 : 1
    const linked = this.rpc.linkedPeers()
    for (let k = 0, size = linked.size; k < size; k++) {
      // Insertion into a short sorted list (n is 2 to 4); the distance test first, since it
      // rules out most links before the exclusions need looking at.
      const d = (linked.prefixAt(k) ^ t0) >>> 0
      let i = out.length
      if (i >= n && d > far[n - 1]) continue
      const p = linked.at(k)
      while (i > first && (d < far[i - 1] || (d === far[i - 1] && compareDistance(p.dhtId, out[i - 1].dhtId, target) < 0))) i--
      if (i >= n || p === direct || path.includes(p.nodeId) || roots.includes(p.nodeId)) continue
      out.splice(i, 0, p)
      far.splice(i, 0, d)
      if (out.length > n) {
        out.pop()
        far.pop()
      }
    }
    return out
  }

  private keepForwardingEntry(body: RouteBody): void {
    const via = body.reachableThrough.filter((d) => d.nodeId !== this.rpc.local.nodeId)
    if (via.length === 0) return
    this.forwarding.delete(body.source.nodeId)
    if (this.forwarding.size >= MAX_FORWARDING_ENTRIES) this.forwarding.delete(this.forwarding.keys().next().value!)
    this.forwarding.set(body.source.nodeId, { via, expiresAtMs: this.clock.now() + FORWARDING_ENTRY_TTL_MS })
  }

  /** Remembers `id`, forgetting the oldest beyond REMEMBERED_MESSAGES (a ring: deleting a Set's first entry over and over scans the holes left before it). */
  private remember(id: string): void {
    const oldest = this.seenOrder[this.seenNext]
    if (oldest !== undefined) this.seen.delete(oldest)
    this.seenOrder[this.seenNext] = id
    this.seenNext = (this.seenNext + 1) % REMEMBERED_MESSAGES
    this.seen.add(id)
  }
}

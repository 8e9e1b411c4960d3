// One Kademlia DHT on one node (DhtNode.ts, PeerDiscovery.ts, StoreManager.ts, @streamr/dht
// 103.3.1): layer 0, which every node runs, or a stream part's layer 1. It answers the DHT's
// RPCs, joins through entry points by looking up its own id and then its complement, keeps its
// contacts fresh, and stores and fetches values under keys.
//
// Joining follows PeerDiscovery.joinDht: one pair of sessions per entry point, run side by side;
// a join that leaves no neighbour is tried again a second later; once joined, every recovery
// interval the closest neighbours are asked for our id and one for a random id. When the last
// neighbour goes, the node rejoins through its entry points, or tells its owner (layer 1 has
// none: it fetches entry points again).

import type { Clock, Random, Timers } from '../ports.ts'
import type { LinkListener, RpcEndpoint, RpcReply, RpcService } from '../rpc/rpc-endpoint.ts'
import { DataStore } from './data-store.ts'
import { type DhtId, compareDistance, complementOf } from './dht-id.ts'
import {
  DATA_ENTRY_BYTES, DHT_CLOSEST_PEERS, DHT_CLOSEST_RING_PEERS, DHT_DELETE, DHT_FETCH, DHT_LEAVE, DHT_PING, DHT_ROUTE,
  DHT_EXTERNAL_FETCH, DHT_EXTERNAL_STORE, DHT_REPLICATE, DHT_STORE, type DataEntry, KEY_BODY_BYTES, MAX_FETCHED_ENTRIES, isDeleteBody, isFetchReply, isKeyBody, isPeersReply,
  isClosestBody, isReplicateBody, isRingBody, isRingReply, isStoreBody, peersBytes,
} from './dht-messages.ts'
import type { ConnectionTimeouts, DhtOptions } from './dht-options.ts'
import { Lookup, type LookupMetric, type LookupMode, type LookupQuery, type LookupResult } from './lookup.ts'
import { PeerManager } from './peer-manager.ts'
import type { PeerDescriptor } from './peer-descriptor.ts'
import { RingContacts, leftDistance, ringPositionOf, rightDistance } from './ring.ts'
import type { Router } from './router.ts'

export interface DhtNodePorts {
  readonly clock: Clock
  readonly timers: Timers
  readonly random: Random
}

/**
 * The steps of a Tatum node's join, in order: it starts; it has its first layer-0 link (stream
 * part joins wait for one); it has fetched a stream part's entry points from layer 0; its layer
 * 1 has its first contact. Layer 2's first neighbour follows (timeToFirstNeighbourMs).
 */
export type JoinPhase = 'started' | 'layer0Linked' | 'entryPointsFetched' | 'layer1Contact'

/** What a DHT reports about its work, for metrics. */
export interface DhtObserver {
  lookupDone(service: string, purpose: 'join' | 'find' | 'ring', result: LookupResult): void
  /** Node `nodeId` reached `phase` (again, if it rejoins: metrics keep the first after each start). */
  joinPhase?(nodeId: string, phase: JoinPhase): void
}

export interface DhtNodeHooks {
  /** Layer 0 locks its bucket contacts and join entry points against the connection cap; layer 1 does not. */
  lock?(nodeId: string, lockId: string): void
  unlock?(nodeId: string, lockId: string): void
  /** Contacts changed: layer 2 reads them again. */
  contactsChanged?(): void
  /** No neighbour is left and there are no entry points to rejoin through. */
  rejoinRequired?(): void
  observer?: DhtObserver
}

export class DhtNode implements RpcService, LinkListener {
  readonly peers: PeerManager
  private readonly data: DataStore
  private joinCalled = false
  private sessions = 0
  private rejoining = false
  private recoveryTimer: number | undefined
  private stopped = false
  private router: Router | undefined
  private readonly live = new Set<number>()
  /** Keys we stored a value under, and the nodes we stored it on: told when we leave. */
  private readonly storedOn = new Map<DhtId, PeerDescriptor[]>()

  constructor(
    private readonly ports: DhtNodePorts,
    private readonly rpc: RpcEndpoint,
    readonly service: string,
    private readonly options: DhtOptions,
    private readonly timeouts: ConnectionTimeouts,
    /** Whom to rejoin through when the last neighbour goes (layer 0's configured entry points; none for layer 1). */
    private readonly entryPoints: readonly PeerDescriptor[],
    private readonly hooks: DhtNodeHooks = {}
  ) {
    this.data = new DataStore(options.storeTtlMs)
    this.peers = new PeerManager(rpc.local, options, ports.random, {
      hasConnection: (id) => rpc.linkedPeer(id) !== undefined,
      ping: (peer, done) => this.ping(peer, done),
      lock: hooks.lock === undefined ? undefined : (id) => hooks.lock!(id, service),
      unlock: hooks.unlock === undefined ? undefined : (id) => hooks.unlock!(id, service),
      changed: () => hooks.contactsChanged?.(),
      nearbyAdded: (contact) => this.replicateTo(contact),
      bucketsEmpty: () => this.bucketsEmpty(),
    })
    rpc.register(service, this)
    rpc.addLinkListener(this)
    if (options.pingIntervalMs !== null) this.schedulePing(options.pingIntervalMs)
  }

  get local(): PeerDescriptor {
    return this.rpc.local
  }

  /** Routed messages (layer 0): ROUTE notices go to `router`. */
  setRouter(router: Router): void {
    this.router = router
  }

  /** Still joining: join has not been called, or a session is running. */
  get joining(): boolean {
    return !this.joinCalled || this.sessions > 0
  }

  get storedKeyCount(): number {
    return this.data.keyCount
  }

  /** The live values this node holds for others under `key`. */
  storedEntries(key: DhtId, nowMs: number): DataEntry[] {
    return this.data.get(key, nowMs)
  }

  /**
   * Joins through `entryPoints` (PeerDiscovery.joinDht): per entry point a lookup of our own id
   * and, if `distant`, then of its complement; with `retry`, a join that leaves no neighbour is
   * tried again.
   */
  join(entryPoints: readonly PeerDescriptor[], distant = true, retry = true, done?: () => void): void {
    this.joinCalled = true
    const contacted = new Set<string>()
    const farContacted = distant ? new Set<string>() : undefined
    let left = 0
    const finished = () => {
      if (--left === 0) done?.()
    }
    for (const ep of entryPoints) {
      if (ep.nodeId === this.local.nodeId) continue
      left++
      this.joinThrough(ep, contacted, farContacted, retry, finished)
    }
    if (left === 0) done?.()
  }

  /** Looks up our own position on the ring (PeerDiscovery.joinRing). */
  joinRing(done?: () => void): void {
    const position = ringPositionOf(this.local)
    const metric: LookupMetric = (a, b) => ringCloseness(position, a) - ringCloseness(position, b)
    this.sessions++
    this.runLookup('join', metric, 'ring', new Set(), this.peers.ring.all().concat(this.peers.nearby.closest(this.options.k)), (peer, cb) => {
      this.rpc.request(peer, this.service, DHT_CLOSEST_RING_PEERS, { position }, 8, this.timeoutFor(peer), (reply) => {
        if (!isRingReply(reply)) return cb(undefined)
        this.peers.setActive(peer.nodeId)
        const found = [...reply.left, ...reply.right]
        for (const c of found) this.peers.addContact(c)
        cb(found)
      })
    }, this.options.joinTimeoutMs, () => {
      this.sessions--
      done?.()
    })
  }

  /** The k nodes closest to `target`, by an iterative lookup. */
  findClosest(target: DhtId, done: (result: LookupResult) => void): void {
    const seeds = this.peers.buckets.closestTo(target, this.options.k * 2).concat(this.peers.nearby.closest(this.options.k))
    this.runLookup('find', (a, b) => compareDistance(a.dhtId, b.dhtId, target), 'find', new Set(), seeds,
      (peer, cb) => this.closestPeers(peer, target, this.options.k, cb, false), this.options.joinTimeoutMs, done)
  }

  /**
   * Stores `entry` on the `redundancy` nodes closest to `key` (ourselves among them if we are).
   * While still joining, a linked entry point does it for us (DhtNode.executeRecursiveOperation);
   * `direct` does it ourselves: an entry point that is joining too does not pass on a store it was
   * asked to do, since the next one would see a creator that is not the asker.
   */
  store(key: DhtId, entry: DataEntry, done?: (storedOn: number) => void, direct = false): void {
    const via = direct ? undefined : this.entryPointToAsk()
    if (via !== undefined) {
      this.rpc.request(via, this.service, DHT_EXTERNAL_STORE, { key, entry }, KEY_BODY_BYTES + DATA_ENTRY_BYTES,
        this.options.externalTimeoutMs, (reply) => done?.(typeof reply === 'number' ? reply : 0))
      return
    }
    this.findClosest(key, ({ closest }) => {
      const targets = this.withSelf(key, closest).slice(0, this.options.redundancy)
      const remote: PeerDescriptor[] = []
      let pending = targets.length
      let stored = 0
      const one = (ok: boolean) => {
        if (ok) stored++
        if (--pending === 0) done?.(stored)
      }
      if (pending === 0) return done?.(0)
      for (const t of targets) {
        if (t.nodeId === this.local.nodeId) {
          one(this.data.put(key, entry, this.ports.clock.now()))
          continue
        }
        remote.push(t)
        this.rpc.request(t, this.service, DHT_STORE, { key, entry }, KEY_BODY_BYTES + DATA_ENTRY_BYTES, this.timeoutFor(t),
          (reply) => one(reply === true))
      }
      this.storedOn.set(key, remote)
    })
  }

  /** Every live value under `key` held by the nodes closest to it, newest per creator; via an entry point while joining. */
  fetch(key: DhtId, done: (entries: DataEntry[]) => void, direct = false): void {
    const via = direct ? undefined : this.entryPointToAsk()
    if (via !== undefined) {
      this.rpc.request(via, this.service, DHT_EXTERNAL_FETCH, { key }, KEY_BODY_BYTES, this.options.externalTimeoutMs,
        (reply) => done(isFetchReply(reply) ? [...reply.entries] : []))
      return
    }
    this.findClosest(key, ({ closest }) => {
      const byCreator = new Map<string, DataEntry>()
      const take = (entries: readonly DataEntry[]) => {
        for (const e of entries) {
          const held = byCreator.get(e.creator.nodeId)
          if (held === undefined || held.storedAtMs < e.storedAtMs) byCreator.set(e.creator.nodeId, e)
        }
      }
      const targets = this.withSelf(key, closest).slice(0, this.options.redundancy)
      let pending = targets.length
      const one = () => {
        if (--pending === 0) done([...byCreator.values()])
      }
      if (pending === 0) return done([])
      for (const t of targets) {
        if (t.nodeId === this.local.nodeId) {
          take(this.data.get(key, this.ports.clock.now()))
          one()
          continue
        }
        this.rpc.request(t, this.service, DHT_FETCH, { key }, KEY_BODY_BYTES, this.timeoutFor(t), (reply) => {
          if (isFetchReply(reply)) take(reply.entries)
          one()
        })
      }
    })
  }

  /** Withdraws our value under `key` from the nodes we stored it on. */
  deleteData(key: DhtId): void {
    this.data.delete(key, this.local.nodeId)
    for (const t of this.storedOn.get(key) ?? []) {
      this.rpc.notify(t, this.service, DHT_DELETE, { key, creator: this.local.nodeId }, KEY_BODY_BYTES + 20)
    }
    this.storedOn.delete(key)
  }

  /** Leaves: neighbours and ring contacts hear a leave notice, every timer stops. */
  stop(): void {
    if (this.stopped) return
    for (const c of this.peers.stop()) {
      if (this.rpc.linkedPeer(c.nodeId) !== undefined) this.rpc.notify(c, this.service, DHT_LEAVE, null, 0)
    }
    this.halt()
  }

  /** Stops without a word (the node is gone). */
  halt(): void {
    if (this.stopped) return
    this.peers.stop()
    this.stopped = true
    for (const t of this.live) this.ports.timers.clearTimeout(t)
    this.live.clear()
    this.rpc.unregister(this.service)
    this.rpc.removeLinkListener(this)
  }

  // RpcService

  handleRequest(sender: PeerDescriptor, method: number, body: unknown, reply: RpcReply): boolean {
    if (this.stopped) return true
    switch (method) {
      case DHT_PING:
        reply(null, 0)
        this.peers.addContact(sender)
        return true
      case DHT_CLOSEST_PEERS: {
        if (!isClosestBody(body)) return false
        this.peers.addContact(sender)
        const peers = this.peers.buckets.closestTo(body.key, Math.min(body.count, this.options.k))
        reply({ peers }, peersBytes(peers.length))
        return true
      }
      case DHT_CLOSEST_RING_PEERS: {
        if (!isRingBody(body)) return false
        this.peers.addContact(sender)
        const around = new RingContacts(body.position, this.options.batchSize, sender.nodeId)
        for (const c of this.peers.ring.all()) around.add(c)
        reply({ left: around.left, right: around.right }, peersBytes(around.left.length) + peersBytes(around.right.length))
        return true
      }
      // An entry point stores for a joining node, so the creator need not be the sender (StoreRpcLocal.storeData).
      case DHT_STORE:
        if (!isStoreBody(body)) return false
        reply(this.data.put(body.key, body.entry, this.ports.clock.now()), 1)
        return true
      case DHT_ROUTE:
        return this.router?.handle(body, reply) ?? false
      case DHT_EXTERNAL_FETCH:
        if (!isKeyBody(body)) return false
        this.fetch(body.key, (entries) => {
          const listed = entries.slice(0, MAX_FETCHED_ENTRIES)
          reply({ entries: listed }, 4 + listed.length * DATA_ENTRY_BYTES)
        }, true)
        return true
      case DHT_EXTERNAL_STORE:
        if (!isStoreBody(body) || body.entry.creator.nodeId !== sender.nodeId) return false
        this.store(body.key, body.entry, (storedOn) => reply(storedOn, 4), true)
        return true
      case DHT_FETCH: {
        if (!isKeyBody(body)) return false
        const entries = this.data.get(body.key, this.ports.clock.now()).slice(0, MAX_FETCHED_ENTRIES)
        reply({ entries }, 4 + entries.length * DATA_ENTRY_BYTES)
        return true
      }
      default:
        return false
    }
  }

  handleNotice(sender: PeerDescriptor, method: number, body: unknown): boolean {
    if (this.stopped) return true
    switch (method) {
      case DHT_LEAVE:
        this.peers.removeContact(sender)
        return true
      case DHT_DELETE:
        if (!isDeleteBody(body) || body.creator !== sender.nodeId) return false
        this.data.delete(body.key, body.creator)
        return true
      case DHT_REPLICATE:
        if (!isReplicateBody(body)) return false
        this.replicated(sender, body.key, body.entries)
        return true
      default:
        return false
    }
  }

  // Replication (StoreManager.onContactAdded and StoreRpcLocal.replicateData): values move to
  // nodes that become their closest, so a fetch by the nodes closest to a key finds them.

  /** The nodes that should hold `key`: the `redundancy` closest among our neighbours and us. */
  private storers(key: DhtId): PeerDescriptor[] {
    return this.withSelf(key, this.peers.buckets.closestTo(key, this.options.redundancy)).slice(0, this.options.redundancy)
  }

  /** A new nearby contact: where we are a key's closest storer and it is now among the storers, it gets our copies. */
  private replicateTo(contact: PeerDescriptor): void {
    if (this.stopped || this.data.keyCount === 0) return
    const now = this.ports.clock.now()
    for (const key of this.data.keys()) {
      const storers = this.storers(key)
      const before = storers.filter((p) => p.nodeId !== contact.nodeId)
      if (before[0]?.nodeId !== this.local.nodeId || !storers.some((p) => p.nodeId === contact.nodeId)) continue
      this.sendReplica(contact, key, this.data.get(key, now))
    }
  }

  /** Copies arrived from `sender`: keep the new ones and pass them on, to all storers if we are the closest, else to the closest. */
  private replicated(sender: PeerDescriptor, key: DhtId, entries: readonly DataEntry[]): void {
    const now = this.ports.clock.now()
    const fresh = entries.filter((e) => this.data.put(key, e, now))
    if (fresh.length === 0) return
    const storers = this.storers(key)
    const targets = storers[0].nodeId === this.local.nodeId ? storers : [storers[0]]
    for (const t of targets) if (t.nodeId !== sender.nodeId && t.nodeId !== this.local.nodeId) this.sendReplica(t, key, fresh)
  }

  private sendReplica(to: PeerDescriptor, key: DhtId, entries: readonly DataEntry[]): void {
    if (entries.length === 0) return
    this.rpc.notify(to, this.service, DHT_REPLICATE, { key, entries }, KEY_BODY_BYTES + entries.length * DATA_ENTRY_BYTES)
  }

  // LinkListener (layer 0 follows its links: DhtNode's 'disconnected' handler)

  disconnected(peer: string, leaving: boolean): void {
    if (this.stopped || this.hooks.lock === undefined) return
    if (leaving) {
      const c = this.peers.buckets.find(peer) ?? this.peers.nearby.all().find((d) => d.nodeId === peer)
      if (c !== undefined) this.peers.removeContact(c)
    } else {
      this.peers.removeNeighbour(peer)
    }
  }

  // The parts of a join.

  private joinThrough(ep: PeerDescriptor, contacted: Set<string>, farContacted: Set<string> | undefined, retry: boolean, done?: () => void): void {
    if (this.stopped) return
    const lockId = `${this.service}::joinDht`
    this.hooks.lock?.(ep.nodeId, lockId)
    this.peers.addContact(ep)
    const own = this.local.dhtId
    const far = complementOf(own)
    this.sessions++
    const session = (target: DhtId, set: Set<string>, then: () => void) => {
      this.runLookup('join', (a, b) => compareDistance(a.dhtId, b.dhtId, target), 'join', set, this.peers.nearby.all(),
        (peer, cb) => this.closestPeers(peer, target, this.options.batchSize, cb), this.options.joinTimeoutMs, () => then())
    }
    const after = () => {
      this.sessions--
      this.hooks.unlock?.(ep.nodeId, lockId)
      if (this.stopped) return
      if (this.peers.neighbourCount === 0) {
        if (retry) this.after(this.options.rejoinDelayMs, () => this.rejoin(ep))
      } else {
        this.startRecovery()
      }
      done?.()
    }
    session(own, contacted, () => farContacted === undefined ? after() : session(far, farContacted, after))
  }

  private rejoin(ep: PeerDescriptor): void {
    if (this.stopped || this.rejoining) return
    this.rejoining = true
    this.joinThrough(ep, new Set(), new Set(), true, () => {
      this.rejoining = false
    })
  }

  private bucketsEmpty(): void {
    if (this.stopped || this.joining) return
    if (this.entryPoints.length > 0) {
      for (const ep of this.entryPoints) this.rejoin(ep)
    } else {
      this.hooks.rejoinRequired?.()
    }
  }

  private startRecovery(): void {
    if (this.recoveryTimer !== undefined) return
    const tick = () => {
      this.recoveryTimer = this.after(this.options.recoveryIntervalMs, tick)
      const own = this.local.dhtId
      const batch = this.options.batchSize
      for (const n of this.peers.buckets.closestTo(own, this.options.parallelism)) this.closestPeers(n, own, batch, () => {})
      const random = randomId(this.ports.random)
      for (const n of this.peers.buckets.closestTo(random, 1)) this.closestPeers(n, randomId(this.ports.random), batch, () => {})
    }
    this.recoveryTimer = this.after(this.options.recoveryIntervalMs, tick)
  }

  private schedulePing(intervalMs: number): void {
    this.after(intervalMs, () => {
      this.peers.pruneOffline(this.peers.buckets.all())
      this.peers.pruneOffline(this.peers.ring.all())
      this.schedulePing(intervalMs)
    })
  }

  private runLookup(mode: LookupMode, metric: LookupMetric, purpose: 'join' | 'find' | 'ring', contacted: Set<string>,
    seeds: readonly PeerDescriptor[], query: LookupQuery,
    timeoutMs: number, done: (result: LookupResult) => void): void {
    const lookup = new Lookup(metric, {
      mode, parallelism: this.options.parallelism, noProgressLimit: this.options.noProgressLimit, k: this.options.k,
      maxCandidates: this.options.maxContactCount,
    }, contacted, query, (result) => {
      this.ports.timers.clearTimeout(timer)
      this.live.delete(timer)
      this.hooks.observer?.lookupDone(this.service, purpose, result)
      done(result)
    })
    const timer = this.after(timeoutMs, () => lookup.abort())
    lookup.start(seeds.filter((s) => s.nodeId !== this.local.nodeId))
  }

  /**
   * Asks `peer` for its `count` contacts closest to `target`. A join asks for the reference's
   * batch (5, peerDiscoveryQueryBatchSize); a find asks for k, so that it can return the true k
   * closest (the reference's recursive find gathers 5 per hop instead).
   */
  private closestPeers(peer: PeerDescriptor, target: DhtId, count: number, cb: (contacts: readonly PeerDescriptor[] | undefined) => void,
    forget = true): void {
    this.rpc.request(peer, this.service, DHT_CLOSEST_PEERS, { key: target, count }, KEY_BODY_BYTES + 1, this.timeoutFor(peer), (reply) => {
      if (this.stopped || !isPeersReply(reply)) {
        // DiscoverySession.onRequestFailed: a contact that does not answer is forgotten (by joins; a find asks again).
        if (!this.stopped && forget) this.peers.removeContact(peer)
        return cb(undefined)
      }
      this.peers.setActive(peer.nodeId)
      for (const c of reply.peers) this.peers.addContact(c)
      cb(reply.peers.filter((c) => c.nodeId !== this.local.nodeId))
    })
  }

  private ping(peer: PeerDescriptor, done: (online: boolean) => void): void {
    this.rpc.request(peer, this.service, DHT_PING, null, 0, this.timeoutFor(peer), (reply, failure) => done(failure === undefined))
  }

  /** A linked entry point at random, while our join is under way; undefined otherwise. */
  private entryPointToAsk(): PeerDescriptor | undefined {
    if (!this.joining) return undefined
    const linked = this.entryPoints.filter((e) => e.nodeId !== this.local.nodeId && this.rpc.linkedPeer(e.nodeId) !== undefined)
    return linked.length === 0 ? undefined : linked[Math.floor(this.ports.random.next() * linked.length)]
  }

  /** The RPC timeout for `peer`: the DHT's own, or by the connection it needs (RpcRemote.ts). */
  private timeoutFor(peer: PeerDescriptor): number {
    if (this.options.rpcTimeoutMs !== null) return this.options.rpcTimeoutMs
    if (peer.websocket || this.rpc.linkedPeer(peer.nodeId) !== undefined) return this.timeouts.websocketClientMs
    if (this.local.websocket) return this.timeouts.websocketServerMs
    return this.timeouts.webrtcMs
  }

  /** `closest` with ourselves put in our place by distance to `key`. */
  private withSelf(key: DhtId, closest: readonly PeerDescriptor[]): PeerDescriptor[] {
    const out = [...closest]
    const i = out.findIndex((c) => compareDistance(this.local.dhtId, c.dhtId, key) < 0)
    out.splice(i < 0 ? out.length : i, 0, this.local)
    return out
  }

  private after(ms: number, fn: () => void): number {
    const t = this.ports.timers.setTimeout(() => {
      this.live.delete(t)
      if (!this.stopped) fn()
    }, ms)
    this.live.add(t)
    return t
  }
}

/** How close `d` is to `position` on the ring, whichever side it is on. */
function ringCloseness(position: number, d: PeerDescriptor): number {
  const p = ringPositionOf(d)
  return Math.min(leftDistance(position, p), rightDistance(position, p))
}

function randomId(random: Random): DhtId {
  const id = new Uint8Array(20)
  for (let i = 0; i < 20; i++) id[i] = Math.floor(random.next() * 256)
  return id
}

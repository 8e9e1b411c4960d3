// The on-chain stream registry's semantics (PROTOCOL.md: only permitted publishers may publish,
// only permitted subscribers may subscribe): streams with an owner, publish and subscribe
// permissions per address, public streams that anyone may subscribe to. A change is a
// transaction: it takes effect `confirmationDelayMs` after it is submitted, as a chain confirms
// it, and nodes see it later still if they cached the old answer (PermissionCache).
//
// A node asks through a PermissionSource: in the simulator the registry itself answers at once;
// a live node asks a chain node (live/registry/registry-client.ts), whose answer comes later. The
// cache and everything that asks it take the answer through a callback, so both are one code path,
// and with a source that answers at once nothing waits and nothing is scheduled.

import type { Clock } from '../ports.ts'
import type { Address } from '../message-layer/identity.ts'

export type Permission = 'publish' | 'subscribe'

export interface StreamRegistryOptions {
  /** From submitting a change to its taking effect. */
  confirmationDelayMs: number
  /**
   * A stream the registry has no record of is open: anyone may publish and subscribe. For a
   * live network run without a chain, where signatures still say who published but nobody
   * manages permissions. Default false: unknown streams allow nothing.
   */
  openUnknownStreams?: boolean
}

interface Change {
  readonly effectiveAtMs: number
  readonly granted: boolean
}

interface StreamRecord {
  readonly owner: Address
  /** Effective time from which anyone may subscribe; Infinity: never. */
  publicFromMs: number
  /** `permission address` -> changes in submission order (so effective order too). */
  readonly changes: Map<string, Change[]>
}

/** Where a node's permission answers come from. */
export interface PermissionSource {
  /**
   * Calls `answer` once with what the registry says now, at once or later. `undefined`: no
   * answer could be had (the chain node failed or did not answer in time); the asker refuses
   * and asks again next time rather than remembering it.
   */
  lookup(streamId: string, address: Address, permission: Permission, answer: (allowed: boolean | undefined) => void): void
}

export class StreamRegistry implements PermissionSource {
  private readonly streams = new Map<string, StreamRecord>()
  /** Lookups answered, for metrics (each is an RPC to a chain node in a live network). */
  queries = 0

  constructor(private readonly clock: Clock, readonly options: StreamRegistryOptions) {
    if (!(options.confirmationDelayMs >= 0)) throw new RangeError(`confirmationDelayMs must be >= 0, got ${options.confirmationDelayMs}`)
  }

  /** Creates `streamId` owned by `owner`, who may publish and subscribe. Effective at once: streams exist before a run. */
  createStream(streamId: string, owner: Address, options: { public?: boolean } = {}): void {
    if (this.streams.has(streamId)) throw new Error(`stream ${streamId} already exists`)
    const record: StreamRecord = { owner, publicFromMs: options.public === true ? -Infinity : Infinity, changes: new Map() }
    this.streams.set(streamId, record)
  }

  grant(streamId: string, address: Address, permission: Permission): void {
    this.submit(streamId, address, permission, true)
  }

  /** A grant already on chain when the network starts: effective from the beginning of time. */
  grantFromStart(streamId: string, address: Address, permission: Permission): void {
    const record = this.record(streamId)
    const key = `${permission} ${address}`
    const changes = record.changes.get(key) ?? []
    changes.unshift({ effectiveAtMs: -Infinity, granted: true })
    record.changes.set(key, changes)
  }

  revoke(streamId: string, address: Address, permission: Permission): void {
    this.submit(streamId, address, permission, false)
  }

  /** Makes the stream public (anyone may subscribe), once confirmed. */
  makePublic(streamId: string): void {
    this.record(streamId).publicFromMs = this.clock.now() + this.options.confirmationDelayMs
  }

  /** What the chain says now. */
  allows(streamId: string, address: Address, permission: Permission): boolean {
    this.queries++
    const record = this.streams.get(streamId)
    if (record === undefined) return this.options.openUnknownStreams === true
    if (address === record.owner) return true
    const now = this.clock.now()
    if (permission === 'subscribe' && record.publicFromMs <= now) return true
    const changes = record.changes.get(`${permission} ${address}`)
    if (changes === undefined) return false
    for (let i = changes.length - 1; i >= 0; i--) if (changes[i].effectiveAtMs <= now) return changes[i].granted
    return false
  }

  lookup(streamId: string, address: Address, permission: Permission, answer: (allowed: boolean | undefined) => void): void {
    answer(this.allows(streamId, address, permission))
  }

  isPublic(streamId: string): boolean {
    const record = this.streams.get(streamId)
    return record !== undefined && record.publicFromMs <= this.clock.now()
  }

  private submit(streamId: string, address: Address, permission: Permission, granted: boolean): void {
    const record = this.record(streamId)
    const key = `${permission} ${address}`
    let changes = record.changes.get(key)
    if (changes === undefined) record.changes.set(key, (changes = []))
    changes.push({ effectiveAtMs: this.clock.now() + this.options.confirmationDelayMs, granted })
  }

  private record(streamId: string): StreamRecord {
    const record = this.streams.get(streamId)
    if (record === undefined) throw new Error(`no stream ${streamId} in the registry`)
    return record
  }
}

/** Answers a node remembers; beyond it the oldest goes (a publisher asked by every reader of a big stream needs thousands). */
export const MAX_CACHED_PERMISSIONS = 100_000
/** Questions that may wait for a source's answer at once; beyond it they are refused at once (counted). */
export const MAX_WAITING_PERMISSION_QUESTIONS = 10_000

export interface PermissionCacheStats {
  /** Questions the source was asked (each a chain call on a live node). */
  lookups: number
  /** Lookups with no answer (errors, timeouts): their questions were refused. */
  failed: number
  /** Questions refused because MAX_WAITING_PERMISSION_QUESTIONS were already waiting. */
  overflowed: number
}

type Answer = (allowed: boolean) => void

/**
 * A node's view of the registry: answers are cached for `ttlMs`, as a node caches chain
 * lookups, so a revocation reaches a node only once its cached answer expires. Questions asked
 * while the same lookup is on its way wait for it instead of asking again.
 */
export class PermissionCache {
  readonly stats: PermissionCacheStats = { lookups: 0, failed: 0, overflowed: 0 }
  private readonly entries = new Map<string, { allowed: boolean; expiresAtMs: number }>()
  /** Lookups on their way: key -> who waits for the answer. */
  private readonly pending = new Map<string, Answer[]>()
  private waitingCount = 0
  /** One-entry cache of the last question: a node asks about the same publisher message after message. */
  private lastStreamId = ''
  private lastAddress = ''
  private lastPermission: Permission | '' = ''
  private lastKey = ''

  constructor(
    private readonly source: PermissionSource,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = MAX_CACHED_PERMISSIONS,
    private readonly maxWaiting = MAX_WAITING_PERMISSION_QUESTIONS
  ) {}

  /** Forgets every answer: for a source that knows it has just changed (a live node's own declarations), so a revocation counts at once. */
  clear(): void {
    this.entries.clear()
  }

  /** Calls `answer` with whether `address` holds `permission` on `streamId`: at once when cached or the source answers at once, else when it answers. */
  check(streamId: string, address: Address, permission: Permission, answer: Answer): void {
    if (streamId !== this.lastStreamId || address !== this.lastAddress || permission !== this.lastPermission) {
      this.lastStreamId = streamId
      this.lastAddress = address
      this.lastPermission = permission
      this.lastKey = `${permission} ${streamId} ${address}`
    }
    const key = this.lastKey
    const now = this.clock.now()
    const cached = this.entries.get(key)
    if (cached !== undefined && cached.expiresAtMs > now) {
      answer(cached.allowed)
      return
    }
    if (this.waitingCount >= this.maxWaiting) {
      this.stats.overflowed++
      answer(false)
      return
    }
    this.waitingCount++
    const waiting = this.pending.get(key)
    if (waiting !== undefined) {
      waiting.push(answer)
      return
    }
    const waiters: Answer[] = [answer]
    this.pending.set(key, waiters)
    this.stats.lookups++
    this.source.lookup(streamId, address, permission, (allowed) => {
      if (this.pending.get(key) !== waiters) return
      this.pending.delete(key)
      this.waitingCount -= waiters.length
      if (allowed === undefined) this.stats.failed++
      else this.remember(key, allowed, now)
      for (const w of waiters) w(allowed === true)
    })
  }

  private remember(key: string, allowed: boolean, askedAtMs: number): void {
    // Delete first, so the Map's order stays the order of remembering and the oldest goes first.
    if (!this.entries.delete(key) && this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
    // From when it was asked: the chain answered about that moment or later.
    this.entries.set(key, { allowed, expiresAtMs: askedAtMs + this.ttlMs })
  }
}

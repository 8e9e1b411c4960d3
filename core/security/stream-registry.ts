// The on-chain stream registry's semantics (PROTOCOL.md: only permitted publishers may publish,
// only permitted subscribers may subscribe): streams with an owner, publish and subscribe
// permissions per address, public streams that anyone may subscribe to. A change is a
// transaction: it takes effect `confirmationDelayMs` after it is submitted, as a chain confirms
// it, and nodes see it later still if they cached the old answer (PermissionCache).

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

export class StreamRegistry {
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

/**
 * A node's view of the registry: answers are cached for `ttlMs`, as a node caches chain
 * lookups, so a revocation reaches a node only once its cached answer expires.
 */
export class PermissionCache {
  private readonly entries = new Map<string, { allowed: boolean; expiresAtMs: number }>()
  /** One-entry cache of the last question: a node asks about the same publisher message after message. */
  private lastStreamId = ''
  private lastAddress = ''
  private lastPermission: Permission | '' = ''
  private lastKey = ''

  constructor(private readonly registry: StreamRegistry, private readonly clock: Clock, private readonly ttlMs: number) {}

  /** Forgets every answer: for a source that knows it has just changed (a live node's own declarations), so a revocation counts at once. */
  clear(): void {
    this.entries.clear()
  }

  allows(streamId: string, address: Address, permission: Permission): boolean {
    if (streamId !== this.lastStreamId || address !== this.lastAddress || permission !== this.lastPermission) {
      this.lastStreamId = streamId
      this.lastAddress = address
      this.lastPermission = permission
      this.lastKey = `${permission} ${streamId} ${address}`
    }
    const key = this.lastKey
    const now = this.clock.now()
    const cached = this.entries.get(key)
    if (cached !== undefined && cached.expiresAtMs > now) return cached.allowed
    const allowed = this.registry.allows(streamId, address, permission)
    this.entries.set(key, { allowed, expiresAtMs: now + this.ttlMs })
    return allowed
  }
}
